"""The torch parts every session model of the skip challenge shares: batches of :class:`~musicrec.sessions.Sessions`
as tensors, the per-position input embedding, a self-attention encoder, and the BERT-style network that the
masked-track pre-training writes and the fine-tuned models load.

The attention blocks are SASRec's pre-LayerNorm blocks (:class:`~musicrec.models.sasrec.CausalSelfAttentionBlock`)
with a mask: bidirectional over a session's positions (Devlin et al., "BERT", NAACL 2019; Sun et al., "BERT4Rec",
CIKM 2019) or causal (Kang & McAuley, "SASRec", ICDM 2018).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..errors import ConfigError
from ..io import atomic_path
from ..sessions import MAX_LENGTH, TRACK_FEATURES, Sessions
from .sasrec import CausalSelfAttentionBlock

BERT_FILE = "bert.pt"
BERT_ARCHITECTURE = "architecture.json"


def to_batch(sessions: Sessions, rows: np.ndarray, device: torch.device) -> dict[str, torch.Tensor]:
    """The sessions at ``rows`` as tensors on ``device``: tracks (b, L) long, track_features and log_features
    (b, L, F) float, skips (b, L) float, lengths and first_lengths (b,) long, and the masks valid, first (the
    first half) and second (the second half), (b, L) bool."""
    rows = np.asarray(rows)
    batch = {
        "tracks": torch.from_numpy(sessions.tracks[rows].astype(np.int64)),
        "track_features": torch.from_numpy(sessions.track_features[rows].astype(np.float32)),
        "log_features": torch.from_numpy(sessions.log_features[rows].astype(np.float32)),
        "skips": torch.from_numpy(sessions.skips[rows].astype(np.float32)),
        "lengths": torch.from_numpy(sessions.lengths[rows].astype(np.int64)),
        "first_lengths": torch.from_numpy(sessions.first_lengths[rows].astype(np.int64)),
    }
    positions = torch.arange(sessions.tracks.shape[1]).unsqueeze(0)
    batch["valid"] = positions < batch["lengths"].unsqueeze(1)
    batch["first"] = positions < batch["first_lengths"].unsqueeze(1)
    batch["second"] = batch["valid"] & ~batch["first"]
    return {name: value.to(device) for name, value in batch.items()}


def training_batches(sessions: Sessions, batch_size: int, generator: torch.Generator,
                     device: torch.device) -> Iterator[dict[str, torch.Tensor]]:
    """One epoch of shuffled batches (the order drawn from ``generator``)."""
    order = torch.randperm(len(sessions), generator=generator).numpy()
    for start in range(0, len(order), batch_size):
        yield to_batch(sessions, order[start:start + batch_size], device)


def inference_batches(sessions: Sessions, batch_size: int,
                      device: torch.device) -> Iterator[tuple[slice, dict[str, torch.Tensor]]]:
    """Batches in session order with the slice of the sessions each holds."""
    for start in range(0, len(sessions), batch_size):
        rows = slice(start, min(start + batch_size, len(sessions)))
        yield rows, to_batch(sessions, np.arange(rows.start, rows.stop), device)


class SessionInputs(nn.Module):
    """x_p = E[track_p] + W_t f_p (+ W_l l_p) + P[p], then LayerNorm and dropout; zero at padded positions.

    ``n_embeddings`` rows of track embedding (the vocabulary, plus any special tokens), ``n_log_features`` 0
    for inputs without the log fields (a second half, the pre-training corpus).
    """

    def __init__(self, n_embeddings: int, d_model: int, dropout: float, n_log_features: int = 0,
                 n_track_features: int = len(TRACK_FEATURES), max_length: int = MAX_LENGTH):
        super().__init__()
        self.d_model = d_model
        self.track_embedding = nn.Embedding(n_embeddings, d_model, padding_idx=0)
        self.track_projection = nn.Linear(n_track_features, d_model)
        self.log_projection = nn.Linear(n_log_features, d_model) if n_log_features else None
        self.position_embedding = nn.Embedding(max_length, d_model)
        self.norm = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)
        nn.init.normal_(self.track_embedding.weight, std=d_model ** -0.5)

    def forward(self, tracks: torch.Tensor, track_features: torch.Tensor, valid: torch.Tensor,
                log_features: torch.Tensor | None = None, extra: torch.Tensor | None = None) -> torch.Tensor:
        """(b, L, d_model) from tracks (b, L), track_features (b, L, F), the valid mask (b, L) and, when the
        module has a log projection, log_features (b, L, F_log); ``extra`` (b, L, d_model) is added before the
        norm (a fused representation)."""
        positions = torch.arange(tracks.shape[1], device=tracks.device)
        x = (self.track_embedding(tracks) * math.sqrt(self.d_model) + self.track_projection(track_features)
             + self.position_embedding(positions))
        if self.log_projection is not None:
            x = x + self.log_projection(log_features)
        if extra is not None:
            x = x + extra
        return self.dropout(self.norm(x)) * valid.unsqueeze(-1).to(x.dtype)


def check_heads(d_model: int, heads: int, where: str) -> None:
    """ConfigError unless ``heads`` attention heads split ``d_model`` evenly."""
    if d_model % heads:
        raise ConfigError(f"{where}: d_model {d_model} is not divisible by heads {heads}")


class AttentionEncoder(nn.Module):
    """``layers`` self-attention blocks and a final LayerNorm over (b, L, d) inputs.

    Position i attends to the valid positions (``causal``: to the valid positions j <= i) and to itself, so no
    attention row is empty; ``attend`` (b, L) further restricts the keys (e.g. to the first half).
    """

    def __init__(self, d_model: int, heads: int, layers: int, dropout: float, causal: bool = False):
        super().__init__()
        check_heads(d_model, heads, "attention encoder")
        self.causal = causal
        self.blocks = nn.ModuleList(CausalSelfAttentionBlock(d_model, heads, dropout) for _ in range(layers))
        self.norm = nn.LayerNorm(d_model)

    def forward(self, x: torch.Tensor, valid: torch.Tensor, attend: torch.Tensor | None = None) -> torch.Tensor:
        length = x.shape[1]
        keys = valid if attend is None else valid & attend
        allowed = keys.unsqueeze(1).expand(-1, length, -1)
        if self.causal:
            allowed = allowed & torch.ones(length, length, dtype=torch.bool, device=x.device).tril()
        allowed = (allowed | torch.eye(length, dtype=torch.bool, device=x.device)).unsqueeze(1)
        keep = valid.unsqueeze(-1).to(x.dtype)
        for block in self.blocks:
            x = block(x, allowed) * keep
        return self.norm(x) * keep


class BertNetwork(nn.Module):
    """A BERT-style session encoder: :class:`SessionInputs` over the vocabulary plus one MASK token (index
    ``n_tracks``), a bidirectional :class:`AttentionEncoder`, and a masked-track head whose output weights are
    the track embeddings (tied, as in BERT). Its inputs have no log fields: it is pre-trained on the track
    sequences alone; a fine-tuned model adds its own projection of them through ``extra``."""

    def __init__(self, n_tracks: int, d_model: int = 64, heads: int = 2, layers: int = 2, dropout: float = 0.1):
        super().__init__()
        self.architecture = {"n_tracks": n_tracks, "d_model": d_model, "heads": heads, "layers": layers,
                             "dropout": dropout}
        self.mask_token = n_tracks
        self.inputs = SessionInputs(n_tracks + 1, d_model, dropout)
        self.encoder = AttentionEncoder(d_model, heads, layers, dropout)
        self.head = nn.Sequential(nn.Linear(d_model, d_model), nn.GELU(), nn.LayerNorm(d_model))
        self.head_bias = nn.Parameter(torch.zeros(n_tracks))

    def forward(self, tracks: torch.Tensor, track_features: torch.Tensor, valid: torch.Tensor,
                extra: torch.Tensor | None = None) -> torch.Tensor:
        """Hidden states (b, L, d_model)."""
        return self.encoder(self.inputs(tracks, track_features, valid, extra=extra), valid)

    def track_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """(..., n_tracks) scores of every vocabulary track for hidden states (..., d_model)."""
        return self.head(hidden) @ self.inputs.track_embedding.weight[:self.mask_token].T + self.head_bias

    def save(self, folder) -> list[str]:
        """``bert.pt`` (the state dict) and ``architecture.json`` (what :meth:`load` rebuilds it from)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(folder / BERT_FILE) as tmp:
            torch.save(self.state_dict(), tmp)
        with atomic_path(folder / BERT_ARCHITECTURE) as tmp:
            Path(tmp).write_text(json.dumps(self.architecture, indent=2), encoding="utf-8")
        return [BERT_FILE, BERT_ARCHITECTURE]

    @classmethod
    def load(cls, folder, device: torch.device) -> "BertNetwork":
        folder = Path(folder)
        for name in (BERT_FILE, BERT_ARCHITECTURE):
            if not (folder / name).is_file():
                raise FileNotFoundError(f"{folder / name}: no pre-trained BERT here (run the pre-training first)")
        network = cls(**json.loads((folder / BERT_ARCHITECTURE).read_text(encoding="utf-8")))
        network.load_state_dict(torch.load(folder / BERT_FILE, map_location=device, weights_only=True))
        return network.to(device)


def check_same_architecture(network: BertNetwork, expected: dict, where: str) -> None:
    """A fine-tuned model's architecture hyper-parameters must be those of the pre-trained network it loads
    (so the from-scratch twin, which builds them from its own, is the same encoder)."""
    differing = {k: (v, network.architecture[k]) for k, v in expected.items() if network.architecture.get(k) != v}
    if differing:
        detail = ", ".join(f"{k} {mine} here but {theirs} in the pre-trained network"
                           for k, (mine, theirs) in differing.items())
        raise ConfigError(f"{where}: {detail}; give both runs the same architecture")
