"""Random recommender: uniform scores over the catalogue; the floor every model must clear."""

from __future__ import annotations

import numpy as np

from .topk import Catalogue


class RandomRecommender:
    def __init__(self, seed: int):
        self.seed = seed

    def fit(self, catalogue: Catalogue, artists=None) -> "RandomRecommender":
        self.n_items = catalogue.n_items
        self.rng = np.random.default_rng(self.seed)
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        return self.rng.random((len(users), self.n_items))
