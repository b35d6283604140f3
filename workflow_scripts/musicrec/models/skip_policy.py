"""Skip prediction as a sequential decision: an autoregressive GRU policy, trained by REINFORCE or supervised.

Network: a GRU encodes the first half of a session (tracks, track features and log fields); its final state
starts a GRU cell that walks the second half one position at a time. The input at step t is the embedding of
the track at that position (track and features, no log fields) plus an embedding of the previous action (a
start token at the first step), so the state is the encoded first half plus the predictions so far; a
linear head gives the logit of a Bernoulli policy, P(action "skipped") at the step. The inputs have no
dropout.

Objectives (``objective``):

* ``reinforce``: REINFORCE (Williams, "Simple Statistical Gradient-Following Algorithms for Connectionist
  Reinforcement Learning", Machine Learning 1992). Actions are sampled from the policy and fed back; the
  reward of a step is 1 when its action equals the true skip_2, else 0; a step's return is its discounted
  return-to-go (discount ``gamma``, 0.5 by default: an action changes the later states through the
  fed-back action, so the next few rewards count too). The baseline is the batch mean of the returns of the
  steps with the same number of steps left to the session's end (the scale of a return-to-go); the
  advantages are divided by their batch standard deviation, and an entropy bonus (``entropy_weight``, 1.0
  on that unit scale) keeps the policy stochastic: with 0.01 the policy collapsed within the first epoch to
  the majority action ("never skip"), where the expected gradient (a multiple of p (1 - p)) vanishes;
* ``supervised``: the same network trained by binary cross-entropy with teacher forcing (the previous true
  label is fed back).

At inference both feed back their own greedy actions (probability >= 0.5), and :meth:`predict` returns the
policy's probability at each step of that rollout.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError
from ..sessions import Sessions, log_feature_names
from .session_networks import SessionInputs
from .skip_lstm import (BCE_OBJECTIVE, TorchSkipPredictor, embedding_rows, final_state, first_half_inputs,
                        second_half_inputs, second_half_loss, shifted)

OBJECTIVES = ("reinforce", "supervised")
START = 2  # the previous-action input of a second half's first step (0 and 1 are the actions)

Actor = Callable[[int, torch.Tensor], torch.Tensor]


class SkipPolicyNetwork(nn.Module):
    """GRU encoder over the first half, GRU-cell policy over the second half (see the module docstring)."""

    def __init__(self, n_embeddings: int, n_log_features: int, hidden: int):
        super().__init__()
        self.encoder_inputs = SessionInputs(n_embeddings, hidden, 0.0, n_log_features)
        self.decoder_inputs = SessionInputs(n_embeddings, hidden, 0.0)
        self.encoder = nn.GRU(hidden, hidden, batch_first=True)
        self.previous_action = nn.Embedding(3, hidden)
        self.decoder = nn.GRUCell(hidden, hidden)
        self.head = nn.Linear(hidden, 1)

    def forward(self, batch: dict[str, torch.Tensor], act: Actor) -> tuple[torch.Tensor, torch.Tensor]:
        """Roll the policy over each second half: ``act(t, logits)`` picks the (b,) long actions of step t
        (position first_length + t) from its (b,) logits. Returns the (b, L) logits and actions at the
        session positions, zero outside the second half."""
        first_lengths = batch["first_lengths"]
        state = final_state(self.encoder, first_half_inputs(self.encoder_inputs, batch), first_lengths)[0]
        steps = shifted(second_half_inputs(self.decoder_inputs, batch), first_lengths)
        previous = torch.full((len(steps),), START, dtype=torch.long, device=steps.device)
        logits, actions = [], []
        for t in range(max(1, int((batch["lengths"] - first_lengths).max()))):
            state = self.decoder(steps[:, t] + self.previous_action(previous), state)
            logits.append(self.head(state).squeeze(-1))
            previous = act(t, logits[-1])
            actions.append(previous)
        padding = (0, steps.shape[1] - len(logits))
        return tuple(shifted(F.pad(torch.stack(values, dim=1), padding), -first_lengths) * batch["second"]
                     for values in (logits, actions))


def greedy(t: int, logits: torch.Tensor) -> torch.Tensor:
    """The inference actor: skipped where P(skip) >= 0.5."""
    return (logits >= 0).long()


def returns_to_go(rewards: torch.Tensor, gamma: float) -> torch.Tensor:
    """(b, L) sum over k >= p of gamma^(k - p) rewards[:, k]."""
    returns = torch.zeros_like(rewards)
    running = torch.zeros_like(rewards[:, 0])
    for position in reversed(range(rewards.shape[1])):
        running = rewards[:, position] + gamma * running
        returns[:, position] = running
    return returns


def remaining_steps_baseline(returns: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """(b, L) at each second-half position, the batch's mean return over the second-half positions with the
    same number of steps left to their session's end."""
    positions = torch.arange(returns.shape[1], device=returns.device)
    left = (batch["lengths"].unsqueeze(1) - positions).clamp(min=0)
    groups = F.one_hot(left, returns.shape[1] + 1).to(returns.dtype) * batch["second"].unsqueeze(-1)
    means = (groups * returns.unsqueeze(-1)).sum((0, 1)) / groups.sum((0, 1)).clamp(min=1)
    return means[left]


class SkipPolicyModel(TorchSkipPredictor):
    """The skip policy (see the module docstring).

    Hyper-parameters: ``objective`` ("reinforce" or "supervised"), ``hidden`` units of the GRUs and the
    input embedding, Adam's ``learning_rate``, ``batch_size`` sessions, ``epochs``, the REINFORCE discount
    ``gamma`` and ``entropy_weight`` (both unused by "supervised"), ``track_ids`` (embed the track ids
    too, else features only). ``epochs`` is the most: training stops early on the validation log-loss.
    """

    def __init__(self, objective: str = "reinforce", hidden: int = 64, learning_rate: float = 0.001,
                 batch_size: int = 64, epochs: int = 15, gamma: float = 0.5, entropy_weight: float = 1.0,
                 track_ids: bool = False, seed: int = 0, threads: int = 1, device: str = "auto"):
        self.objective = objective
        self.hidden = hidden
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.gamma = gamma
        self.entropy_weight = entropy_weight
        self.track_ids = track_ids
        self.seed = seed
        self.threads = threads
        self.device = device

    def _check(self) -> None:
        if self.objective not in OBJECTIVES:
            raise ConfigError(f"skip_policy: objective {self.objective!r} is not one of {', '.join(OBJECTIVES)}")

    def _network(self, train: Sessions, pretrained, device: torch.device) -> nn.Module:
        return SkipPolicyNetwork(embedding_rows(train, self.track_ids), len(log_feature_names()), self.hidden)

    def _loss(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        if self.objective == "supervised":
            teacher = shifted(batch["skips"], batch["first_lengths"]).long()
            logits, _ = self.network_(batch, lambda t, step_logits: teacher[:, t])
            return second_half_loss(logits, batch)
        return self._reinforce_loss(batch)

    def _reinforce_loss(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        """-(log pi(a) (G - baseline) + entropy_weight H(pi)), averaged over the second-half steps."""
        noise = torch.rand(batch["tracks"].shape, generator=self.generator_).to(self.device_)
        logits, actions = self.network_(
            batch, lambda t, step_logits: (noise[:, t] < torch.sigmoid(step_logits)).long())
        second = batch["second"]
        logits, actions = logits.float(), actions.float()
        rewards = (actions == batch["skips"]).float() * second
        returns = returns_to_go(rewards, self.gamma)
        advantages = (returns - remaining_steps_baseline(returns, batch))[second]
        advantages = advantages / advantages.std().clamp(min=1e-6)
        log_probabilities = -F.binary_cross_entropy_with_logits(logits, actions, reduction="none")[second]
        entropy = F.binary_cross_entropy_with_logits(logits, torch.sigmoid(logits), reduction="none")[second]
        value = -(log_probabilities * advantages).mean() - self.entropy_weight * entropy.mean()
        return value, int(second.sum())

    def _inference_logits(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.network_(batch, greedy)[0]

    def _objective(self) -> str:
        return (f"REINFORCE: reward 1 per correct skip_2 action, return-to-go with discount {self.gamma}, "
                     f"batch-mean baseline per number of steps left, advantages scaled to unit batch std, "
                     f"entropy bonus {self.entropy_weight}"
                     if self.objective == "reinforce" else
                     f"{BCE_OBJECTIVE}, teacher forcing (the previous true label fed back)")

    def report(self) -> dict:
        return {**super().report(), "policy_objective": self.objective, "inference": "greedy actions fed back"}
