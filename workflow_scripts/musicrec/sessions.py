"""Session tensors of the skip challenge (MSSD): what the preparation writes and every session model reads.

One :class:`Sessions` holds one split (train, valid or test) as fixed-width arrays over session positions
0..MAX_LENGTH-1 (position p is the log's session_position p + 1). The challenge's cut: the first half of a
session, positions ``< first_lengths`` (floor(length / 2) in the training logs), comes with every log field;
the second half, positions ``first_lengths .. lengths - 1``, with its tracks and their features only, and
its skip_2 values are what a skip model predicts. The preparation writes the log fields of the second half
as zeros, so no model can read them.

Track vocabulary: index PAD (0) pads, OOV (1) stands for every track outside the N most frequent training
tracks, 2.. are those tracks by descending training count. A next-track model scores all ``n_tracks``
columns; the evaluation ranks the real tracks only (columns 2..).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from .io import atomic_path

MAX_LENGTH = 20
PAD, OOV = 0, 1
FIRST_TRACK = 2

# Per-position log fields of the first half (0/1 flags, log1p counts, the hour on the unit circle, one-hot
# vocabularies); the preparation fills them in this order.
LOG_FLAGS = ("skip_1", "skip_2", "skip_3", "not_skipped", "context_switch", "no_pause_before_play",
             "short_pause_before_play", "long_pause_before_play", "hist_user_behavior_is_shuffle", "premium")
LOG_COUNTS = ("hist_user_behavior_n_seekfwd", "hist_user_behavior_n_seekback")
HOUR_FEATURES = ("hour_sin", "hour_cos")
# Track features per position, standardised with the training split's tracks (mode: 1 for major).
TRACK_FEATURES = (
    "duration", "release_year", "us_popularity_estimate", "acousticness", "beat_strength", "bounciness",
    "danceability", "dyn_range_mean", "energy", "flatness", "instrumentalness", "key", "liveness", "loudness",
    "mechanism", "mode", "organism", "speechiness", "tempo", "time_signature", "valence",
    *(f"acoustic_vector_{i}" for i in range(8)),
)


def log_feature_names() -> tuple[str, ...]:
    """Names of the ``log_features`` columns, in order (flags, counts, hour, then the one-hot vocabularies)."""
    from .datasets.mssd import CONTEXT_TYPES, REASONS_END, REASONS_START

    return (*LOG_FLAGS, *LOG_COUNTS, *HOUR_FEATURES, *(f"context_type={v}" for v in CONTEXT_TYPES),
            *(f"reason_start={v}" for v in REASONS_START), *(f"reason_end={v}" for v in REASONS_END))


@dataclass
class Sessions:
    """One split's sessions, n of them.

    * ``session_ids`` (n,) str; ``dates`` (n,) datetime64[D];
    * ``tracks`` (n, MAX_LENGTH) int64 vocabulary indices (PAD beyond the length, OOV for rare tracks);
    * ``lengths``, ``first_lengths`` (n,) int64: the session length and its first half's;
    * ``skips`` (n, MAX_LENGTH) int8 skip_2 (0 beyond the length);
    * ``log_features`` (n, MAX_LENGTH, len(log_feature_names())) float32, zero outside the first half;
    * ``track_features`` (n, MAX_LENGTH, len(TRACK_FEATURES)) float32, zero beyond the length;
    * ``vocabulary_features`` (n_tracks, len(TRACK_FEATURES)) float32: the standardised features of each
      vocabulary track (rows PAD and OOV zero, i.e. the training mean), for models that score every track.
    """

    session_ids: np.ndarray
    dates: np.ndarray
    tracks: np.ndarray
    lengths: np.ndarray
    first_lengths: np.ndarray
    skips: np.ndarray
    log_features: np.ndarray
    track_features: np.ndarray
    vocabulary_features: np.ndarray

    def __len__(self) -> int:
        return len(self.session_ids)

    @property
    def n_tracks(self) -> int:
        """Vocabulary size including PAD and OOV (the number of columns of next-track scores)."""
        return len(self.vocabulary_features)

    def positions(self) -> np.ndarray:
        """(1, MAX_LENGTH) position indices, to compare with ``lengths[:, None]`` and ``first_lengths[:, None]``."""
        return np.arange(self.tracks.shape[1])[None, :]

    def valid_mask(self) -> np.ndarray:
        """(n, MAX_LENGTH) True at the positions a session has."""
        return self.positions() < self.lengths[:, None]

    def first_half_mask(self) -> np.ndarray:
        """(n, MAX_LENGTH) True at the first-half positions (all log fields known)."""
        return self.positions() < self.first_lengths[:, None]

    def second_half_mask(self) -> np.ndarray:
        """(n, MAX_LENGTH) True at the second-half positions (whose skip_2 is predicted)."""
        return (self.positions() >= self.first_lengths[:, None]) & self.valid_mask()

    def next_tracks(self) -> np.ndarray:
        """(n,) the track right after the first half: the next-track task's target."""
        return self.tracks[np.arange(len(self)), self.first_lengths]

    def subset(self, rows) -> "Sessions":
        """The sessions at ``rows`` (indices or a boolean mask), same vocabulary."""
        return Sessions(**{f.name: getattr(self, f.name) if f.name == "vocabulary_features"
                           else getattr(self, f.name)[rows] for f in fields(self)})

    def save(self, path) -> None:
        """Write every array to one ``.npz`` file (atomically)."""
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, **{f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def load(cls, path) -> "Sessions":
        with np.load(Path(path), allow_pickle=False) as arrays:
            return cls(**{f.name: arrays[f.name] for f in fields(cls)})
