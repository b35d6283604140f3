"""Candidate tables for re-rankers: the union of several generators' top-K lists, one row per (user, item),
with each generator's score and rank as features and, on a labelled split, the label."""

from __future__ import annotations

import polars as pl


def candidate_table(lists: dict[str, pl.DataFrame], depths: dict[str, int]) -> pl.DataFrame:
    """Union of each generator's first ``depths[name]`` items per user (``lists[name]``: top-K contract).

    Columns: user_id, item_id, then ``<name>_score`` and ``<name>_rank`` per generator; a pair a generator
    did not propose has rank depth + 1 and a null score. Sorted by user, item.
    """
    table = None
    for name, frame in lists.items():
        top = frame.filter(pl.col("rank") <= depths[name]).select(
            pl.col("user").alias("user_id"), pl.col("item").alias("item_id"),
            pl.col("score").alias(f"{name}_score"), pl.col("rank").alias(f"{name}_rank"))
        table = top if table is None else table.join(top, on=["user_id", "item_id"], how="full", coalesce=True)
    return table.with_columns(
        pl.col(f"{name}_rank").fill_null(depths[name] + 1) for name in lists).sort("user_id", "item_id")


def with_generator_statistics(candidates: pl.DataFrame, depths: dict[str, int]) -> pl.DataFrame:
    """``candidates`` (from :func:`candidate_table`) with features that compare a pair across its user's
    candidates and across generators, which raw scores on each generator's own scale cannot: per generator,
    ``<name>_gap`` (score minus the user's best score of that generator) and ``<name>_z`` (score
    standardised over the user's candidates; 0 where the user's scores do not vary); over generators,
    ``generators_proposing`` (how many put the pair in their first ``depth`` items) and
    ``reciprocal_rank_sum`` (the sum of 1 / rank, reciprocal-rank fusion with k = 0). Null where the
    generator did not propose the pair."""
    per_generator = []
    for name in depths:
        score = pl.col(f"{name}_score")
        spread = score.std().over("user_id")
        per_generator += [(score - score.max().over("user_id")).alias(f"{name}_gap"),
                          pl.when(score.is_null()).then(None)
                          .when(spread > 0).then((score - score.mean().over("user_id")) / spread)
                          .otherwise(0.0).alias(f"{name}_z")]
    return candidates.with_columns(
        *per_generator,
        pl.sum_horizontal([(pl.col(f"{name}_rank") <= depth).cast(pl.Int32) for name, depth in depths.items()])
        .alias("generators_proposing"),
        pl.sum_horizontal([1.0 / pl.col(f"{name}_rank") for name in depths]).alias("reciprocal_rank_sum"))


def with_labels(candidates: pl.DataFrame, targets: pl.DataFrame) -> pl.DataFrame:
    """``candidates`` with ``label`` 1 where (user_id, item_id) is among ``targets`` (user, item), else 0."""
    positives = targets.select(pl.col("user").alias("user_id"), pl.col("item").alias("item_id"),
                               pl.lit(1, pl.Int8).alias("label")).unique()
    return candidates.join(positives, on=["user_id", "item_id"], how="left").with_columns(
        pl.col("label").fill_null(0))


def recall_of(candidates: pl.DataFrame, targets: pl.DataFrame) -> float:
    """Share of the target pairs that are among the candidates (the ceiling of any re-ranker)."""
    found = candidates.join(targets.select(pl.col("user").alias("user_id"), pl.col("item").alias("item_id")),
                            on=["user_id", "item_id"], how="semi").height
    return found / max(targets.height, 1)
