"""Cold-start item vectors: a ridge regression from an item's audio embedding to its vector in a factor
model's space (the "content-to-collaborative" mapping of van den Oord, Dieleman and Schrauwen, "Deep
content-based music recommendation", NeurIPS 2013, here linear and in closed form).

Fitted on warm items (training edges in the source model and an audio embedding): with X (n x a) the
audio embeddings and Y (n x d) the item factors, both centred on their means over the fitted items,
W = (X^T X + alpha I)^-1 X^T Y (a x d) and the intercept b = mean(Y) - mean(X) W; :meth:`map` gives
X W + b for any item with an audio embedding (the cold ones). A seeded ``holdout_share`` of the warm items
is kept out of the fit and scores it: R^2 = 1 - sum ||Y - X W - b||^2 / sum ||Y - mean(Y)||^2 over
them (the share of the factor vectors' variance, over all d dimensions, that the audio explains).
"""

from __future__ import annotations

import numpy as np


def r2_score(truth: np.ndarray, predicted: np.ndarray) -> float:
    """1 - residual / total sum of squares, both summed over every row and dimension of ``truth`` (n x d)."""
    total = float(np.square(truth - truth.mean(axis=0)).sum())
    return 1.0 - float(np.square(truth - predicted).sum()) / total if total > 0 else float("nan")


class RidgeProjection:
    """Ridge map from audio embeddings (n x a) to factor vectors (n x d); ``coef_`` (a x d), ``intercept_``
    (d,), and ``r2_`` on the held-out warm items after :meth:`fit`."""

    def __init__(self, alpha: float = 1.0, holdout_share: float = 0.1, seed: int = 0):
        self.alpha = alpha
        self.holdout_share = holdout_share
        self.seed = seed

    def fit(self, audio: np.ndarray, factors: np.ndarray) -> "RidgeProjection":
        audio = np.asarray(audio, dtype=np.float64)
        factors = np.asarray(factors, dtype=np.float64)
        if len(audio) != len(factors) or len(audio) < 2:
            raise ValueError(f"need matching rows and at least 2 warm items, got {len(audio)} and {len(factors)}")
        n_held = int(round(self.holdout_share * len(audio)))
        held = np.zeros(len(audio), dtype=bool)
        held[np.random.default_rng(self.seed).choice(len(audio), min(n_held, len(audio) - 1), replace=False)] = True
        x, y = audio[~held], factors[~held]
        x_mean, y_mean = x.mean(axis=0), y.mean(axis=0)
        gram = (x - x_mean).T @ (x - x_mean) + self.alpha * np.eye(x.shape[1])
        self.coef_ = np.linalg.solve(gram, (x - x_mean).T @ (y - y_mean))
        self.intercept_ = y_mean - x_mean @ self.coef_
        self.fitted_items_ = int(len(x))
        self.held_out_items_ = int(held.sum())
        self.r2_ = r2_score(factors[held], self.map(audio[held])) if held.any() else float("nan")
        return self

    def map(self, audio: np.ndarray) -> np.ndarray:
        """The projected factor vectors (n x d, float32) of audio embeddings (n x a)."""
        return (np.asarray(audio, dtype=np.float64) @ self.coef_ + self.intercept_).astype(np.float32)

    def report(self) -> dict:
        return {"alpha": self.alpha, "fitted_items": self.fitted_items_, "held_out_items": self.held_out_items_,
                "r2_held_out": round(self.r2_, 5)}
