"""Most-popular recommender (MostPop): one global score per item from the training data.

``by``: ``users`` ranks items by their number of users (listeners), ``weight`` by their summed training
weight (plays). Every user gets the same list; ties go to the lower item id.
"""

from __future__ import annotations

import numpy as np

from .base import GlobalScoreRecommender

POPULARITY = ("users", "weight")


def popularity_scores(data, by: str) -> np.ndarray:
    """Per catalogue column: number of users (``users``) or summed weight (``weight``) in training."""
    if by == "users":
        return data.item_counts()
    if by == "weight":
        return np.asarray(data.matrix.sum(axis=0), dtype=np.float64).ravel()
    raise ValueError(f"unknown popularity {by!r}; choose one of {', '.join(POPULARITY)}")


class PopularityRecommender(GlobalScoreRecommender):
    def __init__(self, by: str = "users", seed: int = 0, threads: int = 1):
        self.by = by
        self.seed = seed
        self.threads = threads

    def _fit(self, data) -> None:
        self.item_scores_ = popularity_scores(data, self.by)
