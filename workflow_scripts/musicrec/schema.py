"""The table contracts every stage shares, and their one builder, reader and writer each.

* interactions: ``user_id, item_id, weight[, timestamp]`` (one row per user-item pair or event);
* targets: ``user_id, item_id`` (what a user interacted with in an evaluation split);
* top-K lists: ``user, item, score, rank, model, seed`` (rank 1 = best; ranks unique per user);
* classifier predictions: ``row_id, user, item, target, score`` plus dataset columns;
* per-user metrics: ``user, metric, value`` (long: one row per evaluated user and metric; ``user`` a string,
  the session id for session datasets; ``metric`` named as in the metrics files, e.g. ``ndcg@10``).

Ids are the dataset's own (integers, or strings for KKBox), consistent within a file.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .errors import InputDataError
from .io import write_parquet

INTERACTION_COLUMNS = ("user_id", "item_id", "weight")
TARGET_COLUMNS = ("user_id", "item_id")
TOPK_COLUMNS = ("user", "item", "score", "rank", "model", "seed")
TOPK_TYPES = {"score": pl.Float64, "rank": pl.Int64, "model": pl.String, "seed": pl.Int64}
PER_USER_COLUMNS = ("user", "metric", "value")
PER_USER_TYPES = {"user": pl.String, "metric": pl.String, "value": pl.Float64}


def require_columns(frame: pl.DataFrame, path, columns, contract: str) -> None:
    """InputDataError naming the first column of ``columns`` that ``frame`` (read from ``path``) lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputDataError(path, f"missing column(s) {missing} of the {contract} contract", column=missing[0])


def to_topk(scored: pl.DataFrame, k: int | None, model: str, seed: int) -> pl.DataFrame:
    """Top-K lists from scored (user, item, score) rows: per user, by score descending, ties to the smaller
    item id; a pair scored twice keeps its best score; non-finite scores are dropped; ``k=None`` keeps all.

    This is the one way a top-K table is made: recommenders pass their per-user best candidates, KKBox
    passes each user's scored validation songs.
    """
    best = (scored.select("user", "item", pl.col("score").cast(pl.Float64))
            .filter(pl.col("score").is_finite())
            .group_by("user", "item").agg(pl.col("score").max()))
    ranked = best.sort(["user", "score", "item"], descending=[False, True, False]).with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("user").alias("rank"))
    if k is not None:
        ranked = ranked.filter(pl.col("rank") <= k)
    return ranked.with_columns(pl.lit(model, pl.String).alias("model"), pl.lit(int(seed), pl.Int64).alias("seed"))


def topk_from_arrays(users: np.ndarray, items: np.ndarray, scores: np.ndarray, model: str, seed: int) -> pl.DataFrame:
    """Top-K lists from per-user rows of item ids and scores (``items``, ``scores``: users x depth, any
    order within a row; non-finite scores mark empty slots) through :func:`to_topk`."""
    depth = items.shape[1] if items.ndim == 2 else 0
    scored = pl.DataFrame({
        "user": np.repeat(np.asarray(users), depth),
        "item": np.asarray(items).ravel(),
        "score": np.asarray(scores, dtype=np.float64).ravel(),
    })
    return to_topk(scored, depth, model, seed)


def read_topk(path, model: str | None = None, seed: int | None = None) -> pl.DataFrame:
    """A top-K file, checked against the contract; with ``model``/``seed``, also that it holds their lists."""
    try:
        frame = pl.read_parquet(path)
    except FileNotFoundError:
        raise InputDataError(path, "file not found") from None
    require_columns(frame, path, TOPK_COLUMNS, "top-K")
    frame = frame.select(TOPK_COLUMNS).with_columns(pl.col(c).cast(t) for c, t in TOPK_TYPES.items())
    if frame.select("user", "rank").is_duplicated().any():
        raise InputDataError(path, "ranks repeat within a user", column="rank")
    if model is not None:
        labels = frame.select("model", "seed").unique().rows()
        if labels and labels != [(model, seed)]:
            raise InputDataError(path, f"rows labelled {labels} but the file is {model} seed {seed}", column="model")
    return frame


def write_topk(frame: pl.DataFrame, path) -> None:
    """Write top-K lists in the contract's column order (checked) atomically."""
    require_columns(frame, path, TOPK_COLUMNS, "top-K")
    write_parquet(frame.select(TOPK_COLUMNS).with_columns(pl.col(c).cast(t) for c, t in TOPK_TYPES.items()), path)


def read_interactions(path, columns=INTERACTION_COLUMNS, contract: str = "interactions") -> pl.DataFrame:
    """An interactions (or targets) parquet file with at least ``columns``."""
    try:
        frame = pl.read_parquet(path)
    except FileNotFoundError:
        raise InputDataError(path, "file not found") from None
    require_columns(frame, path, columns, contract)
    return frame


def read_targets(path) -> pl.DataFrame:
    """The relevant (user_id, item_id) pairs of an evaluation split, as (user, item) for the metric functions."""
    frame = read_interactions(path, TARGET_COLUMNS, "targets")
    return frame.select(pl.col("user_id").alias("user"), pl.col("item_id").alias("item")).unique()


def write_per_user(frame: pl.DataFrame, path) -> None:
    """Write a per-user metrics table in the contract's columns and types (user ids as strings) atomically."""
    require_columns(frame, path, PER_USER_COLUMNS, "per-user metrics")
    write_parquet(frame.select(pl.col(c).cast(t) for c, t in PER_USER_TYPES.items()), path)


def read_per_user(path, metric: str | None = None) -> pl.DataFrame:
    """A per-user metrics file, checked against the contract; with ``metric``, only that metric's rows."""
    try:
        frame = pl.scan_parquet(path)
        columns = frame.collect_schema().names()
    except FileNotFoundError:
        raise InputDataError(path, "file not found") from None
    missing = [c for c in PER_USER_COLUMNS if c not in columns]
    if missing:
        raise InputDataError(path, f"missing column(s) {missing} of the per-user metrics contract", column=missing[0])
    if metric is not None:
        frame = frame.filter(pl.col("metric") == metric)
    return frame.select(pl.col(c).cast(t) for c, t in PER_USER_TYPES.items()).collect()
