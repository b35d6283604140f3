"""SASRec (Kang & McAuley, ICDM 2018): next-item prediction with causal self-attention, in torch.

Each user's history is an ordered sequence of item indices (0..n_items-1). The network embeds the last
``max_length`` items (item embedding scaled by sqrt(hidden) plus a learned position embedding, left
padding), runs pre-LayerNorm blocks of causal multi-head self-attention and a position-wise feed-forward
layer (residuals, dropout), and reads a user's state from the last position. Training predicts, at every
position, the next item of the sequence with a softmax cross-entropy against ``negatives`` items drawn
uniformly per batch and shared by all its positions (0: the whole catalogue, i.e. full softmax; a
sampled softmax cuts the cost of a CPU epoch roughly n_items / negatives times and is still far richer
than the original one-negative BCE); padded positions are masked out of the attention and the loss. Scores are the last state times the (shared) item embeddings.
Mixed precision on CUDA only (see torch_utils).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import torch_utils
from ..io import atomic_path
from .base import Recommender

log = logging.getLogger(__name__)

PAD = 0


class CausalSelfAttentionBlock(nn.Module):
    """Pre-LN block: x + Dropout(Attention(LN(x))), then x + Dropout(FFN(LN(x)))."""

    def __init__(self, hidden: int, heads: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.dropout_p = dropout
        self.attention_norm = nn.LayerNorm(hidden)
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.attention_out = nn.Linear(hidden, hidden)
        self.feed_forward_norm = nn.LayerNorm(hidden)
        self.feed_forward = nn.Sequential(
            nn.Linear(hidden, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, hidden)
        )
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        batch, length, hidden = x.shape
        q, k, v = self.qkv(self.attention_norm(x)).split(hidden, dim=-1)
        q, k, v = (t.view(batch, length, self.heads, -1).transpose(1, 2) for t in (q, k, v))
        attended = F.scaled_dot_product_attention(
            q, k, v, attn_mask=allowed, dropout_p=self.dropout_p if self.training else 0.0
        )
        x = x + self.dropout(self.attention_out(attended.transpose(1, 2).reshape(batch, length, hidden)))
        return x + self.dropout(self.feed_forward(self.feed_forward_norm(x)))


class SASRecNetwork(nn.Module):
    """Item ids are 1..n_items; 0 is padding."""

    def __init__(self, n_items: int, params: "SASRecRecommender"):
        super().__init__()
        self.hidden = params.hidden_size
        self.item_embedding = nn.Embedding(n_items + 1, params.hidden_size, padding_idx=PAD)
        self.position_embedding = nn.Embedding(params.max_length, params.hidden_size)
        self.dropout = nn.Dropout(params.dropout)
        self.blocks = nn.ModuleList(
            CausalSelfAttentionBlock(params.hidden_size, params.heads, params.dropout) for _ in range(params.layers)
        )
        self.final_norm = nn.LayerNorm(params.hidden_size)
        nn.init.normal_(self.item_embedding.weight, std=params.hidden_size ** -0.5)
        with torch.no_grad():
            self.item_embedding.weight[PAD].zero_()

    def forward(self, sequences: torch.Tensor) -> torch.Tensor:
        """Hidden state at every position (batch x length x hidden); padded positions are zero vectors.

        A position may attend to itself and to earlier non-padded positions only. Padded positions
        attend to themselves alone, so no attention row is empty.
        """
        length = sequences.shape[1]
        valid = sequences != PAD
        positions = torch.arange(length, device=sequences.device)
        x = self.item_embedding(sequences) * math.sqrt(self.hidden) + self.position_embedding(positions)
        keep = valid.unsqueeze(-1).to(x.dtype)
        x = self.dropout(x) * keep
        causal = torch.ones(length, length, dtype=torch.bool, device=sequences.device).tril()
        diagonal = torch.eye(length, dtype=torch.bool, device=sequences.device)
        allowed = (causal & (valid.unsqueeze(1) | diagonal)).unsqueeze(1)
        for block in self.blocks:
            x = block(x, allowed) * keep
        return self.final_norm(x) * keep

    def item_logits(self, states: torch.Tensor) -> torch.Tensor:
        """Scores of every real item (column j is item index j, i.e. id j + 1) for each state."""
        return states @ self.item_embedding.weight[1:].T

    def next_item_loss(self, states: torch.Tensor, targets: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
        """Softmax cross-entropy of each target (ids 1..n) against itself plus the shared ``candidates``.

        A candidate equal to the target is masked, so with every item as candidate this is exactly the
        full-catalogue softmax.
        """
        positive = (states * self.item_embedding(targets)).sum(-1, keepdim=True)
        negative = states @ self.item_embedding(candidates).T
        negative = negative.masked_fill(candidates.unsqueeze(0) == targets.unsqueeze(1), -torch.inf)
        logits = torch.cat([positive, negative], dim=1).float()
        return F.cross_entropy(logits, torch.zeros_like(targets))


def _left_padded(sequences: list[np.ndarray], length: int, offset: int) -> torch.Tensor:
    """Last ``length`` items of each sequence, shifted by ``offset`` (so 0 stays free for padding)."""
    out = np.zeros((len(sequences), length), dtype=np.int64)
    for row, seq in enumerate(sequences):
        tail = np.asarray(seq[-length:], dtype=np.int64) + offset
        if tail.size:
            out[row, -tail.size:] = tail
    return torch.from_numpy(out)


class SASRecRecommender(Recommender):
    """Fitted on each user's ordered training items (``data.sequences``); a user's scores are the state
    after their last item times every item embedding. Users without a sequence get no list."""

    def __init__(self, hidden_size: int = 64, heads: int = 2, layers: int = 2, max_length: int = 50,
                 dropout: float = 0.2, learning_rate: float = 0.001, weight_decay: float = 0.0,
                 batch_size: int = 128, epochs: int = 20, negatives: int = 1024, seed: int = 0, threads: int = 1,
                 device: str = "auto"):
        self.hidden_size = hidden_size
        self.heads = heads
        self.layers = layers
        self.max_length = max_length
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.epochs = epochs
        self.negatives = negatives
        self.seed = seed
        self.threads = threads
        self.device = device

    def _training_pairs(self, sequences: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs are the sequence without its last item, targets the sequence without its first."""
        usable = [np.asarray(s) for s in sequences if len(s) >= 2]
        if not usable:
            raise ValueError("SASRec needs at least one sequence of two or more items")
        inputs = _left_padded([s[:-1] for s in usable], self.max_length, offset=1)
        targets = _left_padded([s[1:] for s in usable], self.max_length, offset=1)
        return inputs, targets

    def _fit(self, data) -> None:
        if self.hidden_size % self.heads:
            raise ValueError(f"hidden_size {self.hidden_size} is not divisible by heads {self.heads}")
        device = torch_utils.start(self.device, self.threads, self.seed)
        n_items = data.n_items
        self.sequences_ = data.sequence_list(np.arange(data.n_users))
        inputs, targets = self._training_pairs(self.sequences_)
        self.network_ = SASRecNetwork(n_items, self).to(device)
        optimiser = torch.optim.Adam(self.network_.parameters(), lr=self.learning_rate, betas=(0.9, 0.98),
                                     weight_decay=self.weight_decay)
        generator = torch_utils.seeded_generator(self.seed)
        sampled = 0 < self.negatives < n_items
        all_items = torch.arange(1, n_items + 1, device=device)
        log.info("SASRec: %d training sequences, %d items, hidden %d, %d layers, %s negatives, on %s", len(inputs),
                 n_items, self.hidden_size, self.layers, self.negatives if sampled else "all", device)

        def batches(epoch):
            order = torch.randperm(len(inputs), generator=generator)
            for start in range(0, len(inputs), self.batch_size):
                rows = order[start:start + self.batch_size]
                candidates = (torch.randint(1, n_items + 1, (self.negatives,), generator=generator)
                              if sampled else all_items)
                yield inputs[rows].to(device), targets[rows].to(device), candidates.to(device)

        def loss(batch):
            batch_inputs, batch_targets, candidates = batch
            states = self.network_(batch_inputs)
            labelled = batch_targets != PAD
            value = self.network_.next_item_loss(states[labelled], batch_targets[labelled], candidates)
            return value, int(labelled.sum())

        self.training_ = torch_utils.train_epochs(self.network_, optimiser, self.epochs, batches, loss, device,
                                                  "SASRec")
        self.objective_ = ("next-item softmax cross-entropy at every position against "
                           + (f"{self.negatives} uniformly sampled negatives shared per batch" if sampled
                              else "the full catalogue"))
        self.device_ = device

    @torch.no_grad()
    def score(self, rows: np.ndarray) -> np.ndarray:
        self.network_.eval()
        sequences = [self.sequences_[r] if r >= 0 else self.sequences_[0][:0] for r in rows]
        padded = _left_padded(sequences, self.max_length, offset=1).to(self.device_)
        with torch_utils.autocast(self.device_):
            states = self.network_(padded)[:, -1].float()
        scores = self.network_.item_logits(states).float().cpu().numpy().astype(np.float64)
        scores[np.array([len(s) == 0 for s in sequences], dtype=bool)] = -np.inf
        return scores

    def save(self, folder) -> list[str]:
        """``network.pt``: the state dict and ``item_ids``, the dataset id of each item-embedding row after
        the padding row 0 (what a fine-tuning or serving job loads)."""
        path = Path(folder) / "network.pt"
        with atomic_path(path) as tmp:
            torch.save({"state_dict": self.network_.state_dict(),
                        "item_ids": torch.from_numpy(np.asarray(self.data_.item_ids))}, tmp)
        return [path.name]

    def report(self) -> dict:
        return {**self.training_.report(), "objective": self.objective_, "device": str(self.device_),
                "mixed_precision": torch_utils.uses_mixed_precision(self.device_)}
