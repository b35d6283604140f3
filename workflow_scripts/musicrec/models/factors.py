"""What every factor model shares: scores are dot products of user and item vectors, users without
training items get no list, and the vectors are the model's artefact (``factors.npz``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..io import atomic_path
from .base import Recommender


class FactorRecommender(Recommender):
    """Subclasses set ``user_factors_`` (n_users x d) and ``item_factors_`` (n_items x d) in ``_fit``."""

    def score(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows)
        known = np.maximum(rows, 0)
        scores = (self.user_factors_[known] @ self.item_factors_.T).astype(np.float64)
        cold = np.diff(self.data_.matrix.indptr)[known] == 0
        scores[(rows < 0) | cold] = -np.inf
        return scores

    def save(self, folder) -> list[str]:
        """``factors.npz``: user_factors, item_factors and the dataset ids of their rows (user_ids, item_ids)."""
        path = Path(folder) / "factors.npz"
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, user_factors=self.user_factors_, item_factors=self.item_factors_,
                     user_ids=self.data_.user_ids, item_ids=self.data_.item_ids)
        return [path.name]
