"""Time-decayed popularity (DecayPop), the strongest non-personalised baseline of the Yambda paper
(Ploshkin et al., "Yambda-5B — A Large-Scale Multi-modal Dataset for Ranking and Retrieval", 2025).

Every training event (sequence entry) of an item adds 0.5 ** ((t_end - t) / h): t the event's timestamp
(seconds, ``data.sequences.times``), t_end the latest training timestamp and h = ``half_life_days`` x 86,400
s, so an event one half-life before the end of training counts half as much as one at its end. An item's
score is that sum; every user, known or not, gets the same list; ties go to the lower item id.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputDataError
from .base import GlobalScoreRecommender

SECONDS_PER_DAY = 86_400


def decayed_counts(items: np.ndarray, times: np.ndarray, n_items: int, half_life_seconds: float) -> np.ndarray:
    """(n_items,) float64: per item column, the sum of 0.5 ** ((max(times) - t) / half_life_seconds) over its
    events (``items`` and ``times``: one entry per event)."""
    age = (times.max(initial=0) - times).astype(np.float64)
    return np.bincount(items, weights=np.exp2(-age / half_life_seconds), minlength=n_items)


class DecayPopularityRecommender(GlobalScoreRecommender):
    def __init__(self, half_life_days: float = 7.0, seed: int = 0, threads: int = 1):
        self.half_life_days = half_life_days
        self.seed = seed
        self.threads = threads

    def _fit(self, data) -> None:
        if not self.half_life_days > 0:
            raise ValueError(f"half_life_days must be positive, not {self.half_life_days}")
        sequences = data.sequences
        if sequences is None or sequences.times is None:
            missing = "no sequences" if sequences is None else "sequences without a timestamp column"
            raise InputDataError(data.sources.get("sequences", data.source),
                                 f"DecayPop weighs events by their age, and the data has {missing}",
                                 column="timestamp")
        self.t_end_ = int(sequences.times.max(initial=0))
        self.item_scores_ = decayed_counts(sequences.items, sequences.times, data.n_items,
                                           self.half_life_days * SECONDS_PER_DAY)

    def report(self) -> dict:
        return {"latest_training_timestamp": self.t_end_, "events": int(len(self.data_.sequences.items))}
