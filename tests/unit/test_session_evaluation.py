"""Scoring the skip challenge's tasks from model outputs: second-half rows only, thresholds, hand-computed AA,
next-track lists that never rank PAD or OOV, an OOV target counted as a miss."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from musicrec.session_evaluation import (OOV_TARGET, next_track_cross_entropy, next_track_lists, next_track_metrics,
                                         next_track_scores, next_track_targets, skip_log_loss, skip_metrics,
                                         skip_scores, skip_table, vocabulary_track_ids)
from musicrec.sessions import MAX_LENGTH, OOV, Sessions, TRACK_FEATURES, log_feature_names


def two_sessions() -> Sessions:
    """Session a: 4 tracks (first half 2), skips at positions 3, 4 = 1, 0; session b: 5 tracks (first half 2),
    skips at positions 3..5 = 0, 1, 1; the track after the first half: a -> index 4, b -> OOV."""
    tracks = np.zeros((2, MAX_LENGTH), dtype=np.int64)
    tracks[0, :4] = [2, 3, 4, 5]
    tracks[1, :5] = [3, 2, OOV, 4, 5]
    skips = np.zeros((2, MAX_LENGTH), dtype=np.int8)
    skips[0, :4] = [0, 1, 1, 0]
    skips[1, :5] = [1, 1, 0, 1, 1]
    return Sessions(session_ids=np.array(["a", "b"]), dates=np.array(["2018-07-14", "2018-07-15"], dtype="datetime64[D]"),
                    tracks=tracks, lengths=np.array([4, 5]), first_lengths=np.array([2, 2]), skips=skips,
                    log_features=np.zeros((2, MAX_LENGTH, len(log_feature_names())), dtype=np.float32),
                    track_features=np.zeros((2, MAX_LENGTH, len(TRACK_FEATURES)), dtype=np.float32),
                    vocabulary_features=np.zeros((6, len(TRACK_FEATURES)), dtype=np.float32))


def test_skip_table_holds_the_second_half_only_with_the_threshold_at_one_half():
    sessions = two_sessions()
    probabilities = np.full((2, MAX_LENGTH), 0.9)
    probabilities[0, 2:4] = [0.7, 0.5]
    probabilities[1, 2:5] = [0.49, 0.2, 0.8]
    table = skip_table(sessions, probabilities)
    assert table["session_id"].to_list() == ["a", "a", "b", "b", "b"]
    assert table["session_position"].to_list() == [3, 4, 3, 4, 5]
    assert table["prediction"].to_list() == [True, True, False, False, True]
    assert table["skip_2"].to_list() == [True, False, False, True, True]


def test_skip_metrics_by_hand():
    """a: right, wrong -> AA (1*1 + 0.5*0)/2 = 0.5; b: right, wrong, right -> (1 + 0 + 2/3)/3 = 5/9."""
    sessions = two_sessions()
    probabilities = np.zeros((2, MAX_LENGTH))
    probabilities[0, 2:4] = [0.7, 0.5]
    probabilities[1, 2:5] = [0.49, 0.2, 0.8]
    metrics = skip_metrics(skip_table(sessions, probabilities))
    assert metrics["mean_average_accuracy"] == pytest.approx((0.5 + 5 / 9) / 2)
    assert metrics["first_prediction_accuracy"] == 1.0
    assert metrics["accuracy"] == pytest.approx(3 / 5)
    # positives 0.7, 0.2, 0.8 against negatives 0.5, 0.49: 4 of 6 pairs ordered right
    assert metrics["auc"] == pytest.approx(4 / 6)


@pytest.mark.parametrize("bad", [np.nan, 1.5, -0.1])
def test_skip_table_rejects_probabilities_a_model_should_never_give(bad):
    probabilities = np.zeros((2, MAX_LENGTH))
    probabilities[1, 3] = bad
    with pytest.raises(ValueError, match="within"):
        skip_table(two_sessions(), probabilities)


def test_a_wrong_shape_is_an_error():
    with pytest.raises(ValueError, match="shape"):
        skip_table(two_sessions(), np.zeros((2, 3)))


def test_next_track_lists_never_rank_pad_or_oov_and_an_oov_target_is_a_miss():
    sessions = two_sessions()
    vocabulary = pl.DataFrame({"index": [2, 3, 4, 5], "track_id": ["t2", "t3", "t4", "t5"]})
    track_ids = vocabulary_track_ids(vocabulary, sessions.n_tracks)
    scores = np.array([[9.0, 9.0, 1.0, 3.0, 2.0, 0.0],   # a: t3, t4, t5, t2 (PAD/OOV best but skipped)
                       [0.0, 9.0, 0.0, 0.0, 5.0, 0.0]])  # b: t4 first
    lists = next_track_lists(sessions, scores, track_ids, 2, "m", 0)
    assert lists.filter(pl.col("user") == "a")["item"].to_list() == ["t3", "t4"]
    assert not lists["item"].is_in(["<pad>", OOV_TARGET]).any()
    targets = next_track_targets(sessions, track_ids)
    assert targets["item"].to_list() == ["t4", OOV_TARGET]
    metrics = next_track_metrics(lists, targets, [1, 2], vocabulary_size=4)
    assert metrics["hit_rate@1"] == 0.0
    assert metrics["hit_rate@2"] == 0.5            # a's target at rank 2; b's OOV target a miss
    assert metrics["ndcg@2"] == pytest.approx(0.5 / np.log2(3))
    assert metrics["mrr@2"] == pytest.approx(0.25)
    assert metrics["oov_target_share"] == 0.5


def test_validation_criteria_by_hand():
    sessions = two_sessions()
    probabilities = np.full((2, MAX_LENGTH), 0.5)
    assert skip_log_loss(sessions, probabilities) == pytest.approx(np.log(2))
    scores = np.zeros((2, sessions.n_tracks))
    scores[0, 4] = np.log(3.0)  # a's next track (index 4) has weight 3 among the real tracks 2..5: p = 3/6
    assert next_track_cross_entropy(sessions, scores) == pytest.approx(np.log(2.0)), "b's OOV target is left out"


def test_per_session_tables_by_hand():
    sessions = two_sessions()
    probabilities = np.zeros((2, MAX_LENGTH))
    probabilities[0, 2:4] = [0.7, 0.5]
    probabilities[1, 2:5] = [0.49, 0.2, 0.8]
    metrics, per_session = skip_scores(skip_table(sessions, probabilities))
    values = {(user, metric): value for user, metric, value in per_session.iter_rows()}
    assert values == {("a", "mean_average_accuracy"): pytest.approx(0.5), ("b", "mean_average_accuracy"):
                      pytest.approx(5 / 9), ("a", "first_prediction_accuracy"): 1.0,
                      ("b", "first_prediction_accuracy"): 1.0}
    assert metrics["mean_average_accuracy"] == pytest.approx((0.5 + 5 / 9) / 2)

    vocabulary = pl.DataFrame({"index": [2, 3, 4, 5], "track_id": ["t2", "t3", "t4", "t5"]})
    track_ids = vocabulary_track_ids(vocabulary, sessions.n_tracks)
    scores = np.array([[9.0, 9.0, 1.0, 3.0, 2.0, 0.0], [0.0, 9.0, 0.0, 0.0, 5.0, 0.0]])
    lists = next_track_lists(sessions, scores, track_ids, 2, "m", 0)
    metrics, per_session = next_track_scores(lists, next_track_targets(sessions, track_ids), [2], vocabulary_size=4)
    values = {(user, metric): value for user, metric, value in per_session.iter_rows()}
    assert values == {("a", "hit_rate@2"): 1.0, ("b", "hit_rate@2"): 0.0,  # a's target t4 at rank 2; b's is OOV
                      ("a", "ndcg@2"): pytest.approx(1 / np.log2(3)), ("b", "ndcg@2"): 0.0,
                      ("a", "mrr@2"): 0.5, ("b", "mrr@2"): 0.0}
    assert metrics["mrr@2"] == pytest.approx(0.25) and metrics["coverage@2"] == pytest.approx(3 / 4)
