"""Item-item similarity matrices shared by the neighbourhood models (ItemKNN, RP3beta, item-item tables)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def cosine(matrix: sp.csr_matrix, shrink: float = 0.0) -> sp.csr_matrix:
    """Item-item cosine of the columns of a users x items matrix, with shrinkage:
    s_ij = x_i . x_j / (|x_i| |x_j| + shrink) (Sarwar et al. 2001; shrinkage as in Koren 2008). Diagonal 0."""
    columns = matrix.tocsc().astype(np.float32)
    norms = np.sqrt(np.asarray(columns.multiply(columns).sum(axis=0), dtype=np.float64).ravel())
    gram = (columns.T @ columns).tocoo()
    values = gram.data / (norms[gram.row] * norms[gram.col] + shrink + 1e-12)
    keep = gram.row != gram.col
    return sp.csr_matrix((values[keep].astype(np.float32), (gram.row[keep], gram.col[keep])), shape=gram.shape)


def keep_top_per_row(similarity: sp.csr_matrix, n: int) -> sp.csr_matrix:
    """Each row's ``n`` largest entries (ties to the lower column); ``n <= 0`` keeps every entry."""
    similarity = similarity.tocsr()
    similarity.sort_indices()
    if n <= 0:
        return similarity
    lengths = np.diff(similarity.indptr)
    keep = np.ones(similarity.nnz, dtype=bool)
    for row in np.flatnonzero(lengths > n):
        start, end = similarity.indptr[row], similarity.indptr[row + 1]
        order = np.lexsort((similarity.indices[start:end], -similarity.data[start:end]))
        keep[start:end] = False
        keep[start + order[:n]] = True
    rows = np.repeat(np.arange(similarity.shape[0]), lengths)[keep]
    return sp.csr_matrix((similarity.data[keep], (rows, similarity.indices[keep])), shape=similarity.shape)
