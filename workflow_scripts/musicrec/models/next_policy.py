"""The next-track task as a one-step ranking policy trained by policy gradient, and its supervised twin.

Network and states: :class:`~musicrec.models.next_transformer.NextTrackNetwork` (NextTrackTransformer's causal
encoder with tied track embeddings) reads a session's tracks; its state at a position p (having seen positions
0..p) gives logits l over the real tracks, a softmax policy whose action is the list recommended after p. The
examples of both objectives are the same: every position of the training sessions followed by a real track (all
labels of training sessions are known), so the comparison isolates the objective; scoring reads the state at
first_length - 1 with the first half alone as input. Both stop early on the next-track cross-entropy of
``score(valid)``.

* ``reinforce``: per session and epoch, a list of ``list_length`` distinct tracks is sampled from the
  Plackett-Luce model of l by the Gumbel-top-k trick (Kool, van Hoof and Welling, "Stochastic beams and where
  to find them", ICML 2019); the reward r is 1 when the true next track is in it, else 0. The loss is
  REINFORCE's (Williams, "Simple statistical gradient-following algorithms for connectionist reinforcement
  learning", Machine Learning 1992) with the batch's mean reward b as baseline, the advantage normalised by the
  batch's reward standard deviation s, and an entropy bonus:
  -mean((r - b) / (s + 1e-6) * log PL(list | l)) - entropy_weight * mean(H(softmax(l))), with
  log PL(a_1..a_k | l) = sum_i [l_{a_i} - logsumexp(l over the tracks not in a_1..a_{i-1})];
* ``supervised``: the softmax cross-entropy of the true next track under the same logits.

The report gives each epoch's mean reward of the sampled lists under both objectives (the supervised twin
samples them too, without training on them). Scores are the policy's logits (PAD and OOV -inf).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .. import torch_utils
from ..errors import ConfigError
from ..sessions import FIRST_TRACK
from .next_transformer import NextTrackTransformer

OBJECTIVES = ("reinforce", "supervised")


def gumbel_top_k(logits: torch.Tensor, k: int, generator: torch.Generator) -> torch.Tensor:
    """(b, k) distinct columns of logits (b, n), a sample without replacement of the Plackett-Luce model of each
    row in order (the noise drawn on the CPU from ``generator``)."""
    uniform = torch.rand(logits.shape, generator=generator).clamp(min=1e-12).to(logits.device)
    return (logits.detach() - torch.log(-torch.log(uniform))).topk(k, dim=1).indices


def plackett_luce_log_probability(logits: torch.Tensor, ranking: torch.Tensor) -> torch.Tensor:
    """(b,) log-probability of each row's list of distinct columns ``ranking`` (b, k) under the Plackett-Luce
    model of logits (b, n): each pick is a softmax over the columns not picked before it, so with p = softmax(l),
    log PL = sum_i [log p_{a_i} - log(1 - sum_{j<i} p_{a_j})] (one normaliser for the whole list)."""
    log_picked = logits.gather(1, ranking) - logits.logsumexp(dim=1, keepdim=True)
    picked = log_picked.exp()
    before = (picked.cumsum(dim=1) - picked).clamp(max=1 - 1e-6)
    return (log_picked - torch.log1p(-before)).sum(dim=1)


def labelled_positions(sessions) -> int:
    """How many positions of ``sessions`` are followed by a real track (not PAD, not OOV): the examples."""
    following = sessions.tracks[:, 1:]
    return int(((np.arange(1, sessions.tracks.shape[1]) < sessions.lengths[:, None])
                & (following >= FIRST_TRACK)).sum())


class NextTrackPolicy(NextTrackTransformer):
    """score(sessions): (n, n_tracks) float64 policy logits after the first half; PAD and OOV -inf.

    Hyper-parameters: ``objective`` (``reinforce`` or ``supervised``), the network's and the optimiser's as in
    :class:`~musicrec.models.next_transformer.NextTrackTransformer`, ``list_length`` of the sampled lists and
    ``entropy_weight`` of the entropy bonus (reinforce only).
    """

    def __init__(self, objective: str = "reinforce", d_model: int = 64, heads: int = 2, layers: int = 2,
                 dropout: float = 0.1, learning_rate: float = 0.002, batch_size: int = 64, epochs: int = 10,
                 list_length: int = 10, entropy_weight: float = 0.01, seed: int = 0, threads: int = 1,
                 device: str = "auto"):
        super().__init__(d_model=d_model, heads=heads, layers=layers, dropout=dropout, learning_rate=learning_rate,
                         batch_size=batch_size, epochs=epochs, seed=seed, threads=threads, device=device)
        self.objective = objective
        self.list_length = list_length
        self.entropy_weight = entropy_weight

    def fit(self, train, valid, pretrained=None) -> "NextTrackPolicy":
        if self.objective not in OBJECTIVES:
            raise ConfigError(f"next_policy: unknown objective {self.objective!r}; choose one of "
                              f"{', '.join(OBJECTIVES)}")
        if not 1 <= self.list_length <= train.n_tracks - FIRST_TRACK:
            raise ConfigError(f"next_policy: list_length {self.list_length} must be "
                              f"1..{train.n_tracks - FIRST_TRACK} (the vocabulary's real tracks)")
        self.examples_ = labelled_positions(train)
        if not self.examples_:
            raise ValueError("next_policy: no training session position is followed by a vocabulary track")
        generator = torch_utils.seeded_generator(self.seed)
        self.batch_rewards_ = []
        self._train(train, valid, lambda batch: self._policy_loss(batch, generator), generator,
                    f"next-track policy ({self.objective})")
        return self

    def _policy_loss(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> tuple[torch.Tensor, int]:
        logits, targets = self._prefix_logits(batch)
        ranking = gumbel_top_k(logits, self.list_length, generator)
        rewards = (ranking == targets.unsqueeze(1)).any(dim=1).float()
        self.batch_rewards_.append(rewards.sum().detach())
        if self.objective == "supervised":
            return F.cross_entropy(logits, targets), len(targets)
        log_policy = logits.log_softmax(dim=1)
        entropy = -(log_policy.exp() * log_policy).sum(dim=1)
        advantage = (rewards - rewards.mean()) / (rewards.std(correction=0) + 1e-6)
        reinforce = -(advantage * plackett_luce_log_probability(logits, ranking)).mean()
        return reinforce - self.entropy_weight * entropy.mean(), len(targets)

    def epoch_rewards(self) -> list[float]:
        """The mean reward of the sampled lists in each training epoch."""
        per_batch = torch.stack(self.batch_rewards_).cpu().numpy().reshape(len(self.training_.losses), -1)
        return (per_batch.sum(axis=1) / self.examples_).tolist()

    def objective_description(self) -> str:
        if self.objective == "supervised":
            return "softmax cross-entropy of the next track from the state after the first half"
        return (f"REINFORCE with the batch-mean reward as baseline (advantage normalised by the batch's reward std), reward 1 when the next track is in a "
                f"Gumbel-top-{self.list_length} list sampled from the policy (Plackett-Luce log-probability), "
                f"entropy bonus {self.entropy_weight}")

    def report(self) -> dict:
        return {**super().report(), "policy_objective": self.objective, "training_examples": self.examples_,
                "epoch_rewards": [round(r, 5) for r in self.epoch_rewards()]}
