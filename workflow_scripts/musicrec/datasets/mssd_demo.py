"""Deterministic MSSD-shaped demo data (session logs and track features) with planted skip and co-listening structure.

Files and spellings as the official dataset has them: one log per day named ``log_0_<YYYYMMDD>_000000000000`` and the
track features ``tf_000000000000``, columns in :data:`.mssd.LOG_COLUMNS` / :data:`.mssd.TRACK_COLUMNS` order,
booleans ``True``/``False``, dates ``YYYY-MM-DD``.

Planted:

* co-occurrence: every track belongs to one of ``size.clusters`` latent taste clusters (its acoustic vectors are the
  cluster's centre plus noise); a session has one taste cluster and draws each track from it with probability
  ``IN_TASTE`` (by popularity), else from the whole catalogue, so next-track prediction is learnable;
* skips (skip_2), a logistic model: ``logit = SKIP_BIAS + SKIP_DANCEABILITY * (0.5 - danceability)
  + SKIP_OFF_TASTE * [track outside the session's cluster] + CONTEXT_SKIP[context_type]
  + SKIP_POSITION * (position - 1) / 19 + SKIP_EARLIER * (share of the session's earlier tracks skipped)``.
  skip_1 implies skip_2 implies skip_3 (skip_1 is a skip_2 with probability SKIP_1_GIVEN_2, skip_3 follows a
  kept skip_2 with probability SKIP_3_GIVEN_NOT_2); not_skipped is False when skip_3 and, as in the real rows, also
  for a few tracks not skipped but not played to the end (NOT_FINISHED);
* reason_end follows the skips (fwdbtn/backbtn/endplay when skipped, trackdone when finished) and the next track's
  reason_start follows it (trackdone -> trackdone, fwdbtn -> fwdbtn, backbtn -> backbtn, endplay/logout -> clickrow or
  appload), with context_switch and clickrow where the context changes, as in the public mini log.
"""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import polars as pl

from ..io import atomic_path
from .mssd import ACOUSTIC_VECTORS, CONTEXT_TYPES, LOG_COLUMNS, TRACK_COLUMNS
from .mssd_files import FIRST_DAY, TRACK_FEATURES_NAME, MssdDemoSize

log = logging.getLogger(__name__)

IN_TASTE = 0.85
SKIP_BIAS = -1.8
SKIP_DANCEABILITY = 2.0
SKIP_OFF_TASTE = 1.8
CONTEXT_SKIP = {"catalog": 0.0, "charts": 0.4, "editorial_playlist": 0.3, "personalized_playlist": 0.1,
                "radio": 0.6, "user_collection": -0.8}
CONTEXT_P = (0.25, 0.05, 0.15, 0.05, 0.25, 0.25)
SKIP_POSITION = 0.6
SKIP_EARLIER = 2.0
SKIP_1_GIVEN_2 = 0.8
SKIP_3_GIVEN_NOT_2 = 0.15
NOT_FINISHED = 0.08
CONTEXT_SWITCH = 0.03
# (reason_end, probability) of a skipped track, and of a kept track not played to the end.
SKIPPED_ENDS = (("fwdbtn", "backbtn", "endplay", "logout"), (0.75, 0.14, 0.10, 0.01))
UNFINISHED_ENDS = (("fwdbtn", "endplay"), (0.6, 0.4))
FIRST_STARTS = (("clickrow", "fwdbtn", "trackdone", "playbtn", "appload"), (0.35, 0.3, 0.2, 0.1, 0.05))
NEXT_START = {"trackdone": "trackdone", "fwdbtn": "fwdbtn", "backbtn": "backbtn"}
# Pause flags (no, short, long) before a track after the first, and their probabilities (read off the mini log).
PAUSES = (((1, 0, 0), (0, 1, 1), (0, 0, 1)), (0.75, 0.18, 0.07))


def _track_features(size: MssdDemoSize, rng: np.random.Generator) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    """(track-feature table, cluster of each track, popularity of each track) of ``size.tracks`` new ids."""
    track_ids = [f"t_{i:08x}-{rng.integers(0, 16 ** 4):04x}" for i in range(size.tracks)]
    return _features_of(track_ids, size.clusters, rng)


def track_features_for(track_ids, seed: int) -> pl.DataFrame:
    """A track-feature table in the exact schema (:data:`.mssd.TRACK_COLUMNS`) and the demo's distributions for
    the distinct ``track_ids`` (e.g. the tracks of real log rows whose features are not at hand), one row per id
    in sorted order; the same ids and seed give the same table. Acoustic vectors come from the default size's
    number of clusters."""
    ids = sorted(set(track_ids))
    return _features_of(ids, MssdDemoSize.named("default").clusters, np.random.default_rng(seed))[0]


def _features_of(track_ids: list[str], clusters: int, rng: np.random.Generator
                 ) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    """(track-feature table of ``track_ids``, cluster of each track, popularity of each track)."""
    n = len(track_ids)
    cluster = rng.integers(0, clusters, n)
    centres = rng.normal(0.0, 1.0, (clusters, len(ACOUSTIC_VECTORS)))
    vectors = centres[cluster] + rng.normal(0.0, 0.25, (n, len(ACOUSTIC_VECTORS)))
    popularity = rng.lognormal(0.0, 1.0, n)
    unit = {c: rng.beta(2, 2, n) for c in ("acousticness", "beat_strength", "bounciness", "danceability", "energy",
                                            "flatness", "instrumentalness", "liveness", "mechanism", "organism",
                                            "speechiness", "valence")}
    columns = {
        "track_id": pl.Series(track_ids, dtype=pl.String),
        "duration": np.round(rng.uniform(90.0, 420.0, n), 6),
        "release_year": rng.integers(1950, 2019, n),
        "us_popularity_estimate": np.round(100.0 - rng.exponential(2.0, n).clip(0, 10) / popularity.clip(0.5), 6),
        "dyn_range_mean": rng.uniform(2.0, 15.0, n), "key": rng.integers(0, 12, n),
        "loudness": rng.uniform(-25.0, -2.0, n), "mode": rng.choice(["major", "minor"], n, p=[0.65, 0.35]),
        "tempo": rng.uniform(60.0, 200.0, n), "time_signature": rng.choice([1, 3, 4, 5], n, p=[0.02, 0.1, 0.85, 0.03]),
        **unit, **{name: vectors[:, i] for i, name in enumerate(ACOUSTIC_VECTORS)},
    }
    return pl.DataFrame(columns).select(TRACK_COLUMNS), cluster, popularity


def skip_probability(danceability, off_taste, context: str, position, earlier_share):
    """P(skip_2) of the planted logistic model (module docstring); array arguments broadcast."""
    logit = (SKIP_BIAS + SKIP_DANCEABILITY * (0.5 - np.asarray(danceability)) + SKIP_OFF_TASTE * np.asarray(off_taste)
             + CONTEXT_SKIP[context] + SKIP_POSITION * (np.asarray(position) - 1) / 19
             + SKIP_EARLIER * np.asarray(earlier_share))
    return 1.0 / (1.0 + np.exp(-logit))


def _session(rng, tracks: pl.DataFrame, cluster, popularity, members, session_id: str, day: dt.date) -> list[tuple]:
    """The rows of one session (values in LOG_COLUMNS order, booleans as Python bools)."""
    length = int(rng.integers(10, 21))
    taste = int(rng.integers(0, len(members)))
    in_taste = members[taste]
    p_in = popularity[in_taste] / popularity[in_taste].sum()
    p_all = popularity / popularity.sum()
    context = str(rng.choice(CONTEXT_TYPES, p=CONTEXT_P))
    shuffle, premium = bool(rng.random() < 0.3), bool(rng.random() < 0.85)
    hour = int(rng.integers(0, 24))
    danceability = tracks["danceability"].to_numpy()
    track_ids = tracks["track_id"]
    rows, skips, previous_end = [], 0, None
    for position in range(1, length + 1):
        track = int(rng.choice(in_taste, p=p_in)) if rng.random() < IN_TASTE else int(rng.choice(len(p_all), p=p_all))
        switch = position > 1 and rng.random() < CONTEXT_SWITCH
        if switch:
            context = str(rng.choice(CONTEXT_TYPES, p=CONTEXT_P))
        p = skip_probability(danceability[track], cluster[track] != taste, context, position,
                             skips / (position - 1) if position > 1 else 0.0)
        skip_2 = bool(rng.random() < p)
        skip_1 = skip_2 and bool(rng.random() < SKIP_1_GIVEN_2)
        skip_3 = skip_2 or bool(rng.random() < SKIP_3_GIVEN_NOT_2)
        not_skipped = not skip_3 and bool(rng.random() >= NOT_FINISHED)
        if skip_3:
            end = str(rng.choice(SKIPPED_ENDS[0], p=SKIPPED_ENDS[1]))
        else:
            end = "trackdone" if not_skipped else str(rng.choice(UNFINISHED_ENDS[0], p=UNFINISHED_ENDS[1]))
        if position == 1:
            start = str(rng.choice(FIRST_STARTS[0], p=FIRST_STARTS[1]))
            pauses = (0, 0, 0)
        else:
            after_stop = "clickrow" if rng.random() < 0.85 else "appload"
            start = "clickrow" if switch else NEXT_START.get(previous_end, after_stop)
            pauses = PAUSES[0][rng.choice(len(PAUSES[0]), p=PAUSES[1])]
        hour = (hour + int(position > 1 and rng.random() < 0.08)) % 24
        rows.append((session_id, position, length, track_ids[track], skip_1, skip_2, skip_3, not_skipped, int(switch),
                     *pauses, int(rng.random() < 0.01), int(rng.random() < 0.03), shuffle, hour, day.isoformat(),
                     premium, context, start, end))
        skips += skip_2
        previous_end = end
    return rows


def generate(size: MssdDemoSize, seed: int) -> dict[str, pl.DataFrame]:
    """One log table per day (keys :meth:`MssdDemoSize.log_names`) and the track features (``tf_000000000000``)."""
    rng = np.random.default_rng(seed)
    tracks, cluster, popularity = _track_features(size, rng)
    members = [np.flatnonzero(cluster == c) for c in range(size.clusters)]
    days = [FIRST_DAY + dt.timedelta(days=d) for d in range(size.days)]
    day_of = np.sort(rng.integers(0, size.days, size.sessions))
    rows_by_day: list[list[tuple]] = [[] for _ in days]
    for s, d in enumerate(day_of):
        session_id = f"{d}_{s:08x}-{rng.integers(0, 16 ** 4):04x}-demo"
        rows_by_day[d] += _session(rng, tracks, cluster, popularity, members, session_id, days[d])
    tables = {name: pl.DataFrame(rows, schema=list(LOG_COLUMNS), orient="row")
              for name, rows in zip(size.log_names(), rows_by_day)}
    tables[TRACK_FEATURES_NAME] = tracks
    log.info("demo MSSD: %d sessions over %d days, %d rows, %d tracks in %d clusters", size.sessions, size.days,
             sum(len(r) for r in rows_by_day), size.tracks, size.clusters)
    return tables


def write(tables: dict[str, pl.DataFrame], paths: dict[str, str]) -> None:
    """Write each table to ``paths[name]`` as the official CSVs are: a header, booleans True/False."""
    for name, frame in tables.items():
        text = frame.with_columns(pl.col(pl.Boolean).replace_strict({True: "True", False: "False"},
                                                                    return_dtype=pl.String))
        with atomic_path(paths[name]) as tmp:
            text.write_csv(tmp)
