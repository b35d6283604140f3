"""RP3beta (Paudel et al., ACM TiiS 2016): random walks of length 3 user -> item -> user -> item, with
transition probabilities raised to ``alpha`` and the arrival item's popularity penalised by pop^``beta``.

W = (P_iu^alpha @ P_ui^alpha) / pop^beta column-wise, where P_ui is the row-normalised binary
user x item matrix and P_iu that of its transpose; the diagonal is zeroed and each item keeps its
``neighbours`` strongest successors (0 = all). A user's score is the sum of W's rows of their items.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .base import Recommender
from .similarity import keep_top_per_row


def _row_stochastic(matrix: sp.csr_matrix) -> sp.csr_matrix:
    sums = np.asarray(matrix.sum(axis=1), dtype=np.float64).ravel()
    return (sp.diags(1.0 / np.where(sums > 0, sums, 1.0)) @ matrix).tocsr()


class RP3betaRecommender(Recommender):
    def __init__(self, alpha: float = 0.75, beta: float = 0.35, neighbours: int = 0, seed: int = 0,
                 threads: int = 1):
        self.alpha = alpha
        self.beta = beta
        self.neighbours = neighbours
        self.seed = seed
        self.threads = threads

    def _fit(self, data) -> None:
        binary = data.binary.astype(np.float64)
        user_to_item = _row_stochastic(binary).power(self.alpha)
        item_to_user = _row_stochastic(binary.T.tocsr()).power(self.alpha)
        popularity = data.item_counts()
        penalty = np.where(popularity > 0, popularity, 1.0) ** -self.beta
        walks = (item_to_user @ user_to_item @ sp.diags(penalty)).tocsr()
        walks.setdiag(0.0)
        walks.eliminate_zeros()
        self.walks_ = keep_top_per_row(walks.astype(np.float32), self.neighbours)

    def score(self, rows: np.ndarray) -> np.ndarray:
        history = self.data_.history(rows)
        history.data[:] = 1.0
        scores = (history @ self.walks_).toarray()
        scores[np.diff(history.indptr) == 0] = -np.inf
        return scores
