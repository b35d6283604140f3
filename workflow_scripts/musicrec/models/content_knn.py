"""Content kNN over item feature profiles (on Last.fm: the mean Spotify audio features of an artist's songs).

Profiles are the item-feature columns whose names start with ``feature_prefix``, standardised (z-scores per
column) and compared by cosine similarity; an item with a missing value has no profile. A user's
``seed_items`` heaviest training items each vote for their ``neighbours`` most similar profiled items,
with vote = similarity x log(1 + the user's weight on the seed item). Ties, including every item for a
user without any profiled seed item, are broken by the number of users of the item (so such a user gets
popular items).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import scipy.sparse as sp

from ..errors import InputDataError
from .base import Recommender
from .similarity import keep_top_per_row


def standardised_profiles(item_features: pl.DataFrame, prefix: str, source: str) -> tuple[np.ndarray, np.ndarray]:
    """(columns of the items with a complete profile, their L2-normalised z-scored profiles)."""
    columns = [c for c in item_features.columns if c.startswith(prefix)]
    if not columns:
        raise InputDataError(source, f"the item features have no column starting with {prefix!r}")
    values = item_features.select(pl.col(columns).cast(pl.Float64)).to_numpy()
    complete = np.flatnonzero(~np.isnan(values).any(axis=1))
    values = values[complete]
    if len(values) == 0:
        return complete, values
    std = values.std(axis=0)
    z = (values - values.mean(axis=0)) / np.where(std > 0, std, 1.0)
    norms = np.linalg.norm(z, axis=1, keepdims=True)
    return complete, z / np.where(norms > 0, norms, 1.0)


def neighbour_matrix(columns: np.ndarray, unit_profiles: np.ndarray, n_items: int, neighbours: int) -> sp.csr_matrix:
    """Sparse (n_items x n_items): row a holds the cosine of a's ``neighbours`` nearest profiled items."""
    if len(columns) < 2:
        return sp.csr_matrix((n_items, n_items))
    similarity = unit_profiles @ unit_profiles.T
    np.fill_diagonal(similarity, -np.inf)
    n = min(neighbours, len(columns) - 1)
    nearest = np.argpartition(-similarity, n - 1, axis=1)[:, :n]
    values = np.take_along_axis(similarity, nearest, axis=1)
    rows = np.repeat(columns, n)
    return sp.csr_matrix((values.ravel(), (rows, columns[nearest].ravel())), shape=(n_items, n_items))


class ContentKNNRecommender(Recommender):
    def __init__(self, seed_items: int = 10, neighbours: int = 50, feature_prefix: str = "audio_", seed: int = 0,
                 threads: int = 1):
        self.seed_items = seed_items
        self.neighbours = neighbours
        self.feature_prefix = feature_prefix
        self.seed = seed
        self.threads = threads

    def _fit(self, data) -> None:
        if data.item_features is None:
            raise InputDataError(data.source, "content kNN needs item features, and the data has none")
        columns, profiles = standardised_profiles(data.item_features, self.feature_prefix,
                                                  data.sources.get("item_features", "item features"))
        self.similar_ = neighbour_matrix(columns, profiles, data.n_items, self.neighbours)
        listeners = data.item_counts()
        self.tie_break_ = 1e-6 * listeners / max(listeners.max(), 1.0)

    def content_scores(self, rows: np.ndarray) -> np.ndarray:
        """Similarity votes only (no tie-break); zero where no seed item points."""
        seeds = keep_top_per_row(self.data_.history(rows), self.seed_items)
        seeds.data = np.log1p(seeds.data)
        return np.asarray((seeds @ self.similar_).todense())

    def score(self, rows: np.ndarray) -> np.ndarray:
        return self.content_scores(rows) + self.tie_break_
