"""Bayesian Personalized Ranking (Rendle et al., UAI 2009) through the ``implicit`` library, a baseline of the
Yambda paper (Ploshkin et al., "Yambda-5B", 2025).

Matrix factorisation trained by SGD on the pairwise loss -ln sigma(x_ui - x_uj) for a training pair (u, i)
and a sampled item j the user has not interacted with, plus ``regularization`` x the squared norms, for
``iterations`` epochs over the pairs at ``learning_rate``. implicit treats every stored pair as one
positive whatever its weight, so there is no weighting to choose.

implicit appends an item bias to the item factors and a column of ones to the user factors, so the
factors are (n_users x factors + 1) and (n_items x factors + 1) and their dot products are implicit's own
scores (bias included). ``device`` as for ALS (:func:`musicrec.models.als.implicit_device`). On the CPU
the SGD runs on one thread: implicit's multi-threaded BPR updates shared factors without locks (Hogwild),
so its result would change from run to run, and the same seed must give bit-identical factors.
"""

from __future__ import annotations

from .als import fitted_factors, implicit_device
from .factors import FactorRecommender


class ImplicitBPRRecommender(FactorRecommender):
    def __init__(self, factors: int = 64, learning_rate: float = 0.01, regularization: float = 0.01,
                 iterations: int = 100, device: str = "auto", seed: int = 0, threads: int = 1):
        self.factors = factors
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.iterations = iterations
        self.device = device
        self.seed = seed
        self.threads = threads

    def _fit(self, data) -> None:
        self.device_ = implicit_device(self.device)
        self.user_factors_, self.item_factors_ = fitted_factors(self._model, data.binary, self.device_)

    def _model(self):
        settings = dict(factors=self.factors, learning_rate=self.learning_rate, regularization=self.regularization,
                        iterations=self.iterations, random_state=self.seed)
        if self.device_ == "gpu":
            from implicit.gpu.bpr import BayesianPersonalizedRanking

            return BayesianPersonalizedRanking(**settings)
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        return BayesianPersonalizedRanking(**settings, num_threads=1)

    def report(self) -> dict:
        return {"device": self.device_}
