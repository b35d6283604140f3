"""LightGBM binary classifier on the KKBox features (deterministic for a given seed and thread count)."""

from __future__ import annotations

import logging

import lightgbm as lgb
import numpy as np
import polars as pl

from .base import BinaryClassifier, FeatureSpec

log = logging.getLogger(__name__)


class LightGBMClassifier(BinaryClassifier):
    """Gradient-boosted trees (LightGBM, Ke et al., NeurIPS 2017) with the binary log-loss objective; the
    feature spec's categorical codes enter as LightGBM categorical features."""

    def __init__(self, num_boost_round: int = 200, learning_rate: float = 0.07, num_leaves: int = 63,
                 min_data_in_leaf: int = 100, max_bin: int = 63, feature_fraction: float = 0.7,
                 bagging_fraction: float = 0.8, bagging_freq: int = 1, lambda_l2: float = 10.0,
                 cat_smooth: float = 50.0, seed: int = 0, threads: int = 1):
        self.num_boost_round = num_boost_round
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_data_in_leaf = min_data_in_leaf
        self.max_bin = max_bin
        self.feature_fraction = feature_fraction
        self.bagging_fraction = bagging_fraction
        self.bagging_freq = bagging_freq
        self.lambda_l2 = lambda_l2
        self.cat_smooth = cat_smooth
        self.seed = seed
        self.threads = threads

    def _table(self, frame: pl.DataFrame):
        """The model's columns as a float32 Arrow table sharing the frame's buffers: LightGBM reads
        Arrow itself, so no matrix of the split is made (the integer codes cast to float32 exactly;
        missing values are NaN to LightGBM, as in a float matrix)."""
        return frame.select(pl.col(self.columns_).cast(pl.Float32)).to_arrow()

    def fit(self, features: pl.DataFrame, labels: np.ndarray, spec: FeatureSpec,
            groups: np.ndarray | None = None) -> "LightGBMClassifier":
        self.columns_ = spec.lgb_categorical + spec.numeric
        params = {
            "objective": "binary", "learning_rate": self.learning_rate, "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf, "max_bin": self.max_bin,
            "feature_fraction": self.feature_fraction, "bagging_fraction": self.bagging_fraction,
            "bagging_freq": self.bagging_freq, "lambda_l2": self.lambda_l2, "cat_smooth": self.cat_smooth,
            "seed": self.seed, "num_threads": self.threads, "deterministic": True, "force_row_wise": True,
            "verbose": -1,
        }
        dataset = lgb.Dataset(
            self._table(features), label=labels, feature_name=self.columns_,
            categorical_feature=spec.lgb_categorical, free_raw_data=True,
        )
        log.info("LightGBM: %d rows x %d features, %d rounds", features.height, len(self.columns_),
                 self.num_boost_round)
        self.booster_ = lgb.train(
            params, dataset, num_boost_round=self.num_boost_round,
            callbacks=[lgb.log_evaluation(period=max(1, self.num_boost_round // 5))],
        )
        return self

    def score(self, features: pl.DataFrame) -> np.ndarray:
        return self.booster_.predict(self._table(features), num_threads=self.threads)

    def report(self) -> dict:
        gains = self.booster_.feature_importance(importance_type="gain")
        return {"feature_importances": {name: round(float(g), 3) for name, g in zip(self.columns_, gains)}}
