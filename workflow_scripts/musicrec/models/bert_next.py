"""Next-track recommendation fine-tuned from the masked-track BERT (or the same encoder trained from scratch).

Devlin et al., "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding", NAACL 2019;
Sun et al., "BERT4Rec: Sequential Recommendation with Bidirectional Encoder Representations from Transformer",
CIKM 2019 (whose inference appends a MASK token to the history).

The input at a cut c is the session's first c tracks with their features, then a MASK token (features zero) at
position c and nothing after it (valid positions <= c); the masked-track head at position c scores the next
track over the vocabulary, so fine-tuning is exactly the pre-training objective on the next position. Every cut
c in 1..length-1 is an example with target tracks[c]: ``cut="random"`` draws one per training session per epoch
(from a seeded generator), ``cut="half"`` always takes the challenge's cut, first_length. The loss is the softmax
cross-entropy over the vocabulary, PAD and OOV targets skipped. Scores are the logits at position first_length.
"""

from __future__ import annotations

import logging

import numpy as np
import torch

from .. import torch_utils
from ..errors import ConfigError
from ..session_evaluation import next_track_cross_entropy
from ..sessions import Sessions
from .base import NextTrackRecommender
from .bert import FineTunedBERT, as_float64, track_loss
from .session_networks import BertNetwork, inference_batches, training_batches

log = logging.getLogger(__name__)

CUTS = ("random", "half")


def cut_inputs(network: BertNetwork, batch: dict[str, torch.Tensor],
               cuts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Tracks (b, L), track features (b, L, F) and the valid mask (b, L) of each session cut at ``cuts`` (b,):
    its tracks before the cut, the MASK token (features zero) at the cut, padding after it."""
    positions = torch.arange(batch["tracks"].shape[1], device=cuts.device).unsqueeze(0)
    before = positions < cuts.unsqueeze(1)
    at = positions == cuts.unsqueeze(1)
    tracks = batch["tracks"].masked_fill(~before, 0).masked_fill(at, network.mask_token)
    features = batch["track_features"] * before.unsqueeze(-1).to(batch["track_features"].dtype)
    return tracks, features, before | at


def states_at_cuts(network: BertNetwork, batch: dict[str, torch.Tensor], cuts: torch.Tensor) -> torch.Tensor:
    """(b, d_model) hidden states at the MASK token of each session cut at ``cuts`` (b,)."""
    states = network(*cut_inputs(network, batch, cuts))
    return states[torch.arange(len(cuts), device=cuts.device), cuts]


def random_cuts(lengths: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """(b,) a cut drawn uniformly from 1..length-1 for each length (b,) >= 2."""
    draws = torch.rand(len(lengths), generator=generator).to(lengths.device)
    return 1 + (draws * (lengths - 1)).long()


class BERTNextTrack(FineTunedBERT, NextTrackRecommender):
    """Scores the track after each session's first half with the fine-tuned BERT (module docstring); ``fit``
    starts from the network in the ``pretrained`` folder when given (its d_model, heads, layers and vocabulary
    must be these), from a fresh one otherwise."""

    def __init__(self, d_model: int = 64, heads: int = 2, layers: int = 2, dropout: float = 0.1,
                 learning_rate: float = 0.001, batch_size: int = 64, epochs: int = 10, cut: str = "random",
                 seed: int = 0, threads: int = 1, device: str = "auto"):
        self.d_model = d_model
        self.heads = heads
        self.layers = layers
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.cut = cut
        self.seed = seed
        self.threads = threads
        self.device = device

    @property
    def objective(self) -> str:
        cuts = "one random cut per session per epoch" if self.cut == "random" else "the first-half cut"
        return f"softmax cross-entropy over the vocabulary of the track at a MASK token after the cut ({cuts})"

    def fit(self, train: Sessions, valid: Sessions, pretrained=None) -> "BERTNextTrack":
        if self.cut not in CUTS:
            raise ConfigError(f"bert_next: cut {self.cut!r} is not one of {', '.join(CUTS)}")
        examples = train.subset(train.lengths >= 2)
        if not len(examples):
            raise ValueError("bert_next needs at least one training session of two or more tracks")
        network = self._start(train, pretrained, "bert_next")
        generator = torch_utils.seeded_generator(self.seed)
        log.info("BERT next track: %d sessions, %d tracks, %s cuts, %s start, on %s", len(examples),
                 train.n_tracks, self.cut, "pre-trained" if pretrained is not None else "scratch", self.device_)

        def batches(epoch):
            for batch in training_batches(examples, self.batch_size, generator, self.device_):
                cuts = (random_cuts(batch["lengths"], generator) if self.cut == "random"
                        else batch["first_lengths"])
                yield batch, cuts

        def loss(item):
            batch, cuts = item
            targets = batch["tracks"][torch.arange(len(cuts), device=cuts.device), cuts]
            return track_loss(network, states_at_cuts(network, batch, cuts), targets)

        self._train(network, batches, loss, "BERT next track",
                    lambda: next_track_cross_entropy(valid, self.score(valid)))
        return self

    @torch.no_grad()
    def score(self, sessions: Sessions) -> np.ndarray:
        """(n, n_tracks) float64 logits of every vocabulary track at position first_length."""
        self.network_.eval()
        out = np.zeros((len(sessions), sessions.n_tracks), dtype=np.float64)
        for rows, batch in inference_batches(sessions, self.batch_size, self.device_):
            with torch_utils.autocast(self.device_):
                states = states_at_cuts(self.network_, batch, batch["first_lengths"])
            out[rows] = as_float64(self.network_.track_logits(states.float()))
        return out
