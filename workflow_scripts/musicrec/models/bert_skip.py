"""Skip prediction fine-tuned from the masked-track BERT (or the same encoder trained from scratch).

Devlin et al., "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding", NAACL 2019;
Sun et al., "BERT4Rec: Sequential Recommendation with Bidirectional Encoder Representations from Transformer",
CIKM 2019.

The whole session is the input: the tracks and track features of both halves through the BERT network's own
input layer, plus the first half's log fields through the model's linear projection, added as ``extra`` at the
first-half positions only (so the first half's skips are visible and nothing of the second half's log is). A
linear head on each position's hidden state gives the logit of skip_2; the loss is the binary cross-entropy over
the second-half positions, and every weight is fine-tuned.
"""

from __future__ import annotations

import logging

import numpy as np
import torch
from torch import nn

from .. import torch_utils
from ..session_evaluation import skip_log_loss
from ..sessions import Sessions
from .base import SkipPredictor
from .bert import FineTunedBERT
from .session_networks import BertNetwork, training_batches
from .skip_lstm import second_half_loss, skip_probabilities

log = logging.getLogger(__name__)


class SkipNetwork(nn.Module):
    """A :class:`BertNetwork` with a projection of the first half's log fields and a per-position skip head."""

    def __init__(self, bert: BertNetwork, n_log_features: int):
        super().__init__()
        d_model = bert.architecture["d_model"]
        self.bert = bert
        self.log_projection = nn.Linear(n_log_features, d_model)
        self.head = nn.Linear(d_model, 1)

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """(b, L) skip_2 logits for a batch of :func:`~musicrec.models.session_networks.to_batch`."""
        first = batch["first"].unsqueeze(-1).to(batch["log_features"].dtype)
        extra = self.log_projection(batch["log_features"]) * first
        states = self.bert(batch["tracks"], batch["track_features"], batch["valid"], extra=extra)
        return self.head(states).squeeze(-1)


class BERTSkipModel(FineTunedBERT, SkipPredictor):
    """P(skip_2) at every position of a session from the fine-tuned BERT (module docstring); ``fit`` starts
    from the network in the ``pretrained`` folder when given (its d_model, heads, layers and vocabulary must be
    these), from a fresh one otherwise."""

    objective = ("binary cross-entropy of skip_2 over the second-half positions; whole-session tracks and "
                 "features, first-half log fields; every weight fine-tuned")

    def __init__(self, d_model: int = 64, heads: int = 2, layers: int = 2, dropout: float = 0.1,
                 learning_rate: float = 0.001, batch_size: int = 64, epochs: int = 10, seed: int = 0,
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

    def fit(self, train: Sessions, valid: Sessions, pretrained=None) -> "BERTSkipModel":
        bert = self._start(train, pretrained, "bert_skip")
        network = SkipNetwork(bert, train.log_features.shape[2]).to(self.device_)
        generator = torch_utils.seeded_generator(self.seed)
        log.info("BERT skip model: %d sessions, %s start, on %s", len(train),
                 "pre-trained" if pretrained is not None else "scratch", self.device_)

        def batches(epoch):
            return training_batches(train, self.batch_size, generator, self.device_)

        def loss(batch):
            return second_half_loss(network(batch), batch)

        self._train(network, batches, loss, "BERT skip", lambda: skip_log_loss(valid, self.predict(valid)))
        return self

    def predict(self, sessions: Sessions) -> np.ndarray:
        """(n, MAX_LENGTH) float64 P(skip_2) at the second-half positions, 0 elsewhere."""
        return skip_probabilities(self.network_, self.network_, sessions, self.batch_size, self.device_)
