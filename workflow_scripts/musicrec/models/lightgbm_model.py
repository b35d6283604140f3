"""LightGBM binary classifier on the KKBox features (deterministic for a given seed and thread count)."""

from __future__ import annotations

import logging

import lightgbm as lgb
import numpy as np
import polars as pl

from .base import FeatureSpec

log = logging.getLogger(__name__)

class LightGBMModel:
    def __init__(self, params: dict, num_boost_round: int, spec: FeatureSpec, seed: int, threads: int = 1):
        self.params = dict(params)
        self.num_boost_round = int(num_boost_round)
        self.spec = spec
        self.seed = int(seed)
        self.threads = int(threads)
        self.booster: lgb.Booster | None = None

    @classmethod
    def from_hyperparameters(cls, hyperparameters: dict, spec: FeatureSpec, seed: int, threads: int):
        """Config form: LightGBM parameters plus ``num_boost_round``."""
        params = dict(hyperparameters)
        rounds = params.pop("num_boost_round")
        return cls(params, rounds, spec, seed, threads)

    @property
    def columns(self) -> list[str]:
        return self.spec.lgb_categorical + self.spec.numeric

    def _table(self, frame: pl.DataFrame):
        """The model's columns as a float32 Arrow table sharing the frame's buffers: LightGBM reads
        Arrow itself, so no matrix of the split is made (the integer codes cast to float32 exactly;
        missing values are NaN to LightGBM, as in a float matrix)."""
        return frame.select(pl.col(self.columns).cast(pl.Float32)).to_arrow()

    def fit(self, train: pl.DataFrame, labels: np.ndarray) -> "LightGBMModel":
        params = {
            **self.params,
            "objective": "binary",
            "seed": self.seed,
            "num_threads": self.threads,
            "deterministic": True,
            "force_row_wise": True,
            "verbose": -1,
        }
        dataset = lgb.Dataset(
            self._table(train), label=labels, feature_name=self.columns,
            categorical_feature=self.spec.lgb_categorical, free_raw_data=True,
        )
        log.info("LightGBM: %d rows x %d features, %d rounds", train.height, len(self.columns), self.num_boost_round)
        self.booster = lgb.train(
            params, dataset, num_boost_round=self.num_boost_round,
            callbacks=[lgb.log_evaluation(period=max(1, self.num_boost_round // 5))],
        )
        return self

    def score(self, frame: pl.DataFrame) -> np.ndarray:
        if self.booster is None:
            raise RuntimeError("fit() first")
        return self.booster.predict(self._table(frame), num_threads=self.threads)

    def feature_importance(self) -> dict[str, float]:
        gains = self.booster.feature_importance(importance_type="gain")
        return {name: float(g) for name, g in zip(self.columns, gains)}
