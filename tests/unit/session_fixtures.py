"""Small planted :class:`~musicrec.sessions.Sessions` for the session models' unit tests (no files, no loader).

Tracks belong to taste clusters (their acoustic vectors are the cluster's centre plus noise); a session has a
cluster and draws 85% of its tracks from it, so the next track is predictable from the first half. skip_2 follows
a logistic model of the track's danceability, whether it is off the session's cluster, and the share of the
session's earlier skips, so skips are predictable from track features and the first half.
"""

from __future__ import annotations

import numpy as np

from musicrec.sessions import FIRST_TRACK, MAX_LENGTH, TRACK_FEATURES, Sessions, log_feature_names

DANCEABILITY = TRACK_FEATURES.index("danceability")
FIRST_ACOUSTIC = TRACK_FEATURES.index("acoustic_vector_0")


def planted_sessions(n_sessions: int = 300, n_tracks: int = 40, clusters: int = 4, seed: int = 0,
                     vocabulary_seed: int = 0) -> Sessions:
    """``n_sessions`` sessions of 10..20 tracks over ``n_tracks`` real tracks (vocabulary indices 2..);
    the same ``vocabulary_seed`` gives the same tracks (so a train and a test split share them)."""
    vocab_rng = np.random.default_rng(vocabulary_seed)
    cluster = vocab_rng.integers(0, clusters, n_tracks)
    features = vocab_rng.normal(0.0, 1.0, (n_tracks, len(TRACK_FEATURES)))
    centres = vocab_rng.normal(0.0, 1.5, (clusters, 8))
    features[:, FIRST_ACOUSTIC:FIRST_ACOUSTIC + 8] = centres[cluster] + vocab_rng.normal(0, 0.3, (n_tracks, 8))
    popularity = vocab_rng.lognormal(0.0, 1.0, n_tracks)
    vocabulary = np.zeros((n_tracks + FIRST_TRACK, len(TRACK_FEATURES)), dtype=np.float32)
    vocabulary[FIRST_TRACK:] = features

    rng = np.random.default_rng(seed)
    names = log_feature_names()
    flag = {name: names.index(name) for name in ("skip_1", "skip_2", "skip_3", "not_skipped")}
    contexts = [i for i, name in enumerate(names) if name.startswith("context_type=")]
    tracks = np.zeros((n_sessions, MAX_LENGTH), dtype=np.int64)
    skips = np.zeros((n_sessions, MAX_LENGTH), dtype=np.int8)
    log_features = np.zeros((n_sessions, MAX_LENGTH, len(names)), dtype=np.float32)
    lengths = rng.integers(10, MAX_LENGTH + 1, n_sessions)
    for s in range(n_sessions):
        taste = rng.integers(0, clusters)
        members = np.flatnonzero(cluster == taste)
        skipped = 0
        context = contexts[rng.integers(0, len(contexts))]
        for p in range(lengths[s]):
            if rng.random() < 0.85:
                track = rng.choice(members, p=popularity[members] / popularity[members].sum())
            else:
                track = rng.choice(n_tracks, p=popularity / popularity.sum())
            logit = (-1.0 + 1.5 * features[track, DANCEABILITY] + 2.0 * (cluster[track] != taste)
                     + 2.0 * (skipped / p if p else 0.0))
            skip = rng.random() < 1.0 / (1.0 + np.exp(-logit))
            tracks[s, p] = track + FIRST_TRACK
            skips[s, p] = skip
            skipped += skip
            if p < lengths[s] // 2:
                for column in ("skip_1", "skip_2", "skip_3"):
                    log_features[s, p, flag[column]] = skip
                log_features[s, p, flag["not_skipped"]] = 1 - skip
                log_features[s, p, context] = 1.0
    track_features = vocabulary[tracks] * (tracks != 0)[:, :, None]
    return Sessions(
        session_ids=np.array([f"s{seed}_{i:05d}" for i in range(n_sessions)]),
        dates=np.full(n_sessions, np.datetime64("2018-07-14", "D")),
        tracks=tracks, lengths=lengths.astype(np.int64), first_lengths=(lengths // 2).astype(np.int64),
        skips=skips, log_features=log_features, track_features=track_features.astype(np.float32),
        vocabulary_features=vocabulary,
    )
