"""Hybrid of popularity (listener count) and content kNN.

score = weight x content + (1 - weight) x popularity, each max-normalised to [0, 1] (content per
user, popularity over the catalogue), so ``weight`` is the share of the content signal.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .content_knn import ContentKNNRecommender
from .popularity import popularity_scores
from .topk import Catalogue


class HybridRecommender:
    def __init__(self, weight: float = 0.3, seed_artists: int = 10, neighbours: int = 50):
        self.weight = weight
        self.content = ContentKNNRecommender(seed_artists, neighbours)

    def fit(self, catalogue: Catalogue, artists: pl.DataFrame) -> "HybridRecommender":
        self.content.fit(catalogue, artists)
        popularity = popularity_scores(catalogue, "users")
        self.popularity = popularity / max(popularity.max(), 1.0)
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        content = self.content.content_scores(users)
        peak = content.max(axis=1, keepdims=True)
        content = np.where(peak > 0, content / np.where(peak > 0, peak, 1.0), 0.0)
        return self.weight * content + (1.0 - self.weight) * self.popularity
