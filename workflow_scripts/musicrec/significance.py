"""Is a dataset's best model significantly ahead of the runner-up? A paired test over users per main metric.

Definitions (one row of ``significance.csv`` per main metric):

* **best and runner-up**: the two models with the highest mean over seeds of the metric in the dataset's
  summary (``summary.csv``; the lowest for a lower-is-better metric, :mod:`musicrec.metrics.direction`),
  among the models that have a value of it; equal means keep the summary's order. A descriptive metric
  (coverage, the OOV target share) has no better direction and is not tested.
* **pairing**: each model's per-user values of the metric (the per-user metrics files); a user's value is
  the mean over the seeds the two models share. A model with a single run (a model without randomness,
  written once as seed 0, or a one-seed config) stands for every seed: its one run is paired with the
  other model's mean over all its seeds. Users present for both models are paired.
* **differences** d_u = best - runner-up per user; ``wins`` / ``losses`` / ``ties`` count the users where
  the best model is better / worse / equal (|d_u| <= TIE_TOLERANCE counts as equal and as a zero difference).
* **the test**: two-sided Wilcoxon signed-rank test of the d_u (``scipy.stats.wilcoxon`` defaults, as Elliot
  reports it): zero differences dropped; statistic min(W+, W-), the smaller sum of the ranks of |d_u| over
  the positive and the negative differences; the p-value from the exact null distribution for up to 50
  non-zero differences without ties, all sign permutations for up to 13 with ties, the normal approximation
  otherwise. All differences zero: statistic 0, p = 1 (not significant). ``significant`` = p < level.

``best_mean`` and ``runner_up_mean`` are the summary's means; the per-user means can differ from them where
the metrics file's value is not a mean over users (KKBox's AUC is over all validation rows; its per-user AUC
is each user's AUC over their own rows, so the KKBox test is over per-user AUC).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import polars as pl
from scipy.stats import wilcoxon

from .errors import InputDataError
from .metrics.direction import LOWER_IS_BETTER, better
from .schema import read_per_user

TIE_TOLERANCE = 1e-12
NOT_MEANS_OVER_USERS = ("auc", "log_loss")
TEST = ("two-sided Wilcoxon signed-rank test (scipy.stats.wilcoxon: zero differences dropped; exact or "
        "permutation p-value for small samples, normal approximation for large)")
COLUMNS = {
    "metric": "the main metric (a metric name of summary.csv and of the per-user files)",
    "best": "the model with the best mean over seeds in summary.csv",
    "runner_up": "the model with the second-best mean",
    "best_mean": "the best model's mean over seeds (summary.csv)",
    "runner_up_mean": "the runner-up's mean over seeds (summary.csv)",
    "users": "users (sessions for MSSD) with a per-user value for both models: the paired sample",
    "mean_difference": "mean over paired users of best - runner-up (per-user values, each a mean over seeds)",
    "median_difference": "median over paired users of best - runner-up",
    "wins": "users where the best model is better",
    "losses": "users where the runner-up is better",
    "ties": "users where both are equal (the test drops them)",
    "statistic": "Wilcoxon statistic min(W+, W-)",
    "p_value": "two-sided p-value",
    "significant": "p_value < the significance level",
    "test": "what was tested, on which values",
    "split": "the split of the metric (summary.csv)",
    "candidates": "the candidates of the metric (summary.csv)",
    "K": "the metric's cut-off (empty for a metric without one)",
    "seeds": "the seeds averaged per user for each model",
    "note": "why a row has no test, or what to keep in mind reading it",
}

# (seed, user, value) rows of one model's per-user values of one metric.
Loader = Callable[[str, str], pl.DataFrame]


def metric_k(metric: str) -> int | None:
    """The K of a metric name like ``ndcg@10`` or ``like/recall@100``; None without one."""
    match = re.search(r"@(\d+)$", metric)
    return int(match.group(1)) if match else None


def ranked_models(summary: pl.DataFrame, metric: str) -> pl.DataFrame:
    """The summary rows (model, mean, split, candidates) of ``metric`` with a mean, best first."""
    rows = (summary.with_row_index("_order").filter(pl.col("metric") == metric)
            .filter(pl.col("mean").is_not_null() & pl.col("mean").is_not_nan()))
    return rows.sort(["mean", "_order"], descending=[better(metric) == "higher", False]).drop("_order")


def seeds_to_average(best_seeds, runner_up_seeds) -> tuple[list[int], list[int]]:
    """The seeds whose per-user values are averaged for each model: those both have; a model with a single
    run stands for every seed (its run is used, the other model keeps all its seeds)."""
    best, runner_up = sorted(set(best_seeds)), sorted(set(runner_up_seeds))
    if len(best) == 1 or len(runner_up) == 1:
        return best, runner_up
    shared = sorted(set(best) & set(runner_up))
    return shared, shared


def user_means(values: pl.DataFrame, seeds) -> pl.DataFrame:
    """(user, value): each user's mean over ``seeds`` of ``values`` (seed, user, value); non-finite values
    left out."""
    return (values.filter(pl.col("seed").is_in(list(seeds)) & pl.col("value").is_finite())
            .group_by("user").agg(pl.col("value").mean()))


def paired_values(best: pl.DataFrame, runner_up: pl.DataFrame) -> tuple[pl.DataFrame, str]:
    """(user, best, runner_up) over the users both models have, each a mean over the seeds of
    :func:`seeds_to_average`, sorted by user; and those seeds in words."""
    best_seeds, runner_up_seeds = seeds_to_average(best["seed"].unique(), runner_up["seed"].unique())
    pairs = (user_means(best, best_seeds).rename({"value": "best"})
             .join(user_means(runner_up, runner_up_seeds).rename({"value": "runner_up"}), on="user")
             .sort("user"))
    return pairs, _seeds_text(best_seeds, runner_up_seeds)


def _seeds_text(best_seeds: list[int], runner_up_seeds: list[int]) -> str:
    def listed(seeds):
        return ",".join(str(s) for s in seeds)

    if best_seeds == runner_up_seeds:
        return listed(best_seeds)
    return f"best: {listed(best_seeds)}; runner-up: {listed(runner_up_seeds)}"


def signed_rank_test(differences) -> tuple[float, float]:
    """(statistic, p-value) of the two-sided Wilcoxon signed-rank test of paired ``differences``
    (|d| <= TIE_TOLERANCE counts as zero and is dropped); (0, 1) when every difference is zero."""
    d = np.asarray(differences, dtype=np.float64)
    d = np.where(np.abs(d) <= TIE_TOLERANCE, 0.0, d)
    if not np.any(d != 0):
        return 0.0, 1.0
    result = wilcoxon(d, zero_method="wilcox", alternative="two-sided")
    return float(result.statistic), float(result.pvalue)


def compare(summary: pl.DataFrame, metric: str, load: Loader, level: float) -> dict:
    """One row of the significance table (keys: COLUMNS) for ``metric``: best and runner-up of ``summary``
    (model, metric, mean, split, candidates), their paired per-user values from ``load(model, metric)``
    (seed, user, value) and the test. Cases without a test say why in ``note``."""
    row = {name: None for name in COLUMNS} | {"metric": metric, "K": metric_k(metric), "significant": False}
    if better(metric) is None:
        return row | {"note": f"{metric} is descriptive (no better direction): no best model to test"}
    ranked = ranked_models(summary, metric)
    if ranked.height == 0:
        return row | {"note": f"no model of the summary has {metric}"}
    best = ranked.row(0, named=True)
    row |= {"best": best["model"], "best_mean": best["mean"], "split": best["split"],
            "candidates": best["candidates"]}
    if ranked.height < 2:
        return row | {"note": f"only {best['model']} has {metric}: no runner-up to test against"}
    runner_up = ranked.row(1, named=True)
    row |= {"runner_up": runner_up["model"], "runner_up_mean": runner_up["mean"]}
    values = {model: load(model, metric) for model in (best["model"], runner_up["model"])}
    empty = [model for model, frame in values.items() if frame.height == 0]
    if empty:
        return row | {"users": 0, "note": f"no per-user values of {metric} for {', '.join(empty)} (a metric of all "
                                          "lists together, e.g. coverage, has none)"}
    pairs, seeds = paired_values(values[best["model"]], values[runner_up["model"]])
    row |= {"users": pairs.height, "seeds": seeds}
    if pairs.height == 0:
        return row | {"note": "no user has a per-user value for both models"}
    differences = (pairs["best"] - pairs["runner_up"]).to_numpy()
    direction = better(metric)
    gains = -differences if direction == "lower" else differences
    statistic, p_value = signed_rank_test(differences)
    row |= {
        "mean_difference": float(np.mean(differences)), "median_difference": float(np.median(differences)),
        "wins": int(np.sum(gains > TIE_TOLERANCE)), "losses": int(np.sum(gains < -TIE_TOLERANCE)),
        "ties": int(np.sum(np.abs(gains) <= TIE_TOLERANCE)),
        "statistic": statistic, "p_value": p_value, "significant": bool(p_value < level),
        "test": (f"{TEST} of best - runner-up per-user {metric} ({direction} is better) over the {pairs.height} "
                 f"users both have; each user's value the mean over seeds {seeds}; significant when p < {level}"),
    }
    return row | {"note": _note(metric, row, seeds)}


def _note(metric: str, row: dict, seeds: str) -> str | None:
    notes = []
    if row["wins"] == 0 and row["losses"] == 0:
        notes.append("every paired difference is zero: p = 1, not significant")
    if "," not in seeds:
        notes.append("a single seed: each user's value comes from one run, seed-to-seed variation is not averaged")
    if metric.rsplit("/", 1)[-1] in NOT_MEANS_OVER_USERS:
        notes.append(f"per-user {metric} (over each user's own rows): its mean over users is not the {metric} of "
                     "all rows in best_mean and runner_up_mean")
    return "; ".join(notes) or None


def significance_table(summary: pl.DataFrame, main_metrics, load: Loader, level: float) -> pl.DataFrame:
    """One :func:`compare` row per main metric, columns in COLUMNS order."""
    schema = {name: pl.String for name in COLUMNS} | {
        "best_mean": pl.Float64, "runner_up_mean": pl.Float64, "users": pl.Int64, "mean_difference": pl.Float64,
        "median_difference": pl.Float64, "wins": pl.Int64, "losses": pl.Int64, "ties": pl.Int64,
        "statistic": pl.Float64, "p_value": pl.Float64, "significant": pl.Boolean, "K": pl.Int64}
    rows = [compare(summary, metric, load, level) for metric in main_metrics]
    return pl.DataFrame(rows, schema=schema)


def describe(dataset: str, level: float, table: pl.DataFrame) -> dict:
    """The significance.json document: what was tested and how, the columns, and the rows."""
    return {
        "dataset": dataset, "test": TEST, "significance_level": level,
        "best_and_runner_up": "the two highest means over seeds of the metric in summary.csv (lowest for "
                              f"{', '.join(LOWER_IS_BETTER)}), among models with a value",
        "pairing": "per user, each model's mean over the seeds both models share of its per-user value "
                   "(results/<dataset>/per_user/<model>/seed<N>.parquet); a model with a single run stands for "
                   "every seed; users present for both models are paired",
        "difference": f"best - runner-up; |difference| <= {TIE_TOLERANCE} counts as a tie (zero)",
        "columns": COLUMNS, "rows": table.to_dicts(),
    }


def significance_files(summary_path: str, per_user_files: list[str], runs: list[dict], main_metrics, level: float,
                       dataset: str) -> tuple[pl.DataFrame, dict]:
    """Rule significance: the table and its description from the dataset's ``summary_path`` and the per-user
    file of each run (``runs[i]``: model and seed of ``per_user_files[i]``)."""
    if len(per_user_files) != len(runs):
        raise ValueError(f"{len(per_user_files)} per-user files but {len(runs)} runs")
    summary = pl.read_csv(summary_path)
    missing = [c for c in ("model", "metric", "mean", "split", "candidates") if c not in summary.columns]
    if missing:
        raise InputDataError(summary_path, "missing column(s) of a summary", column=missing[0])
    files = {}
    for path, run in zip(per_user_files, runs):
        files.setdefault(run["model"], []).append((int(run["seed"]), path))

    def load(model: str, metric: str) -> pl.DataFrame:
        parts = [read_per_user(path, metric).select(pl.lit(seed, pl.Int64).alias("seed"), "user", "value")
                 for seed, path in files.get(model, [])]
        return pl.concat(parts) if parts else pl.DataFrame(schema={"seed": pl.Int64, "user": pl.String,
                                                                     "value": pl.Float64})

    table = significance_table(summary, main_metrics, load, level)
    return table, describe(dataset, level, table)
