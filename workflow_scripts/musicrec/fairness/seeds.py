"""Mean and spread of per-seed results."""

from __future__ import annotations

import polars as pl


def over_seeds(per_seed: pl.DataFrame, keys: list[str], values: list[str]) -> pl.DataFrame:
    """For each ``keys`` combination and each column of ``values``: mean, std (ddof 1; 0 for one seed),
    min and max over the ``seed`` column, and n_seeds. Columns are named ``<value>_mean`` etc.
    NaN values (e.g. an AUC of a one-class group) are left out of the statistics.
    """
    stats = []
    for value in values:
        col = pl.col(value).fill_nan(None)
        stats += [
            col.mean().alias(f"{value}_mean"),
            _std(col).alias(f"{value}_std"),
            col.min().alias(f"{value}_min"),
            col.max().alias(f"{value}_max"),
        ]
    return (
        per_seed.group_by(keys, maintain_order=True)
        .agg(*stats, pl.col("seed").n_unique().alias("n_seeds"))
        .sort(keys)
    )


def _std(col: pl.Expr) -> pl.Expr:
    """Sample standard deviation; 0 for a single value, null for none."""
    return pl.when(col.count() > 1).then(col.std(ddof=1)).when(col.count() == 1).then(pl.lit(0.0))
