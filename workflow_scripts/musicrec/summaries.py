"""Mean and spread of per-seed results: the one summary over seeds every stage uses."""

from __future__ import annotations

import json
from pathlib import Path

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


def metrics_over_seeds(metric_files: list[str], models: list[str]) -> pl.DataFrame:
    """Mean, std, min and max over seeds of every metric of every model's metrics files, one row per
    (model, metric), models in the order of ``models``; each row names the split and candidates."""
    rows = []
    for path in metric_files:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
        for metric, value in report["metrics"].items():
            rows.append({"model": report["model"], "seed": report["seed"], "metric": metric, "value": value,
                         "split": report["protocol"]["split"], "candidates": report["protocol"]["candidates"]})
    per_seed = pl.DataFrame(rows, schema_overrides={"value": pl.Float64})
    order = {name: i for i, name in enumerate(models)}
    summary = over_seeds(per_seed, ["model", "metric", "split", "candidates"], ["value"])
    return (
        summary.rename({f"value_{s}": s for s in ("mean", "std", "min", "max")})
        .with_columns(pl.col("model").replace_strict(order, default=len(order)).alias("_order"))
        .sort("_order", "metric").drop("_order")
        .select("model", "metric", "n_seeds", "mean", "std", "min", "max", "split", "candidates")
    )
