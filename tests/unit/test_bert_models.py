"""The masked-track BERT pre-training and its two fine-tuned models on planted sessions: the masking rule,
learning (beating popularity and the majority rate), the saved network and its loading by the fine-tuned models
(weights, architecture checks), what each model may see, shapes and CPU determinism."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from musicrec.errors import ConfigError
from musicrec.models.bert import MaskedTrackBERT, hide, mask_positions
from musicrec.models.bert_next import BERTNextTrack
from musicrec.models.bert_skip import BERTSkipModel
from musicrec.models.session_networks import BertNetwork
from musicrec.session_evaluation import skip_log_loss
from musicrec.sessions import FIRST_TRACK, MAX_LENGTH
from musicrec.torch_utils import seeded_generator
from session_fixtures import planted_sessions

N_TRACKS = 40
ARCHITECTURE = {"d_model": 16, "heads": 2, "layers": 1, "dropout": 0.0, "device": "cpu"}
PRETRAIN = {**ARCHITECTURE, "learning_rate": 0.01, "batch_size": 32, "epochs": 4}
FINE_TUNE = {**ARCHITECTURE, "learning_rate": 0.01, "batch_size": 32, "epochs": 3}


@pytest.fixture(scope="module")
def train():
    return planted_sessions(300, n_tracks=N_TRACKS, seed=0, vocabulary_seed=0)


@pytest.fixture(scope="module")
def test_split():
    return planted_sessions(200, n_tracks=N_TRACKS, seed=1, vocabulary_seed=0)


@pytest.fixture(scope="module")
def pretrained(train, test_split, tmp_path_factory):
    """The fitted pre-training and the folder it saved."""
    model = MaskedTrackBERT(**PRETRAIN).fit(train, test_split)
    folder = tmp_path_factory.mktemp("bert")
    assert model.save(folder) == ["bert.pt", "architecture.json"]
    return model, folder


def popular_tracks(train, k: int = 10) -> np.ndarray:
    """The ``k`` most frequent real tracks of the training sessions."""
    counts = np.bincount(train.tracks[train.valid_mask()], minlength=train.n_tracks)
    counts[:FIRST_TRACK] = 0
    return np.argsort(-counts, kind="stable")[:k]


def hit_rate_at_10(scores: np.ndarray, targets: np.ndarray) -> float:
    scores = scores.copy()
    scores[:, :FIRST_TRACK] = -np.inf
    top = np.argsort(-scores, axis=1, kind="stable")[:, :10]
    return float((top == targets[:, None]).any(1).mean())


def test_masking_hides_a_share_of_the_valid_positions_with_their_features():
    lengths = torch.tensor([10, 14, 20, 3])
    valid = torch.arange(MAX_LENGTH).unsqueeze(0) < lengths.unsqueeze(1)
    hidden = mask_positions(valid, 0.2, seeded_generator(0))
    assert hidden.sum(1).tolist() == [2, 3, 4, 1]
    assert not (hidden & ~valid).any()
    assert not torch.equal(hidden, mask_positions(valid, 0.2, seeded_generator(1)))
    tracks, features = hide(torch.full((4, MAX_LENGTH), 5), torch.ones(4, MAX_LENGTH, 3), hidden, 99)
    assert torch.equal(tracks == 99, hidden) and torch.equal(features.sum(-1) == 0, hidden)


def test_pretraining_lowers_its_loss_and_beats_popularity(pretrained, train, test_split):
    model, _ = pretrained
    report = model.report()
    assert report["epoch_losses"][-1] < report["epoch_losses"][0]
    real = test_split.valid_mask() & (test_split.tracks >= FIRST_TRACK)
    popularity = np.isin(test_split.tracks[real], popular_tracks(train)).mean()
    assert report["valid_masked_positions"] > 0
    assert report["valid_masked_accuracy_at_10"] > popularity + 0.1


@pytest.mark.parametrize("cls", [BERTSkipModel, BERTNextTrack])
def test_training_is_early_stopped_on_the_validation_split(cls, pretrained, train, test_split):
    models = [pretrained[0], cls(**FINE_TUNE).fit(train, test_split, pretrained=pretrained[1])]
    for model in models:
        report = model.report()
        assert len(report["epoch_validation"]) == report["epochs"]
        assert report["epoch_validation"][report["best_epoch"] - 1] == min(report["epoch_validation"])


def test_the_kept_weights_are_those_of_the_best_validation_epoch(train, test_split):
    model = BERTSkipModel(**{**FINE_TUNE, "learning_rate": 0.05, "epochs": 4}).fit(train, test_split)
    best = min(model.report()["epoch_validation"])
    assert skip_log_loss(test_split, model.predict(test_split)) == pytest.approx(best, abs=1e-5)


def test_the_saved_network_loads_back_identically(pretrained):
    model, folder = pretrained
    loaded = BertNetwork.load(folder, torch.device("cpu"))
    assert loaded.architecture == model.network_.architecture
    for name, value in model.network_.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], value), name


@pytest.mark.parametrize("cls", [BERTSkipModel, BERTNextTrack])
def test_fine_tuning_starts_from_the_pretrained_weights(cls, pretrained, train, test_split):
    model, folder = pretrained
    started = cls(**{**FINE_TUNE, "epochs": 0}).fit(train, test_split, pretrained=folder)
    scratch = cls(**{**FINE_TUNE, "epochs": 0}).fit(train, test_split)
    saved = model.network_.state_dict()
    for name, value in started.bert_.state_dict().items():
        assert torch.equal(value, saved[name]), name
    weight = "inputs.track_embedding.weight"
    assert not torch.equal(scratch.bert_.state_dict()[weight], saved[weight])
    assert started.report()["initialisation"] == "pretrained" and scratch.report()["initialisation"] == "scratch"


@pytest.mark.parametrize("cls", [BERTSkipModel, BERTNextTrack])
@pytest.mark.parametrize("field,value", [("d_model", 8), ("layers", 2), ("heads", 4)])
def test_an_architecture_mismatch_names_the_field(cls, field, value, pretrained, train, test_split):
    with pytest.raises(ConfigError, match=f"{field} {value} here but"):
        cls(**{**FINE_TUNE, field: value}).fit(train, test_split, pretrained=pretrained[1])


def test_invalid_hyper_parameters_are_config_errors(train, test_split):
    with pytest.raises(ConfigError, match="mask_share"):
        MaskedTrackBERT(**{**PRETRAIN, "mask_share": 1.0}).fit(train, test_split)
    with pytest.raises(ConfigError, match="cut 'last'"):
        BERTNextTrack(**FINE_TUNE, cut="last").fit(train, test_split)
    with pytest.raises(ConfigError, match="not divisible"):
        BERTSkipModel(**{**FINE_TUNE, "d_model": 15}).fit(train, test_split)


def test_skip_model_beats_the_majority_rate_and_sees_no_second_half_log(pretrained, train, test_split, tmp_path):
    model = BERTSkipModel(**FINE_TUNE).fit(train, test_split, pretrained=pretrained[1])
    probabilities = model.predict(test_split)
    assert probabilities.shape == (len(test_split), MAX_LENGTH) and probabilities.dtype == np.float64
    second = test_split.second_half_mask()
    labels = test_split.skips[second]
    majority = max(labels.mean(), 1 - labels.mean())
    assert ((probabilities[second] >= 0.5) == labels).mean() > majority + 0.05

    leaked = test_split.subset(np.arange(len(test_split)))
    leaked.log_features = np.where(test_split.first_half_mask()[:, :, None], test_split.log_features, 1.0)
    leaked.skips = 1 - test_split.skips
    np.testing.assert_array_equal(model.predict(leaked), probabilities)
    assert model.save(tmp_path) == ["network.pt"] and (tmp_path / "network.pt").is_file()


@pytest.mark.parametrize("cut", ["random", "half"])
def test_next_track_beats_popularity_and_sees_nothing_from_the_cut_on(cut, pretrained, train, test_split):
    model = BERTNextTrack(**FINE_TUNE, cut=cut).fit(train, test_split, pretrained=pretrained[1])
    scores = model.score(test_split)
    assert scores.shape == (len(test_split), test_split.n_tracks) and scores.dtype == np.float64
    targets = test_split.next_tracks()
    popularity = np.isin(targets, popular_tracks(train)).mean()
    assert hit_rate_at_10(scores, targets) > popularity + 0.1

    changed = test_split.subset(np.arange(len(test_split)))
    later = ~test_split.first_half_mask()
    changed.tracks = np.where(later & test_split.valid_mask(), FIRST_TRACK, test_split.tracks)
    changed.track_features = np.where(later[:, :, None], 3.0, test_split.track_features).astype(np.float32)
    np.testing.assert_array_equal(model.score(changed), scores)


def test_scratch_twins_are_deterministic_on_the_cpu(train, test_split):
    skips = [BERTSkipModel(**FINE_TUNE, seed=3).fit(train, test_split).predict(test_split) for _ in range(2)]
    np.testing.assert_array_equal(*skips)
    scores = [BERTNextTrack(**FINE_TUNE, seed=3).fit(train, test_split).score(test_split) for _ in range(2)]
    np.testing.assert_array_equal(*scores)
    other = BERTNextTrack(**FINE_TUNE, seed=4).fit(train, test_split).score(test_split)
    assert not np.array_equal(other, scores[0])
    assert BERTNextTrack(**FINE_TUNE).fit(train, test_split).report()["pretrained"] is None


def test_pretraining_is_deterministic_on_the_cpu(pretrained, train, test_split):
    again = MaskedTrackBERT(**PRETRAIN).fit(train, test_split)
    for key in ("epoch_losses", "valid_masked_accuracy_at_10"):
        assert again.report()[key] == pretrained[0].report()[key]
    for name, value in again.network_.state_dict().items():
        assert torch.equal(value, pretrained[0].network_.state_dict()[name]), name
