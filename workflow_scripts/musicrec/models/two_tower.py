"""Two-tower retrieval model in torch: a user tower and an item tower meeting in a cosine space.

- User tower: the user's id embedding, their activity features, and the mean id embedding of their
  training items (during training the target item is left out of that mean, so the tower cannot
  find the answer in its own input).
- Item tower: the item's id embedding and its content features (popularity, tags, audio profile).
- Features arrive already log-scaled where heavy-tailed (the caller's job); the model standardises every
  column, sets missing values to the column mean and adds a missing-indicator column where any is missing.
- Both towers end in an L2 normalisation; training is a temperature-scaled softmax over the in-batch
  items with the logQ correction (log of each item's share of training pairs subtracted from its
  logit, so popular items are not over-penalised for appearing often as negatives); accidental hits
  (the same item as another row's positive) are masked.

Cold start:
- Items with no training pair use the content-only path: their id embedding is dropped (zero). The path
  is trained by dropping the id embedding of a random ``id_dropout`` share of the items in each batch.
- Users with no training pair (no id embedding, no history) get the mean of their warm neighbours'
  user vectors (e.g. their friends), or the population mean of all warm user vectors when they have
  none; see :meth:`TwoTowerModel.fallback_user_vectors`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import torch_utils

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TwoTowerParams:
    embedding_dim: int = 64
    hidden_size: int = 128
    output_dim: int = 64
    dropout: float = 0.1
    temperature: float = 0.05
    learning_rate: float = 0.002
    weight_decay: float = 0.0
    batch_size: int = 1024
    epochs: int = 10
    id_dropout: float = 0.2
    logq_correction: bool = True


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
    def __init__(self, n_users: int, n_items: int, user_features: int, item_features: int, params: TwoTowerParams):
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


class TwoTowerModel:
    """``fit`` on (user index, item index) training pairs and feature matrices; vectors for retrieval."""

    def __init__(self, n_users: int, n_items: int, params: TwoTowerParams, seed: int, threads: int = 1,
                 device: str = "auto"):
        self.n_users = int(n_users)
        self.n_items = int(n_items)
        self.params = params
        self.seed = int(seed)
        self.threads = int(threads)
        self.device = torch_utils.select_device(device)
        self.network: TwoTowerNetwork | None = None
        self.epoch_losses: list[float] = []

    def fit(self, users: np.ndarray, items: np.ndarray, user_features: np.ndarray,
            item_features: np.ndarray) -> "TwoTowerModel":
        """Train on pairs ``(users[j], items[j])``; feature rows are user / item indices."""
        torch_utils.configure_torch(self.threads, self.device)
        torch.manual_seed(self.seed)
        users = np.asarray(users, dtype=np.int64)
        items = np.asarray(items, dtype=np.int64)
        device = self.device
        self._user_features = torch.from_numpy(standardised(user_features)).to(device)
        self._item_features = torch.from_numpy(standardised(item_features)).to(device)
        self._history = _padded_histories(users, items, self.n_users, self.n_items).to(device)
        item_counts = np.bincount(items, minlength=self.n_items)
        self._warm_items = torch.from_numpy(item_counts > 0).to(device)
        self._warm_users = np.bincount(users, minlength=self.n_users) > 0
        log_q = torch.from_numpy(np.log(np.maximum(item_counts, 1) / len(items))).float().to(device)
        self.network = TwoTowerNetwork(self.n_users, self.n_items, self._user_features.shape[1],
                                       self._item_features.shape[1], self.params).to(device)
        optimiser = torch.optim.Adam(self.network.parameters(), lr=self.params.learning_rate,
                                     weight_decay=self.params.weight_decay)
        scaler = torch_utils.grad_scaler(device)
        generator = torch_utils.seeded_generator(self.seed)
        pair_users, pair_items = torch.from_numpy(users), torch.from_numpy(items)
        log.info("two-tower: %d pairs, %d users, %d items, %d/%d user/item feature columns, %s", len(users),
                 self.n_users, self.n_items, self._user_features.shape[1], self._item_features.shape[1], self.params)
        for epoch in range(self.params.epochs):
            self.network.train()
            order = torch.randperm(len(users), generator=generator)
            total = 0.0
            for start in range(0, len(users), self.params.batch_size):
                rows = order[start:start + self.params.batch_size]
                u, i = pair_users[rows].to(device), pair_items[rows].to(device)
                keep_id = (torch.rand(len(rows), generator=generator) >= self.params.id_dropout).to(device)
                with torch_utils.autocast(device):
                    user_vectors = self.network.users(u, self._user_features[u], self._history[u], left_out=i)
                    item_vectors = self.network.items(i, self._item_features[i], keep_id)
                    logits = user_vectors @ item_vectors.T / self.params.temperature
                    if self.params.logq_correction:
                        logits = logits - log_q[i].unsqueeze(0)
                    same_item = (i.unsqueeze(0) == i.unsqueeze(1)) & ~torch.eye(len(rows), dtype=torch.bool,
                                                                                 device=device)
                    logits = logits.masked_fill(same_item, -torch.inf)
                    loss = F.cross_entropy(logits, torch.arange(len(rows), device=device))
                torch_utils.optimisation_step(loss, optimiser, scaler)
                total += float(loss.detach()) * len(rows)
            self.epoch_losses.append(total / len(users))
            log.info("two-tower epoch %d/%d: in-batch softmax loss %.4f", epoch + 1, self.params.epochs,
                     self.epoch_losses[-1])
        return self

    @torch.no_grad()
    def item_vectors(self) -> np.ndarray:
        """One L2-normalised row per item; items without training pairs come from the content-only path."""
        self.network.eval()
        items = torch.arange(self.n_items, device=self.device)
        with torch_utils.autocast(self.device):
            vectors = self.network.items(items, self._item_features, self._warm_items)
        return vectors.float().cpu().numpy()

    @torch.no_grad()
    def user_vectors(self) -> np.ndarray:
        """One L2-normalised row per user index (meaningful for users with training pairs)."""
        self.network.eval()
        users = torch.arange(self.n_users, device=self.device)
        with torch_utils.autocast(self.device):
            vectors = self.network.users(users, self._user_features, self._history)
        return vectors.float().cpu().numpy()

    def fallback_user_vectors(self, neighbours: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of cold users from their neighbours' (e.g. friends') user indices.

        Each cold user gets the normalised mean vector of those neighbours who have training pairs, or
        the normalised mean of all warm users' vectors (the population average) when none has. Returns
        the vectors and, per cold user, how many warm neighbours were used (0 = population average).
        """
        warm_vectors = self.user_vectors()
        population = warm_vectors[self._warm_users].mean(axis=0)
        rows, used = [], []
        for candidates in neighbours:
            candidates = np.asarray(candidates, dtype=np.int64)
            warm = candidates[self._warm_users[candidates]] if candidates.size else candidates
            rows.append(warm_vectors[warm].mean(axis=0) if warm.size else population)
            used.append(warm.size)
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(rows), -1)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors, np.asarray(used, dtype=np.int64)
