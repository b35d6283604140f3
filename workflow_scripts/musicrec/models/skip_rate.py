"""The skip challenge's per-track baseline: P(skip_2) of a position is its track's training skip rate.

Every label of a training session is known (the challenge's cut hides the second half's log fields of the
validation and test sessions only), so the rate of vocabulary track t counts every position of the training
sessions:

    rate_t = (skips_t + smoothing * global_rate) / (plays_t + smoothing)

with ``skips_t`` the skip_2 labels and ``plays_t`` the positions of t, ``global_rate`` the skip_2 share of all
training positions: a rarely played track is shrunk to the global rate. OOV is one row like any other (the
rate of all rare tracks together); a row never played (PAD) gets the global rate. This is the challenge's
simplest per-track baseline; the data and the task: Brost, Mehrotra and Jehan, "The Music Streaming Sessions
Dataset", The Web Conference (WWW) 2019.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..io import atomic_path
from .base import SkipPredictor

RATES_FILE = "skip_rates.npz"


def track_skip_rates(sessions, smoothing: float) -> tuple[np.ndarray, float]:
    """((n_tracks,) float64 smoothed skip_2 rate per vocabulary index, the global rate) over every position of
    ``sessions``."""
    valid = sessions.valid_mask()
    tracks = sessions.tracks[valid]
    plays = np.bincount(tracks, minlength=sessions.n_tracks).astype(np.float64)
    skips = np.bincount(tracks, weights=sessions.skips[valid].astype(np.float64), minlength=sessions.n_tracks)
    global_rate = float(skips.sum() / max(plays.sum(), 1.0))
    pseudo = plays + smoothing
    rates = np.full(sessions.n_tracks, global_rate)
    np.divide(skips + smoothing * global_rate, pseudo, out=rates, where=pseudo > 0)
    return rates, global_rate


class SkipRateBaseline(SkipPredictor):
    """P(skip_2) = the position's track's smoothed training skip rate (no randomness: ``seed`` and ``threads``
    are accepted and unused)."""

    def __init__(self, smoothing: float = 10.0, seed: int = 0, threads: int = 1):
        self.smoothing = smoothing
        self.seed = seed
        self.threads = threads

    def fit(self, train, valid, pretrained=None) -> "SkipRateBaseline":
        self.rates_, self.global_rate_ = track_skip_rates(train, self.smoothing)
        self.training_positions_ = int(train.valid_mask().sum())
        return self

    def predict(self, sessions) -> np.ndarray:
        """(n, MAX_LENGTH) float64: the rate of each position's track (PAD positions: the global rate)."""
        return self.rates_[sessions.tracks]

    def report(self) -> dict:
        return {"objective": "per-track skip_2 rate over every training position, shrunk to the global rate "
                             f"with {self.smoothing} pseudo-counts",
                "global_skip_rate": round(self.global_rate_, 5), "training_positions": self.training_positions_}

    def save(self, folder) -> list[str]:
        """``skip_rates.npz``: ``rates`` (n_tracks,) per vocabulary index and ``global_rate``."""
        with atomic_path(Path(folder) / RATES_FILE) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, rates=self.rates_, global_rate=self.global_rate_)
        return [RATES_FILE]
