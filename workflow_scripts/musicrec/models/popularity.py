"""Most-popular recommender: one global score per artist from the training pairs.

Variants: ``plays`` ranks artists by their summed listening weight, ``users`` by their number of
listeners. Ties go to the lower artist id.
"""

from __future__ import annotations

import numpy as np

from .topk import Catalogue


def popularity_scores(catalogue: Catalogue, variant: str) -> np.ndarray:
    """Per catalogue column: summed play weight (``plays``) or listener count (``users``) in training."""
    if variant == "plays":
        return np.asarray(catalogue.weights.sum(axis=0)).ravel()
    if variant == "users":
        return np.asarray((catalogue.weights > 0).sum(axis=0)).ravel().astype(np.float64)
    raise ValueError(f"unknown popularity variant {variant!r} (plays or users)")


class PopularityRecommender:
    def __init__(self, variant: str):
        self.variant = variant

    def fit(self, catalogue: Catalogue, artists=None) -> "PopularityRecommender":
        self.item_scores = popularity_scores(catalogue, self.variant)
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.item_scores, (len(users), len(self.item_scores)))
