"""Evaluation of top-K lists under a stated protocol; the protocol goes into every metrics file.

A :class:`Protocol` says which split the lists are scored on, which candidates a model ranks (the full
catalogue minus the user's training items, or the full catalogue with history kept), the K values, who
is evaluated and what counts as relevant. :func:`evaluate_lists` checks the lists against it (a list
that recommends a training item under ``exclude_seen`` is an error, not a metric) and computes the
ranking metrics of :mod:`musicrec.metrics.ranking` for the warm users and, separately, the cold users.
Every evaluation also returns the warm users' per-user values (a long table user, metric, value, the
per-user metrics contract of :mod:`musicrec.schema`): each macro-averaged metric of the document is the mean
of its rows there (coverage, a property of all lists together, has none).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from .errors import InputDataError
from .metrics.per_user import long_table, macro_average
from .metrics.ranking import dislike_scores, per_user_positive_dislike_auc, ranking_metrics, ranking_scores
from .schema import TARGET_COLUMNS, read_interactions, read_targets, read_topk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Protocol:
    split: str
    exclude_seen: bool
    k_values: tuple[int, ...]
    catalogue_size: int
    relevant: str = "the user's held-out items (binary relevance)"
    users: str = "every user with held-out items and training items (warm); cold users separately"

    @property
    def candidates(self) -> str:
        if self.exclude_seen:
            return "full catalogue minus the user's training items"
        return "full catalogue, the user's training items included (history not masked)"

    def describe(self) -> dict:
        return {**asdict(self), "k_values": sorted(self.k_values), "candidates": self.candidates,
                "averaging": "macro over users"}


def evaluate_lists(lists: pl.DataFrame, targets: pl.DataFrame, train: pl.DataFrame, protocol: Protocol,
                   cold_users: pl.Series | None = None, source: str = "top-K lists") -> tuple[dict, pl.DataFrame]:
    """Metrics of ``lists`` (top-K contract) against ``targets`` (user, item) under ``protocol``, and the
    warm users' per-user values (user, metric, value; a warm user without a list scores 0).

    ``train`` (user_id, item_id) is the split's training part: with ``exclude_seen`` no list may hold one
    of the user's training items. Users in ``cold_users`` are scored apart (``cold_start_metrics``).
    """
    if protocol.exclude_seen:
        leaked = lists.join(train.select(pl.col("user_id").alias("user"), pl.col("item_id").alias("item")),
                            on=["user", "item"], how="semi")
        if leaked.height:
            raise InputDataError(source, f"{leaked.height} recommended item(s) are in the user's training items, "
                                 "which this protocol excludes", column="item")
    cold = cold_users if cold_users is not None else pl.Series("user", [], dtype=targets["user"].dtype)
    is_cold = pl.col("user").is_in(cold.implode())
    warm, cold_targets = targets.filter(~is_cold), targets.filter(is_cold)
    k_values = sorted(protocol.k_values)
    metrics, per_user = ranking_scores(lists, warm, k_values, protocol.catalogue_size)
    result = {
        "protocol": {**protocol.describe(), "users_evaluated": warm["user"].n_unique(),
                     "cold_users_evaluated": cold_targets["user"].n_unique()},
        "metrics": metrics,
        "cold_start_metrics": (ranking_metrics(lists, cold_targets, k_values, protocol.catalogue_size)
                               if cold_targets.height else {}),
    }
    return result, per_user


@dataclass(frozen=True)
class EvaluationSettings:
    k_values: tuple[int, ...] = (5, 10, 20)
    exclude_seen: bool = True


def evaluate_target_sets(lists: pl.DataFrame, target_sets: dict[str, pl.DataFrame], train: pl.DataFrame,
                         protocol: Protocol, cold_users: pl.Series | None = None,
                         dislikes: pl.DataFrame | None = None,
                         source: str = "top-K lists") -> tuple[dict, pl.DataFrame]:
    """:func:`evaluate_lists` once per named target set (e.g. Yambda's Listen+ and Like), metric names
    prefixed ``<set>/``, and with ``dislikes`` (user, item) the Dislike-FPR@K of the lists and, per target
    set, ``<set>/auc_vs_dislikes``: the AUC of each user's list ranking that set's positives above the
    user's test dislikes (:func:`~musicrec.metrics.ranking.per_user_positive_dislike_auc`, averaged over the
    users with both). The per-user table holds
    the same names: each set's warm users, ``dislike_fpr@K`` over the users with test dislikes and
    ``<set>/auc_vs_dislikes`` over the users with both."""
    result: dict = {"metrics": {}, "cold_start_metrics": {}}
    per_user = []
    for name, targets in target_sets.items():
        part, part_per_user = evaluate_lists(lists, targets, train, protocol, cold_users, source)
        evaluated = part["protocol"].pop("users_evaluated")
        result["protocol"] = {**result.get("protocol", {}), **part["protocol"], f"{name}_users_evaluated": evaluated}
        result["metrics"].update({f"{name}/{k}": v for k, v in part["metrics"].items()})
        result["cold_start_metrics"].update({f"{name}/{k}": v for k, v in part["cold_start_metrics"].items()})
        per_user.append(part_per_user.with_columns(pl.concat_str(pl.lit(f"{name}/"), "metric").alias("metric")))
        if dislikes is not None:
            aucs = long_table(per_user_positive_dislike_auc(lists, targets, dislikes), "user", prefix=f"{name}/",
                              suffix="_vs_dislikes")
            result["metrics"].update(macro_average(aucs, [f"{name}/auc_vs_dislikes"]))
            per_user.append(aucs)
    if dislikes is not None:
        metrics, dislike_per_user = dislike_scores(lists, dislikes, sorted(protocol.k_values))
        result["metrics"].update(metrics)
        per_user.append(dislike_per_user)
        result["protocol"]["dislike_users"] = dislikes["user"].n_unique()
    result["protocol"]["relevant"] = f"per target set ({', '.join(target_sets)}): {protocol.relevant}"
    return result, pl.concat(per_user, how="vertical_relaxed")


def evaluate_files(paths: dict[str, str], dataset: str, model: str, seed: int,
                   settings: EvaluationSettings) -> tuple[dict, pl.DataFrame]:
    """Rule evaluate: the metrics document of one model and seed from the files of its split
    (``topk``, ``train``, ``targets``, ``cold_users``, the split ``summary``; where the dataset has named
    target sets, ``targets_<name>`` for each and ``dislikes``, scored by :func:`evaluate_target_sets`), and
    its per-user table (user, metric, value)."""
    summary = json.loads(Path(paths["summary"]).read_text(encoding="utf-8"))
    protocol = Protocol(split=summary["description"], exclude_seen=settings.exclude_seen,
                        k_values=tuple(settings.k_values), catalogue_size=int(summary["items"]))
    lists = read_topk(paths["topk"], model, seed)
    cold = pl.read_parquet(paths["cold_users"])["user_id"].rename("user")
    train = read_interactions(paths["train"], TARGET_COLUMNS)
    target_sets = {key.removeprefix("targets_"): read_targets(path) for key, path in paths.items()
                   if key.startswith("targets_")}
    if target_sets:
        dislikes = read_targets(paths["dislikes"]) if "dislikes" in paths else None
        result, per_user = evaluate_target_sets(lists, target_sets, train, protocol, cold, dislikes,
                                                source=paths["topk"])
    else:
        result, per_user = evaluate_lists(lists, read_targets(paths["targets"]), train, protocol, cold,
                                          source=paths["topk"])
    result["protocol"]["sequence_order"] = summary.get("sequence_order")
    log.info("%s seed %d: %s", model, seed, {k: round(v, 4) for k, v in result["metrics"].items() if k.endswith("@10")})
    return {"dataset": dataset, "model": model, "seed": seed, **result}, per_user
