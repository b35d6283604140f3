"""The evaluation splits of the workflow's protocols, as pure functions of an interactions table.

* :func:`per_user_random` (Last.fm): a random share of each user's items is held out;
* :func:`global_temporal` (Yambda): every event after a time threshold is held out, with a gap before it;
* :func:`row_order_tail` (KKBox): the last rows of a time-ordered file are held out.

Each is deterministic given its inputs and seed, so every model seed sees the same split.
"""

from __future__ import annotations

import logging

import numpy as np
import polars as pl

log = logging.getLogger(__name__)


def per_user_random(pairs: pl.DataFrame, test_fraction: float, min_items: int, cold_users: int,
                    seed: int) -> dict[str, pl.DataFrame]:
    """Per-user random split of (user_id, item_id, ...) pairs.

    - users with fewer than ``min_items`` items keep all pairs in train and are not evaluated (``too_few``);
    - ``cold_users`` users (drawn among the others, at most 10% of them) put all their pairs in test
      (cold-start users, evaluated separately);
    - every other user puts max(1, round(test_fraction x n)) randomly drawn items in test.
    Rows are taken in (user_id, item_id) order, so the draw depends only on the pairs and ``seed``.
    Returns train, test, cold_users (user_id) and too_few (user_id).
    """
    rng = np.random.default_rng(seed)
    pairs = pairs.sort("user_id", "item_id")
    counts = pairs.group_by("user_id").len("n").sort("user_id")
    eligible = counts.filter(pl.col("n") >= min_items)["user_id"].to_numpy()
    n_cold = min(cold_users, len(eligible) // 10)
    if n_cold < cold_users:
        log.info("cold users capped at 10%% of the %d eligible users: %d instead of %d", len(eligible), n_cold,
                 cold_users)
    cold = np.sort(rng.choice(eligible, size=n_cold, replace=False)) if n_cold else eligible[:0]
    marked = (
        pairs.with_columns(pl.Series("draw", rng.random(pairs.height)))
        .join(counts, on="user_id")
        .with_columns(pl.col("draw").rank("ordinal").over("user_id").alias("draw_rank"),
                      pl.max_horizontal(pl.lit(1), (pl.col("n") * test_fraction).round().cast(pl.Int64))
                      .alias("n_test"))
        .with_columns(pl.when(pl.col("user_id").is_in(pl.Series(cold, dtype=pairs["user_id"].dtype).implode()))
                      .then(pl.lit(True))
                      .when(pl.col("n") < min_items).then(pl.lit(False))
                      .otherwise(pl.col("draw_rank") <= pl.col("n_test")).alias("is_test"))
    )
    columns = pairs.columns
    return {
        "train": marked.filter(~pl.col("is_test")).select(columns),
        "test": marked.filter(pl.col("is_test")).select(columns),
        "cold_users": pl.DataFrame({"user_id": pl.Series(cold, dtype=pairs["user_id"].dtype)}),
        "too_few": counts.filter(pl.col("n") < min_items).select("user_id"),
    }


def global_temporal(events: pl.LazyFrame | pl.DataFrame, test_start: int, gap: int,
                    time: str = "timestamp") -> dict[str, pl.LazyFrame]:
    """Global temporal split (the Yambda paper's protocol): test = events at or after ``test_start``,
    train = events before ``test_start - gap`` (the gap's events are in neither). Lazy in, lazy out."""
    if gap < 0:
        raise ValueError(f"the gap must not be negative, got {gap}")
    lazy = events.lazy()
    return {"train": lazy.filter(pl.col(time) < test_start - gap), "test": lazy.filter(pl.col(time) >= test_start)}


def row_order_tail(n_rows: int, fraction: float) -> np.ndarray:
    """Boolean mask of the last max(1, round(n_rows x fraction)) rows (the held-out tail of a time-ordered
    file, such as KKBox's train.csv)."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"the held-out fraction must be in (0, 1), got {fraction}")
    mask = np.zeros(n_rows, dtype=bool)
    mask[n_rows - max(1, round(n_rows * fraction)):] = True
    return mask
