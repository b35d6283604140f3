"""Hybrid of popularity (number of users) and content kNN.

score = weight x content + (1 - weight) x popularity, each max-normalised to [0, 1] (content per user,
popularity over the catalogue), so ``weight`` is the share of the content signal.
"""

from __future__ import annotations

import numpy as np

from .base import Recommender
from .content_knn import ContentKNNRecommender
from .popularity import popularity_scores


class HybridRecommender(Recommender):
    def __init__(self, weight: float = 0.3, seed_items: int = 10, neighbours: int = 50,
                 feature_prefix: str = "audio_", seed: int = 0, threads: int = 1):
        self.weight = weight
        self.seed_items = seed_items
        self.neighbours = neighbours
        self.feature_prefix = feature_prefix
        self.seed = seed
        self.threads = threads

    def _fit(self, data) -> None:
        self.content_ = ContentKNNRecommender(self.seed_items, self.neighbours, self.feature_prefix).fit(data)
        popularity = popularity_scores(data, "users")
        self.popularity_ = popularity / max(popularity.max(), 1.0)

    def score(self, rows: np.ndarray) -> np.ndarray:
        content = self.content_.content_scores(rows)
        peak = content.max(axis=1, keepdims=True)
        content = np.where(peak > 0, content / np.where(peak > 0, peak, 1.0), 0.0)
        return self.weight * content + (1.0 - self.weight) * self.popularity_
