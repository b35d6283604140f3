"""Content baseline of the Yambda paper (Ploshkin et al., "Yambda-5B", 2025): a user is the mean of the audio
embeddings of the tracks they played last, and every track is scored by its cosine to that mean.

Embeddings are the item-feature columns whose names start with ``feature_prefix`` (on Yambda the 128
floats embed_0.. of embeddings.parquet), each L2-normalised; an item with a missing value or a zero
vector has none and scores -inf. A user's vector is the mean of the normalised embeddings of the
items of their last ``recent`` sequence entries (repeats count again; entries without an embedding are
skipped); a user with no such entry scores -inf everywhere. Scores are exact cosines, computed per
block of users (:meth:`Recommender.recommend`), so memory holds the (n_items x d) float32 embeddings and
one block of scores, whatever the catalogue size.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import scipy.sparse as sp

from ..data import Sequences, prefixed_matrix
from ..errors import InputDataError
from .base import Recommender


def unit_embeddings(item_features: pl.DataFrame, prefix: str, source: str) -> tuple[np.ndarray, np.ndarray]:
    """((n_items, d) float32 L2-normalised embeddings, zero rows where an item has none; (n_items,) bool:
    which items have one)."""
    found = prefixed_matrix(item_features, prefix, np.float32)
    if found is None:
        raise InputDataError(source, f"the item features have no column starting with {prefix!r}")
    values = found[0]
    norms = np.sqrt(np.einsum("ij,ij->i", values, values))  # NaN where a value is missing
    has = np.isfinite(norms) & (norms > 0)
    np.divide(values, norms[:, None], out=values, where=has[:, None])
    values[~has] = 0.0
    return values, has


def recent_counts(sequences: Sequences, n_items: int, recent: int) -> sp.csr_matrix:
    """(n_users, n_items): how often each item is among the user's last ``recent`` sequence entries."""
    take = np.minimum(sequences.lengths(), recent)
    first = sequences.indptr[1:] - take
    entries = np.arange(int(take.sum())) + np.repeat(first - (np.cumsum(take) - take), take)
    users = np.repeat(np.arange(len(take)), take)
    return sp.csr_matrix((np.ones(len(entries), dtype=np.float32), (users, sequences.items[entries])),
                         shape=(len(take), n_items))


def unit_rows(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows of ``vectors`` scaled to norm 1, zero where the norm is 0; which rows had a non-zero norm)."""
    norms = np.linalg.norm(vectors, axis=1)
    nonzero = norms > 0
    return np.divide(vectors, norms[:, None], out=np.zeros_like(vectors), where=nonzero[:, None]), nonzero


class RecentEmbeddingRecommender(Recommender):
    def __init__(self, recent: int = 50, feature_prefix: str = "embed_", seed: int = 0, threads: int = 1):
        self.recent = recent
        self.feature_prefix = feature_prefix
        self.seed = seed
        self.threads = threads

    def _fit(self, data) -> None:
        if data.item_features is None:
            raise InputDataError(data.source, "the content baseline needs item embeddings, and the data has no "
                                 "item features")
        if data.sequences is None:
            raise InputDataError(data.source, "the content baseline needs ordered sequences, and the data has none")
        self.embeddings_, self.has_embedding_ = unit_embeddings(
            data.item_features, self.feature_prefix, data.sources.get("item_features", "item features"))
        sums = recent_counts(data.sequences, data.n_items, self.recent) @ self.embeddings_
        self.user_vectors_, self.has_vector_ = unit_rows(np.asarray(sums))  # the mean's direction is the sum's

    def score(self, rows: np.ndarray) -> np.ndarray:
        """(len(rows), n_items) cosines; -inf for items without an embedding and users without a vector."""
        rows = np.asarray(rows)
        known = np.maximum(rows, 0)
        scores = (self.user_vectors_[known] @ self.embeddings_.T).astype(np.float64)
        scores[:, ~self.has_embedding_] = -np.inf
        scores[(rows < 0) | ~self.has_vector_[known]] = -np.inf
        return scores

    def report(self) -> dict:
        return {"items_with_embedding": int(self.has_embedding_.sum()), "items": int(len(self.has_embedding_)),
                "users_with_vector": int(self.has_vector_.sum()), "dimensions": int(self.embeddings_.shape[1])}
