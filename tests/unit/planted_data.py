"""A small interactions matrix with planted structure, shared by the model contract tests.

60 users in 4 taste clusters and 80 items in the same 4 clusters (20 each), with heavy-tailed item
popularity. Every user draws 9 items of their own cluster and 4 from the whole catalogue, popular ones more
often, in random order: 10 are training items (a sequence in that order, with timestamps in seconds that
increase along it, spread over a few weeks), 3 are held out. Items carry an ``audio_`` profile and an
8-float ``embed_`` embedding, both near their cluster's centroid; users a few numeric features, and users
are friends within their cluster. A model that learns anything ranks the held-out items far above a
random order. The embeddings and timestamps are drawn last, so every other table is as it was before
they were added.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from musicrec.data import Interactions

N_USERS, N_ITEMS, N_CLUSTERS = 60, 80, 4
DAY = 86_400


def planted_frames(seed: int = 3) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    user_cluster = np.arange(N_USERS) % N_CLUSTERS
    item_cluster = np.arange(N_ITEMS) % N_CLUSTERS
    popularity = rng.lognormal(0.0, 1.5, N_ITEMS)
    train_rows, test_rows, sequence_rows = [], [], []
    for u in range(N_USERS):
        own = np.flatnonzero(item_cluster == user_cluster[u])
        from_own = rng.choice(own, size=9, replace=False, p=popularity[own] / popularity[own].sum())
        rest = np.setdiff1d(np.arange(N_ITEMS), from_own)
        anywhere = rng.choice(rest, size=4, replace=False, p=popularity[rest] / popularity[rest].sum())
        chosen = rng.permutation(np.concatenate([from_own, anywhere]))
        train_items = chosen[:10]
        for position, item in enumerate(train_items):
            weight = int(rng.integers(5, 50)) if item_cluster[item] == user_cluster[u] else 1
            train_rows.append((100 + u, 1000 + int(item), weight))
            sequence_rows.append((100 + u, 1000 + int(item), position))
        test_rows += [(100 + u, 1000 + int(item)) for item in chosen[10:]]
    centroids = rng.normal(size=(N_CLUSTERS, 4))
    profiles = centroids[item_cluster] + 0.2 * rng.normal(size=(N_ITEMS, 4))
    items = pl.DataFrame({"item_id": 1000 + np.arange(N_ITEMS),
                          **{f"audio_{j}": profiles[:, j] for j in range(4)},
                          "listeners": popularity})
    users = pl.DataFrame({"user_id": 100 + np.arange(N_USERS), "activity": rng.integers(1, 30, N_USERS)})
    friends = [(100 + a, 100 + b) for a in range(N_USERS) for b in range(N_USERS)
               if a != b and user_cluster[a] == user_cluster[b] and rng.random() < 0.3]
    embedding_centroids = rng.normal(size=(N_CLUSTERS, 8))
    embeddings = embedding_centroids[item_cluster] + 0.3 * rng.normal(size=(N_ITEMS, 8))
    items = items.with_columns(pl.Series(f"embed_{j}", embeddings[:, j]) for j in range(8))
    gaps = rng.integers(60, 3 * DAY, (N_USERS, 10))  # seconds between a user's consecutive entries
    gaps[:, 0] = 0
    times = rng.integers(0, 7 * DAY, N_USERS)[:, None] + np.cumsum(gaps, axis=1)
    return {
        "train": pl.DataFrame(train_rows, schema=["user_id", "item_id", "weight"], orient="row"),
        "targets": pl.DataFrame(test_rows, schema=["user_id", "item_id"], orient="row"),
        "sequences": pl.DataFrame(sequence_rows, schema=["user_id", "item_id", "position"], orient="row")
        .with_columns(timestamp=times.ravel()),
        "items": items,
        "users": users,
        "neighbours": pl.DataFrame(friends, schema=["user_id", "neighbour_id"], orient="row"),
    }


def planted_interactions(seed: int = 3, extra_users=()) -> tuple[Interactions, pl.DataFrame]:
    frames = planted_frames(seed)
    data = Interactions.from_frames(frames["train"], frames["items"], frames["users"], frames["sequences"],
                                    frames["neighbours"], extra_users=np.asarray(extra_users, dtype=np.int64))
    return data, frames["targets"]
