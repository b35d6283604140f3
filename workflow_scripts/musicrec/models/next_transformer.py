"""A causal self-attention next-track model over the skip challenge's sessions, after SASRec (Kang and McAuley,
"Self-attentive sequential recommendation", ICDM 2018).

Inputs are the track ids and track features of each position (:class:`SessionInputs` without the log fields),
encoded by a causal :class:`AttentionEncoder`: the state at position p has seen positions 0..p only. The score of
vocabulary track j for a state h is h . E_j, E the input track embedding (tied, as SASRec's item_logits).
Training: at every position p of every training session (both halves), a softmax cross-entropy of the track at
p + 1 over the whole vocabulary of real tracks (PAD and OOV targets skipped), stopped early on the
cross-entropy of the valid split's next tracks under ``score(valid)``. Scoring: the logits of the state
at position first_length - 1 with only the first half as input (the rest masked out).

:class:`NextTrackNetwork` and the training and scoring parts of :class:`NextTrackTransformer` are shared with
:mod:`musicrec.models.next_policy`, which trains the same network with another objective.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import torch_utils
from ..io import atomic_path
from ..session_evaluation import next_track_cross_entropy
from ..sessions import FIRST_TRACK
from .base import NextTrackRecommender
from .session_networks import AttentionEncoder, SessionInputs, check_heads, inference_batches, training_batches

NETWORK_FILE = "network.pt"


class NextTrackNetwork(nn.Module):
    """Track inputs and a causal encoder; ``track_logits`` scores the real tracks (vocabulary indices 2..) with
    the tied track embeddings."""

    def __init__(self, n_tracks: int, d_model: int, heads: int, layers: int, dropout: float):
        super().__init__()
        self.architecture = {"n_tracks": n_tracks, "d_model": d_model, "heads": heads, "layers": layers,
                             "dropout": dropout}
        self.inputs = SessionInputs(n_tracks, d_model, dropout)
        self.encoder = AttentionEncoder(d_model, heads, layers, dropout, causal=True)

    def forward(self, tracks: torch.Tensor, track_features: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """(b, L, d_model) states from tracks (b, L), track_features (b, L, F) and the input mask (b, L)."""
        return self.encoder(self.inputs(tracks, track_features, valid), valid)

    def track_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """(..., n_tracks - 2) scores of the real tracks (column c is vocabulary index c + 2) for states
        (..., d_model)."""
        return hidden @ self.inputs.track_embedding.weight[FIRST_TRACK:].T

    def first_half_logits(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """(b, n_tracks - 2) real-track logits of the state at position first_length - 1, the first half alone
        as input (a session without a first half reads its empty position 0)."""
        hidden = self(batch["tracks"], batch["track_features"], batch["first"])
        last = (batch["first_lengths"] - 1).clamp(min=0)
        return self.track_logits(hidden[torch.arange(len(last), device=last.device), last])


class NextTrackTransformer(NextTrackRecommender):
    """score(sessions): (n, n_tracks) float64 next-track logits after the first half; PAD and OOV -inf.

    Hyper-parameters: ``d_model``, ``heads``, ``layers``, ``dropout`` of the network, Adam's ``learning_rate``,
    ``batch_size`` sessions, ``epochs``; ``device`` auto (cuda > mps > cpu).
    """

    def __init__(self, d_model: int = 64, heads: int = 2, layers: int = 2, dropout: float = 0.1,
                 learning_rate: float = 0.002, batch_size: int = 64, epochs: int = 10, seed: int = 0,
                 threads: int = 1, device: str = "auto"):
        self.d_model = d_model
        self.heads = heads
        self.layers = layers
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.seed = seed
        self.threads = threads
        self.device = device

    def fit(self, train, valid, pretrained=None) -> "NextTrackTransformer":
        self._train(train, valid, self._next_track_loss, torch_utils.seeded_generator(self.seed),
                    "next-track Transformer")
        return self

    def objective_description(self) -> str:
        """What the training minimised, for the report."""
        return ("softmax cross-entropy of the next track over the real tracks at every position of the training "
                "sessions (causal attention)")

    def _train(self, examples, valid, loss, generator: torch.Generator, name: str) -> None:
        """Build the network on ``examples`` (Sessions) and run at most ``epochs`` of ``loss`` over shuffled
        batches drawn from ``generator``, stopped early on the next-track cross-entropy of ``score(valid)``
        (the best epoch's weights kept)."""
        check_heads(self.d_model, self.heads, name)
        self.device_ = torch_utils.start(self.device, self.threads, self.seed)
        self.network_ = NextTrackNetwork(examples.n_tracks, self.d_model, self.heads, self.layers,
                                         self.dropout).to(self.device_)
        optimiser = torch.optim.Adam(self.network_.parameters(), lr=self.learning_rate)
        self.training_ = torch_utils.train_epochs(
            self.network_, optimiser, self.epochs,
            lambda epoch: training_batches(examples, self.batch_size, generator, self.device_), loss, self.device_,
            name, validation=lambda: next_track_cross_entropy(valid, self.score(valid)))

    def _prefix_logits(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """(m, n_tracks - 2) float32 real-track logits of the state at every position p followed by a real track,
        and (m,) that track's column (vocabulary index - 2)."""
        hidden = self.network_(batch["tracks"], batch["track_features"], batch["valid"])
        targets = batch["tracks"][:, 1:]
        labelled = batch["valid"][:, 1:] & (targets >= FIRST_TRACK)
        return self.network_.track_logits(hidden[:, :-1][labelled]).float(), targets[labelled] - FIRST_TRACK

    def _next_track_loss(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        logits, targets = self._prefix_logits(batch)
        return F.cross_entropy(logits, targets), len(targets)

    @torch.no_grad()
    def score(self, sessions) -> np.ndarray:
        self.network_.eval()
        scores = np.full((len(sessions), sessions.n_tracks), -np.inf)
        for rows, batch in inference_batches(sessions, self.batch_size, self.device_):
            with torch_utils.autocast(self.device_):
                logits = self.network_.first_half_logits(batch)
            scores[rows, FIRST_TRACK:] = logits.float().cpu().numpy()
        return scores

    def report(self) -> dict:
        return {**self.training_.report(), "objective": self.objective_description(), "device": str(self.device_),
                "mixed_precision": torch_utils.uses_mixed_precision(self.device_),
                "architecture": self.network_.architecture}

    def save(self, folder) -> list[str]:
        """``network.pt``: the network's ``state_dict`` and its ``architecture`` (NextTrackNetwork's arguments)."""
        with atomic_path(Path(folder) / NETWORK_FILE) as tmp:
            torch.save({"state_dict": self.network_.state_dict(), "architecture": self.network_.architecture}, tmp)
        return [NETWORK_FILE]
