"""The two model interfaces (scikit-learn rules: ``__init__`` stores hyper-parameters and the seed, ``fit``
does the work and returns self) and the top-K selection every recommender shares."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ..data import Interactions

SCORE_BLOCK = 20_000_000


def top_k_columns(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns and scores of each row's ``k`` highest scores, best first; ties go to the lower column.

    ``scores``: (n, n_items) float array; NaN counts as -inf. Returns (n, k) arrays; when a row has fewer
    than k finite scores, its last slots hold -inf. Linear in the row length (no full sort), so a
    934k-item catalogue costs about as much as reading the scores.
    """
    scores = np.where(np.isnan(scores), -np.inf, scores)
    n, n_items = scores.shape
    k = min(k, n_items)
    if k == 0:
        return np.zeros((n, 0), dtype=np.int64), np.zeros((n, 0))
    threshold = -np.partition(-scores, k - 1, axis=1)[:, k - 1:k]
    above = scores > threshold
    ties = scores == threshold
    needed = k - above.sum(axis=1, keepdims=True)
    chosen = above | (ties & (np.cumsum(ties, axis=1) <= needed))
    columns = np.nonzero(chosen)[1].reshape(n, k)
    values = np.take_along_axis(scores, columns, axis=1)
    order = np.lexsort((columns, -values), axis=1)
    return np.take_along_axis(columns, order, axis=1), np.take_along_axis(values, order, axis=1)


class Recommender:
    """Scores every catalogue item for a user; the interface of every ranking model.

    * ``__init__`` stores hyper-parameters and ``seed`` (and ``threads``) only;
    * ``fit(data)`` (an :class:`~musicrec.data.Interactions`) learns and returns self; subclasses
      implement ``_fit``;
    * ``score(rows)`` gives a (len(rows), n_items) float array for user rows of the data, higher is
      better; -inf where the model cannot score (a user it knows nothing about gets an all -inf row);
    * ``recommend(rows, k, exclude_seen)`` gives each row's top ``k`` item columns and scores, masking the
      user's training items only when ``exclude_seen`` is set (the evaluation protocol decides);
    * ``report()`` the training facts (losses, device, timings of parts); ``save(folder)`` the artefacts
      other rules consume (factors, embeddings, state dicts), returning the file names written.
    """

    seed: int = 0

    def fit(self, data: Interactions) -> "Recommender":
        self.data_ = data
        self._fit(data)
        return self

    def _fit(self, data: Interactions) -> None:
        raise NotImplementedError

    def score(self, rows: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def recommend(self, rows: np.ndarray, k: int, exclude_seen: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (columns, scores) per row; -1 / -inf mark empty slots. Users are scored in blocks of
        about ``SCORE_BLOCK`` scores (at most 256 users), so memory stays flat for any catalogue size."""
        rows = np.asarray(rows, dtype=np.int64)
        k = min(int(k), self.data_.n_items)
        batch_size = int(max(1, min(256, SCORE_BLOCK // max(self.data_.n_items, 1))))
        columns = np.full((len(rows), k), -1, dtype=np.int64)
        values = np.full((len(rows), k), -np.inf)
        for start in range(0, len(rows), batch_size):
            part = rows[start:start + batch_size]
            scores = np.array(self.score(part), dtype=np.float64)
            if exclude_seen:
                seen = self.data_.history(part)
                scores[seen.nonzero()] = -np.inf
            top, best = top_k_columns(scores, k)
            columns[start:start + len(part)] = np.where(np.isfinite(best), top, -1)
            values[start:start + len(part)] = best
        return columns, values

    def report(self) -> dict:
        return {}

    def save(self, folder) -> list[str]:
        return []


class GlobalScoreRecommender(Recommender):
    """A recommender that gives every user the same item scores (``item_scores_``, set in ``_fit``):
    popularity baselines. Without masking, every list is the same, so the top K is selected once."""

    def score(self, rows: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.item_scores_, (len(rows), len(self.item_scores_)))

    def recommend(self, rows: np.ndarray, k: int, exclude_seen: bool = True) -> tuple[np.ndarray, np.ndarray]:
        if exclude_seen:
            return super().recommend(rows, k, exclude_seen)
        top, best = top_k_columns(self.item_scores_[None, :].astype(np.float64), min(int(k), self.data_.n_items))
        top = np.where(np.isfinite(best), top, -1)
        return np.repeat(top, len(rows), axis=0), np.repeat(best, len(rows), axis=0)


@dataclass(frozen=True)
class FeatureSpec:
    """Which columns of a feature table are categorical codes (with cardinality) and which numeric."""

    categorical: dict[str, int]
    lgb_categorical: list[str]
    numeric: list[str]

    @classmethod
    def from_json(cls, spec: dict) -> "FeatureSpec":
        return cls(dict(spec["categorical"]), list(spec["lgb_categorical"]), list(spec["numeric"]))

    @classmethod
    def numeric_only(cls, columns: list[str]) -> "FeatureSpec":
        return cls({}, [], list(columns))


class BinaryClassifier:
    """Predicts P(y = 1) (or a relevance score, for rankers) per row of a feature table.

    ``fit(features, labels, spec, groups=None)``: ``features`` a polars frame holding the columns of
    ``spec``, ``labels`` 0/1 per row, ``groups`` a query id per row (rows of one user, for ranking
    objectives; classifiers ignore it); returns self. ``score(features)``: one float per row.
    """

    seed: int = 0

    def fit(self, features: pl.DataFrame, labels: np.ndarray, spec: FeatureSpec,
            groups: np.ndarray | None = None) -> "BinaryClassifier":
        raise NotImplementedError

    def score(self, features: pl.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def report(self) -> dict:
        return {}


class SessionModel:
    """A model of the skip challenge's sessions (:class:`~musicrec.sessions.Sessions`); the interface of the
    skip, next-track and pre-training tasks.

    * ``fit(train, valid, pretrained=None)`` learns on the training split, may watch the validation split
      (early stopping, a report), and returns self; ``pretrained`` is the artefact folder of a pre-training
      run (e.g. a masked-track BERT) for the models that start from one, None for the others;
    * ``report()`` the training facts; ``save(folder)`` the artefacts, returning the file names written.
    """

    seed: int = 0

    def fit(self, train, valid, pretrained=None) -> "SessionModel":
        raise NotImplementedError

    def report(self) -> dict:
        return {}

    def save(self, folder) -> list[str]:
        return []


class SkipPredictor(SessionModel):
    """``predict(sessions)``: (n, MAX_LENGTH) float P(skip_2) per position; only the second-half positions
    are read (a position whose probability is >= 0.5 is predicted skipped)."""

    def predict(self, sessions) -> np.ndarray:
        raise NotImplementedError


class NextTrackRecommender(SessionModel):
    """``score(sessions)``: (n, sessions.n_tracks) float scores of the track right after each session's first
    half, higher is better; the columns PAD and OOV are never ranked."""

    def score(self, sessions) -> np.ndarray:
        raise NotImplementedError
