"""Per-user metric tables in long form and their macro averages.

A long table has one row per (user, metric): ``user`` (the evaluated unit: a user, or a session), ``metric``
(a name as in the metrics files, e.g. ``ndcg@10``) and ``value``. A macro average is the mean of ``value``
over the users of one metric, so every macro-averaged metric of a metrics file is the mean of its rows here.
"""

from __future__ import annotations

import polars as pl


def long_table(wide: pl.DataFrame, user: str, suffix: str = "", prefix: str = "") -> pl.DataFrame:
    """(user, metric, value) from ``wide`` (one row per user: column ``user`` and one column per metric);
    metric names become ``<prefix><column><suffix>`` (e.g. suffix ``@10``, prefix ``like/``)."""
    return (wide.unpivot(index=user, variable_name="metric", value_name="value")
            .select(pl.col(user).alias("user"), pl.concat_str(pl.lit(prefix), "metric", pl.lit(suffix)).alias("metric"),
                    pl.col("value").cast(pl.Float64)))


def macro_average(per_user: pl.DataFrame, metrics) -> dict[str, float]:
    """Mean of ``value`` over the users of each of ``metrics`` (in that order); NaN for a metric without rows."""
    means = dict(per_user.group_by("metric").agg(pl.col("value").mean()).iter_rows())
    return {name: float("nan") if means.get(name) is None else float(means[name]) for name in metrics}
