"""The next-track popularity baseline: every session gets the same scores, the training play counts.

``track_plays`` and ``without_special_columns`` are shared by the other next-track baselines.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..io import atomic_path
from ..sessions import FIRST_TRACK
from .base import NextTrackRecommender

POPULARITY_FILE = "popularity.npz"


def track_plays(sessions) -> np.ndarray:
    """(n_tracks,) float64 number of positions of each vocabulary index over every position of ``sessions``."""
    return np.bincount(sessions.tracks[sessions.valid_mask()], minlength=sessions.n_tracks).astype(np.float64)


def without_special_columns(scores: np.ndarray) -> np.ndarray:
    """``scores`` (..., n_tracks) with the PAD and OOV columns set to -inf (never ranked), in place."""
    scores[..., :FIRST_TRACK] = -np.inf
    return scores


class NextTrackPopularity(NextTrackRecommender):
    """score(sessions): (n, n_tracks) float64, each row the training play counts of the vocabulary tracks over
    every position (both halves) of the training sessions; PAD and OOV -inf. No randomness: ``seed`` and
    ``threads`` are accepted and unused."""

    def __init__(self, seed: int = 0, threads: int = 1):
        self.seed = seed
        self.threads = threads

    def fit(self, train, valid, pretrained=None) -> "NextTrackPopularity":
        self.plays_ = track_plays(train)
        return self

    def score(self, sessions) -> np.ndarray:
        return without_special_columns(np.repeat(self.plays_[None, :], len(sessions), axis=0))

    def report(self) -> dict:
        return {"objective": "training play count of each track over every position of the training sessions",
                "training_positions": int(self.plays_.sum()),
                "played_tracks": int(np.count_nonzero(self.plays_[FIRST_TRACK:]))}

    def save(self, folder) -> list[str]:
        """``popularity.npz``: ``plays`` (n_tracks,) per vocabulary index."""
        with atomic_path(Path(folder) / POPULARITY_FILE) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, plays=self.plays_)
        return [POPULARITY_FILE]
