"""The torch skip models (LSTM encoder-decoder, Transformer with and without a pre-trained BERT, the skip
policy by REINFORCE and supervised) on planted sessions: shapes and probabilities, no reading of the second
half's labels, no track ids by default (and a vocabulary embedding with ``track_ids``), learning beats the
majority class, CPU determinism, early stopping keeps the best epoch, the BERT loaded, frozen or fine-tuned,
the artefacts and report, and the config errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from musicrec.errors import ConfigError
from musicrec.models.session_networks import BertNetwork
from musicrec.models.skip_lstm import LSTMSkipModel, shifted
from musicrec.models.skip_policy import SkipPolicyModel, remaining_steps_baseline, returns_to_go
from musicrec.models.skip_transformer import TransformerSkipModel
from musicrec.session_evaluation import skip_log_loss
from musicrec.sessions import FIRST_TRACK, MAX_LENGTH
from session_fixtures import planted_sessions

TRAINING = {"learning_rate": 0.01, "batch_size": 32, "epochs": 4, "device": "cpu"}
SMALL = {
    "lstm": (LSTMSkipModel, {"hidden": 16, **TRAINING}),
    "transformer": (TransformerSkipModel, {"d_model": 16, "heads": 2, "layers": 1, **TRAINING}),
    "policy_reinforce": (SkipPolicyModel, {"objective": "reinforce", "hidden": 16, **TRAINING}),
    "policy_supervised": (SkipPolicyModel, {"objective": "supervised", "hidden": 16, **TRAINING}),
}


@pytest.fixture(scope="module")
def train():
    return planted_sessions(300, 40, seed=0, vocabulary_seed=0)


@pytest.fixture(scope="module")
def test_split():
    return planted_sessions(300, 40, seed=1, vocabulary_seed=0)


@pytest.fixture(scope="module")
def fitted(train):
    return {name: cls(**params).fit(train, None) for name, (cls, params) in SMALL.items()}


@pytest.fixture(scope="module")
def bert_folder(train, tmp_path_factory):
    torch.manual_seed(1)
    folder = tmp_path_factory.mktemp("bert")
    BertNetwork(train.n_tracks, d_model=16, heads=2, layers=1).save(folder)
    return folder


def accuracy(sessions, probabilities) -> float:
    second = sessions.second_half_mask()
    return float(((probabilities[second] >= 0.5) == sessions.skips[second].astype(bool)).mean())


@pytest.mark.parametrize("name", SMALL)
def test_probabilities_at_the_second_half_only(fitted, test_split, name):
    probabilities = fitted[name].predict(test_split)
    assert probabilities.shape == (len(test_split), MAX_LENGTH) and probabilities.dtype == np.float64
    assert np.all(np.isfinite(probabilities)) and probabilities.min() >= 0 and probabilities.max() <= 1
    assert np.all(probabilities[~test_split.second_half_mask()] == 0)
    assert np.all(probabilities[test_split.second_half_mask()] > 0)


@pytest.mark.parametrize("name", SMALL)
def test_the_second_half_labels_are_not_read(fitted, test_split, name):
    changed = test_split.subset(np.arange(len(test_split)))
    second = test_split.second_half_mask()
    changed.skips = np.where(second, 1 - test_split.skips, test_split.skips).astype(np.int8)
    changed.log_features = np.where(second[:, :, None], 1.0, test_split.log_features).astype(np.float32)
    np.testing.assert_array_equal(fitted[name].predict(test_split), fitted[name].predict(changed))


@pytest.mark.parametrize("name", SMALL)
def test_without_track_ids_the_predictions_ignore_them(fitted, test_split, name):
    relabelled = test_split.subset(np.arange(len(test_split)))
    real = test_split.tracks >= FIRST_TRACK
    rotated = FIRST_TRACK + (test_split.tracks - FIRST_TRACK + 1) % (test_split.n_tracks - FIRST_TRACK)
    relabelled.tracks = np.where(real, rotated, test_split.tracks).astype(test_split.tracks.dtype)
    assert fitted[name].network_.encoder_inputs.track_embedding.num_embeddings == 1
    np.testing.assert_array_equal(fitted[name].predict(test_split), fitted[name].predict(relabelled))


def test_track_ids_give_a_vocabulary_embedding(train):
    cls, params = SMALL["lstm"]
    model = cls(**{**params, "epochs": 1}, track_ids=True).fit(train.subset(np.arange(100)), None)
    assert model.network_.decoder_inputs.track_embedding.num_embeddings == train.n_tracks


@pytest.mark.parametrize("name", SMALL)
def test_learning_beats_the_majority_class(fitted, test_split, name):
    share = test_split.skips[test_split.second_half_mask()].mean()
    majority = max(share, 1 - share)
    assert accuracy(test_split, fitted[name].predict(test_split)) > majority + 0.05


@pytest.mark.parametrize("name", SMALL)
def test_same_seed_same_predictions_on_cpu(train, test_split, name):
    cls, params = SMALL[name]
    small = train.subset(np.arange(100))
    first, second = (cls(**{**params, "epochs": 1}, seed=3).fit(small, None).predict(test_split) for _ in range(2))
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("name", SMALL)
def test_report_and_artefacts(fitted, tmp_path, name):
    report = json.loads(json.dumps(fitted[name].report()))
    assert len(report["epoch_losses"]) == TRAINING["epochs"] and report["device"] == "cpu"
    assert report["mixed_precision"] is False and report["objective"]
    assert fitted[name].save(tmp_path) == ["network.pt"]
    state = torch.load(tmp_path / "network.pt", weights_only=True)
    assert state.keys() == fitted[name].network_.state_dict().keys()


@pytest.mark.parametrize("name", ["lstm", "policy_reinforce"])
def test_early_stopping_keeps_the_best_epoch(train, test_split, name):
    cls, params = SMALL[name]
    model = cls(**{**params, "epochs": 5}).fit(train.subset(np.arange(150)), test_split)
    report = model.report()
    assert len(report["epoch_validation"]) == report["epochs"] <= 5
    assert report["epoch_validation"][report["best_epoch"] - 1] == min(report["epoch_validation"])
    assert skip_log_loss(test_split, model.predict(test_split)) == pytest.approx(min(report["epoch_validation"]),
                                                                                 abs=1e-5)


def fit_augmented(train, folder, fine_tune: bool) -> TransformerSkipModel:
    _, params = SMALL["transformer"]
    return TransformerSkipModel(**{**params, "epochs": 1}, fine_tune_bert=fine_tune).fit(
        train.subset(np.arange(100)), None, pretrained=folder)


def bert_changes(model, folder) -> list[bool]:
    saved = torch.load(folder / "bert.pt", weights_only=True)
    return [not torch.equal(value, saved[key]) for key, value in model.network_.bert.state_dict().items()]


def test_a_frozen_bert_is_loaded_and_unchanged(train, test_split, bert_folder):
    model = fit_augmented(train, bert_folder, fine_tune=False)
    assert not any(bert_changes(model, bert_folder))
    assert not model.network_.bert.training and not any(p.requires_grad for p in model.network_.bert.parameters())
    report = model.report()
    assert report["bert_augmented"] and not report["fine_tune_bert"]
    assert report["bert_architecture"] == {"n_tracks": train.n_tracks, "d_model": 16, "heads": 2, "layers": 1,
                                           "dropout": 0.1}
    plain = TransformerSkipModel(**{**SMALL["transformer"][1], "epochs": 1}).fit(train.subset(np.arange(100)))
    assert plain.report()["bert_augmented"] is False
    assert not np.array_equal(model.predict(test_split), plain.predict(test_split))


def test_a_fine_tuned_bert_is_trained(train, bert_folder):
    model = fit_augmented(train, bert_folder, fine_tune=True)
    assert any(bert_changes(model, bert_folder))
    assert model.report()["fine_tune_bert"] is True


def test_a_bert_of_another_vocabulary_is_refused(bert_folder):
    other = planted_sessions(100, 30, seed=0, vocabulary_seed=0)
    with pytest.raises(ConfigError, match="n_tracks"):
        fit_augmented(other, bert_folder, fine_tune=False)


def test_config_errors(train):
    with pytest.raises(ConfigError, match="objective 'q_learning' is not one of reinforce, supervised"):
        SkipPolicyModel(objective="q_learning").fit(train, None)
    with pytest.raises(ConfigError, match="d_model 30 is not divisible by heads 4"):
        TransformerSkipModel(d_model=30, heads=4).fit(train, None)


def test_shifting_moves_each_second_half_to_the_start_and_back():
    x = torch.arange(10).view(2, 5)
    offsets = torch.tensor([2, 3])
    np.testing.assert_array_equal(shifted(x, offsets).numpy(), [[2, 3, 4, 4, 4], [8, 9, 9, 9, 9]])
    back = shifted(shifted(x, offsets), -offsets)
    np.testing.assert_array_equal(back[0, 2:].numpy(), x[0, 2:].numpy())
    np.testing.assert_array_equal(back[1, 3:].numpy(), x[1, 3:].numpy())


def test_returns_to_go_discount_later_rewards():
    rewards = torch.tensor([[1.0, 0.0, 1.0, 1.0]])
    expected = [[1 + 0.5 ** 2 + 0.5 ** 3, 0.5 + 0.25, 1.5, 1.0]]
    torch.testing.assert_close(returns_to_go(rewards, 0.5), torch.tensor(expected))


def test_the_baseline_averages_the_returns_with_as_many_steps_left():
    returns = torch.tensor([[0.0, 3.0, 1.0, 0.0], [0.0, 0.0, 5.0, 2.0]])
    batch = {"lengths": torch.tensor([3, 4]), "second": torch.tensor([[False, True, True, False],
                                                                     [False, False, True, True]])}
    baseline = remaining_steps_baseline(returns, batch)
    # steps left: row 0 positions 1, 2 -> 2, 1; row 1 positions 2, 3 -> 2, 1
    torch.testing.assert_close(baseline[batch["second"]], torch.tensor([4.0, 1.5, 4.0, 1.5]))
