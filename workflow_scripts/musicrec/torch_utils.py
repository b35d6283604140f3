"""What every torch model of the package shares: device choice, threads, determinism, mixed precision.

Device order is CUDA, then Apple MPS, then CPU. Mixed precision (float16 autocast with a GradScaler)
is used only on CUDA: CPU runs stay in float32 and deterministic, so the same seed gives bit-identical
outputs there.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch

log = logging.getLogger(__name__)

# Epochs without a validation improvement after which train_epochs stops.
PATIENCE = 3


def select_device(preferred: str = "auto") -> torch.device:
    """``auto`` picks cuda > mps > cpu; any other value is taken as the device name."""
    if preferred != "auto":
        return torch.device(preferred)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def configure_torch(threads: int, device: torch.device) -> None:
    """Use the rule's thread count and deterministic kernels on the CPU."""
    torch.set_num_threads(max(1, int(threads)))
    if device.type == "cpu":
        torch.use_deterministic_algorithms(True)
    log.info("torch %s on %s with %d CPU threads", torch.__version__, device, torch.get_num_threads())


def start(preferred: str, threads: int, seed: int) -> torch.device:
    """What every torch model's ``fit`` starts with: pick the device, set threads and CPU determinism,
    seed torch's global generator (parameter initialisation)."""
    device = select_device(preferred)
    configure_torch(threads, device)
    torch.manual_seed(int(seed))
    return device


def uses_mixed_precision(device: torch.device) -> bool:
    return device.type == "cuda"


def autocast(device: torch.device):
    """float16 autocast on CUDA; a no-op context elsewhere."""
    if uses_mixed_precision(device):
        return torch.autocast(device_type="cuda", dtype=torch.float16)
    return contextlib.nullcontext()


def grad_scaler(device: torch.device) -> torch.amp.GradScaler:
    """A loss scaler that is active only when mixed precision is (a disabled scaler passes through)."""
    return torch.amp.GradScaler("cuda", enabled=uses_mixed_precision(device))


def optimisation_step(loss: torch.Tensor, optimiser: torch.optim.Optimizer, scaler: torch.amp.GradScaler) -> None:
    """Backward pass and optimiser step through the (possibly disabled) scaler."""
    optimiser.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    scaler.step(optimiser)
    scaler.update()


def seeded_generator(seed: int) -> torch.Generator:
    """A CPU generator for shuffling and negative sampling, independent of the global RNG."""
    generator = torch.Generator()
    generator.manual_seed(int(seed))
    return generator


@dataclass
class TrainingLog:
    """Mean loss and wall seconds of every epoch of one :func:`train_epochs` run, and with a validation
    criterion its value after every epoch and the epoch whose weights were kept."""

    losses: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    validation: list[float] = field(default_factory=list)
    best_epoch: int | None = None

    def report(self) -> dict:
        report = {"epoch_losses": [round(x, 5) for x in self.losses],
                  "epoch_seconds_mean": round(sum(self.seconds) / max(len(self.seconds), 1), 4),
                  "epochs": len(self.losses)}
        if self.validation:
            report.update(epoch_validation=[round(x, 5) for x in self.validation], best_epoch=self.best_epoch)
        return report


def train_epochs(network: torch.nn.Module, optimiser: torch.optim.Optimizer, epochs: int,
                 batches: Callable[[int], Iterable], loss: Callable[[object], tuple[torch.Tensor, int]],
                 device: torch.device, name: str, validation: Callable[[], float] | None = None,
                 patience: int = PATIENCE) -> TrainingLog:
    """The one training loop of the package's torch models.

    For each epoch, ``batches(epoch)`` yields the epoch's batches; ``loss(batch)`` returns the batch's mean
    loss and its number of examples, computed under autocast (float16 on CUDA). Each batch is one
    optimiser step through the gradient scaler. Every epoch's example-weighted mean loss and time are
    logged and returned.

    With ``validation`` (a criterion on held-out data, lower is better, computed by the caller with the
    network as it stands; it may switch it to eval mode), the loop evaluates it after every epoch, stops
    once ``patience`` epochs in a row brought no improvement, and leaves the network with the weights of its
    best epoch (early stopping; Prechelt, "Early Stopping - But When?", Neural Networks: Tricks of the
    Trade, 1998).
    """
    scaler = grad_scaler(device)
    history = TrainingLog()
    best_state, best_value = None, math.inf
    for epoch in range(epochs):
        network.train()
        started = time.perf_counter()
        total, count = 0.0, 0
        for batch in batches(epoch):
            with autocast(device):
                value, n = loss(batch)
            optimisation_step(value, optimiser, scaler)
            total += float(value.detach()) * n
            count += n
        history.losses.append(total / max(count, 1))
        history.seconds.append(time.perf_counter() - started)
        message = f"{name} epoch {epoch + 1}/{epochs}: loss {history.losses[-1]:.4f}"
        if validation is not None:
            with torch.no_grad():
                history.validation.append(float(validation()))
            message += f", validation {history.validation[-1]:.4f}"
            if history.validation[-1] < best_value:
                best_value, history.best_epoch = history.validation[-1], epoch + 1
                best_state = copy.deepcopy(network.state_dict())
        log.info("%s (%.2f s)", message, history.seconds[-1])
        if history.best_epoch is not None and epoch + 1 - history.best_epoch >= patience:
            log.info("%s: no validation improvement for %d epochs, stopping", name, patience)
            break
    if best_state is not None:
        network.load_state_dict(best_state)
        log.info("%s: kept the weights of epoch %d (validation %.4f)", name, history.best_epoch, best_value)
    return history
