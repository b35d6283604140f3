"""Implicit-feedback ALS (Hu, Koren and Volinsky, ICDM 2008) through the ``implicit`` library.

Each observed pair gets confidence 1 + ``alpha`` x w, with w the training weight under ``weighting``
(bm25, log1p, binary or none); user and item factors minimise the confidence-weighted squared error
against the binary preference plus ``regularization`` times the squared norms, by ``iterations``
alternating conjugate-gradient sweeps. Scores are dot products; the factors are the artefact.

``device``: ``auto`` trains on implicit's CUDA model when ``implicit.gpu.HAS_CUDA`` (implicit built with
CUDA, and rmm installed), else on the CPU; ``cpu`` and ``gpu`` force one. The helpers below are shared
by every model of the package that trains through implicit.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..errors import ConfigError
from .factors import FactorRecommender
from .weighting import weighted

IMPLICIT_DEVICES = ("auto", "cpu", "gpu")


def implicit_device(preferred: str) -> str:
    """``cpu`` or ``gpu``: where implicit trains for ``preferred`` (one of ``IMPLICIT_DEVICES``)."""
    import implicit.gpu

    if preferred not in IMPLICIT_DEVICES:
        raise ValueError(f"unknown device {preferred!r}; choose one of {', '.join(IMPLICIT_DEVICES)}")
    if preferred == "auto":
        return "gpu" if implicit.gpu.HAS_CUDA else "cpu"
    if preferred == "gpu" and not implicit.gpu.HAS_CUDA:
        raise ConfigError("device: gpu was asked for, but implicit has no GPU support here "
                          "(implicit.gpu.HAS_CUDA is False: it needs implicit built with CUDA, rmm and a visible "
                          "GPU); use device: auto or cpu")
    return preferred


def fitted_factors(new_model, matrix: sp.csr_matrix, device: str) -> tuple[np.ndarray, np.ndarray]:
    """Build an implicit model of ``device`` (cpu or gpu) with ``new_model()``, fit it on ``matrix`` (users x
    items) and return its (user, item) factors as NumPy arrays (a GPU model's are copied back with ``to_cpu``)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"):  # implicit parallelises itself; threaded BLAS slows it down
        model = new_model()
        model.fit(matrix, show_progress=False)
    if device == "gpu":
        model = model.to_cpu()
    return np.asarray(model.user_factors), np.asarray(model.item_factors)


class ALSRecommender(FactorRecommender):
    def __init__(self, factors: int = 128, regularization: float = 10.0, alpha: float = 1.0,
                 weighting: str = "log1p", iterations: int = 15, device: str = "auto", seed: int = 0,
                 threads: int = 1):
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.weighting = weighting
        self.iterations = iterations
        self.device = device
        self.seed = seed
        self.threads = threads

    def _fit(self, data) -> None:
        self.device_ = implicit_device(self.device)
        matrix = weighted(data.matrix, self.weighting)
        self.user_factors_, self.item_factors_ = fitted_factors(self._model, matrix, self.device_)

    def _model(self):
        settings = dict(factors=self.factors, regularization=self.regularization, alpha=self.alpha,
                        iterations=self.iterations, random_state=self.seed)
        if self.device_ == "gpu":
            from implicit.gpu.als import AlternatingLeastSquares

            return AlternatingLeastSquares(**settings)
        from implicit.cpu.als import AlternatingLeastSquares

        return AlternatingLeastSquares(**settings, num_threads=self.threads)

    def report(self) -> dict:
        return {"device": self.device_}
