"""The skip baselines: the smoothed per-track skip rate (hand-computed on a toy), the logistic model's features
(hand-computed), that it never reads the second half's labels, and that it beats the per-track rate on planted
sessions whose skips depend on earlier skips and off-taste tracks."""

from __future__ import annotations

import numpy as np
import pytest

from musicrec.models.skip_logistic import LogisticSkipModel, feature_names, skip_features
from musicrec.models.skip_rate import SkipRateBaseline, track_skip_rates
from musicrec.sessions import MAX_LENGTH, TRACK_FEATURES, Sessions, log_feature_names
from session_fixtures import planted_sessions

SKIP_2 = log_feature_names().index("skip_2")


def toy_sessions(tracks: list[list[int]], skips: list[list[int]] | None = None,
                 first_lengths: list[int] | None = None, n_tracks: int = 6,
                 vocabulary_features: np.ndarray | None = None) -> Sessions:
    """Sessions of the given vocabulary indices (skips 0 unless given; first halves floor(length / 2) unless
    given); the first half's skip_2 log field is its skip, track features are the vocabulary's rows (zeros
    unless given)."""
    n = len(tracks)
    lengths = np.array([len(t) for t in tracks])
    padded = np.zeros((n, MAX_LENGTH), dtype=np.int64)
    labels = np.zeros((n, MAX_LENGTH), dtype=np.int8)
    for row, session in enumerate(tracks):
        padded[row, :len(session)] = session
        labels[row, :len(session)] = skips[row] if skips else 0
    first = np.array(first_lengths) if first_lengths is not None else lengths // 2
    vocabulary = (np.zeros((n_tracks, len(TRACK_FEATURES)), dtype=np.float32) if vocabulary_features is None
                  else vocabulary_features.astype(np.float32))
    log_features = np.zeros((n, MAX_LENGTH, len(log_feature_names())), dtype=np.float32)
    log_features[:, :, SKIP_2] = labels * (np.arange(MAX_LENGTH)[None, :] < first[:, None])
    return Sessions(session_ids=np.array([f"toy{i}" for i in range(n)]),
                    dates=np.full(n, np.datetime64("2018-07-14", "D")), tracks=padded,
                    lengths=lengths.astype(np.int64), first_lengths=first.astype(np.int64), skips=labels,
                    log_features=log_features, track_features=vocabulary[padded] * (padded > 0)[:, :, None],
                    vocabulary_features=vocabulary)


# Nine positions, four skips: global rate 4/9. Track 2: 2 skips in 3 plays, track 3: 1 in 3, track 4: 1 in 2,
# OOV: 0 in 1, PAD and track 5: never played.
TOY = toy_sessions([[2, 3, 2, 1], [3, 3, 4], [2, 4]], [[1, 0, 1, 0], [1, 0, 0], [0, 1]])


def test_skip_rate_shrinks_each_tracks_rate_to_the_global_rate():
    rates, global_rate = track_skip_rates(TOY, smoothing=2.0)
    prior = 2.0 * 4 / 9
    assert global_rate == pytest.approx(4 / 9)
    np.testing.assert_allclose(rates, [4 / 9, prior / 3, (2 + prior) / 5, (1 + prior) / 5, (1 + prior) / 4, 4 / 9])


def test_without_smoothing_the_rate_is_the_raw_share_and_unplayed_rows_get_the_global_rate():
    rates, _ = track_skip_rates(TOY, smoothing=0.0)
    np.testing.assert_allclose(rates, [4 / 9, 0.0, 2 / 3, 1 / 3, 1 / 2, 4 / 9])


def test_skip_rate_predicts_the_rate_of_each_positions_track():
    model = SkipRateBaseline(smoothing=2.0).fit(TOY, TOY)
    predicted = model.predict(TOY)
    assert predicted.shape == (3, MAX_LENGTH)
    np.testing.assert_allclose(predicted[0, :4], model.rates_[[2, 3, 2, 1]])
    assert model.report()["training_positions"] == 9


def test_logistic_features_of_a_toy_session_are_hand_computed():
    vocabulary = np.zeros((6, len(TRACK_FEATURES)))
    vocabulary[2, 0], vocabulary[3, 0], vocabulary[4, 1] = 1.0, 3.0, 2.0
    session = toy_sessions([[2, 3, 4, 2]], [[0, 1, 1, 0]], vocabulary_features=vocabulary)
    rates = np.arange(6) / 10
    features, (rows, positions) = skip_features(session, rates)
    column = {name: features[:, i] for i, name in enumerate(feature_names())}
    assert features.shape == (2, len(feature_names())) and positions.tolist() == [2, 3]
    np.testing.assert_allclose(column["relative_position"], [0.0, 0.25])
    np.testing.assert_allclose(column["position"], [2 / MAX_LENGTH, 3 / MAX_LENGTH])
    np.testing.assert_allclose(column["first_half_mean_skip_2"], [0.5, 0.5])
    np.testing.assert_allclose(column["first_half_last_skip_2"], [1.0, 1.0])
    np.testing.assert_allclose(column[f"first_half_mean_track_{TRACK_FEATURES[0]}"], [2.0, 2.0])
    np.testing.assert_allclose(column["off_taste_distance"], [np.hypot(2.0, 2.0), 1.0])
    np.testing.assert_allclose(column["track_skip_rate"], [0.4, 0.2])


@pytest.fixture(scope="module")
def planted():
    return planted_sessions(400, 40, seed=0), planted_sessions(300, 40, seed=1)


def accuracy(model, sessions) -> float:
    second = sessions.second_half_mask()
    return float(((model.predict(sessions)[second] >= 0.5) == sessions.skips[second]).mean())


def test_logistic_beats_the_per_track_rate_on_planted_sessions(planted):
    train, test = planted
    logistic = LogisticSkipModel().fit(train, test)
    baseline = accuracy(SkipRateBaseline().fit(train, test), test)
    assert accuracy(logistic, test) > baseline + 0.01
    report = logistic.report()
    assert report["training_rows"] == int(train.second_half_mask().sum())
    assert len(report["feature_names"]) == len(report["coefficients"]) == len(feature_names())


def test_logistic_reads_neither_the_second_halfs_labels_nor_anything_outside_it(planted):
    train, test = planted
    model = LogisticSkipModel().fit(train, test)
    predicted = model.predict(test)
    hidden = test.subset(np.arange(len(test)))
    hidden.skips = np.where(test.second_half_mask(), 1 - test.skips, test.skips).astype(np.int8)
    np.testing.assert_array_equal(model.predict(hidden), predicted)
    assert np.all(predicted[~test.second_half_mask()] == 0)
    second = predicted[test.second_half_mask()]
    assert np.all((second > 0) & (second < 1))
