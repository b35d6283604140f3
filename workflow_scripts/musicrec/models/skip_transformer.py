"""A Transformer encoder-decoder for skip prediction, optionally fused with a pre-trained BERT.

The architecture is Vaswani et al.'s ("Attention Is All You Need", NeurIPS 2017) with pre-LayerNorm blocks:

* the encoder (:class:`~musicrec.models.session_networks.AttentionEncoder`, bidirectional) reads the first
  half of a session, its tracks, track features and log fields; attention keys are the first-half positions;
* the decoder reads the second half's tracks and track features only: each block is self-attention among
  the second-half positions, cross-attention to the encoder's states of the first half, and a feed-forward
  layer. It is non-autoregressive (no skip label of the second half is an input), so no causal mask is
  needed and every second-half position is predicted at once; a linear head gives the logit of skip_2.

BERT-augmented variant (``fit(..., pretrained=folder)``): the masked-track BERT of a pre-training run
(:class:`~musicrec.models.session_networks.BertNetwork`; Devlin et al., "BERT: Pre-training of Deep
Bidirectional Transformers for Language Understanding", NAACL 2019) reads the whole session's tracks and
track features (no log fields), and a learned linear projection of its hidden states is added to both the
encoder's and the decoder's inputs, as in the BERT-augmented sequential skip-prediction models of the
Spotify skip challenge research this workflow unifies. The BERT is frozen (eval mode, no gradients) unless
``fine_tune_bert``, which trains it with the rest at ``bert_learning_rate``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..sessions import Sessions, log_feature_names
from .session_networks import AttentionEncoder, BertNetwork, SessionInputs, check_heads, check_same_architecture
from .skip_lstm import TorchSkipPredictor, embedding_rows, first_half_inputs, second_half_inputs


class AttentionSublayer(nn.Module):
    """Pre-LN multi-head attention with a residual: x + Dropout(W_o Attention(LN(x) W_q, m W_k, m W_v)),
    the memory m being LN(x) itself (self-attention) or another sequence's states (cross-attention)."""

    def __init__(self, d_model: int, heads: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.dropout_p = dropout
        self.norm = nn.LayerNorm(d_model)
        self.query = nn.Linear(d_model, d_model)
        self.key_value = nn.Linear(d_model, 2 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(dropout)

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(x.shape[0], x.shape[1], self.heads, -1).transpose(1, 2)

    def forward(self, x: torch.Tensor, memory: torch.Tensor | None, allowed: torch.Tensor) -> torch.Tensor:
        """x (b, Lq, d) attending to memory (b, Lk, d) (None: to itself) where ``allowed`` (bool,
        broadcastable to (b, 1, Lq, Lk)) is True."""
        normed = self.norm(x)
        keys, values = self.key_value(normed if memory is None else memory).chunk(2, dim=-1)
        attended = F.scaled_dot_product_attention(
            self._split_heads(self.query(normed)), self._split_heads(keys), self._split_heads(values),
            attn_mask=allowed, dropout_p=self.dropout_p if self.training else 0.0)
        return x + self.dropout(self.out(attended.transpose(1, 2).flatten(2)))


class DecoderBlock(nn.Module):
    """Self-attention, cross-attention to the encoder's states, then x + Dropout(FFN(LN(x)))."""

    def __init__(self, d_model: int, heads: int, dropout: float):
        super().__init__()
        self.self_attention = AttentionSublayer(d_model, heads, dropout)
        self.cross_attention = AttentionSublayer(d_model, heads, dropout)
        self.feed_forward_norm = nn.LayerNorm(d_model)
        self.feed_forward = nn.Sequential(nn.Linear(d_model, d_model), nn.GELU(), nn.Dropout(dropout),
                                          nn.Linear(d_model, d_model))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, memory: torch.Tensor, self_allowed: torch.Tensor,
                cross_allowed: torch.Tensor) -> torch.Tensor:
        x = self.cross_attention(self.self_attention(x, None, self_allowed), memory, cross_allowed)
        return x + self.dropout(self.feed_forward(self.feed_forward_norm(x)))


def decoder_masks(batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """The decoder's attention masks: (b, 1, L, L) a position attends to the second-half positions and to
    itself; (b, 1, 1, L) it attends to the first half's encoder states (and always to position 0, so no row
    is empty even for a session without a first half)."""
    second, first = batch["second"], batch["first"]
    length = second.shape[1]
    itself = torch.eye(length, dtype=torch.bool, device=second.device)
    self_allowed = (second.unsqueeze(1) | itself).unsqueeze(1)
    start = torch.arange(length, device=first.device) == 0
    return self_allowed, (first | start).view(len(first), 1, 1, length)


class TransformerSkipNetwork(nn.Module):
    """Encoder over the first half, decoder over the second half, optionally fed a pre-trained BERT's states."""

    def __init__(self, n_embeddings: int, n_log_features: int, d_model: int, heads: int, layers: int,
                 dropout: float, bert: BertNetwork | None = None, fine_tune_bert: bool = False):
        super().__init__()
        self.encoder_inputs = SessionInputs(n_embeddings, d_model, dropout, n_log_features)
        self.encoder = AttentionEncoder(d_model, heads, layers, dropout)
        self.decoder_inputs = SessionInputs(n_embeddings, d_model, dropout)
        self.decoder = nn.ModuleList(DecoderBlock(d_model, heads, dropout) for _ in range(layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, 1)
        self.bert = bert
        self.fine_tune_bert = fine_tune_bert
        self.fusion = nn.Linear(bert.architecture["d_model"], d_model) if bert is not None else None
        if bert is not None and not fine_tune_bert:
            bert.requires_grad_(False)

    def train(self, mode: bool = True) -> "TransformerSkipNetwork":
        """A frozen BERT stays in eval mode (no dropout) while the rest trains."""
        super().train(mode)
        if self.bert is not None and not self.fine_tune_bert:
            self.bert.eval()
        return self

    def fused(self, batch: dict[str, torch.Tensor]) -> torch.Tensor | None:
        """(b, L, d_model) projection of the BERT's hidden states over the whole session, None without a BERT."""
        if self.bert is None:
            return None
        with torch.set_grad_enabled(self.fine_tune_bert and torch.is_grad_enabled()):
            states = self.bert(batch["tracks"], batch["track_features"], batch["valid"])
        return self.fusion(states)

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """(b, L) skip logits (read at the second-half positions only)."""
        extra = self.fused(batch)
        memory = self.encoder(first_half_inputs(self.encoder_inputs, batch, extra), batch["first"])
        x = second_half_inputs(self.decoder_inputs, batch, extra)
        self_allowed, cross_allowed = decoder_masks(batch)
        keep = batch["second"].unsqueeze(-1).to(x.dtype)
        for block in self.decoder:
            x = block(x, memory, self_allowed, cross_allowed) * keep
        return self.head(self.norm(x)).squeeze(-1)


class TransformerSkipModel(TorchSkipPredictor):
    """The Transformer encoder-decoder skip model, BERT-augmented when ``fit`` gets a pre-training folder
    (see the module docstring).

    Hyper-parameters: ``d_model`` width, attention ``heads``, ``layers`` of the encoder and of the decoder
    each, ``dropout``, Adam's ``learning_rate``, ``batch_size`` sessions, ``epochs`` (the
    most, with early stopping), ``track_ids`` (embed the track ids too, else features only); for the augmented
    variant, ``fine_tune_bert`` (train the BERT too, else it is frozen) at ``bert_learning_rate``.
    """

    def __init__(self, d_model: int = 32, heads: int = 2, layers: int = 1, dropout: float = 0.1,
                 learning_rate: float = 0.002, batch_size: int = 64, epochs: int = 12, track_ids: bool = False,
                 fine_tune_bert: bool = False, bert_learning_rate: float = 0.0005, seed: int = 0, threads: int = 1,
                 device: str = "auto"):
        self.d_model = d_model
        self.heads = heads
        self.layers = layers
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.track_ids = track_ids
        self.fine_tune_bert = fine_tune_bert
        self.bert_learning_rate = bert_learning_rate
        self.seed = seed
        self.threads = threads
        self.device = device

    def _check(self) -> None:
        check_heads(self.d_model, self.heads, "skip_transformer")

    def _network(self, train: Sessions, pretrained, device: torch.device) -> nn.Module:
        bert = None
        if pretrained is not None:
            bert = BertNetwork.load(pretrained, device)
            check_same_architecture(bert, {"n_tracks": train.n_tracks}, "skip_transformer")
        return TransformerSkipNetwork(embedding_rows(train, self.track_ids), len(log_feature_names()), self.d_model,
                                      self.heads, self.layers, self.dropout, bert, bool(self.fine_tune_bert))

    def _parameter_groups(self) -> list[dict]:
        """The BERT's parameters (when fine-tuned) at ``bert_learning_rate``, the rest at ``learning_rate``."""
        bert = self.network_.bert
        own = [p for name, p in self.network_.named_parameters() if not name.startswith("bert.")]
        if bert is None or not self.network_.fine_tune_bert:
            return [{"params": own}]
        return [{"params": own}, {"params": list(bert.parameters()), "lr": self.bert_learning_rate}]

    def report(self) -> dict:
        bert = self.network_.bert
        return {**super().report(), "bert_augmented": bert is not None,
                "bert_architecture": bert.architecture if bert is not None else None,
                "fine_tune_bert": bert is not None and self.network_.fine_tune_bert}
