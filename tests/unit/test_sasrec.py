"""SASRec: shapes, causal masking, padding, determinism on the CPU, and learning a planted order."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from musicrec.models.sasrec import SASRecModel, SASRecNetwork, SASRecParams

TINY = SASRecParams(hidden_size=16, heads=2, layers=2, max_length=8, dropout=0.0, learning_rate=0.01,
                    batch_size=16, epochs=3, negatives=0)


def cyclic_sequences(n_items: int, n_users: int, length: int, seed: int = 0) -> list[np.ndarray]:
    """Each user walks the catalogue in order from a random start: item i is always followed by i + 1."""
    starts = np.random.default_rng(seed).integers(0, n_items, n_users)
    return [(start + np.arange(length)) % n_items for start in starts]


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
    model = SASRecModel(20, TINY, seed=1).fit(sequences)
    items, scores = model.recommend(sequences, k=5)
    assert items.shape == scores.shape == (12, 5)
    for seq, top in zip(sequences, items):
        assert not set(top) & set(seq)
    assert np.all(np.diff(scores, axis=1) <= 0)


def test_same_seed_gives_identical_outputs_on_cpu():
    sequences = cyclic_sequences(20, 12, 6)
    first = SASRecModel(20, TINY, seed=3).fit(sequences).recommend(sequences, k=5)
    second = SASRecModel(20, TINY, seed=3).fit(sequences).recommend(sequences, k=5)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    other = SASRecModel(20, TINY, seed=4).fit(sequences).recommend(sequences, k=5)
    assert not np.array_equal(first[1], other[1])


def test_learns_a_planted_next_item_order_far_better_than_chance():
    n_items = 30
    train = cyclic_sequences(n_items, 200, 8, seed=0)
    params = SASRecParams(hidden_size=32, heads=2, layers=1, max_length=8, dropout=0.0, learning_rate=0.01,
                          batch_size=32, epochs=15, negatives=10)
    model = SASRecModel(n_items, params, seed=0).fit(train)
    probes = cyclic_sequences(n_items, 100, 5, seed=1)
    items, _ = model.recommend(probes, k=1)
    expected = np.array([(p[-1] + 1) % n_items for p in probes])
    hit_rate = float(np.mean(items[:, 0] == expected))
    chance = 1 / (n_items - 5)
    assert hit_rate > 0.8 > 10 * chance, hit_rate


def test_hidden_size_must_split_over_heads():
    with pytest.raises(ValueError, match="divisible"):
        SASRecParams(hidden_size=10, heads=3)
