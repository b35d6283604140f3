"""LightGBM binary classifier on the KKBox features (deterministic for a given seed and thread count)."""

from __future__ import annotations

import logging

import lightgbm as lgb
import numpy as np
import polars as pl

from .base import FeatureSpec

log = logging.getLogger(__name__)

ROW_BATCH = 1 << 16  # rows converted to one float32 block at a time (training and prediction)


class _FloatRows(lgb.Sequence):
    """A frame's columns as float32 rows, converted one batch at a time: LightGBM bins the training
    rows from these batches, so no float matrix of the whole split is ever held."""

    def __init__(self, frame: pl.DataFrame, columns: list[str], batch_size: int = ROW_BATCH):
        self.frame = frame.select(pl.col(columns).cast(pl.Float32))
        self.batch_size = batch_size

    def __len__(self) -> int:
        return self.frame.height

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            start, stop, _ = idx.indices(self.frame.height)
            return self.frame.slice(start, stop - start).to_numpy()
        return np.asarray(self.frame.row(int(idx)), dtype=np.float64)  # LightGBM samples bins in float64


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
            _FloatRows(train, self.columns), label=labels, feature_name=self.columns,
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
        rows = _FloatRows(frame, self.columns)
        return np.concatenate([
            self.booster.predict(rows[start:start + ROW_BATCH], num_threads=self.threads)
            for start in range(0, max(len(rows), 1), ROW_BATCH)
        ])

    def feature_importance(self) -> dict[str, float]:
        gains = self.booster.feature_importance(importance_type="gain")
        return {name: float(g) for name, g in zip(self.columns, gains)}
