"""Random recommender: uniform scores over the catalogue; the floor every model must clear."""

from __future__ import annotations

import numpy as np

from .base import Recommender


class RandomRecommender(Recommender):
    def __init__(self, seed: int = 0, threads: int = 1):
        self.seed = seed
        self.threads = threads

    def _fit(self, data) -> None:
        self.rng_ = np.random.default_rng(self.seed)

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Fresh uniform scores per call: the same seed and call order give the same lists."""
        return self.rng_.random((len(rows), self.data_.n_items))
