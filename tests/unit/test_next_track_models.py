"""The next-track models: popularity and co-occurrence scores computed by hand on toys, PAD and OOV never ranked,
the causal Transformer reading the first half only and beating popularity on planted sessions, the policy's
Plackett-Luce parts, both of its objectives, its reward rising over the epochs, its config errors, and
determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from musicrec.errors import ConfigError
from musicrec.models.base import top_k_columns
from musicrec.models.cooccurrence import SessionCooccurrence
from musicrec.models.next_policy import NextTrackPolicy, gumbel_top_k, plackett_luce_log_probability
from musicrec.models.next_popularity import NextTrackPopularity
from musicrec.models.next_transformer import NextTrackTransformer
from musicrec.session_evaluation import next_track_cross_entropy
from musicrec.sessions import FIRST_TRACK
from session_fixtures import planted_sessions
from test_skip_baselines import toy_sessions

TINY = {"d_model": 16, "heads": 2, "layers": 1, "dropout": 0.0, "learning_rate": 0.01, "batch_size": 32,
        "epochs": 4, "device": "cpu"}
# Real tracks 2..5. Session 1 plays 2, 3, 4 then an OOV track; session 2 plays 3, 4, 5.
TRAIN = toy_sessions([[2, 3, 4, 1], [3, 4, 5]])
# A first half 2, 3 (3 last); and a first half of OOV tracks only.
QUERIES = toy_sessions([[2, 3, 5, 5], [1, 1, 2, 2]])


def test_popularity_scores_are_the_training_play_counts():
    scores = NextTrackPopularity().fit(TRAIN, TRAIN).score(QUERIES)
    np.testing.assert_array_equal(scores, [[-np.inf, -np.inf, 1, 2, 2, 1]] * 2)


@pytest.mark.parametrize("window, alpha, expected", [
    # C[2,3] = C[2,4] = 1, C[3,4] = 2, C[3,5] = C[4,5] = 1; the query weighs track 3 by 1, track 2 by 0.5.
    (0, 0.0, [1.0, 0.5, 2.5, 1.0]),
    # Divided by sqrt(n_i n_j), plays n = 1, 2, 2, 1 for tracks 2..5.
    (0, 0.5, [1 / math.sqrt(2), 0.5 / math.sqrt(2), 1 + 0.5 / math.sqrt(2), 1 / math.sqrt(2)]),
    # Neighbours only: C[2,3] = 1, C[3,4] = 2, C[4,5] = 1 (the OOV position pairs with nothing).
    (1, 0.0, [1.0, 0.5, 2.0, 0.0]),
])
def test_cooccurrence_scores_are_hand_computed(window, alpha, expected):
    scores = SessionCooccurrence(window=window, decay=0.5, alpha=alpha).fit(TRAIN, TRAIN).score(QUERIES)
    tie_break = 1e-6 * np.array([1, 2, 2, 1]) / 2
    np.testing.assert_allclose(scores[0, FIRST_TRACK:], np.array(expected) + tie_break, rtol=1e-12)
    np.testing.assert_allclose(scores[1, FIRST_TRACK:], tie_break, rtol=1e-12)
    assert np.all(scores[:, :FIRST_TRACK] == -np.inf)


def test_cooccurrence_rejects_a_negative_window():
    with pytest.raises(ConfigError, match="window -1"):
        SessionCooccurrence(window=-1).fit(TRAIN, TRAIN)


@pytest.fixture(scope="module")
def planted():
    return planted_sessions(300, 40, seed=0), planted_sessions(300, 40, seed=1)


@pytest.fixture(scope="module")
def transformer(planted):
    return NextTrackTransformer(**TINY).fit(*planted)


@pytest.fixture(scope="module")
def policies(planted):
    return {objective: NextTrackPolicy(objective, **TINY).fit(*planted) for objective in ("reinforce", "supervised")}


def hit_rate_at_10(model, sessions) -> float:
    top, _ = top_k_columns(model.score(sessions), 10)
    return float((top == sessions.next_tracks()[:, None]).any(axis=1).mean())


def fitted_models(planted, transformer, policies) -> list:
    return [NextTrackPopularity().fit(*planted), SessionCooccurrence().fit(*planted), transformer, *policies.values()]


def test_pad_and_oov_are_never_ranked(planted, transformer, policies):
    test = planted[1]
    for model in fitted_models(planted, transformer, policies):
        scores = model.score(test)
        assert scores.shape == (len(test), test.n_tracks) and scores.dtype == np.float64
        assert np.all(scores[:, :FIRST_TRACK] == -np.inf) and np.isfinite(scores[:, FIRST_TRACK:]).all()
        top, _ = top_k_columns(scores, test.n_tracks - FIRST_TRACK)
        assert top.min() >= FIRST_TRACK, type(model).__name__


def test_transformer_and_cooccurrence_beat_popularity(planted, transformer):
    test = planted[1]
    popularity = hit_rate_at_10(NextTrackPopularity().fit(*planted), test)
    assert hit_rate_at_10(transformer, test) > popularity + 0.1
    assert hit_rate_at_10(SessionCooccurrence().fit(*planted), test) > popularity + 0.1


def test_transformer_scores_read_the_first_half_only(planted, transformer):
    test = planted[1]
    changed = test.subset(np.arange(len(test)))
    second = test.second_half_mask()
    changed.tracks = np.where(second, FIRST_TRACK, test.tracks)
    changed.track_features = np.where(second[:, :, None], 0.0, test.track_features).astype(np.float32)
    np.testing.assert_array_equal(transformer.score(changed), transformer.score(test))


def test_transformer_report_and_determinism(planted, transformer):
    report = transformer.report()
    assert report["epochs"] <= TINY["epochs"] and report["epoch_losses"][-1] < report["epoch_losses"][0]
    assert report["device"] == "cpu" and report["mixed_precision"] is False
    again = NextTrackTransformer(**TINY).fit(*planted)
    np.testing.assert_array_equal(again.score(planted[1]), transformer.score(planted[1]))


@pytest.mark.parametrize("objective", ["transformer", "reinforce", "supervised"])
def test_early_stopping_keeps_the_best_epochs_weights(planted, transformer, policies, objective):
    model = transformer if objective == "transformer" else policies[objective]
    report = model.report()
    assert len(report["epoch_validation"]) == report["epochs"] and 1 <= report["best_epoch"] <= report["epochs"]
    kept = next_track_cross_entropy(planted[1], model.score(planted[1]))
    assert kept == pytest.approx(min(report["epoch_validation"]), abs=1e-4)
    assert kept == pytest.approx(report["epoch_validation"][report["best_epoch"] - 1], abs=1e-4)


def test_plackett_luce_log_probability_is_hand_computed():
    logits = torch.log(torch.tensor([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]))
    ranking = torch.tensor([[2, 1], [0, 2]])
    expected = torch.log(torch.tensor([3 / 6 * 2 / 3, 1 / 3 * 1 / 2]))
    torch.testing.assert_close(plackett_luce_log_probability(logits, ranking), expected)


def test_gumbel_top_k_samples_distinct_tracks_with_the_softmax_as_first_pick():
    logits = torch.log(torch.tensor([[1.0, 2.0, 3.0, 4.0]])).expand(4000, -1)
    ranking = gumbel_top_k(logits, 3, torch.Generator().manual_seed(0))
    assert all(len(set(row)) == 3 for row in ranking.tolist())
    first = np.bincount(ranking[:, 0].numpy(), minlength=4) / len(ranking)
    np.testing.assert_allclose(first, [0.1, 0.2, 0.3, 0.4], atol=0.03)
    again = gumbel_top_k(logits, 3, torch.Generator().manual_seed(0))
    torch.testing.assert_close(again, ranking)


def test_reinforce_reward_rises_and_both_objectives_learn(planted, policies):
    test = planted[1]
    popularity = hit_rate_at_10(NextTrackPopularity().fit(*planted), test)
    rewards = policies["reinforce"].report()["epoch_rewards"]
    assert len(rewards) == policies["reinforce"].report()["epochs"] and max(rewards) > rewards[0] + 0.05
    train = planted[0]
    following = [track >= FIRST_TRACK for row, length in zip(train.tracks, train.lengths) for track in row[1:length]]
    for objective, model in policies.items():
        report = model.report()
        assert report["policy_objective"] == objective and report["training_examples"] == sum(following)
    assert hit_rate_at_10(policies["supervised"], test) > popularity + 0.1


def test_the_policy_is_deterministic_and_its_objectives_differ(planted, policies):
    again = NextTrackPolicy("reinforce", **TINY).fit(*planted)
    np.testing.assert_array_equal(again.score(planted[1]), policies["reinforce"].score(planted[1]))
    assert again.report()["epoch_rewards"] == policies["reinforce"].report()["epoch_rewards"]
    assert not np.array_equal(policies["supervised"].score(planted[1]), policies["reinforce"].score(planted[1]))


@pytest.mark.parametrize("settings, message", [
    ({"objective": "q_learning"}, "unknown objective 'q_learning'; choose one of reinforce, supervised"),
    ({"list_length": 41}, "list_length 41 must be 1..40"),
    ({"d_model": 15}, "d_model 15 is not divisible by heads 2"),
])
def test_policy_config_errors(planted, settings, message):
    with pytest.raises(ConfigError, match=message):
        NextTrackPolicy(**{**TINY, **settings}).fit(*planted)
