"""CatBoost re-ranker over the candidate features, one query per user: the YetiRank listwise objective
(Gulin, Kuralenok and Pavlov, "Winning the transfer learning track of Yahoo!'s learning to rank challenge
with YetiRank", JMLR W&CP 14, 2011) or a pointwise Logloss, on CatBoost's ordered boosting with oblivious trees
(Prokhorenkova et al., "CatBoost: unbiased boosting with categorical features", NeurIPS 2018).

Training rows: the candidates of users with at least one positive (a user without one carries no ranking
signal; both losses see the same rows, so their validation figures compare), every positive and at most
``negatives_per_user`` random negatives of each user (0 = all). A seeded ``validation_share`` of those users
is held out with all their candidates (no sampling, as at scoring time): CatBoost evaluates NDCG@10 over
their candidate lists after every tree, keeps the best iteration and stops after ``early_stopping_rounds``
trees without improvement. That NDCG@10 is within the
candidate lists (a user's positives that no generator proposed do not count), so it ranks settings and
losses against each other, not against the full-catalogue test metrics. Rows go to CatBoost grouped by
user (contiguous group ids, as YetiRank needs). Deterministic for a seed and thread count on the CPU.
"""

from __future__ import annotations

import logging

import numpy as np
import polars as pl

from .base import BinaryClassifier, FeatureSpec
from .rf_ranker import sample_negatives

log = logging.getLogger(__name__)

LOSSES = ("YetiRank", "Logloss")
EVAL_METRIC = "NDCG:top=10"


class CatBoostRanker(BinaryClassifier):
    def __init__(self, loss: str = "YetiRank", iterations: int = 300, learning_rate: float = 0.05, depth: int = 6,
                 l2_leaf_reg: float = 3.0, negatives_per_user: int = 0, validation_share: float = 0.2,
                 early_stopping_rounds: int = 50, seed: int = 0, threads: int = 1):
        self.loss = loss
        self.iterations = iterations
        self.learning_rate = learning_rate
        self.depth = depth
        self.l2_leaf_reg = l2_leaf_reg
        self.negatives_per_user = negatives_per_user
        self.validation_share = validation_share
        self.early_stopping_rounds = early_stopping_rounds
        self.seed = seed
        self.threads = threads

    def _pool(self, matrix: np.ndarray, labels: np.ndarray, groups: np.ndarray, rows: np.ndarray):
        from catboost import Pool

        ordered = rows[np.argsort(groups[rows], kind="stable")]
        return Pool(matrix[ordered], label=labels[ordered], group_id=groups[ordered], feature_names=self.columns_)

    def fit(self, features: pl.DataFrame, labels: np.ndarray, spec: FeatureSpec,
            groups: np.ndarray | None = None) -> "CatBoostRanker":
        """``features``: (n, f) candidate table holding ``spec.numeric``; ``labels``: (n,) 0/1; ``groups``:
        (n,) the user of each row."""
        from catboost import CatBoost

        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}, not {self.loss!r}")
        if groups is None:
            raise ValueError("the CatBoost re-ranker needs a query (user) per row")
        if not 0 <= self.validation_share < 1:
            raise ValueError(f"validation_share must be in [0, 1), not {self.validation_share}")
        labels = np.asarray(labels)
        groups = np.asarray(groups)
        rng = np.random.default_rng(self.seed)
        positive_users = np.unique(groups[labels > 0])
        if positive_users.size == 0:
            raise ValueError("no training candidate is a positive: the re-ranker has nothing to learn")
        held_out = rng.permutation(positive_users)[:int(round(self.validation_share * positive_users.size))]
        in_validation = np.isin(groups, held_out)
        sampled = sample_negatives(labels, groups, self.negatives_per_user, rng)
        self.columns_ = list(spec.numeric)
        matrix = features.select(self.columns_).to_numpy().astype(np.float64)
        train_rows = np.flatnonzero(np.isin(groups, positive_users) & ~in_validation & sampled)
        params = {"loss_function": self.loss, "eval_metric": EVAL_METRIC, "iterations": self.iterations,
                  "learning_rate": self.learning_rate, "depth": self.depth, "l2_leaf_reg": self.l2_leaf_reg,
                  "random_seed": self.seed, "thread_count": self.threads, "allow_writing_files": False,
                  "verbose": False}
        eval_set = None
        if held_out.size:
            eval_set = self._pool(matrix, labels, groups, np.flatnonzero(in_validation))
            params.update(use_best_model=True, early_stopping_rounds=self.early_stopping_rounds)
        log.info("CatBoost %s: %d training rows of %d users (%d positives), %d users held out for NDCG@10",
                 self.loss, train_rows.size, positive_users.size - held_out.size, int(labels[train_rows].sum()),
                 held_out.size)
        self.model_ = CatBoost(params)
        self.model_.fit(self._pool(matrix, labels, groups, train_rows), eval_set=eval_set)
        self.training_rows_ = int(train_rows.size)
        self.validation_users_ = int(held_out.size)
        self.validation_rows_ = int(in_validation.sum())
        return self

    def score(self, features: pl.DataFrame) -> np.ndarray:
        """(n,) relevance scores (raw formula values; higher ranks first)."""
        return self.model_.predict(features.select(self.columns_).to_numpy().astype(np.float64),
                                   prediction_type="RawFormulaVal", thread_count=self.threads)

    def report(self) -> dict:
        gains = self.model_.get_feature_importance(type="PredictionValuesChange")
        order = np.argsort(-gains, kind="stable")
        validation = self.model_.get_evals_result().get("validation", {})
        best = self.model_.get_best_iteration() if validation else None
        ndcg = next((values for name, values in validation.items() if name.startswith(EVAL_METRIC)), None)
        return {"loss": self.loss, "best_iteration": best, "trees": int(self.model_.tree_count_),
                "training_rows": self.training_rows_, "validation_users": self.validation_users_,
                "validation_rows": self.validation_rows_,
                "validation_ndcg@10": None if ndcg is None else round(float(ndcg[best]), 6),
                "validation_ndcg@10_scope": "held-out users of the training split, within their candidate lists",
                "feature_importances": {self.columns_[i]: round(float(gains[i]), 3) for i in order}}
