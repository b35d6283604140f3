"""Binary-classification metrics over label and score arrays."""

from __future__ import annotations

import numpy as np
import polars as pl


def _as_binary_arrays(labels, scores) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels, dtype=float).ravel()
    s = np.asarray(scores, dtype=float).ravel()
    if y.shape != s.shape:
        raise ValueError(f"labels and scores differ in length: {y.size} != {s.size}")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("labels must be 0 or 1")
    if np.isnan(s).any():
        raise ValueError("scores contain NaN")
    return y, s


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks of ``values``, ties sharing the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    boundaries = np.flatnonzero(np.diff(sorted_values)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [values.size]))
    ranks = np.empty(values.size, dtype=float)
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    return ranks


def roc_auc(labels, scores) -> float:
    """Area under the ROC curve.

    AUC = P(score of a random positive > score of a random negative), ties counted as 1/2,
    computed with the Mann-Whitney rank-sum: (R+ - n+(n+ + 1)/2) / (n+ n-), where R+ is the
    sum of the (tie-averaged) ranks of the positives. NaN when one class is absent.
    """
    y, s = _as_binary_arrays(labels, scores)
    n_pos = y.sum()
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    rank_sum = _average_ranks(s)[y == 1].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def log_loss(labels, probabilities, eps: float = 1e-15) -> float:
    """Mean binary cross-entropy -(y log p + (1 - y) log(1 - p)), with p clipped to [eps, 1 - eps]."""
    y, p = _as_binary_arrays(labels, probabilities)
    if y.size == 0:
        return float("nan")
    p = np.clip(p, eps, 1.0 - eps)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def classification_metrics(labels, scores) -> dict[str, float]:
    """AUC and log-loss of P(target = 1) scores: the metrics of every classifier and blend."""
    return {"auc": roc_auc(labels, scores), "log_loss": log_loss(labels, scores)}


def per_user_classification_metrics(users, labels, scores) -> pl.DataFrame:
    """Long table (user, metric, value) of each user's rows (``users``: the user of each row): ``auc``
    (:func:`roc_auc` of the user's rows) for every user with both classes, ``log_loss`` for every user.

    The mean of per-user AUC is not the AUC of all rows (it weighs users equally and compares only pairs
    within a user), nor is the mean of per-user log-loss the log-loss of all rows (rows weigh equally there).
    """
    y, s = _as_binary_arrays(labels, scores)
    rows = pl.DataFrame({"user": users}).with_row_index("row")
    if rows.height != y.size:
        raise ValueError(f"users and labels differ in length: {rows.height} != {y.size}")
    records = []
    for user, indices in rows.group_by("user", maintain_order=True).agg("row").iter_rows():
        user_labels, user_scores = y[indices], s[indices]
        auc = roc_auc(user_labels, user_scores)
        if not np.isnan(auc):
            records.append((user, "auc", auc))
        records.append((user, "log_loss", log_loss(user_labels, user_scores)))
    frame = pl.DataFrame(records, schema={"user": rows["user"].dtype, "metric": pl.String, "value": pl.Float64},
                         orient="row")
    return frame.sort("metric", "user")
