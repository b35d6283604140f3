"""Preparation of the Yambda events for the recommender core, in polars lazy/streaming, shardable by user.

The protocol is the Yambda paper's (Ploshkin et al., "Yambda-5B", 2025), so numbers compare:

* global temporal split: test = events at or after ``test_start`` (25,913,600 s, the last day), train =
  events before ``test_start - gap`` (a 30-minute gap); the validation split, for tuning and re-rankers,
  repeats it one window earlier: its test is the ``validation_days`` before the test gap, its train ends
  ``gap`` before that;
* targets: Listen+ (listens with played_ratio_pct >= ``listen_plus_ratio``, 50) and Like, as distinct
  (user, item) pairs of the split's test window, for users seen in its train only; the test window's
  dislikes are kept for Dislike-FPR;
* training dislikes (``train_dislikes``): the distinct (user, item) pairs of the train window's dislike
  events of the split's training users (a later undislike does not remove one), the explicit negatives
  of the models that read the ``negatives`` data part (LightGCN's ``dislike_negatives``);
* training pairs: per (user, item), the sum over its train events of their type's weight
  (``event_weights``; a listen's weight times its played ratio / 100 when ``weight_by_played_ratio``), with
  the event count; pairs of weight 0 are left out (only dislikes or un- events, by default). Re-listens
  add up: history is kept and not masked at evaluation;
* sequences: each user's train listens in time order (position, timestamp), for sequence models and
  time-decayed popularity;
* activity filters (off for the paper protocol): users with fewer than ``min_user_events`` train events
  and items with fewer than ``min_item_users`` training users leave the split's training data (the users
  are not scored).

Everything but the item filter is per user, so :func:`prepare_shard` runs on the users with
``uid % n_shards == shard`` alone and :func:`gather` concatenates the shards into exactly the unsharded
result (the item filter, which needs every user, runs in :func:`gather`). The user-item graph of each
split's training pairs goes to the graph models as ``edge_index`` (users 0..U-1, items U..U+I-1),
``edge_weight`` and ``edge_count`` (:func:`graph_arrays`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from .listening import listening_features

log = logging.getLogger(__name__)

DAY = 86_400
SPLITS = ("test", "valid")
# The parts of a split that one shard prepares (the others are built from them by gather).
SHARD_PARTS = ("train", "sequences", "targets_listen_plus", "targets_like", "dislikes", "train_dislikes")
TARGET_SETS = ("listen_plus", "like")
DEFAULT_EVENT_WEIGHTS = {"listen": 1.0, "like": 4.0, "dislike": 0.0, "unlike": 0.0, "undislike": 0.0}


@dataclass(frozen=True)
class ProtocolParams:
    test_start: int = 25_913_600
    gap_seconds: int = 1_800
    validation_days: int = 1
    listen_plus_ratio: int = 50
    event_weights: dict = field(default_factory=lambda: dict(DEFAULT_EVENT_WEIGHTS))
    weight_by_played_ratio: bool = True
    min_user_events: int = 0
    min_item_users: int = 0

    def windows(self) -> dict[str, tuple[int, int, int | None]]:
        """Per split: (train end, test start, test end or None), train = timestamps < train end."""
        valid_end = self.test_start - self.gap_seconds
        valid_start = valid_end - self.validation_days * DAY
        return {"test": (self.test_start - self.gap_seconds, self.test_start, None),
                "valid": (valid_start - self.gap_seconds, valid_start, valid_end)}

    def describe(self, split: str) -> str:
        train_end, start, end = self.windows()[split]
        window = f"[{start}, {end})" if end is not None else f">= {start}"
        return (f"Yambda global temporal split ({split}): train = events with timestamp < {train_end}, "
                f"test = events with timestamp {window} ({self.gap_seconds} s gap); targets Listen+ (listens "
                f"with played_ratio_pct >= {self.listen_plus_ratio}) and Like of users seen in train")


def _event_counts() -> list[pl.Expr]:
    """Per (user, item): the count of each event type and the summed played ratio of the listens
    (integers, so the sums do not depend on the order in which shards or threads add them)."""
    return [*((pl.col("event_type") == t).sum().cast(pl.UInt32).alias(f"n_{t}") for t in DEFAULT_EVENT_WEIGHTS),
            pl.col("played_ratio_pct").filter(pl.col("event_type") == "listen").cast(pl.UInt64).sum()
            .alias("listen_ratio_sum")]


def pair_weight(params: ProtocolParams) -> pl.Expr:
    """A pair's training weight from its event counts: the sum over event types of the type's weight times
    its count, the listens counted by their played ratio (sum of played_ratio_pct / 100) when
    ``weight_by_played_ratio``."""
    weights = {t: float(params.event_weights.get(t, 0.0)) for t in DEFAULT_EVENT_WEIGHTS}
    listens = (pl.col("listen_ratio_sum").cast(pl.Float64) / 100.0 if params.weight_by_played_ratio
               else pl.col("n_listen").cast(pl.Float64))
    weight = weights["listen"] * listens
    for event_type in DEFAULT_EVENT_WEIGHTS:
        if event_type != "listen" and weights[event_type]:
            weight = weight + weights[event_type] * pl.col(f"n_{event_type}").cast(pl.Float64)
    return weight.cast(pl.Float32)


def _ids(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.rename({"uid": "user_id"})


def _split_queries(events: pl.LazyFrame, params: ProtocolParams, split: str) -> dict[str, pl.LazyFrame]:
    """The lazy queries of one split's shard parts over ``events`` (flat layout)."""
    train_end, start, end = params.windows()[split]
    train = events.filter(pl.col("timestamp") < train_end)
    window = events.filter(pl.col("timestamp") >= start)
    if end is not None:
        window = window.filter(pl.col("timestamp") < end)
    pairs = (train.group_by("uid", "item_id").agg(pl.len().cast(pl.UInt32).alias("events"), *_event_counts())
             .with_columns(pair_weight(params).alias("weight")))
    if params.min_user_events:
        active = pairs.group_by("uid").agg(pl.col("events").sum()).filter(
            pl.col("events") >= params.min_user_events).select("uid")
        pairs = pairs.join(active, on="uid", how="semi")
    pairs = pairs.filter(pl.col("weight") > 0)
    users = pairs.select("uid").unique()

    def targets(frame: pl.LazyFrame) -> pl.LazyFrame:
        return _ids(frame.select("uid", "item_id").unique().join(users, on="uid", how="semi"))

    listens = train.filter(pl.col("event_type") == "listen").join(users, on="uid", how="semi")
    return {
        "train": _ids(pairs.select("uid", "item_id", "weight", "events")),
        "sequences": _ids(listens.select("uid", "item_id", "timestamp")),
        "targets_listen_plus": targets(window.filter((pl.col("event_type") == "listen")
                                                     & (pl.col("played_ratio_pct") >= params.listen_plus_ratio))),
        "targets_like": targets(window.filter(pl.col("event_type") == "like")),
        "dislikes": targets(window.filter(pl.col("event_type") == "dislike")),
        "train_dislikes": targets(train.filter(pl.col("event_type") == "dislike")),
    }


def _ordered(part: str, frame: pl.DataFrame) -> pl.DataFrame:
    """A part in its canonical row order (so that shards and the whole agree row for row)."""
    if part == "sequences":
        frame = frame.sort("user_id", "timestamp", "item_id", maintain_order=True)
        return frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).over("user_id").alias("position"))
    return frame.sort("user_id", "item_id")


def prepare_shard(events: pl.LazyFrame, params: ProtocolParams, split: str, shard: int = 0,
                  n_shards: int = 1) -> dict[str, pl.DataFrame]:
    """One split's shard parts (:data:`SHARD_PARTS`) for the users with uid % n_shards == shard.

    ``events``: the flat-layout events (:func:`musicrec.datasets.yambda.scan_events`). One streaming
    collection of the split's queries, so the file is scanned as few times as polars can manage; one
    split at a time, so a job holds one split's tables at once.
    """
    if not 0 <= shard < n_shards:
        raise ValueError(f"shard {shard} is not in 0..{n_shards - 1}")
    mine = events.filter(pl.col("uid") % n_shards == shard) if n_shards > 1 else events
    queries = _split_queries(mine, params, split)
    collected = pl.collect_all(list(queries.values()), engine="streaming")
    out = {part: _ordered(part, frame) for part, frame in zip(queries, collected)}
    log.info("%s split, shard %d of %d: %s", split, shard, n_shards, {part: f.height for part, f in out.items()})
    return out


def gather(shards: list[dict[str, pl.DataFrame]], params: ProtocolParams, split: str,
           catalogue: pl.DataFrame) -> dict:
    """One split's prepared tables from its shard parts: train, sequences, the target sets, dislikes,
    train_dislikes, targets (every pair of either target set: who gets a list), cold_users (none: only users
    seen in train are scored) and the summary. The item filter (``min_item_users``) runs here, over every
    user."""
    parts = {part: _ordered(part, pl.concat([s[part] for s in shards], how="vertical")) for part in SHARD_PARTS}
    if params.min_item_users:
        kept = (parts["train"].group_by("item_id").len().filter(pl.col("len") >= params.min_item_users)
                .select("item_id"))
        before = parts["train"].height
        parts["train"] = parts["train"].join(kept, on="item_id", how="semi")
        users = parts["train"].select("user_id").unique()
        parts["sequences"] = _ordered("sequences", parts["sequences"].join(kept, on="item_id", how="semi")
                                      .join(users, on="user_id", how="semi"))
        for name in ("targets_listen_plus", "targets_like", "dislikes", "train_dislikes"):
            parts[name] = parts[name].join(users, on="user_id", how="semi")
        log.info("%s: items with fewer than %d training users removed %d of %d training pairs", split,
                 params.min_item_users, before - parts["train"].height, before)
    targets = _ordered("targets", pl.concat([parts[f"targets_{t}"] for t in TARGET_SETS]).unique())
    dtype = parts["train"]["user_id"].dtype
    summary = {
        "description": params.describe(split),
        "windows": dict(zip(("train_end", "test_start", "test_end"), params.windows()[split])),
        "items": catalogue.height,
        "train_users": parts["train"]["user_id"].n_unique(),
        "train_pairs": parts["train"].height,
        "train_events": int(parts["train"]["events"].sum()),
        "sequence_rows": parts["sequences"].height,
        "users_with_targets": targets["user_id"].n_unique(),
        **{f"{t}_pairs": parts[f"targets_{t}"].height for t in TARGET_SETS},
        **{f"{t}_users": parts[f"targets_{t}"]["user_id"].n_unique() for t in TARGET_SETS},
        "dislike_pairs": parts["dislikes"].height,
        "train_dislike_pairs": parts["train_dislikes"].height,
        "sequence_order": "timestamp",
        "shards": len(shards),
    }
    return {**parts, "targets": targets, "cold_users": pl.DataFrame({"user_id": pl.Series([], dtype=dtype)}),
            "summary": summary}


def prepare_items(events: pl.LazyFrame, embeddings: pl.LazyFrame, artists: pl.DataFrame,
                  albums: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(catalogue, item features): the catalogue is every item with an event (full-catalogue ranking); the
    features are its artist_id and album_id (null where the mappings lack the item) and its unit-norm audio
    embedding as float32 columns embed_0.. (null where embeddings.parquet lacks the item)."""
    catalogue = events.select("item_id").unique().sort("item_id").collect(engine="streaming")
    width = embeddings.select(pl.col("normalized_embed").list.len().max()).collect().item()
    vectors = (embeddings.join(catalogue.lazy(), on="item_id", how="semi")
               .unique("item_id", keep="first")
               .select("item_id", pl.col("normalized_embed").cast(pl.List(pl.Float32))
                       .list.to_struct(fields=[f"embed_{j}" for j in range(width)]))
               .unnest("normalized_embed").collect(engine="streaming"))
    features = (catalogue.join(artists, on="item_id", how="left").join(albums, on="item_id", how="left")
                .join(vectors, on="item_id", how="left").sort("item_id"))
    log.info("catalogue: %d items; %d with an artist, %d with an album, %d with an embedding of %d floats",
             catalogue.height, features["artist_id"].count(), features["album_id"].count(), vectors.height, width)
    return catalogue, features


def graph_arrays(train: pl.DataFrame, catalogue: pl.DataFrame) -> dict[str, np.ndarray]:
    """The bipartite user-item graph of the training pairs, for the graph models (PyG's convention):
    ``edge_index`` (2, E) int64 with user nodes 0..U-1 (``user_ids``, sorted) and item nodes U..U+I-1
    (``item_ids`` = the catalogue, sorted); ``edge_weight`` (float32, the summed event weights) and
    ``edge_count`` (the events) per edge."""
    user_ids = np.unique(train["user_id"].to_numpy())
    item_ids = catalogue["item_id"].sort().to_numpy()
    users = np.searchsorted(user_ids, train["user_id"].to_numpy())
    items = np.searchsorted(item_ids, train["item_id"].to_numpy())
    return {"edge_index": np.stack([users, len(user_ids) + items]).astype(np.int64),
            "edge_weight": train["weight"].to_numpy().astype(np.float32),
            "edge_count": train["events"].to_numpy().astype(np.int64),
            "user_ids": user_ids, "item_ids": item_ids}


CANDIDATE_ENTITIES = {"item_id": "track", "artist_id": "artist", "album_id": "album"}


def candidate_features(candidates: pl.DataFrame, train: pl.DataFrame, item_features: pl.DataFrame,
                       sequences: pl.DataFrame, half_life_days: float = 7.0, recent: int = 50,
                       embedding_prefix: str = "embed_") -> pl.DataFrame:
    """The re-rankers' features of one split's candidates (user_id, item_id, the generators' columns), from
    its training pairs (``train``: user_id, item_id, weight, events), its listens (``sequences``) and the
    catalogue's ``item_features`` (artist_id, album_id, audio embeddings embed_0..):
    :func:`~musicrec.features.listening.listening_features` for the track, its artist and its album
    (popularity in training users and weight, listens and listens decayed with a ``half_life_days``
    half-life, as DecayPop; the user's weight share, listens, decayed listens and days since the last listen),
    the user's activity plus ``user_events`` (their training events of every type), and the cosine of the
    track's audio embedding to the user's ``recent`` latest listens and to their weighted training profile.
    Missing values become -1."""
    events = train.group_by("user_id").agg(pl.col("events").cast(pl.Int64).sum().alias("user_events"))
    return listening_features(candidates.join(events, on="user_id", how="left"), train, sequences, item_features,
                              CANDIDATE_ENTITIES, half_life_days, recent, embedding_prefix)
