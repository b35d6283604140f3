"""SASRec: the network (shapes, causal masking, padding, the sampled softmax) and the recommender fitted on
Interactions with ordered sequences (history excluded, users without a sequence, determinism on the CPU,
learning a planted next-item order)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import torch

from musicrec.data import Interactions
from musicrec.errors import InputDataError
from musicrec.models.sasrec import SASRecNetwork, SASRecRecommender

SETTINGS = {"hidden_size": 16, "heads": 2, "layers": 2, "max_length": 8, "dropout": 0.0, "learning_rate": 0.01,
            "batch_size": 16, "epochs": 3, "negatives": 0, "device": "cpu"}
TINY = SASRecRecommender(**SETTINGS)


def cyclic_sequences(n_items: int, n_users: int, length: int, seed: int = 0) -> list[np.ndarray]:
    """Each user walks the catalogue in order from a random start: item i is always followed by i + 1."""
    starts = np.random.default_rng(seed).integers(0, n_items, n_users)
    return [(start + np.arange(length)) % n_items for start in starts]


def sequence_data(sequences: list[np.ndarray], n_items: int) -> Interactions:
    """Users 0..n-1 with the given ordered items (ids = columns 0..n_items-1, every item in the catalogue)."""
    rows = [(u, int(item), position) for u, seq in enumerate(sequences) for position, item in enumerate(seq)]
    ordered = pl.DataFrame(rows, schema=["user_id", "item_id", "position"], orient="row")
    return Interactions.from_frames(ordered.select("user_id", "item_id", pl.lit(1.0).alias("weight")),
                                    items=pl.DataFrame({"item_id": np.arange(n_items)}), sequences=ordered)


def test_network_returns_one_state_per_position():
    torch.manual_seed(0)
    network = SASRecNetwork(20, TINY).eval()
    sequences = torch.tensor([[0, 0, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4, 5, 6, 7, 8]])
    states = network(sequences)
    assert states.shape == (2, 8, TINY.hidden_size)
    assert torch.all(states[0, :2] == 0), "padded positions must be zero vectors"
    assert network.item_logits(states[:, -1]).shape == (2, 20)


def test_a_position_never_sees_later_items():
    torch.manual_seed(0)
    network = SASRecNetwork(20, TINY).eval()
    original = torch.tensor([[0, 1, 2, 3, 4, 5, 6, 7]])
    changed = original.clone()
    changed[0, 5:] = torch.tensor([19, 18, 17])
    with torch.no_grad():
        before, after = network(original), network(changed)
    torch.testing.assert_close(before[0, :5], after[0, :5], rtol=0, atol=0)
    assert not torch.allclose(before[0, 5:], after[0, 5:])


def test_padding_items_do_not_leak_into_real_positions():
    torch.manual_seed(0)
    network = SASRecNetwork(20, TINY).eval()
    with torch.no_grad():
        short = network(torch.tensor([[0, 0, 0, 0, 0, 3, 4, 5]]))
        # a padded slot carries no item, whatever its embedding row holds
        network.item_embedding.weight.data[0] = 5.0
        padded_changed = network(torch.tensor([[0, 0, 0, 0, 0, 3, 4, 5]]))
    torch.testing.assert_close(short[0, 5:], padded_changed[0, 5:], rtol=0, atol=0)


def test_sampled_and_full_softmax_agree_when_every_item_is_a_candidate():
    torch.manual_seed(0)
    network = SASRecNetwork(12, TINY)
    states = torch.randn(5, TINY.hidden_size)
    targets = torch.tensor([1, 4, 7, 12, 3])
    candidates = torch.arange(1, 13)
    full = torch.nn.functional.cross_entropy(network.item_logits(states), targets - 1)
    torch.testing.assert_close(network.next_item_loss(states, targets, candidates), full)


def test_recommendations_exclude_the_history_and_have_k_columns():
    sequences = cyclic_sequences(20, 12, 6)
    data = sequence_data(sequences, 20)
    model = SASRecRecommender(**SETTINGS, seed=1).fit(data)
    columns, scores = model.recommend(np.arange(12), k=5)
    assert columns.shape == scores.shape == (12, 5)
    for seq, top in zip(sequences, columns):
        assert not set(top) & set(seq)
    assert np.all(np.diff(scores, axis=1) <= 0)
    assert model.report()["epochs"] == 3 and model.report()["device"] == "cpu"
    assert model.report()["mixed_precision"] is False


def test_same_seed_gives_identical_scores_on_cpu_and_another_seed_does_not():
    data = sequence_data(cyclic_sequences(20, 12, 6), 20)
    rows = np.arange(12)
    first = SASRecRecommender(**SETTINGS, seed=3).fit(data).score(rows)
    np.testing.assert_array_equal(first, SASRecRecommender(**SETTINGS, seed=3).fit(data).score(rows))
    assert not np.array_equal(first, SASRecRecommender(**SETTINGS, seed=4).fit(data).score(rows))


def test_a_user_with_training_pairs_but_no_sequence_gets_no_list():
    sequences = cyclic_sequences(20, 6, 5)
    rows = [(u, int(item), position) for u, seq in enumerate(sequences) for position, item in enumerate(seq)]
    ordered = pl.DataFrame(rows, schema=["user_id", "item_id", "position"], orient="row")
    data = Interactions.from_frames(ordered.select("user_id", "item_id", pl.lit(1.0).alias("weight")),
                                    items=pl.DataFrame({"item_id": np.arange(20)}),
                                    sequences=ordered.filter(pl.col("user_id") != 5))
    model = SASRecRecommender(**SETTINGS).fit(data)
    columns, scores = model.recommend(np.array([5, -1, 0]), k=3)
    assert (columns[:2] == -1).all() and np.isneginf(scores[:2]).all()
    assert (columns[2] >= 0).all()


def test_learns_a_planted_next_item_order_far_better_than_chance():
    n_items = 30
    train = cyclic_sequences(n_items, 200, 8, seed=0)
    probes = cyclic_sequences(n_items, 100, 5, seed=1)
    data = sequence_data(train + probes, n_items)
    settings = {**SETTINGS, "hidden_size": 32, "layers": 1, "batch_size": 32, "epochs": 15, "negatives": 10}
    model = SASRecRecommender(**settings, seed=0).fit(data)
    columns, _ = model.recommend(np.arange(200, 300), k=1)
    expected = np.array([(p[-1] + 1) % n_items for p in probes])
    hit_rate = float(np.mean(columns[:, 0] == expected))
    chance = 1 / (n_items - 5)
    assert hit_rate > 0.8 > 10 * chance, hit_rate
    assert "10 uniformly sampled negatives" in model.report()["objective"]


def test_hidden_size_must_split_over_heads():
    data = sequence_data(cyclic_sequences(20, 4, 5), 20)
    with pytest.raises(ValueError, match="hidden_size 10 is not divisible by heads 3"):
        SASRecRecommender(**{**SETTINGS, "hidden_size": 10, "heads": 3}).fit(data)


def test_sasrec_needs_sequences_of_two_items():
    train = pl.DataFrame({"user_id": [1, 2], "item_id": [10, 11], "weight": [1.0, 1.0]})
    with pytest.raises(InputDataError, match="^split/train.parquet: this model needs ordered sequences"):
        SASRecRecommender(**SETTINGS).fit(Interactions.from_frames(train, sources={"train": "split/train.parquet"}))
    single = Interactions.from_frames(train.with_columns(pl.Series("timestamp", [5, 6])))
    with pytest.raises(ValueError, match="at least one sequence of two or more items"):
        SASRecRecommender(**SETTINGS).fit(single)


def test_saved_state_dict_reloads_into_a_network_that_scores_the_same(tmp_path):
    data = sequence_data(cyclic_sequences(12, 10, 6), 12)
    model = SASRecRecommender(**SETTINGS).fit(data)
    assert model.save(tmp_path) == ["network.pt"]
    saved = torch.load(tmp_path / "network.pt")
    assert saved["item_ids"].tolist() == data.item_ids.tolist()
    network = SASRecNetwork(12, model)
    network.load_state_dict(saved["state_dict"])
    network.eval()
    sequences = torch.tensor([[0, 0, 1, 2, 3, 4, 5, 6]])
    with torch.no_grad():
        assert torch.equal(network(sequences), model.network_(sequences))
