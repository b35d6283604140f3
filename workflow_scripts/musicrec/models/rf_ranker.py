"""RandomForest re-ranker (scikit-learn), the learned ranker of the seed Last.fm research.

A binary classifier of "the candidate is a held-out item of the user" over the candidate features (the
generators' scores and ranks plus the dataset's user, item and user-item features). For each user the
positives and at most ``negatives_per_user`` randomly drawn negatives (from the seed) are kept for
training; trees are balanced per bootstrap sample. Candidates are ranked by P(relevant).
"""

from __future__ import annotations

import logging

import numpy as np
import polars as pl

from .base import BinaryClassifier, FeatureSpec

log = logging.getLogger(__name__)


def sample_negatives(labels: np.ndarray, groups: np.ndarray, per_group: int, rng: np.random.Generator) -> np.ndarray:
    """Row mask keeping every positive and at most ``per_group`` random negatives of each group (0 = all)."""
    if per_group <= 0:
        return np.ones(len(labels), dtype=bool)
    frame = pl.DataFrame({"group": groups, "label": labels, "draw": rng.random(len(labels))})
    keep = frame.select((pl.col("label") == 1)
                        | (pl.col("draw").rank("ordinal").over("group", "label") <= per_group))
    return keep.to_series().to_numpy()


class RandomForestRanker(BinaryClassifier):
    def __init__(self, n_estimators: int = 200, max_depth: int = 12, min_samples_leaf: int = 20,
                 negatives_per_user: int = 50, seed: int = 0, threads: int = 1):
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.negatives_per_user = negatives_per_user
        self.seed = seed
        self.threads = threads

    def fit(self, features: pl.DataFrame, labels: np.ndarray, spec: FeatureSpec,
            groups: np.ndarray | None = None) -> "RandomForestRanker":
        from sklearn.ensemble import RandomForestClassifier

        rng = np.random.default_rng(self.seed)
        keep = sample_negatives(labels, groups if groups is not None else np.zeros(len(labels)),
                                self.negatives_per_user, rng)
        self.columns_ = list(spec.numeric)
        self.model_ = RandomForestClassifier(
            n_estimators=self.n_estimators, max_depth=self.max_depth, min_samples_leaf=self.min_samples_leaf,
            n_jobs=self.threads, random_state=self.seed, class_weight="balanced_subsample")
        log.info("RandomForest ranker: %d training rows (%d positives) of %d candidates", int(keep.sum()),
                 int(labels[keep].sum()), len(labels))
        self.model_.fit(features.select(self.columns_).to_numpy()[keep], labels[keep])
        return self

    def score(self, features: pl.DataFrame) -> np.ndarray:
        return self.model_.predict_proba(features.select(self.columns_).to_numpy())[:, 1]

    def report(self) -> dict:
        order = np.argsort(-self.model_.feature_importances_)
        return {"feature_importances": {self.columns_[i]: round(float(self.model_.feature_importances_[i]), 5)
                                        for i in order}}
