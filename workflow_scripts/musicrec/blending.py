"""Blends of classifiers' predictions: a weighted mean of probabilities, per seed."""

from __future__ import annotations

import polars as pl

from .errors import ConfigError, InputDataError
from .metrics.classification import classification_metrics, per_user_classification_metrics


def blend(weights: dict[str, float], validation: dict[str, str], submissions: dict[str, str], split: str,
          user_column: str, dataset: str, seed: int) -> tuple[pl.DataFrame, pl.DataFrame, dict, pl.DataFrame]:
    """Weighted sum of the models' probabilities (weights normalised to sum to 1) for one seed.

    ``validation`` / ``submissions`` map each model to its prediction and submission CSV; every model must
    cover the same validation rows and test ids; ``split`` describes their validation split and
    ``user_column`` names the predictions' user column. Returns (validation predictions, submission,
    metrics, per-user metrics of the validation rows as in
    :func:`~musicrec.metrics.classification.per_user_classification_metrics`).
    """
    total = sum(weights.values())
    if total <= 0:
        raise ConfigError(f"{dataset}.blend: the weights must sum to a positive number, got {weights}")
    frames = {m: pl.read_csv(validation[m]) for m in weights}
    subs = {m: pl.read_csv(submissions[m]) for m in weights}
    first = next(iter(weights))
    for m in weights:
        if not frames[m]["row_id"].equals(frames[first]["row_id"]):
            raise InputDataError(validation[m], f"covers other validation rows than {validation[first]}",
                                 column="row_id")
        if not subs[m]["id"].equals(subs[first]["id"]):
            raise InputDataError(submissions[m], f"covers other test ids than {submissions[first]}", column="id")
    if user_column not in frames[first].columns:
        raise InputDataError(validation[first], "missing the user column of the per-user metrics", column=user_column)
    valid_scores = sum(weights[m] / total * frames[m]["score"] for m in weights)
    test_scores = sum(weights[m] / total * subs[m]["target"] for m in weights)
    predictions = frames[first].with_columns(valid_scores.alias("score"))
    submission = subs[first].with_columns(test_scores.alias("target"))
    labels = predictions["target"].to_numpy()
    metrics = {"dataset": dataset, "model": "blend", "seed": seed, "hyperparameters": {"weights": weights},
               "protocol": {"split": split, "candidates": "all validation rows (every user-song pair of the split)",
                            "rows": int(labels.size), "positive_rate": float(labels.mean())},
               "metrics": classification_metrics(labels, predictions["score"].to_numpy())}
    per_user = per_user_classification_metrics(predictions[user_column], labels, predictions["score"].to_numpy())
    return predictions, submission, metrics, per_user
