"""Turning per-user score vectors over the catalogue into top-K tables, with training artists excluded.

All Last.fm recommenders score a dense (users x catalogue) block at a time and share this step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import polars as pl
import scipy.sparse as sp

log = logging.getLogger(__name__)


class Catalogue:
    """Index of artist ids (columns of every score matrix) and users' training artists as a sparse matrix."""

    def __init__(self, artist_ids: np.ndarray, train: pl.DataFrame):
        self.artist_ids = np.asarray(artist_ids, dtype=np.int64)
        self.column = {int(a): i for i, a in enumerate(self.artist_ids)}
        self.user_ids = np.unique(train["user_id"].to_numpy())
        self.row = {int(u): i for i, u in enumerate(self.user_ids)}
        rows = np.array([self.row[u] for u in train["user_id"].to_list()], dtype=np.int64)
        cols = np.array([self.column[a] for a in train["artist_id"].to_list()], dtype=np.int64)
        self.weights = sp.csr_matrix((train["weight"].to_numpy().astype(np.float64), (rows, cols)),
                                     shape=(len(self.user_ids), len(self.artist_ids)))

    @property
    def n_items(self) -> int:
        return len(self.artist_ids)

    def history(self, users: np.ndarray) -> sp.csr_matrix:
        """Training weights of ``users`` (rows in the given order; unknown users get empty rows)."""
        padded = sp.vstack([self.weights, sp.csr_matrix((1, self.n_items))]).tocsr()
        rows = np.array([self.row.get(int(u), padded.shape[0] - 1) for u in users], dtype=np.int64)
        return padded[rows]


def top_k(catalogue: Catalogue, users: np.ndarray, k: int, score_block: Callable[[np.ndarray], np.ndarray],
          model: str, seed: int, chunk: int = 256) -> pl.DataFrame:
    """Top-K table (user, item, score, rank, model, seed) for ``users``; training artists never appear.

    ``score_block(users_chunk)`` returns a (len(chunk), n_items) float array; higher is better. Ties
    are broken by catalogue position (artist id order) so the output is deterministic.
    """
    frames = []
    k = min(k, catalogue.n_items)
    for start in range(0, len(users), chunk):
        part = users[start:start + chunk]
        scores = np.asarray(score_block(part), dtype=np.float64).copy()
        seen = catalogue.history(part)
        scores[seen.nonzero()] = -np.inf
        order = _top_columns(scores, k)
        top_scores = np.take_along_axis(scores, order, axis=1)
        valid = np.isfinite(top_scores)
        frames.append(pl.DataFrame({
            "user": np.repeat(part, k)[valid.ravel()].astype(np.int64),
            "item": catalogue.artist_ids[order].ravel()[valid.ravel()],
            "score": top_scores.ravel()[valid.ravel()],
            "rank": np.tile(np.arange(1, k + 1), len(part))[valid.ravel()].astype(np.int64),
        }))
        log.info("%s: scored %d/%d users", model, min(start + chunk, len(users)), len(users))
    return pl.concat(frames).with_columns(pl.lit(model).alias("model"), pl.lit(seed, dtype=pl.Int64).alias("seed"))


def _top_columns(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of each row's k highest scores, best first; ties go to the lower column."""
    if k >= scores.shape[1]:
        return np.argsort(-scores, axis=1, kind="stable")
    threshold = -np.partition(-scores, k - 1, axis=1)[:, k - 1]
    order = np.empty((len(scores), k), dtype=np.int64)
    for r, row in enumerate(scores):
        columns = np.flatnonzero(row >= threshold[r])
        order[r] = columns[np.lexsort((columns, -row[columns]))][:k]
    return order
