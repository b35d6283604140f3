"""What every torch model of the package shares: device choice, threads, determinism, mixed precision.

Device order is CUDA, then Apple MPS, then CPU. Mixed precision (float16 autocast with a GradScaler)
is used only on CUDA: CPU runs stay in float32 and deterministic, so the same seed gives bit-identical
outputs there.
"""

from __future__ import annotations

import contextlib
import logging

import torch

log = logging.getLogger(__name__)


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
