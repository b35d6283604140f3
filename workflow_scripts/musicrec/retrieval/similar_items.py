"""The "similar tracks" table of the Yandex Music pipeline: each item's nearest items by the cosine of a
factor model's item vectors (item-item similarity from ALS factors), found by exact search.

The search runs over tiles of ``block`` query items x ``block`` candidate items in float32, keeping each
query's best ``n`` so far, so besides the output memory holds one tile (64 MB at block 4096) and its
selection temporaries, whatever the catalogue size (934k items on Yambda). Once the lists have filled
up, a tile costs little more than its matrix product: the time is that of the n_items^2 dot products.
Items with a zero vector (e.g. a BPR item without training pairs) have no direction: they get no list
and are in no list."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from ..models.base import top_k_columns


def _merge(best: tuple[np.ndarray, np.ndarray], tile: tuple[np.ndarray, np.ndarray], n: int):
    """The best ``n`` of two (columns, scores) candidate lists per row, best first, ties to the lower column.

    Within each list equal scores are in column order, and every column of ``tile`` is above every column
    of ``best``, so position order among equal scores is column order."""
    columns = np.concatenate([best[0], tile[0]], axis=1)
    positions, scores = top_k_columns(np.concatenate([best[1], tile[1]], axis=1), n)
    return np.take_along_axis(columns, positions, axis=1), scores


def _contenders(scores: np.ndarray, floor: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(columns, scores) per row of the entries of a tile that can enter the row's best ``n``, in column
    order, padded with -1 / -inf: those above ``floor`` (the row's n-th best so far, held by a lower id, so
    an equal score loses) and, where that leaves many (the first tiles), at least the tile's n-th best.
    Only rows whose tile maximum beats their floor are searched (few, once the lists have filled up)."""
    active = np.flatnonzero(scores.max(axis=1) > floor)
    candidates = scores[active]
    passing = candidates > floor[active, None]
    if np.count_nonzero(passing) > n * len(active):
        passing &= candidates >= -np.partition(-candidates, n - 1, axis=1)[:, n - 1:n]
    counts = np.count_nonzero(passing, axis=1)
    rows, columns = np.nonzero(passing)  # row-major: each row's columns ascending
    slots = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    width = int(counts.max(initial=0))
    out_columns = np.full((len(scores), width), -1, dtype=np.int64)
    out_scores = np.full((len(scores), width), -np.inf, dtype=scores.dtype)
    out_columns[active[rows], slots] = columns
    out_scores[active[rows], slots] = candidates[rows, columns]
    return out_columns, out_scores


def _nearest(unit: np.ndarray, start: int, stop: int, n: int, block: int) -> tuple[np.ndarray, np.ndarray]:
    """(columns, scores) of the ``n`` nearest other rows of ``unit`` (unit vectors) for rows start..stop-1."""
    queries = unit[start:stop]
    best = (np.full((len(queries), n), -1, dtype=np.int64), np.full((len(queries), n), -np.inf, dtype=np.float32))
    for first in range(0, len(unit), block):
        scores = queries @ unit[first:first + block].T
        own = np.arange(max(start, first), min(stop, first + block))
        scores[own - start, own - first] = -np.inf
        columns, values = _contenders(scores, best[1][:, -1], n)
        best = _merge(best, (columns + first, values), n)
    return best


def similar_items(item_factors: np.ndarray, item_ids: np.ndarray, n: int, block: int = 4096) -> pl.DataFrame:
    """Each item's ``n`` most similar other items by cosine of ``item_factors`` (n_items x d, row i the
    vector of ``item_ids[i]``).

    Returns columns item_id, similar_item_id, score (the cosine, float32), rank (1 = most similar, up to n;
    fewer where fewer other items have a vector); ties go to the lower similar_item_id; rows sorted by
    item_id, rank.
    """
    if n < 1 or block < 1:
        raise ValueError(f"n and block must be positive, got n={n}, block={block}")
    order = np.argsort(item_ids, kind="stable")
    ids, vectors = np.asarray(item_ids)[order], np.asarray(item_factors, dtype=np.float32)[order]
    norms = np.linalg.norm(vectors, axis=1)
    keep = norms > 0
    ids, unit = ids[keep], vectors[keep] / norms[keep, None]
    n = min(n, len(ids) - 1)
    if n < 1:
        return _table(ids[:0], ids[:0], np.zeros(0), np.zeros(0, dtype=np.int32))
    parts = [_nearest(unit, start, min(start + block, len(unit)), n, block) for start in range(0, len(unit), block)]
    columns = np.concatenate([p[0] for p in parts])
    scores = np.concatenate([p[1] for p in parts])
    found = np.isfinite(scores)
    query = np.repeat(np.arange(len(ids)), n).reshape(-1, n)
    ranks = np.tile(np.arange(1, n + 1, dtype=np.int32), (len(ids), 1))
    return _table(ids[query[found]], ids[columns[found]], scores[found], ranks[found])


def _table(item_id, similar_item_id, score, rank) -> pl.DataFrame:
    return pl.DataFrame({"item_id": item_id, "similar_item_id": similar_item_id,
                         "score": np.asarray(score, dtype=np.float32), "rank": np.asarray(rank, dtype=np.int32)})


def from_factors_file(path, n: int, block: int = 4096) -> pl.DataFrame:
    """:func:`similar_items` of the item_factors and item_ids of a ``factors.npz``
    (:meth:`musicrec.models.factors.FactorRecommender.save`)."""
    with np.load(Path(path)) as saved:
        return similar_items(saved["item_factors"], saved["item_ids"], n, block)
