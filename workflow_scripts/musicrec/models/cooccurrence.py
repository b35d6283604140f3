"""Session co-occurrence: tracks played in the same training sessions are recommended after one another, the
association-rule and sequential-rule baselines of session-based recommendation (Ludewig and Jannach,
"Evaluation of session-based recommendation algorithms", User Modeling and User-Adapted Interaction 2018),
here with a position window, a decay over the first half and a cosine-style normalisation.

Counts: C[i, j] = the number of ordered pairs of positions p != q of one training session holding the real
tracks i and j (PAD and OOV positions are left out) with |p - q| <= ``window`` (0, or any window of at least
MAX_LENGTH - 1: anywhere in the session).
With n_i the training plays of track i, the similarity is the cosine-style

    S[i, j] = C[i, j] / (n_i * n_j) ** alpha

(``alpha`` 0.5: the cosine of the tracks' session-position counts; 0: raw counts). A session whose first half
holds the tracks t_0 .. t_{f-1} scores track j with

    score_j = sum_p decay ** (f - 1 - p) * S[t_p, j] + 1e-6 * n_j / max_k n_k

so the last tracks of the first half weigh most; the popularity term (at most 1e-6) breaks ties and ranks the
tracks for a session without co-occurrences. PAD and OOV columns are -inf.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..errors import ConfigError
from ..io import atomic_path
from ..sessions import FIRST_TRACK
from .base import NextTrackRecommender
from .next_popularity import track_plays, without_special_columns

COOCCURRENCE_FILE = "cooccurrence.npz"
TIE_BREAK = 1e-6


def real_tracks(sessions, mask: np.ndarray) -> np.ndarray:
    """(n, MAX_LENGTH) True where ``mask`` (n, MAX_LENGTH) is and the position holds a real track (not PAD or
    OOV)."""
    return mask & (sessions.tracks >= FIRST_TRACK)


def cooccurrence_counts(sessions, window: int) -> sp.csr_matrix:
    """(n_tracks, n_tracks) symmetric float64 C of the module docstring over ``sessions``."""
    tracks = sessions.tracks
    real = real_tracks(sessions, sessions.valid_mask())
    reach = tracks.shape[1] - 1 if window == 0 else min(window, tracks.shape[1] - 1)
    sources, targets = [], []
    for offset in range(1, reach + 1):
        both = real[:, :-offset] & real[:, offset:]
        earlier, later = tracks[:, :-offset][both], tracks[:, offset:][both]
        sources += [earlier, later]
        targets += [later, earlier]
    sources, targets = np.concatenate(sources), np.concatenate(targets)
    return sp.coo_matrix((np.ones(len(sources)), (sources, targets)),
                         shape=(sessions.n_tracks, sessions.n_tracks)).tocsr()


def first_half_weights(sessions, decay: float) -> sp.csr_matrix:
    """(n, n_tracks) float64: row s holds decay ** (f - 1 - p) summed over the first-half positions p of
    session s with that track (f its first half's length)."""
    rows, positions = np.nonzero(real_tracks(sessions, sessions.first_half_mask()))
    weights = decay ** (sessions.first_lengths[rows] - 1 - positions).astype(np.float64)
    return sp.coo_matrix((weights, (rows, sessions.tracks[rows, positions])),
                         shape=(len(sessions), sessions.n_tracks)).tocsr()


class SessionCooccurrence(NextTrackRecommender):
    """score(sessions): (n, n_tracks) float64 decayed co-occurrence scores of the module docstring. No
    randomness: ``seed`` and ``threads`` are accepted and unused."""

    def __init__(self, window: int = 0, decay: float = 0.8, alpha: float = 0.5, seed: int = 0, threads: int = 1):
        self.window = window
        self.decay = decay
        self.alpha = alpha
        self.seed = seed
        self.threads = threads

    def fit(self, train, valid, pretrained=None) -> "SessionCooccurrence":
        if self.window < 0:
            raise ConfigError(f"cooccurrence: window {self.window} must be 0 (the whole session) or a positive "
                              "number of positions")
        self.plays_ = track_plays(train)
        self.counts_ = cooccurrence_counts(train, self.window)
        scale = sp.diags(np.maximum(self.plays_, 1.0) ** -self.alpha)
        self.similarity_ = (scale @ self.counts_ @ scale).tocsr()
        self.tie_break_ = TIE_BREAK * self.plays_ / max(self.plays_.max(), 1.0)
        return self

    def score(self, sessions) -> np.ndarray:
        scores = (first_half_weights(sessions, self.decay) @ self.similarity_).toarray() + self.tie_break_
        return without_special_columns(scores)

    def report(self) -> dict:
        return {"objective": "decayed sum over the first half's tracks of C[i, j] / (n_i n_j) ** alpha "
                             f"(window {self.window or 'whole session'}, decay {self.decay}, alpha {self.alpha})",
                "cooccurring_pairs": int(self.counts_.nnz), "training_positions": int(self.plays_.sum())}

    def save(self, folder) -> list[str]:
        """``cooccurrence.npz``: the counts C as CSR arrays (``indptr``, ``indices``, ``counts``, ``shape``) and
        the ``plays`` n."""
        with atomic_path(Path(folder) / COOCCURRENCE_FILE) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, indptr=self.counts_.indptr, indices=self.counts_.indices, counts=self.counts_.data,
                     shape=np.array(self.counts_.shape), plays=self.plays_)
        return [COOCCURRENCE_FILE]
