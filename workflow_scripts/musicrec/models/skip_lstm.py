"""An LSTM encoder-decoder for skip prediction, and what the package's torch skip models share.

The encoder-decoder follows Sutskever, Vinyals & Le, "Sequence to Sequence Learning with Neural Networks"
(NeurIPS 2014), as the recurrent skip-challenge solutions did (e.g. Hansen et al., "Modelling Sequential
Music Track Skips Using a Multi-RNN Approach", WSDM Cup 2019): an encoder LSTM reads the first half of a
session (tracks, track features and every log field), and its final state (layer by layer, hidden and cell)
starts a decoder LSTM over the second half, which sees the tracks and their features only; a linear head
turns each decoder step into the logit of skip_2. By default no network here embeds track ids
(``track_ids``): on the demo (3,000 tracks, each in ~13 training sessions) the id embeddings were memorised
and the models fell below the skip-rate baseline, while the features generalise.

:class:`TorchSkipPredictor` is the fit / predict / save / report scaffolding of the torch skip models
(this one, :mod:`~musicrec.models.skip_transformer`, :mod:`~musicrec.models.skip_policy`): Adam through
:func:`~musicrec.torch_utils.train_epochs` on shuffled session batches, probabilities in session order.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from .. import torch_utils
from ..io import atomic_path
from ..session_evaluation import skip_log_loss
from ..sessions import Sessions, log_feature_names
from .base import SkipPredictor
from .session_networks import SessionInputs, inference_batches, training_batches

log = logging.getLogger(__name__)

NETWORK_FILE = "network.pt"
BCE_OBJECTIVE = "binary cross-entropy of skip_2 at the second-half positions"


def second_half_loss(logits: torch.Tensor, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
    """Mean binary cross-entropy of (b, L) skip logits against the batch's skips at its second-half positions,
    and the number of those positions."""
    second = batch["second"]
    return F.binary_cross_entropy_with_logits(logits[second].float(), batch["skips"][second]), int(second.sum())


@torch.no_grad()
def skip_probabilities(network: nn.Module, logits_of, sessions: Sessions, batch_size: int,
                       device: torch.device) -> np.ndarray:
    """(n, MAX_LENGTH) float64 P(skip_2) of ``sessions`` at their second-half positions (0 elsewhere), from
    ``logits_of(batch)`` ((b, L) skip logits) with ``network`` in eval mode: every torch skip model's predict."""
    network.eval()
    probabilities = np.zeros(sessions.tracks.shape, dtype=np.float64)
    for rows, batch in inference_batches(sessions, batch_size, device):
        with torch_utils.autocast(device):
            logits = logits_of(batch)
        probabilities[rows] = (torch.sigmoid(logits.float()) * batch["second"]).cpu().numpy()
    return probabilities


def shifted(x: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """``x[b, p + offsets[b]]`` at every position p of a (b, L) or (b, L, d) tensor, the index clamped to
    0..L-1: offsets ``first_lengths`` move each second half to start at position 0, their negatives move it
    back (positions whose index was clamped hold copies, which callers mask)."""
    length = x.shape[1]
    index = (torch.arange(length, device=x.device) + offsets.unsqueeze(1)).clamp(0, length - 1)
    if x.dim() == 3:
        index = index.unsqueeze(-1).expand(-1, -1, x.shape[2])
    return x.gather(1, index)


def final_state(rnn: nn.RNNBase, x: torch.Tensor, lengths: torch.Tensor):
    """The state of ``rnn`` (an LSTM's (h, c) or a GRU's h, each (layers, b, hidden)) after the first
    ``lengths[b]`` steps (at least one) of the (b, L, d) inputs ``x``."""
    packed = pack_padded_sequence(x, lengths.clamp(min=1).cpu(), batch_first=True, enforce_sorted=False)
    return rnn(packed)[1]


def embedding_rows(train: Sessions, track_ids: bool) -> int:
    """Rows of a skip network's track embedding: the vocabulary, or only PAD's (zero) row when the network
    does not see track ids (the skips then hinge on the track features, which a track's ~13 training
    plays do not let an id embedding memorise)."""
    return train.n_tracks if track_ids else 1


def input_tracks(inputs: SessionInputs, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """The (b, L) track ids ``inputs`` embeds: the batch's, or PAD everywhere for a one-row embedding."""
    tracks = batch["tracks"]
    return tracks if inputs.track_embedding.num_embeddings > 1 else torch.zeros_like(tracks)


def first_half_inputs(inputs: SessionInputs, batch: dict[str, torch.Tensor],
                      extra: torch.Tensor | None = None) -> torch.Tensor:
    """(b, L, d) embedding of the first half's positions with their log fields (zero elsewhere)."""
    return inputs(input_tracks(inputs, batch), batch["track_features"], batch["first"], batch["log_features"],
                  extra=extra)


def second_half_inputs(inputs: SessionInputs, batch: dict[str, torch.Tensor],
                       extra: torch.Tensor | None = None) -> torch.Tensor:
    """(b, L, d) embedding of the second half's positions, tracks and track features only (zero elsewhere)."""
    return inputs(input_tracks(inputs, batch), batch["track_features"], batch["second"], extra=extra)


class TorchSkipPredictor(SkipPredictor):
    """What the torch skip models share. A subclass sets the hyper-parameters ``learning_rate``,
    ``batch_size``, ``epochs``, ``seed``, ``threads`` and ``device`` and implements :meth:`_network`;
    its network maps a batch (:func:`~musicrec.models.session_networks.to_batch`) to (b, L) skip logits,
    trained with :func:`second_half_loss` unless the subclass overrides :meth:`_loss`,
    :meth:`_inference_logits` and :meth:`_objective`. With a validation split, training stops early on
    :func:`~musicrec.session_evaluation.skip_log_loss` of :meth:`predict` on it (``epochs`` is then the most)
    and keeps the best epoch's weights.

    Fitted: ``network_``, ``device_``, ``generator_`` (the seeded generator of the batch order and of any
    sampling), ``training_`` (the :class:`~musicrec.torch_utils.TrainingLog`).
    """

    def _objective(self) -> str:
        """What the training minimised, for the report."""
        return BCE_OBJECTIVE

    def _check(self) -> None:
        """Raise a ConfigError for hyper-parameters that do not fit together."""

    def _network(self, train: Sessions, pretrained, device: torch.device) -> nn.Module:
        raise NotImplementedError

    def _parameter_groups(self) -> list[dict]:
        """The optimiser's parameter groups (the trainable parameters at ``learning_rate``)."""
        return [{"params": [p for p in self.network_.parameters() if p.requires_grad]}]

    def _loss(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        return second_half_loss(self.network_(batch), batch)

    def _inference_logits(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.network_(batch)

    def fit(self, train: Sessions, valid: Sessions | None = None, pretrained=None) -> "TorchSkipPredictor":
        self._check()
        name = type(self).__name__
        self.device_ = torch_utils.start(self.device, self.threads, self.seed)
        self.network_ = self._network(train, pretrained, self.device_).to(self.device_)
        self.generator_ = torch_utils.seeded_generator(self.seed)
        optimiser = torch.optim.Adam(self._parameter_groups(), lr=self.learning_rate)
        log.info("%s: %d training sessions, %d tracks, %d parameters, on %s", name, len(train), train.n_tracks,
                 sum(p.numel() for p in self.network_.parameters()), self.device_)
        self.training_ = torch_utils.train_epochs(
            self.network_, optimiser, self.epochs,
            lambda epoch: training_batches(train, self.batch_size, self.generator_, self.device_),
            self._loss, self.device_, name, validation=self._validation(valid))
        return self

    def _validation(self, valid: Sessions | None):
        """The early-stopping criterion on ``valid`` (None without a validation split)."""
        if valid is None or not len(valid):
            return None
        return lambda: skip_log_loss(valid, self.predict(valid))

    def predict(self, sessions: Sessions) -> np.ndarray:
        """(n, MAX_LENGTH) float64 P(skip_2) at the second-half positions, 0 elsewhere."""
        return skip_probabilities(self.network_, self._inference_logits, sessions, self.batch_size, self.device_)

    def report(self) -> dict:
        return {**self.training_.report(), "objective": self._objective(), "device": str(self.device_),
                "mixed_precision": torch_utils.uses_mixed_precision(self.device_)}

    def save(self, folder) -> list[str]:
        """``network.pt``: the network's state dict."""
        path = Path(folder) / NETWORK_FILE
        with atomic_path(path) as tmp:
            torch.save(self.network_.state_dict(), tmp)
        return [path.name]


class LSTMSkipNetwork(nn.Module):
    """Encoder LSTM over the first half's inputs (with log fields), decoder LSTM over the second half's
    (without), started from the encoder's final state; a linear head per decoder step."""

    def __init__(self, n_embeddings: int, n_log_features: int, hidden: int, layers: int, dropout: float):
        super().__init__()
        between_layers = dropout if layers > 1 else 0.0
        self.encoder_inputs = SessionInputs(n_embeddings, hidden, dropout, n_log_features)
        self.decoder_inputs = SessionInputs(n_embeddings, hidden, dropout)
        self.encoder = nn.LSTM(hidden, hidden, layers, batch_first=True, dropout=between_layers)
        self.decoder = nn.LSTM(hidden, hidden, layers, batch_first=True, dropout=between_layers)
        self.head = nn.Linear(hidden, 1)

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """(b, L) skip logits, zero outside the second half."""
        first_lengths = batch["first_lengths"]
        state = final_state(self.encoder, first_half_inputs(self.encoder_inputs, batch), first_lengths)
        steps = shifted(second_half_inputs(self.decoder_inputs, batch), first_lengths)
        outputs, _ = self.decoder(steps, state)
        return shifted(self.head(outputs).squeeze(-1), -first_lengths) * batch["second"]


class LSTMSkipModel(TorchSkipPredictor):
    """The LSTM encoder-decoder skip model (see the module docstring).

    Hyper-parameters: ``hidden`` units of both LSTMs and of the input embedding, ``layers`` of each LSTM,
    ``dropout`` on the inputs (and between LSTM layers), Adam's ``learning_rate``, ``batch_size`` sessions,
    ``epochs`` (the most, with early stopping), ``track_ids`` (embed the track ids too, else features only).
    """

    def __init__(self, hidden: int = 64, layers: int = 1, dropout: float = 0.1, learning_rate: float = 0.003,
                 batch_size: int = 64, epochs: int = 12, track_ids: bool = False, seed: int = 0, threads: int = 1,
                 device: str = "auto"):
        self.hidden = hidden
        self.layers = layers
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.track_ids = track_ids
        self.seed = seed
        self.threads = threads
        self.device = device

    def _network(self, train: Sessions, pretrained, device: torch.device) -> nn.Module:
        return LSTMSkipNetwork(embedding_rows(train, self.track_ids), len(log_feature_names()), self.hidden,
                               self.layers, self.dropout)
