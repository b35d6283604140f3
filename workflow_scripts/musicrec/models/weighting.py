"""Re-weighting of a users x items matrix before a model sees it (the ``weighting`` hyper-parameter).

* ``none``: the raw weights (play counts, event counts);
* ``binary``: 1 for every stored entry;
* ``log1p``: log(1 + w);
* ``bm25``: Okapi BM25 with users as documents and items as terms (Robertson and Zaragoza 2009):
  w' = w (K1 + 1) / (w + K1 ((1 - B) + B |u| / avg|u|)) x idf(item), |u| the user's summed weight and
  idf = log(n_users / (1 + users of the item)) floored at 0, so heavy listeners and ubiquitous items
  count less. K1 = 100 and B = 0.8 (the values implicit's ALS examples use).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

WEIGHTINGS = ("none", "binary", "log1p", "bm25")
BM25_K1 = 100.0
BM25_B = 0.8


def weighted(matrix: sp.csr_matrix, weighting: str) -> sp.csr_matrix:
    """A float32 copy of ``matrix`` under ``weighting`` (one of ``WEIGHTINGS``); the pattern is unchanged."""
    if weighting not in WEIGHTINGS:
        raise ValueError(f"unknown weighting {weighting!r}; choose one of {', '.join(WEIGHTINGS)}")
    out = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
    if weighting == "binary":
        out.data[:] = 1.0
    elif weighting == "log1p":
        np.log1p(out.data, out=out.data)
    elif weighting == "bm25":
        out.data[:] = _bm25(out)
    return out


def _bm25(matrix: sp.csr_matrix) -> np.ndarray:
    n_users = matrix.shape[0]
    users_per_item = np.bincount(matrix.indices, minlength=matrix.shape[1])
    idf = np.maximum(np.log(n_users / (1.0 + users_per_item)), 0.0)
    length = np.asarray(matrix.sum(axis=1)).ravel()
    norm = (1.0 - BM25_B) + BM25_B * length / max(length.mean(), 1e-12)
    row_of_entry = np.repeat(np.arange(n_users), np.diff(matrix.indptr))
    tf = matrix.data.astype(np.float64)
    return (tf * (BM25_K1 + 1.0) / (tf + BM25_K1 * norm[row_of_entry]) * idf[matrix.indices]).astype(np.float32)
