"""Two-tower retrieval model in torch: a user tower and an item tower meeting in a cosine space.

- User tower: the user's id embedding, their activity features, and the mean id embedding of their
  training items (during training the target item is left out of that mean, so the tower cannot
  find the answer in its own input).
- Item tower: the item's id embedding and its content features (popularity, tags, audio profile).
- Features: every numeric column of the data's user and item feature tables, as sign(x) log(1 + |x|);
  the model standardises every column, sets missing values to the column mean and adds a
  missing-indicator column where any is missing.
- Both towers end in an L2 normalisation; training is a temperature-scaled softmax over the in-batch
  items with the logQ correction (log of each item's share of training pairs subtracted from its
  logit, so popular items are not over-penalised for appearing often as negatives); accidental hits
  (the same item as another row's positive) are masked.

Cold start:
- Items with no training pair use the content-only path: their id embedding is dropped (zero). The path
  is trained by dropping the id embedding of a random ``id_dropout`` share of the items in each batch.
- Users with no training pair (no id embedding, no history) get the mean of their warm neighbours'
  user vectors (the data's user neighbours, e.g. friends), or the population mean of all warm user
  vectors when they have none; see :meth:`TwoTowerRecommender._with_fallback`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import polars as pl
import scipy.sparse as sp
import torch
import torch.nn.functional as F
from torch import nn

from .. import torch_utils
from ..io import atomic_path
from ..retrieval.faiss_index import IndexSettings, ItemIndex
from .base import Recommender

log = logging.getLogger(__name__)


def standardised(features: np.ndarray) -> np.ndarray:
    """Column-wise z-scores (NaN -> 0, i.e. the mean) plus a 0/1 missing indicator per column with NaNs."""
    features = np.asarray(features, dtype=np.float64).reshape(len(features), -1)
    missing = np.isnan(features)
    observed = np.where(missing, 0.0, features)
    counts = np.maximum((~missing).sum(axis=0), 1)
    mean = observed.sum(axis=0) / counts
    std = np.sqrt((np.where(missing, 0.0, features - mean) ** 2).sum(axis=0) / counts)
    z = np.where(missing, 0.0, (observed - mean) / np.where(std > 0, std, 1.0))
    indicators = missing[:, missing.any(axis=0)].astype(np.float64)
    return np.hstack([z, indicators]).astype(np.float32)


class Tower(nn.Module):
    def __init__(self, inputs: int, hidden: int, outputs: int, dropout: float):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, outputs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.layers(x).float(), dim=-1)


class TwoTowerNetwork(nn.Module):
    def __init__(self, n_users: int, n_items: int, user_features: int, item_features: int, params: "TwoTowerRecommender"):
        super().__init__()
        self.pad = n_items
        self.user_id = nn.Embedding(n_users, params.embedding_dim)
        self.item_id = nn.Embedding(n_items + 1, params.embedding_dim, padding_idx=n_items)
        for table in (self.user_id, self.item_id):
            nn.init.normal_(table.weight, std=0.1)
        with torch.no_grad():
            self.item_id.weight[n_items].zero_()
        self.user_tower = Tower(2 * params.embedding_dim + user_features, params.hidden_size, params.output_dim,
                                params.dropout)
        self.item_tower = Tower(params.embedding_dim + item_features, params.hidden_size, params.output_dim,
                                params.dropout)

    def users(self, users: torch.Tensor, features: torch.Tensor, history: torch.Tensor,
              left_out: torch.Tensor | None = None) -> torch.Tensor:
        """User vectors; ``history`` rows are item indices padded with ``pad``; ``left_out`` leaves one out."""
        total = self.item_id(history).sum(dim=1)
        count = (history != self.pad).sum(dim=1, keepdim=True).to(total.dtype)
        if left_out is not None:
            total = total - self.item_id(left_out)
            count = count - 1
        mean = total / count.clamp(min=1)
        return self.user_tower(torch.cat([self.user_id(users), features, mean], dim=1))

    def items(self, items: torch.Tensor, features: torch.Tensor, keep_id: torch.Tensor) -> torch.Tensor:
        """Item vectors; where ``keep_id`` is 0 the id embedding is dropped (content-only path)."""
        ids = self.item_id(items) * keep_id.unsqueeze(1).to(features.dtype)
        return self.item_tower(torch.cat([ids, features], dim=1))


def _padded_histories(users: np.ndarray, items: np.ndarray, n_users: int, pad: int) -> torch.Tensor:
    """(n_users x longest history) matrix of each user's item indices, padded with ``pad``."""
    order = np.lexsort((items, users))
    users, items = users[order], items[order]
    counts = np.bincount(users, minlength=n_users)
    out = np.full((n_users, max(1, int(counts.max(initial=0)))), pad, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    out[users, np.arange(len(users)) - starts[users]] = items
    return torch.from_numpy(out)


def feature_matrix(table, key: str, n_rows: int) -> np.ndarray:
    """Every numeric column of a feature table but ``key``, as sign(x) log(1 + |x|) (counts are heavy-tailed;
    shares and z-scores barely change), NaN where missing; zero columns when there is no table."""
    if table is None:
        return np.zeros((n_rows, 0))
    columns = [c for c, dtype in table.schema.items() if c != key and dtype.is_numeric()]
    values = table.select(columns).cast({c: pl.Float64 for c in columns}).fill_null(float("nan")).to_numpy()
    return np.sign(values) * np.log1p(np.abs(values))


class TwoTowerRecommender(Recommender):
    """Trained on the training pairs with the user and item feature tables; recommends through a FAISS index
    over the item vectors (:mod:`musicrec.retrieval.faiss_index`), skipping the user's training items when
    the protocol asks. Users without training pairs get the fallback vector of ``cold_users``:
    ``neighbours`` (the mean of their warm neighbours' vectors, e.g. friends, else the population average)
    or ``population`` (always the population average)."""

    def __init__(self, embedding_dim: int = 64, hidden_size: int = 128, output_dim: int = 64, dropout: float = 0.1,
                 temperature: float = 0.05, learning_rate: float = 0.002, weight_decay: float = 0.0,
                 batch_size: int = 1024, epochs: int = 10, id_dropout: float = 0.2, logq_correction: bool = True,
                 cold_users: str = "neighbours", index: dict | None = None, seed: int = 0, threads: int = 1,
                 device: str = "auto"):
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.output_dim = output_dim
        self.dropout = dropout
        self.temperature = temperature
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.epochs = epochs
        self.id_dropout = id_dropout
        self.logq_correction = logq_correction
        self.cold_users = cold_users
        self.index = index
        self.seed = seed
        self.threads = threads
        self.device = device

    def _fit(self, data) -> None:
        if self.cold_users not in ("neighbours", "population"):
            raise ValueError(f"cold_users must be neighbours or population, not {self.cold_users!r}")
        device = torch_utils.start(self.device, self.threads, self.seed)
        pairs = data.binary.tocoo()
        users, items = pairs.row.astype(np.int64), pairs.col.astype(np.int64)
        user_features = torch.from_numpy(standardised(feature_matrix(data.user_features, "user_id", data.n_users)))
        item_features = torch.from_numpy(standardised(feature_matrix(data.item_features, "item_id", data.n_items)))
        user_features, item_features = user_features.to(device), item_features.to(device)
        history = _padded_histories(users, items, data.n_users, data.n_items).to(device)
        item_counts = np.bincount(items, minlength=data.n_items)
        warm_items = torch.from_numpy(item_counts > 0).to(device)
        log_q = torch.from_numpy(np.log(np.maximum(item_counts, 1) / len(items))).float().to(device)
        network = TwoTowerNetwork(data.n_users, data.n_items, user_features.shape[1], item_features.shape[1],
                                  self).to(device)
        optimiser = torch.optim.Adam(network.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay)
        generator = torch_utils.seeded_generator(self.seed)
        pair_users, pair_items = torch.from_numpy(users), torch.from_numpy(items)
        log.info("two-tower: %d pairs, %d users, %d items, %d/%d user/item feature columns, on %s", len(users),
                 data.n_users, data.n_items, user_features.shape[1], item_features.shape[1], device)

        def batches(epoch):
            order = torch.randperm(len(users), generator=generator)
            for start in range(0, len(users), self.batch_size):
                rows = order[start:start + self.batch_size]
                keep_id = torch.rand(len(rows), generator=generator) >= self.id_dropout
                yield pair_users[rows].to(device), pair_items[rows].to(device), keep_id.to(device)

        def loss(batch):
            u, i, keep_id = batch
            user_vectors = network.users(u, user_features[u], history[u], left_out=i)
            item_vectors = network.items(i, item_features[i], keep_id)
            logits = user_vectors @ item_vectors.T / self.temperature
            if self.logq_correction:
                logits = logits - log_q[i].unsqueeze(0)
            same_item = (i.unsqueeze(0) == i.unsqueeze(1)) & ~torch.eye(len(u), dtype=torch.bool, device=device)
            logits = logits.masked_fill(same_item, -torch.inf)
            return F.cross_entropy(logits, torch.arange(len(u), device=device)), len(u)

        self.training_ = torch_utils.train_epochs(network, optimiser, self.epochs, batches, loss, device,
                                                  "two-tower")
        network.eval()
        with torch.no_grad(), torch_utils.autocast(device):
            self.item_vectors_ = network.items(torch.arange(data.n_items, device=device), item_features,
                                               warm_items).float().cpu().numpy()
            warm_vectors = network.users(torch.arange(data.n_users, device=device), user_features,
                                         history).float().cpu().numpy()
        self.user_vectors_, self.fallback_neighbours_ = self._with_fallback(warm_vectors, data)
        self.network_, self.device_ = network, device
        self.index_ = ItemIndex(IndexSettings(k=10, **(self.index or {})), self.seed, self.threads).build(
            self.item_vectors_)

    def _with_fallback(self, vectors: np.ndarray, data) -> tuple[np.ndarray, np.ndarray]:
        """User vectors where users without training pairs get the normalised mean vector of their warm
        neighbours (``cold_users: neighbours``) or, when they have none, of all warm users; and per user the
        number of warm neighbours used (0 = population average, -1 = a warm user)."""
        warm = np.diff(data.matrix.indptr) > 0
        population = vectors[warm].mean(axis=0)
        self.population_ = (population / max(np.linalg.norm(population), 1e-12)).astype(np.float32)
        used = np.where(warm, -1, 0)
        cold_rows = np.flatnonzero(~warm)
        out = vectors.copy()
        out[cold_rows] = population
        if self.cold_users == "neighbours" and data.neighbours is not None and len(cold_rows):
            links = data.neighbours[cold_rows] @ sp.diags(warm.astype(np.float32))
            counts = np.asarray(links.sum(axis=1)).ravel()
            has = counts > 0
            out[cold_rows[has]] = (links[has] @ vectors) / counts[has, None]
            used[cold_rows] = counts.astype(np.int64)
        out[cold_rows] /= np.maximum(np.linalg.norm(out[cold_rows], axis=1, keepdims=True), 1e-12)
        return out.astype(np.float32), used

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Exact inner products (the index serves :meth:`recommend`)."""
        return (self._queries(rows) @ self.item_vectors_.T).astype(np.float64)

    def _queries(self, rows: np.ndarray) -> np.ndarray:
        """User vectors of ``rows``; the population average for users the data does not know (row -1)."""
        rows = np.asarray(rows)
        queries = self.user_vectors_[np.maximum(rows, 0)].copy()
        queries[rows < 0] = self.population_
        return queries

    def recommend(self, rows: np.ndarray, k: int, exclude_seen: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` through the FAISS index: search deep enough to skip the user's training items."""
        rows = np.asarray(rows, dtype=np.int64)
        history = self.data_.history(rows)
        depth = min(self.data_.n_items, k + (int(np.diff(history.indptr).max(initial=0)) if exclude_seen else 0))
        scores, found = self.index_.search(self._queries(rows), depth)
        columns = np.full((len(rows), k), -1, dtype=np.int64)
        values = np.full((len(rows), k), -np.inf)
        for r in range(len(rows)):
            seen = history.indices[history.indptr[r]:history.indptr[r + 1]] if exclude_seen else ()
            keep = (found[r] >= 0) & ~np.isin(found[r], seen)
            chosen = np.flatnonzero(keep)[:k]
            columns[r, :len(chosen)] = found[r, chosen]
            values[r, :len(chosen)] = scores[r, chosen]
        return columns, values

    def report(self) -> dict:
        cold = self.fallback_neighbours_ >= 0
        return {**self.training_.report(), "device": str(self.device_),
                "mixed_precision": torch_utils.uses_mixed_precision(self.device_),
                "cold_users": {"fallback": self.cold_users, "users": int(cold.sum()),
                               "with_neighbour_fallback": int((self.fallback_neighbours_ > 0).sum()),
                               "with_population_average": int((self.fallback_neighbours_ == 0).sum())},
                "index": self.index_.report}

    def save(self, folder) -> list[str]:
        """``index.faiss`` (CPU form) and ``vectors.npz`` (user_vectors, item_vectors and their ids)."""
        folder = Path(folder)
        self.index_.save(folder / "index.faiss")
        with atomic_path(folder / "vectors.npz") as tmp, open(tmp, "wb") as handle:
            np.savez(handle, user_vectors=self.user_vectors_, item_vectors=self.item_vectors_,
                     user_ids=self.data_.user_ids, item_ids=self.data_.item_ids)
        return ["index.faiss", "vectors.npz"]
