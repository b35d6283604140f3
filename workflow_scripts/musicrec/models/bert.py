"""Masked-track pre-training of a BERT session encoder on the skip challenge's session corpus, and what the two
models fine-tuned from it (:mod:`.bert_skip`, :mod:`.bert_next`) share.

Devlin et al., "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding", NAACL 2019;
Sun et al., "BERT4Rec: Sequential Recommendation with Bidirectional Encoder Representations from Transformer",
CIKM 2019.

The corpus is the training split's whole track sequences (both halves; no skip labels, no log fields). Every
epoch hides ``mask_share`` of each session's valid positions (rounded, at least one), drawn afresh from a seeded
generator: a hidden position's track becomes the MASK token and its track features zero (they would reveal the
track). The loss is the softmax cross-entropy of each hidden track over the whole vocabulary through the tied
masked-track head of :class:`~musicrec.models.session_networks.BertNetwork`; a hidden OOV track hides its
position but adds nothing to the loss, and the OOV positions left visible are fed as the OOV token. Training
stops early on the same loss over the valid split, masked once with a fixed generator, and keeps the best epoch's
weights; the fine-tuned models stop early on their own task's validation criterion. The artefact is the
pre-trained network (``bert.pt``, ``architecture.json``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import torch_utils
from ..errors import ConfigError
from ..io import atomic_path
from ..sessions import FIRST_TRACK, Sessions
from .base import SessionModel
from .session_networks import BertNetwork, check_heads, check_same_architecture, inference_batches, training_batches

log = logging.getLogger(__name__)

NETWORK_FILE = "network.pt"
ACCURACY_K = 10
VALID_MASK_SEED = 0


def mask_positions(valid: torch.Tensor, share: float, generator: torch.Generator) -> torch.Tensor:
    """(b, L) bool: ``share`` of each row's valid positions (rounded, at least one), uniformly at random from
    ``generator``, for a (b, L) bool ``valid``."""
    counts = torch.clamp(torch.round(valid.sum(1) * share), min=1)
    noise = torch.rand(valid.shape, generator=generator).to(valid.device).masked_fill(~valid, 2.0)
    ranks = noise.argsort(dim=1, stable=True).argsort(dim=1, stable=True)
    return ranks < counts.unsqueeze(1)


def hide(tracks: torch.Tensor, track_features: torch.Tensor, hidden: torch.Tensor,
         mask_token: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Tracks (b, L) with ``mask_token`` and track features (b, L, F) with zeros at the ``hidden`` (b, L)
    positions."""
    return tracks.masked_fill(hidden, mask_token), track_features.masked_fill(hidden.unsqueeze(-1), 0.0)


def track_loss(network: BertNetwork, states: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Mean softmax cross-entropy over the vocabulary of the targets (N,) from hidden states (N, d_model), and
    the number of targets it averages; PAD and OOV targets are skipped (zero loss when none is left)."""
    known = targets >= FIRST_TRACK
    logits = network.track_logits(states[known]).float()
    count = int(known.sum())
    return F.cross_entropy(logits, targets[known], reduction="sum") / max(count, 1), count


def hidden_valid_positions(network: BertNetwork, sessions: Sessions, share: float, batch_size: int,
                           device: torch.device) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """For each batch of ``sessions``: the hidden states (N, d_model) and true tracks (N,) of its hidden
    positions, with the training's masking rule and a generator seeded with ``VALID_MASK_SEED`` whatever the
    model's seed (so every epoch and every run is scored on the same positions). Switches to eval mode."""
    network.eval()
    generator = torch_utils.seeded_generator(VALID_MASK_SEED)
    for _, batch in inference_batches(sessions, batch_size, device):
        hidden = mask_positions(batch["valid"], share, generator)
        with torch_utils.autocast(device):
            states = network(*hide(batch["tracks"], batch["track_features"], hidden, network.mask_token),
                             batch["valid"])
        yield states[hidden].float(), batch["tracks"][hidden]


@torch.no_grad()
def masked_loss(network: BertNetwork, sessions: Sessions, share: float, batch_size: int,
                device: torch.device) -> float:
    """The masked-track loss (mean over the hidden real-track positions) of ``sessions``: the pre-training's
    validation criterion."""
    total, count = 0.0, 0
    for states, targets in hidden_valid_positions(network, sessions, share, batch_size, device):
        value, n = track_loss(network, states, targets)
        total, count = total + float(value) * n, count + n
    return total / max(count, 1)


@torch.no_grad()
def masked_accuracy(network: BertNetwork, sessions: Sessions, share: float, batch_size: int,
                    device: torch.device) -> tuple[float, int]:
    """Share of the hidden real-track positions of ``sessions`` whose true track is among the top
    ``ACCURACY_K`` real tracks, and their number."""
    hits, count = 0, 0
    for states, targets in hidden_valid_positions(network, sessions, share, batch_size, device):
        known = targets >= FIRST_TRACK
        logits = network.track_logits(states[known])
        logits[:, :FIRST_TRACK] = -torch.inf
        top = logits.topk(min(ACCURACY_K, logits.shape[1]), dim=1).indices
        hits += int((top == targets[known].unsqueeze(1)).any(1).sum())
        count += int(known.sum())
    return hits / max(count, 1), count


class MaskedTrackBERT(SessionModel):
    """Pre-trains a :class:`BertNetwork` over ``train.n_tracks`` tracks by masked-track modelling (the module
    docstring); ``fit`` then reports the validation split's masked-track accuracy@10. No predictions: its
    artefact is the network the fine-tuned models load."""

    def __init__(self, d_model: int = 64, heads: int = 2, layers: int = 2, dropout: float = 0.1,
                 mask_share: float = 0.2, learning_rate: float = 0.002, batch_size: int = 64, epochs: int = 12,
                 seed: int = 0, threads: int = 1, device: str = "auto"):
        self.d_model = d_model
        self.heads = heads
        self.layers = layers
        self.dropout = dropout
        self.mask_share = mask_share
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.seed = seed
        self.threads = threads
        self.device = device

    def fit(self, train: Sessions, valid: Sessions, pretrained=None) -> "MaskedTrackBERT":
        check_heads(self.d_model, self.heads, "bert_pretrain")
        if not 0.0 < self.mask_share < 1.0:
            raise ConfigError(f"bert_pretrain: mask_share {self.mask_share} must lie strictly between 0 and 1")
        device = torch_utils.start(self.device, self.threads, self.seed)
        network = BertNetwork(train.n_tracks, self.d_model, self.heads, self.layers, self.dropout).to(device)
        optimiser = torch.optim.Adam(network.parameters(), lr=self.learning_rate, betas=(0.9, 0.98))
        generator = torch_utils.seeded_generator(self.seed)
        log.info("BERT pre-training: %d sessions, %d tracks, d_model %d, %d layers, on %s", len(train),
                 train.n_tracks, self.d_model, self.layers, device)

        def batches(epoch):
            for batch in training_batches(train, self.batch_size, generator, device):
                yield batch, mask_positions(batch["valid"], self.mask_share, generator)

        def loss(item):
            batch, hidden = item
            states = network(*hide(batch["tracks"], batch["track_features"], hidden, network.mask_token),
                             batch["valid"])
            return track_loss(network, states[hidden], batch["tracks"][hidden])

        def validation():
            return masked_loss(network, valid, self.mask_share, self.batch_size, device)

        self.training_ = torch_utils.train_epochs(network, optimiser, self.epochs, batches, loss, device,
                                                  "BERT pre-training", validation=validation)
        self.valid_accuracy_, self.valid_positions_ = masked_accuracy(network, valid, self.mask_share,
                                                                      self.batch_size, device)
        self.network_, self.device_ = network, device
        return self

    def report(self) -> dict:
        return {**self.training_.report(), "device": str(self.device_),
                "mixed_precision": torch_utils.uses_mixed_precision(self.device_),
                "objective": (f"masked-track softmax cross-entropy over the vocabulary, {self.mask_share:.0%} of "
                              "each training session's positions hidden (track -> MASK, features -> 0)"),
                "architecture": self.network_.architecture,
                f"valid_masked_accuracy_at_{ACCURACY_K}": round(self.valid_accuracy_, 5),
                "valid_masked_positions": self.valid_positions_}

    def save(self, folder) -> list[str]:
        return self.network_.save(folder)


def fine_tuning_network(pretrained, n_tracks: int, d_model: int, heads: int, layers: int, dropout: float,
                        device: torch.device, where: str) -> BertNetwork:
    """The pre-trained network in folder ``pretrained`` (its architecture checked against these
    hyper-parameters, its dropout replaced by ``dropout``), or without one a fresh network of this
    architecture: the same encoder trained from scratch."""
    check_heads(d_model, heads, where)
    architecture = {"n_tracks": n_tracks, "d_model": d_model, "heads": heads, "layers": layers}
    if pretrained is None:
        return BertNetwork(**architecture, dropout=dropout).to(device)
    loaded = BertNetwork.load(pretrained, device)
    check_same_architecture(loaded, architecture, f"{where} (pre-trained network {pretrained})")
    network = BertNetwork(**architecture, dropout=dropout)
    network.load_state_dict(loaded.state_dict())
    return network.to(device)


class FineTunedBERT(SessionModel):
    """What the models fine-tuned from a :class:`MaskedTrackBERT` share: the network they start from, the
    training of all its weights, their report and artefact. A subclass stores ``d_model``, ``heads``,
    ``layers``, ``dropout``, ``learning_rate``, ``epochs``, ``seed``, ``threads`` and ``device``."""

    objective = ""

    def _start(self, train: Sessions, pretrained, where: str) -> BertNetwork:
        """Pick the device (seeding torch) and return the BERT network to fine-tune."""
        self.device_ = torch_utils.start(self.device, self.threads, self.seed)
        self.pretrained_ = None if pretrained is None else str(Path(pretrained))
        self.bert_ = fine_tuning_network(pretrained, train.n_tracks, self.d_model, self.heads, self.layers,
                                         self.dropout, self.device_, where)
        return self.bert_

    def _train(self, network: nn.Module, batches, loss, name: str, validation: Callable[[], float]) -> None:
        """Fine-tune every weight of ``network`` (which holds the BERT network) with train_epochs, early-stopped
        on ``validation`` (the model's criterion on the valid split, computed through its own inference)."""
        self.network_ = network
        optimiser = torch.optim.Adam(network.parameters(), lr=self.learning_rate, betas=(0.9, 0.98))
        self.training_ = torch_utils.train_epochs(network, optimiser, self.epochs, batches, loss, self.device_, name,
                                                  validation=validation)

    def report(self) -> dict:
        return {**self.training_.report(), "device": str(self.device_),
                "mixed_precision": torch_utils.uses_mixed_precision(self.device_), "objective": self.objective,
                "initialisation": "scratch" if self.pretrained_ is None else "pretrained",
                "pretrained": self.pretrained_, "architecture": self.bert_.architecture}

    def save(self, folder) -> list[str]:
        """``network.pt``: the state dict of the whole fine-tuned network."""
        path = Path(folder) / NETWORK_FILE
        with atomic_path(path) as tmp:
            torch.save(self.network_.state_dict(), tmp)
        return [NETWORK_FILE]


def as_float64(values: torch.Tensor) -> np.ndarray:
    """A (possibly float16, possibly CUDA) tensor as a float64 numpy array."""
    return values.float().cpu().numpy().astype(np.float64)
