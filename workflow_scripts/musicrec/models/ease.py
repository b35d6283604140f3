"""EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019).

The item-item weights B minimise ||X - X B||^2 + lambda ||B||^2 subject to diag(B) = 0, in closed form:
P = (X^T X + lambda I)^-1, B_ij = -P_ij / P_jj (i != j), B_jj = 0. A user's scores are X_u B. ``X`` is the
training matrix under ``weighting``; only items with training interactions take part (the others have no
column in X, so EASE cannot score them and never recommends them). Dense in the active items: memory is
about 3 x 4 x n^2 bytes (n = 17k items: ~3.5 GB), time one Cholesky factorisation and inverse.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.linalg import lapack

from .base import Recommender
from .weighting import weighted

log = logging.getLogger(__name__)


def ease_weights(gram: np.ndarray, regularization: float) -> np.ndarray:
    """B from the (dense, float32) Gram matrix X^T X, computed in place through its Cholesky factor."""
    n = gram.shape[0]
    gram[np.diag_indices(n)] += regularization
    factor, info = lapack.spotrf(gram, lower=False, overwrite_a=True, clean=False)
    if info != 0:
        raise ValueError(f"X^T X + {regularization} I is not positive definite (LAPACK spotrf info {info})")
    inverse, info = lapack.spotri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise ValueError(f"inverting X^T X + {regularization} I failed (LAPACK spotri info {info})")
    block = 2048
    for start in range(0, n, block):
        # spotri fills the upper triangle; mirror it into the lower one, a block of rows at a time.
        end = min(start + block, n)
        inverse[start:end, :start] = inverse[:start, start:end].T
        square = inverse[start:end, start:end]
        lower = np.tril_indices(end - start, -1)
        square[lower] = square.T[lower]
    diagonal = inverse.diagonal().copy()
    inverse /= -diagonal[None, :]
    inverse[np.diag_indices(n)] = 0.0
    return inverse


class EASERecommender(Recommender):
    def __init__(self, regularization: float = 500.0, weighting: str = "binary", seed: int = 0, threads: int = 1):
        self.regularization = regularization
        self.weighting = weighting
        self.seed = seed
        self.threads = threads

    def _fit(self, data) -> None:
        matrix = weighted(data.matrix, self.weighting)
        self.active_ = np.flatnonzero(np.diff(matrix.tocsc().indptr) > 0)
        active = matrix[:, self.active_]
        gram = (active.T @ active).toarray().astype(np.float32)
        log.info("EASE: %d of %d items have training interactions; solving a %d x %d system", len(self.active_),
                 data.n_items, len(self.active_), len(self.active_))
        self.weights_ = ease_weights(gram, self.regularization)

    def score(self, rows: np.ndarray) -> np.ndarray:
        history = weighted(self.data_.history(rows), self.weighting)[:, self.active_]
        scores = np.full((len(rows), self.data_.n_items), -np.inf)
        scores[:, self.active_] = history @ self.weights_
        scores[np.diff(history.indptr) == 0] = -np.inf
        return scores
