"""A logistic-regression skip model over hand-made features of each second-half position.

One row per second-half position p of a session of length n whose first half has f tracks:

* the track's standardised features (``TRACK_FEATURES``, as the preparation writes them);
* its relative position (p - f) / n and its position p / MAX_LENGTH;
* the first half's summary: the mean of every log field over the first half (its skip_1/skip_2/skip_3 shares,
  context, shuffle, premium, pauses, seeks, hour, start and end reasons), the skip_2 of its last track, the
  mean track features of the first half (the session's taste), and the Euclidean distance of this track's
  features to that mean (the "off-taste" signal);
* the track's smoothed training skip rate (:class:`~musicrec.models.skip_rate.SkipRateBaseline`).

The columns are standardised with the training rows' means and deviations, then an L2-regularised logistic
regression (scikit-learn, lbfgs; Pedregosa et al., "Scikit-learn: machine learning in Python", JMLR 2011) is
fitted on every second-half position of the training sessions. The task and its features: Brost, Mehrotra and
Jehan, "The Music Streaming Sessions Dataset", The Web Conference (WWW) 2019.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..io import atomic_path
from ..sessions import MAX_LENGTH, TRACK_FEATURES, log_feature_names
from .base import SkipPredictor
from .skip_rate import SkipRateBaseline

MODEL_FILE = "skip_logistic.npz"


def feature_names() -> list[str]:
    """The names of the :func:`skip_features` columns, in order."""
    return [*(f"track_{name}" for name in TRACK_FEATURES), "relative_position", "position",
            *(f"first_half_mean_{name}" for name in log_feature_names()), "first_half_last_skip_2",
            *(f"first_half_mean_track_{name}" for name in TRACK_FEATURES), "off_taste_distance", "track_skip_rate"]


def skip_features(sessions, track_rates: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """(rows, len(feature_names())) float64 features of every second-half position, and the (session,
    position) indices of those rows (``sessions.second_half_mask().nonzero()``); ``track_rates`` (n_tracks,)
    the per-track skip rate. Reads the first half's log fields only."""
    sessions_of, positions = np.nonzero(sessions.second_half_mask())
    first = sessions.first_half_mask()[:, :, None]
    first_lengths = sessions.first_lengths
    played = np.maximum(first_lengths, 1)[:, None].astype(np.float64)
    log_means = (sessions.log_features * first).sum(axis=1) / played
    last = sessions.log_features[np.arange(len(sessions)), np.maximum(first_lengths - 1, 0),
                                 log_feature_names().index("skip_2")] * (first_lengths > 0)
    taste = (sessions.track_features * first).sum(axis=1) / played
    features = sessions.track_features[sessions_of, positions].astype(np.float64)
    columns = [
        features,
        (positions - first_lengths[sessions_of]) / sessions.lengths[sessions_of],
        positions / MAX_LENGTH,
        log_means[sessions_of],
        last[sessions_of],
        taste[sessions_of],
        np.linalg.norm(features - taste[sessions_of], axis=1),
        track_rates[sessions.tracks[sessions_of, positions]],
    ]
    return np.column_stack(columns), (sessions_of, positions)


class LogisticSkipModel(SkipPredictor):
    """P(skip_2) per second-half position from a logistic regression over :func:`skip_features` (``C`` the
    inverse L2 strength, ``max_iter`` of lbfgs); the track skip rates are a :class:`SkipRateBaseline` fitted on
    the training split with its default smoothing. No randomness: ``seed`` and ``threads`` are accepted and
    unused (the job limits the BLAS threads)."""

    def __init__(self, C: float = 1.0, max_iter: int = 500, seed: int = 0, threads: int = 1):
        self.C = C
        self.max_iter = max_iter
        self.seed = seed
        self.threads = threads

    def fit(self, train, valid, pretrained=None) -> "LogisticSkipModel":
        self.baseline_ = SkipRateBaseline().fit(train, valid)
        features, (sessions_of, positions) = skip_features(train, self.baseline_.rates_)
        self.pipeline_ = make_pipeline(StandardScaler(), LogisticRegression(C=self.C, max_iter=self.max_iter))
        self.pipeline_.fit(features, train.skips[sessions_of, positions])
        self.training_rows_ = len(features)
        return self

    def predict(self, sessions) -> np.ndarray:
        """(n, MAX_LENGTH) float64 P(skip_2) at the second-half positions, 0 elsewhere."""
        features, rows = skip_features(sessions, self.baseline_.rates_)
        probabilities = np.zeros(sessions.tracks.shape)
        probabilities[rows] = self.pipeline_.predict_proba(features)[:, 1]
        return probabilities

    def _regression(self) -> LogisticRegression:
        return self.pipeline_[-1]

    def report(self) -> dict:
        regression = self._regression()
        return {"objective": "L2-regularised logistic log-loss of skip_2 over every second-half position of the "
                             "training sessions (standardised features)",
                "feature_names": feature_names(), "training_rows": self.training_rows_,
                "coefficients": [round(float(c), 5) for c in regression.coef_[0]],
                "intercept": round(float(regression.intercept_[0]), 5), "iterations": int(regression.n_iter_[0])}

    def save(self, folder) -> list[str]:
        """``skip_logistic.npz``: the scaler's ``mean`` and ``scale``, ``coefficients``, ``intercept``, the
        ``track_rates`` and the ``feature_names``."""
        scaler, regression = self.pipeline_[0], self._regression()
        with atomic_path(Path(folder) / MODEL_FILE) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, mean=scaler.mean_, scale=scaler.scale_, coefficients=regression.coef_[0],
                     intercept=regression.intercept_, track_rates=self.baseline_.rates_,
                     feature_names=np.array(feature_names()))
        return [MODEL_FILE]
