"""Bayesian Personalised Ranking matrix factorisation (Rendle et al., UAI 2009) through ``implicit``.

For each observed (user, item) pair, SGD pushes the score of the item above that of a sampled item the
user has not seen: maximise ln sigma(x_ui - x_uj) - ``regularization`` ||theta||^2, with ``learning_rate``
over ``iterations`` epochs (implicit adds an item bias as an extra factor). One thread, so that the same
seed gives the same factors (implicit's parallel SGD is lock-free and order-dependent).
"""

from __future__ import annotations

import numpy as np

from .factors import FactorRecommender


class BPRRecommender(FactorRecommender):
    def __init__(self, factors: int = 64, learning_rate: float = 0.01, regularization: float = 0.01,
                 iterations: int = 100, seed: int = 0, threads: int = 1):
        self.factors = factors
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.iterations = iterations
        self.seed = seed
        self.threads = threads

    def _fit(self, data) -> None:
        from threadpoolctl import threadpool_limits
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        with threadpool_limits(1, "blas"):  # implicit parallelises itself; threaded BLAS slows it down
            model = BayesianPersonalizedRanking(
                factors=self.factors, learning_rate=self.learning_rate, regularization=self.regularization,
                iterations=self.iterations, random_state=self.seed, num_threads=1)
            model.fit(data.binary, show_progress=False)
        self.user_factors_ = np.asarray(model.user_factors)
        self.item_factors_ = np.asarray(model.item_factors)
