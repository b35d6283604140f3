"""Preparation of the skip challenge's session tensors from MSSD training logs and track features (polars).

Brost, Mehrotra and Jehan, "The Music Streaming Sessions Dataset", WWW 2019. The logs are read by
:func:`.mssd.read_log` (training logs only: the test-set ``log_prehistory_*`` / ``log_input_*`` files have no
skip labels), the track features by :func:`.mssd.read_track_features` (several ``tf_*`` files are concatenated);
the result is one :class:`~musicrec.sessions.Sessions` per split, a vocabulary table and a summary.

* Sessions: a session's date is the date of its earliest row (a session may run past midnight). Its first half is
  ``first_length = floor(length / 2)`` tracks, as in the challenge; a session is kept when both halves have a
  track (``first_length >= 1`` and ``length - first_length >= 1``, i.e. length >= 2) and it fits
  ``MAX_LENGTH``; the others are dropped with counts in the summary.
* Split by date: the kept sessions are ordered by (date, session_id); the last ``test_share`` of them (rounded
  half up, at least 1) are the test split, the ``valid_share`` before them (at least 1) the validation split and
  the rest (at least 1) the training split. No validation or test session is dated before a training session;
  sessions of one date can fall on both sides of a boundary.
* Vocabulary: the ``vocabulary_size`` most frequent tracks of the training split (ties by track_id) get the
  indices 2.. in that order; every other track is OOV (1), PAD (0) fills positions beyond a session's length.
* Log features (first half only, zero elsewhere) in :func:`~musicrec.sessions.log_feature_names` order: the 0/1
  flags, log1p of the seek counts, the hour as sin/cos of 2 pi hour / 24, one-hot context_type and reasons.
* Track features in :data:`~musicrec.sessions.TRACK_FEATURES` order (mode 1 for major), standardised by the mean
  and the (population) standard deviation over the training split's distinct tracks (a constant feature is
  divided by 1), the same for every split; ``vocabulary_features`` holds them per vocabulary index.
"""

from __future__ import annotations

import logging
import math
import numpy as np
import polars as pl

from ..errors import ConfigError, InputDataError
from ..io import write_json, write_parquet
from ..sessions import (FIRST_TRACK, LOG_COUNTS, LOG_FLAGS, MAX_LENGTH, OOV, TRACK_FEATURES,
                        Sessions, log_feature_names)
from . import mssd
from .validation import require_unique

log = logging.getLogger(__name__)

SPLITS = ("train", "valid", "test")
FIRST_HALF_RULE = ("first_length = floor(length / 2); sessions with first_length >= 1, length - first_length >= 1 "
                   f"and length <= {MAX_LENGTH} are kept")
SPLIT_RULE = ("sessions ordered by (date of their earliest row, session_id): the last test_share (rounded half up, "
              "at least 1) are test, the valid_share before them (at least 1) validation, the rest training")
ONE_HOT = (("context_type", mssd.CONTEXT_TYPES), ("hist_user_behavior_reason_start", mssd.REASONS_START),
           ("hist_user_behavior_reason_end", mssd.REASONS_END))


def prepare(log_paths: list, track_feature_paths: list, vocabulary_size: int, valid_share: float,
            test_share: float) -> tuple[dict[str, Sessions], pl.DataFrame, dict]:
    """The splits {"train", "valid", "test"} as Sessions, the vocabulary (``index`` Int64 from 2, ``track_id``,
    ``count`` Int64 training occurrences; one row per index) and a JSON-able summary (module docstring)."""
    if vocabulary_size < 1:
        raise ConfigError(f"MSSD vocabulary_size must be at least 1, got {vocabulary_size}")
    logs, reports = read_logs(log_paths)
    tracks = read_tracks(track_feature_paths, logs)
    sessions, dropped = usable_sessions(logs)
    sessions = assign_splits(sessions, valid_share, test_share)
    train_rows = logs.join(sessions.filter(pl.col("split") == "train"), on="session_id", how="semi")
    vocabulary = build_vocabulary(train_rows, vocabulary_size)
    features = standardised_features(tracks, train_rows["track_id_clean"].unique())
    rows = indexed_rows(logs, sessions, vocabulary, features)
    matrix = features.select(TRACK_FEATURES).to_numpy().astype(np.float32)
    vocabulary_features = np.zeros((FIRST_TRACK + vocabulary.height, len(TRACK_FEATURES)), dtype=np.float32)
    vocabulary_rows = vocabulary.join(features.select("track_id", "feature_row"), on="track_id").sort("index")
    vocabulary_features[FIRST_TRACK:] = matrix[vocabulary_rows["feature_row"].to_numpy()]
    splits = {name: split_sessions(rows.filter(pl.col("split") == name), sessions.filter(pl.col("split") == name),
                                   matrix, vocabulary_features) for name in SPLITS}
    summary = {
        "log_files": reports, "track_feature_files": [str(p) for p in track_feature_paths],
        "tracks_with_features": tracks.height, "first_half_rule": FIRST_HALF_RULE, "split_rule": SPLIT_RULE,
        **dropped, "vocabulary_size": vocabulary.height, "vocabulary_size_requested": vocabulary_size,
        "valid_share": valid_share, "test_share": test_share, "splits": split_summaries(rows, sessions),
    }
    log.info("MSSD: %s sessions (train, valid, test), vocabulary of %d tracks",
             [len(splits[name]) for name in SPLITS], vocabulary.height)
    return splits, vocabulary, summary


def read_logs(paths) -> tuple[pl.DataFrame, list[dict]]:
    """Every training log concatenated and the loader's report of each; ConfigError for a test-set file,
    InputDataError for a session found in two files."""
    if not paths:
        raise ConfigError("MSSD: no training log files given")
    for path in paths:
        kind = mssd.log_kind(path)
        if kind != "training":
            raise ConfigError(f"{path}: a test-set {kind} file; test-set files have no skip labels to evaluate and "
                              "are not supported by the stage yet (list training logs only)")
    frames, reports = zip(*(mssd.read_log(path, "training") for path in paths))
    _require_sessions_in_one_file(frames, paths)
    return pl.concat(frames), list(reports)


def _require_sessions_in_one_file(frames, paths) -> None:
    """InputDataError naming the later file when a session id occurs in two of the logs."""
    owners = pl.concat([frame.select(pl.col("session_id").unique(), pl.lit(i, pl.UInt32).alias("file"))
                        for i, frame in enumerate(frames)])
    repeated = owners.filter(pl.col("session_id").is_duplicated()).sort("file", "session_id")
    if repeated.height:
        session = repeated["session_id"][0]
        first, second = repeated.filter(pl.col("session_id") == session)["file"][:2]
        raise InputDataError(paths[second], f"{repeated['session_id'].n_unique()} session(s) also appear in another "
                             f"log file (e.g. {session!r}, also in {paths[first]}); a session belongs in one file",
                             column="session_id")


def read_tracks(paths, logs: pl.DataFrame) -> pl.DataFrame:
    """The track-feature files concatenated (each track once); InputDataError when a log track has none."""
    if not paths:
        raise ConfigError("MSSD: no track-feature files given")
    where = ", ".join(str(p) for p in paths)
    tracks = pl.concat([mssd.read_track_features(path) for path in paths])
    require_unique(tracks, where, ("track_id",))
    missing = (logs.select(pl.col("track_id_clean").unique().alias("track_id"))
               .join(tracks, on="track_id", how="anti").sort("track_id")["track_id"])
    if missing.len():
        raise InputDataError(where, f"{missing.len()} track(s) of the logs have no track features (e.g. "
                             f"{missing[0]!r})", column="track_id")
    return tracks


def usable_sessions(logs: pl.DataFrame) -> tuple[pl.DataFrame, dict]:
    """One row per kept session (session_id, date, length, first_length) and the dropped counts."""
    sessions = logs.group_by("session_id").agg(pl.col("date").min(),
                                               pl.col("session_length").first().cast(pl.Int64).alias("length"))
    sessions = sessions.with_columns((pl.col("length") // 2).alias("first_length"))
    halves = (pl.col("first_length") >= 1) & (pl.col("length") - pl.col("first_length") >= 1)
    fits = pl.col("length") <= MAX_LENGTH
    dropped = {"dropped_sessions_without_two_halves": sessions.filter(~halves).height,
               "dropped_sessions_longer_than_max_length": sessions.filter(halves & ~fits).height}
    if any(dropped.values()):
        log.warning("MSSD: dropped %d session(s) without a first and a second half and %d longer than %d tracks",
                    *dropped.values(), MAX_LENGTH)
    return sessions.filter(halves & fits), dropped


def split_counts(n_sessions: int, valid_share: float, test_share: float) -> dict[str, int]:
    """Sessions per split (module docstring); ConfigError when the training split would be empty."""
    test = max(1, math.floor(test_share * n_sessions + 0.5))
    valid = max(1, math.floor(valid_share * n_sessions + 0.5))
    train = n_sessions - valid - test
    if train < 1:
        raise ConfigError(f"MSSD split: {n_sessions} usable session(s) leave {train} for training after {valid} "
                          f"validation (valid_share {valid_share}) and {test} test (test_share {test_share}); "
                          "each split needs at least 1 session")
    return {"train": train, "valid": valid, "test": test}


def assign_splits(sessions: pl.DataFrame, valid_share: float, test_share: float) -> pl.DataFrame:
    """``sessions`` ordered by (date, session_id) with their ``split`` and ``row`` (index within the split)."""
    counts = split_counts(sessions.height, valid_share, test_share)
    labels = np.repeat(SPLITS, [counts[name] for name in SPLITS])
    return (sessions.sort("date", "session_id").with_columns(pl.Series("split", labels, dtype=pl.String))
            .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).over("split").alias("row")))


def build_vocabulary(train_rows: pl.DataFrame, vocabulary_size: int) -> pl.DataFrame:
    """The ``vocabulary_size`` most frequent tracks of the training rows (ties by track_id): index (from 2),
    track_id, count."""
    counts = (train_rows.group_by(pl.col("track_id_clean").alias("track_id"))
              .agg(pl.len().cast(pl.Int64).alias("count"))
              .sort(["count", "track_id"], descending=[True, False]).head(vocabulary_size))
    return counts.select(pl.int_range(FIRST_TRACK, FIRST_TRACK + pl.len(), dtype=pl.Int64).alias("index"),
                         "track_id", "count")


def indexed_rows(logs: pl.DataFrame, sessions: pl.DataFrame, vocabulary: pl.DataFrame,
                 features: pl.DataFrame) -> pl.DataFrame:
    """The log rows of the kept sessions with their split, row (session index in the split), first_length,
    vocabulary index (OOV outside the vocabulary) and feature_row."""
    track = pl.col("track_id").alias("track_id_clean")
    return (logs.lazy().join(sessions.lazy().select("session_id", "split", "row", "first_length"), on="session_id")
            .join(vocabulary.lazy().select(track, "index"), on="track_id_clean", how="left")
            .with_columns(pl.col("index").fill_null(OOV))
            .join(features.lazy().select(track, "feature_row"), on="track_id_clean").collect())


def standardised_features(tracks: pl.DataFrame, train_track_ids: pl.Series) -> pl.DataFrame:
    """track_id, feature_row (row number) and the TRACK_FEATURES of every track, standardised with the mean and
    population std of the training tracks (std 0 -> 1)."""
    values = tracks.select("track_id", *(
        (pl.col(c) == "major" if c == "mode" else pl.col(c)).cast(pl.Float64).alias(c) for c in TRACK_FEATURES))
    train = values.filter(pl.col("track_id").is_in(train_track_ids.implode()))
    mean = train.select(pl.col(TRACK_FEATURES).mean()).row(0, named=True)
    std = train.select(pl.col(TRACK_FEATURES).std(ddof=0)).row(0, named=True)
    return values.select(pl.int_range(pl.len(), dtype=pl.Int64).alias("feature_row"), "track_id", *(
        ((pl.col(c) - mean[c]) / (std[c] or 1.0)).alias(c) for c in TRACK_FEATURES))


def log_feature_columns() -> list[pl.Expr]:
    """The log_features columns of a row (module docstring), zero outside the first half."""
    hour = 2 * math.pi * pl.col("hour_of_day").cast(pl.Float64) / 24
    values = [*(pl.col(c) for c in LOG_FLAGS), *(pl.col(c).cast(pl.Float64).log1p() for c in LOG_COUNTS),
              hour.sin(), hour.cos(), *(pl.col(c) == v for c, vocabulary in ONE_HOT for v in vocabulary)]
    first_half = pl.col("session_position").cast(pl.Int64) <= pl.col("first_length")
    return [pl.when(first_half).then(value.cast(pl.Float32)).otherwise(pl.lit(0.0, pl.Float32)).alias(name)
            for value, name in zip(values, log_feature_names(), strict=True)]


def split_sessions(rows: pl.DataFrame, sessions: pl.DataFrame, matrix: np.ndarray,
                   vocabulary_features: np.ndarray) -> Sessions:
    """One split's Sessions from its log rows (with row, index, feature_row, first_length) and its sessions in
    order; ``matrix`` holds the standardised features by feature_row."""
    n = sessions.height
    row = rows["row"].to_numpy()
    position = rows["session_position"].cast(pl.Int64).to_numpy() - 1

    def scatter(values: np.ndarray, dtype) -> np.ndarray:
        array = np.zeros((n, MAX_LENGTH, *values.shape[1:]), dtype=dtype)
        array[row, position] = values
        return array

    return Sessions(
        session_ids=sessions["session_id"].to_numpy().astype(str), dates=sessions["date"].to_numpy(),
        tracks=scatter(rows["index"].to_numpy(), np.int64), lengths=sessions["length"].to_numpy(),
        first_lengths=sessions["first_length"].to_numpy(), skips=scatter(rows["skip_2"].to_numpy(), np.int8),
        log_features=scatter(rows.select(log_feature_columns()).to_numpy(), np.float32),
        track_features=scatter(matrix[rows["feature_row"].to_numpy()], np.float32),
        vocabulary_features=vocabulary_features,
    )


def split_summaries(rows: pl.DataFrame, sessions: pl.DataFrame) -> dict[str, dict]:
    """Per split: sessions, rows, first and last date, OOV share of the track positions, skip_2 rate of the
    second-half positions."""
    second_half = pl.col("session_position").cast(pl.Int64) > pl.col("first_length")
    facts = rows.group_by("split").agg(
        pl.len().alias("rows"), (pl.col("index") == OOV).mean().alias("oov_share"),
        pl.col("skip_2").filter(second_half).mean().alias("second_half_skip_2_rate"))
    dates = sessions.group_by("split").agg(pl.len().alias("sessions"), pl.col("date").min().alias("first_date"),
                                           pl.col("date").max().alias("last_date"))
    table = dates.join(facts, on="split").with_columns(pl.col("first_date", "last_date").dt.to_string("%Y-%m-%d"))
    by_split = {record.pop("split"): record for record in table.to_dicts()}
    return {name: by_split[name] for name in SPLITS}


def write(splits: dict[str, Sessions], vocabulary: pl.DataFrame, summary: dict, outputs: dict[str, str]) -> None:
    """Write the splits (``outputs`` train, valid, test: .npz), the vocabulary (.parquet) and the summary (.json)."""
    for name in SPLITS:
        splits[name].save(outputs[name])
    write_parquet(vocabulary, outputs["vocabulary"])
    write_json(summary, outputs["summary"])
