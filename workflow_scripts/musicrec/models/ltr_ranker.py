"""Learning-to-rank re-ranker: LightGBM's lambdarank objective (LambdaMART; Burges, MSR-TR-2010-82) over
the candidate features, one query per user.

Each tree step follows the NDCG-weighted pairwise gradients of the user's candidates, so the model learns
the order of a user's list, not a global probability. Users without a positive among their candidates
carry no gradient and are left out of training; ``negatives_per_user`` caps the negatives per user
(0 = all). ``truncation_level`` is the list depth the NDCG gradients look at. Deterministic for a seed
and thread count.
"""

from __future__ import annotations

import logging

import numpy as np
import polars as pl

from .base import BinaryClassifier, FeatureSpec
from .rf_ranker import sample_negatives

log = logging.getLogger(__name__)


class LambdaRankRanker(BinaryClassifier):
    def __init__(self, num_boost_round: int = 200, learning_rate: float = 0.03, num_leaves: int = 15,
                 min_data_in_leaf: int = 200, feature_fraction: float = 0.8, bagging_fraction: float = 0.8,
                 bagging_freq: int = 1, lambda_l2: float = 1.0, truncation_level: int = 30,
                 negatives_per_user: int = 0, seed: int = 0, threads: int = 1):
        self.num_boost_round = num_boost_round
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_data_in_leaf = min_data_in_leaf
        self.feature_fraction = feature_fraction
        self.bagging_fraction = bagging_fraction
        self.bagging_freq = bagging_freq
        self.lambda_l2 = lambda_l2
        self.truncation_level = truncation_level
        self.negatives_per_user = negatives_per_user
        self.seed = seed
        self.threads = threads

    def fit(self, features: pl.DataFrame, labels: np.ndarray, spec: FeatureSpec,
            groups: np.ndarray | None = None) -> "LambdaRankRanker":
        import lightgbm as lgb

        if groups is None:
            raise ValueError("the lambdarank re-ranker needs a query (user) per row")
        frame = pl.DataFrame({"group": groups, "label": labels}).with_row_index("row")
        has_positive = frame.group_by("group").agg(pl.col("label").max().alias("any"))
        keep = frame.join(has_positive, on="group").sort("row")["any"].to_numpy() > 0
        keep &= sample_negatives(labels, groups, self.negatives_per_user, np.random.default_rng(self.seed))
        order = np.flatnonzero(keep)[np.argsort(groups[keep], kind="stable")]
        _, sizes = np.unique(groups[order], return_counts=True)
        self.columns_ = list(spec.numeric)
        matrix = features.select(self.columns_).to_numpy()[order]
        params = {"objective": "lambdarank", "learning_rate": self.learning_rate, "num_leaves": self.num_leaves,
                  "min_data_in_leaf": self.min_data_in_leaf, "feature_fraction": self.feature_fraction,
                  "bagging_fraction": self.bagging_fraction, "bagging_freq": self.bagging_freq,
                  "lambda_l2": self.lambda_l2, "lambdarank_truncation_level": self.truncation_level,
                  "seed": self.seed, "num_threads": self.threads, "deterministic": True, "force_row_wise": True,
                  "verbose": -1}
        log.info("lambdarank: %d rows of %d users with a positive (%d positives)", len(order), len(sizes),
                 int(labels[order].sum()))
        dataset = lgb.Dataset(matrix, label=labels[order], group=sizes, feature_name=self.columns_)
        self.booster_ = lgb.train(params, dataset, num_boost_round=self.num_boost_round)
        return self

    def score(self, features: pl.DataFrame) -> np.ndarray:
        return self.booster_.predict(features.select(self.columns_).to_numpy(), num_threads=self.threads)

    def report(self) -> dict:
        gains = self.booster_.feature_importance(importance_type="gain")
        order = np.argsort(-gains)
        return {"feature_importances": {self.columns_[i]: round(float(gains[i]), 3) for i in order}}
