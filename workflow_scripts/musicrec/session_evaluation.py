"""Scoring the skip challenge's two tasks from a model's outputs on a split's :class:`~musicrec.sessions.Sessions`.

* skip prediction: one row per second-half track (session_id, session_position 1-based, probability,
  prediction = probability >= 0.5, skip_2), scored by the challenge's mean average accuracy and first-prediction
  accuracy (:mod:`musicrec.metrics.sequential`), plus the per-track accuracy and the AUC of the probabilities;
* next-track prediction: each session's top-K list of tracks (the top-K contract, the session as the user) for
  the track right after its first half, over the full vocabulary (PAD and OOV never ranked), scored by HitRate
  and NDCG at K (:mod:`musicrec.metrics.ranking`); a target outside the vocabulary (OOV) is a miss.

Each task's scores come with a per-session table (user = the session id, metric, value): the skip task's
average accuracy and first-prediction accuracy per session, the next-track task's hit_rate, ndcg and mrr at
each K per session; the session-averaged metrics of the task are the means of its rows.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.special import logsumexp

from .metrics.classification import log_loss, roc_auc
from .metrics.per_user import macro_average
from .metrics.ranking import coverage_at_k, per_user_metrics
from .metrics.sequential import session_scores
from .models.base import top_k_columns
from .schema import topk_from_arrays
from .sessions import FIRST_TRACK, OOV, Sessions

SKIP_COLUMNS = ("session_id", "session_position", "probability", "prediction", "skip_2")
OOV_TARGET = "<out of vocabulary>"
THRESHOLD = 0.5


def skip_table(sessions: Sessions, probabilities: np.ndarray) -> pl.DataFrame:
    """The second-half rows of ``probabilities`` ((n, MAX_LENGTH) P(skip_2)) with the truth; a non-finite or
    out-of-range probability is a ValueError (a model bug, not a metric)."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.shape != sessions.skips.shape:
        raise ValueError(f"skip probabilities have shape {probabilities.shape}, the sessions {sessions.skips.shape}")
    rows, positions = np.nonzero(sessions.second_half_mask())
    values = probabilities[rows, positions]
    if not np.all(np.isfinite(values) & (values >= 0) & (values <= 1)):
        raise ValueError("skip probabilities must be finite and within [0, 1] on the second half")
    return pl.DataFrame({
        "session_id": sessions.session_ids[rows], "session_position": (positions + 1).astype(np.int64),
        "probability": values, "prediction": values >= THRESHOLD,
        "skip_2": sessions.skips[rows, positions].astype(bool),
    })


def skip_scores(table: pl.DataFrame) -> tuple[dict[str, float], pl.DataFrame]:
    """(:func:`skip_metrics`, the per-session table of its mean_average_accuracy and first_prediction_accuracy)."""
    scores, per_session = session_scores(table, predicted="prediction", truth="skip_2")
    labels = table["skip_2"].cast(pl.Int8).to_numpy()
    metrics = {**scores,
               "accuracy": float((table["prediction"] == table["skip_2"]).mean()) if table.height else float("nan"),
               "auc": roc_auc(labels, table["probability"].to_numpy())}
    return metrics, per_session


def skip_metrics(table: pl.DataFrame) -> dict[str, float]:
    """Mean average accuracy (the challenge's score), first-prediction accuracy (its tie-break), the accuracy
    over all predicted tracks and the AUC of the probabilities, for a :func:`skip_table`."""
    return skip_scores(table)[0]


def next_track_lists(sessions: Sessions, scores: np.ndarray, track_ids: np.ndarray, k: int, model: str,
                     seed: int) -> pl.DataFrame:
    """Each session's top ``k`` vocabulary tracks by ``scores`` ((n, n_tracks)) as top-K lists (user = session
    id, item = track id); ``track_ids[i]`` is the id of vocabulary index i for i >= FIRST_TRACK."""
    scores = np.array(scores, dtype=np.float64)
    if scores.shape != (len(sessions), sessions.n_tracks):
        raise ValueError(f"next-track scores have shape {scores.shape}, expected {(len(sessions), sessions.n_tracks)}")
    columns, best = top_k_columns(scores[:, FIRST_TRACK:], k)
    return topk_from_arrays(sessions.session_ids, np.asarray(track_ids)[columns + FIRST_TRACK], best, model, seed)


def next_track_targets(sessions: Sessions, track_ids: np.ndarray) -> pl.DataFrame:
    """(user = session id, item = its next track's id; OOV_TARGET for a track outside the vocabulary)."""
    indices = sessions.next_tracks()
    items = np.where(indices == OOV, OOV_TARGET, np.asarray(track_ids, dtype=object)[indices])
    return pl.DataFrame({"user": sessions.session_ids, "item": items.astype(str)})


def next_track_scores(lists: pl.DataFrame, targets: pl.DataFrame, k_values,
                      vocabulary_size: int) -> tuple[dict[str, float], pl.DataFrame]:
    """(:func:`next_track_metrics`, the per-session table of hit_rate@K, ndcg@K and mrr@K)."""
    k_values = sorted(k_values)
    names = {f"{source}@{k}": f"{name}@{k}" for k in k_values
             for name, source in (("hit_rate", "hit_rate"), ("ndcg", "ndcg"), ("mrr", "map"))}
    per_session = (per_user_metrics(lists, targets, k_values).filter(pl.col("metric").is_in(list(names)))
                   .with_columns(pl.col("metric").replace_strict(names)))
    metrics = macro_average(per_session, list(names.values()))
    metrics.update({f"coverage@{k}": coverage_at_k(lists, k, vocabulary_size) for k in k_values})
    metrics["oov_target_share"] = float((targets["item"] == OOV_TARGET).mean()) if targets.height else float("nan")
    return metrics, per_session


def next_track_metrics(lists: pl.DataFrame, targets: pl.DataFrame, k_values, vocabulary_size: int) -> dict[str, float]:
    """HitRate, NDCG, MRR and coverage at each K of the lists against one target per session (with one relevant
    track, recall is the hit rate and MAP the reciprocal rank), and the share of targets outside the vocabulary
    (misses for every model)."""
    return next_track_scores(lists, targets, k_values, vocabulary_size)[0]


def vocabulary_track_ids(vocabulary: pl.DataFrame, n_tracks: int) -> np.ndarray:
    """(n_tracks,) track id of each vocabulary index from the vocabulary table (index, track_id); the PAD and OOV
    slots hold placeholders that are never ranked."""
    ids = np.full(n_tracks, "", dtype=object)
    ids[:FIRST_TRACK] = ["<pad>", OOV_TARGET]
    ids[vocabulary["index"].to_numpy()] = vocabulary["track_id"].to_numpy()
    return ids.astype(str)


def skip_log_loss(sessions: Sessions, probabilities: np.ndarray) -> float:
    """Log-loss of P(skip_2) ((n, MAX_LENGTH)) on the second half of ``sessions``: the validation criterion the
    skip models stop training on."""
    mask = sessions.second_half_mask()
    return log_loss(sessions.skips[mask], np.asarray(probabilities, dtype=np.float64)[mask])


def next_track_cross_entropy(sessions: Sessions, scores: np.ndarray) -> float:
    """Mean softmax cross-entropy over the real tracks (columns FIRST_TRACK..) of each session's next track under
    ``scores`` ((n, n_tracks) logits), sessions with an OOV next track left out: the validation criterion the
    next-track models stop training on (NaN when every target is OOV)."""
    targets = sessions.next_tracks()
    known = targets >= FIRST_TRACK
    if not known.any():
        return float("nan")
    logits = np.asarray(scores, dtype=np.float64)[known, FIRST_TRACK:]
    return float(np.mean(logsumexp(logits, axis=1) - logits[np.arange(len(logits)), targets[known] - FIRST_TRACK]))
