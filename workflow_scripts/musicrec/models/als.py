"""Implicit-feedback ALS (Hu, Koren and Volinsky, ICDM 2008) through the ``implicit`` library.

Each observed pair gets confidence 1 + ``alpha`` x w, with w the training weight under ``weighting``
(bm25, log1p, binary or none); user and item factors minimise the confidence-weighted squared error
against the binary preference plus ``regularization`` times the squared norms, by ``iterations``
alternating conjugate-gradient sweeps. Scores are dot products; the factors are the artefact.
"""

from __future__ import annotations

import numpy as np

from .factors import FactorRecommender
from .weighting import weighted


class ALSRecommender(FactorRecommender):
    def __init__(self, factors: int = 128, regularization: float = 10.0, alpha: float = 1.0,
                 weighting: str = "log1p", iterations: int = 15, seed: int = 0, threads: int = 1):
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.weighting = weighting
        self.iterations = iterations
        self.seed = seed
        self.threads = threads

    def _fit(self, data) -> None:
        from threadpoolctl import threadpool_limits
        from implicit.cpu.als import AlternatingLeastSquares

        with threadpool_limits(1, "blas"):  # implicit parallelises itself; threaded BLAS slows it down
            model = AlternatingLeastSquares(
                factors=self.factors, regularization=self.regularization, alpha=self.alpha,
                iterations=self.iterations, random_state=self.seed, num_threads=self.threads)
            model.fit(weighted(data.matrix, self.weighting), show_progress=False)
        self.user_factors_ = np.asarray(model.user_factors)
        self.item_factors_ = np.asarray(model.item_factors)
