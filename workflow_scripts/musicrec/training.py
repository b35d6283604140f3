"""The model-job bodies: fit a registered model for one seed and recommend, re-rank, or score.

Every model job of the workflow is one of these three functions; which model runs, with which
hyper-parameters and seed, is a :class:`Run` built from the config by the rules.
"""

from __future__ import annotations

import importlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from . import models
from .candidates import candidate_table, recall_of, with_generator_statistics, with_labels
from .data import Interactions
from .datasets.validation import require_both_classes
from .errors import InputDataError
from .metrics.classification import classification_metrics, per_user_classification_metrics
from .models.base import FeatureSpec
from .schema import read_targets, read_topk, to_topk, topk_from_arrays
from .seeding import seed_everything

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Run:
    """One model run: ``model`` is the config's name for it, ``registry`` the registered model it builds."""

    dataset: str
    model: str
    registry: str
    seed: int
    hyperparameters: dict = field(default_factory=dict)
    threads: int = 1

    def describe(self) -> dict:
        return {"dataset": self.dataset, "model": self.model, "registry": self.registry, "seed": self.seed,
                "hyperparameters": self.hyperparameters, "threads": self.threads}


def timed(action):
    started = time.perf_counter()
    value = action()
    return value, round(time.perf_counter() - started, 3)


def fit_and_recommend(run: Run, paths: dict[str, str], list_length: int, exclude_seen: bool):
    """Fit ``run``'s recommender on ``paths`` (train, catalogue, and the optional item_features,
    user_features, sequences, neighbours, negatives) and return (top-K lists for every user of ``paths["targets"]``,
    the training report, the fitted model)."""
    seed_everything(run.seed)
    users = np.unique(read_targets(paths["targets"])["user"].to_numpy())
    data = Interactions.load(paths, extra_users=users)
    model = models.build(run.registry, run.hyperparameters, run.seed, run.threads)
    log.info("%s seed %d: %d users x %d items, %d training entries; lists of %d for %d users", run.model,
             run.seed, data.n_users, data.n_items, data.matrix.nnz, list_length, len(users))
    with threadpool_limits(run.threads):
        _, fit_seconds = timed(lambda: model.fit(data))
        (columns, scores), recommend_seconds = timed(
            lambda: model.recommend(data.rows(users), list_length, exclude_seen=exclude_seen))
    items = np.where(columns >= 0, data.item_ids[np.maximum(columns, 0)], data.item_ids[0])
    lists = topk_from_arrays(users, items, np.where(columns >= 0, scores, -np.inf), run.model, run.seed)
    report = {**run.describe(), "list_length": list_length, "exclude_seen": exclude_seen,
              "train_seconds": fit_seconds, "recommend_seconds": recommend_seconds,
              "users": int(len(users)), "users_with_a_list": lists["user"].n_unique(), **model.report()}
    log.info("%s seed %d: fitted in %.1f s, %d of %d users got a list", run.model, run.seed, fit_seconds,
             report["users_with_a_list"], len(users))
    return lists, report, model


def _candidates(list_paths: dict[str, str], depths: dict[str, int], seed: int) -> pl.DataFrame:
    lists = {}
    for name, path in list_paths.items():
        lists[name] = read_topk(path)
        if lists[name].is_empty():
            raise InputDataError(path, f"generator {name} seed {seed} wrote no lists")
    return with_generator_statistics(candidate_table(lists, depths), depths)


def fit_and_rerank(run: Run, depths: dict[str, int], valid: dict, test: dict, list_length: int):
    """Train ``run``'s re-ranker on the validation split and re-rank the test split's candidates.

    ``valid`` and ``test`` each hold ``lists`` (generator name -> top-K file), ``targets`` and ``tables``
    (part name -> file: the split's prepared tables that ``features.<dataset>.candidate_features`` takes
    as keyword arguments, e.g. train, item_features); the validation targets label the training
    candidates. Features: the generators' scores and ranks with
    :func:`~musicrec.candidates.with_generator_statistics`, plus the dataset's candidate features.
    Returns (top-K lists, report).
    """
    seed_everything(run.seed)
    features_of = importlib.import_module(f"musicrec.features.{run.dataset}").candidate_features

    def table(split: dict) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(candidates with their features, the bare candidate table) of one split."""
        candidates = _candidates(split["lists"], depths, run.seed)
        tables = {part: pl.read_parquet(path) for part, path in split["tables"].items()}
        return features_of(candidates, **tables), candidates

    (train_table, train_candidates), build_seconds = timed(lambda: table(valid))
    valid_targets = read_targets(valid["targets"])
    labelled = with_labels(train_table, valid_targets)
    columns = [c for c in train_table.columns if c not in ("user_id", "item_id")]
    model = models.build(run.registry, run.hyperparameters, run.seed, run.threads)
    with threadpool_limits(run.threads):
        _, fit_seconds = timed(lambda: model.fit(labelled, labelled["label"].to_numpy(),
                                                  FeatureSpec.numeric_only(columns), labelled["user_id"].to_numpy()))
        test_table, _ = table(test)
        scores = model.score(test_table)
    scored = test_table.select(pl.col("user_id").alias("user"), pl.col("item_id").alias("item")).with_columns(
        pl.Series("score", scores))
    lists = to_topk(scored, list_length, run.model, run.seed)
    report = {**run.describe(), "generators": depths, "list_length": list_length,
              "training": "validation split (carved from the training pairs): candidates of the generators "
                          "fitted on its training part, labelled by its held-out pairs",
              "training_candidates": train_table.height, "training_positives": int(labelled["label"].sum()),
              "validation_candidate_recall": round(recall_of(train_candidates, valid_targets), 5),
              "test_candidates": test_table.height, "candidate_build_seconds": build_seconds,
              "train_seconds": fit_seconds, **model.report()}
    log.info("%s seed %d: %d training candidates (recall of the validation pairs %.3f), %d test candidates",
             run.model, run.seed, report["training_candidates"], report["validation_candidate_recall"],
             report["test_candidates"])
    return lists, report


def fit_and_score(run: Run, features: dict[str, str]):
    """Fit ``run``'s classifier on the ``train`` feature table (its ``target`` column) and score the
    ``valid`` and ``test`` tables; ``spec`` (JSON) names the feature columns, the id columns kept in the
    predictions, the user column among them and the split. Each table is read with only the columns it is
    needed for, and the training table is freed before the others are read (at Kaggle size this keeps 2.3 GB
    out of the job's peak). Returns (validation predictions, test submission, metrics, per-user metrics: the
    AUC and log-loss of each user's validation rows, see
    :func:`~musicrec.metrics.classification.per_user_classification_metrics`)."""
    seed_everything(run.seed)
    spec_json = json.loads(Path(features["spec"]).read_text(encoding="utf-8"))
    if "user_column" not in spec_json:
        raise InputDataError(features["spec"], "names no user_column (the per-user metrics group the validation rows "
                             "by it): rebuild the features")
    spec = FeatureSpec.from_json(spec_json)
    model_columns = list(dict.fromkeys([*spec.categorical, *spec.lgb_categorical, *spec.numeric]))

    def table(name: str, extra: list[str]) -> pl.DataFrame:
        return pl.read_parquet(features[name], columns=list(dict.fromkeys([*model_columns, *extra])))

    require_both_classes(pl.read_parquet(features["valid"], columns=["target"]), features["valid"], "target")
    model = models.build(run.registry, run.hyperparameters, run.seed, run.threads)
    train = table("train", ["target"])
    _, fit_seconds = timed(lambda: model.fit(train, train["target"].to_numpy(), spec))
    del train
    started = time.perf_counter()
    valid = table("valid", spec_json["prediction_columns"])
    predictions = valid.select(spec_json["prediction_columns"]).with_columns(pl.Series("score", model.score(valid)))
    del valid
    test = table("test", [spec_json["submission_id"]])
    submission = test.select(spec_json["submission_id"]).with_columns(pl.Series("target", model.score(test)))
    del test
    predict_seconds = round(time.perf_counter() - started, 3)
    labels = predictions["target"].to_numpy()
    metrics = {**run.describe(), "train_seconds": fit_seconds, "predict_seconds": predict_seconds,
               "protocol": {"split": spec_json["split"]["description"],
                            "candidates": "all validation rows (every user-song pair of the split)",
                            "rows": int(labels.size), "positive_rate": float(np.mean(labels))},
               "metrics": classification_metrics(labels, predictions["score"].to_numpy()),
               "model_report": model.report()}
    log.info("%s seed %d: validation AUC %.4f, log-loss %.4f", run.model, run.seed, metrics["metrics"]["auc"],
             metrics["metrics"]["log_loss"])
    per_user = per_user_classification_metrics(predictions[spec_json["user_column"]], labels,
                                               predictions["score"].to_numpy())
    return predictions, submission, metrics, per_user
