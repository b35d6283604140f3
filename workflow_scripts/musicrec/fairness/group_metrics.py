"""Prediction quality per group with fairlearn's MetricFrame, and the disparity between groups."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import polars as pl
from fairlearn.metrics import MetricFrame, count, false_positive_rate, selection_rate, true_positive_rate
from sklearn.metrics import accuracy_score, roc_auc_score

OVERALL = "all"
METRICS = ("auc", "accuracy", "tpr", "fpr", "selection_rate", "count")
DISPARITIES = ("demographic_parity_difference", "equalized_odds_difference")


def _auc(y_true, scores) -> float:
    """ROC AUC of the scores; NaN when the group holds only one class."""
    if np.unique(y_true).size < 2:
        return float("nan")
    return float(roc_auc_score(y_true, scores))


def _at_threshold(metric, y_true, scores, threshold):
    """``metric`` on the predictions ``scores >= threshold``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return metric(y_true, (np.asarray(scores) >= threshold).astype(int))


def _metric_functions(threshold: float) -> dict:
    thresholded = {
        "accuracy": accuracy_score,
        "tpr": true_positive_rate,
        "fpr": false_positive_rate,
        "selection_rate": selection_rate,
    }
    return {
        "auc": _auc,
        **{name: functools.partial(_at_threshold, fn, threshold=threshold) for name, fn in thresholded.items()},
        "count": count,
    }


def group_metrics(labels, scores, groups: dict[str, np.ndarray], threshold: float,
                  min_group_size: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per-group metrics and disparities for each grouping attribute.

    Returns
    * per group: attribute, group, metric, value; one block per attribute plus attribute "all",
      group "all" for the whole split. Metrics: AUC (of the scores), accuracy, TPR, FPR and selection
      rate (of ``score >= threshold``) and count (rows).
    * disparities: attribute, metric, value, groups_compared, where demographic-parity difference is
      the largest gap in selection rate between groups and equalized-odds difference the larger of
      the largest TPR gap and the largest FPR gap (fairlearn's definitions), over the groups with at
      least ``min_group_size`` rows (NaN when fewer than two such groups).
    """
    y = np.asarray(labels, dtype=int)
    s = np.asarray(scores, dtype=float)
    metrics = _metric_functions(threshold)
    blocks = []
    disparity_rows = []
    overall = None
    for attribute, values in groups.items():
        values = np.asarray(values, dtype=object)
        frame = MetricFrame(metrics=metrics, y_true=y, y_pred=s, sensitive_features=_as_series(values, attribute))
        by_group = frame.by_group
        blocks.extend(
            {"attribute": attribute, "group": str(group), "metric": metric, "value": float(by_group.loc[group, metric])}
            for group in by_group.index
            for metric in METRICS
        )
        disparity_rows.extend(_disparities(attribute, by_group, min_group_size))
        overall = frame.overall
    if overall is None:
        overall = MetricFrame(metrics=metrics, y_true=y, y_pred=s, sensitive_features=np.full(y.size, OVERALL)).overall
    blocks.extend({"attribute": OVERALL, "group": OVERALL, "metric": m, "value": float(overall[m])} for m in METRICS)
    per_group = pl.DataFrame(blocks, schema={"attribute": pl.String, "group": pl.String, "metric": pl.String, "value": pl.Float64})
    disparities = pl.DataFrame(
        disparity_rows,
        schema={"attribute": pl.String, "metric": pl.String, "value": pl.Float64, "groups_compared": pl.String},
    )
    return per_group, disparities


def _as_series(values: np.ndarray, name: str):
    """The group labels as the pandas Series MetricFrame expects (named after the attribute)."""
    import pandas as pd

    return pd.Series(values, name=name)


def _disparities(attribute: str, by_group, min_group_size: int) -> list[dict]:
    """fairlearn's between-groups differences, read off the MetricFrame's per-group results.

    Demographic-parity difference = max - min selection rate; equalized-odds difference = the larger
    of (max - min TPR) and (max - min FPR); both over the groups with at least ``min_group_size`` rows
    (computing them here rather than with fairlearn's functions avoids three more passes over the data).
    """
    kept = by_group[by_group["count"] >= min_group_size].sort_index()
    compared = ", ".join(str(g) for g in kept.index)

    def spread(metric: str) -> float:
        values = kept[metric].to_numpy(dtype=float)
        values = values[~np.isnan(values)]
        return float(values.max() - values.min()) if values.size >= 2 else float("nan")

    enough = len(kept) >= 2
    dp = spread("selection_rate") if enough else float("nan")
    eo = max(spread("tpr"), spread("fpr")) if enough else float("nan")
    return [
        {"attribute": attribute, "metric": "demographic_parity_difference", "value": dp, "groups_compared": compared},
        {"attribute": attribute, "metric": "equalized_odds_difference", "value": eo, "groups_compared": compared},
    ]
