"""ItemKNN (Sarwar et al., WWW 2001; Deshpande and Karypis, TOIS 2004): a user's score for item j is the
sum of the cosine similarities between j and the user's training items, each times the user's weight on it.

Hyper-parameters: ``weighting`` of the matrix (see :mod:`musicrec.models.weighting`), ``neighbours`` kept
per item (0 = all), ``shrink`` of the cosine. Users without training items get no list.
"""

from __future__ import annotations

import numpy as np

from .base import Recommender
from .similarity import cosine, keep_top_per_row
from .weighting import weighted


class ItemKNNRecommender(Recommender):
    def __init__(self, weighting: str = "log1p", neighbours: int = 0, shrink: float = 0.0, seed: int = 0,
                 threads: int = 1):
        self.weighting = weighting
        self.neighbours = neighbours
        self.shrink = shrink
        self.seed = seed
        self.threads = threads

    def _fit(self, data) -> None:
        self.weights_ = weighted(data.matrix, self.weighting)
        # Row i of the pruned matrix holds item i's nearest neighbours; scoring needs (neighbour -> item).
        self.similarity_ = keep_top_per_row(cosine(self.weights_, self.shrink), self.neighbours).T.tocsr()

    def score(self, rows: np.ndarray) -> np.ndarray:
        history = self.data_.history(rows)
        scores = (weighted(history, self.weighting) @ self.similarity_).toarray()
        scores[np.diff(history.indptr) == 0] = -np.inf
        return scores
