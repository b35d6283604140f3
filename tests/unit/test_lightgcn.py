"""LightGCN's options against hand cases: weighted edges and their normalisation, dynamic hard negatives,
dislikes as negatives (and not positives), the audio initialisation and regularisation, the cold-start
hold-out and its file, and CPU determinism with every option on."""

import math

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp
import torch

from musicrec import torch_utils
from musicrec.data import Interactions
from musicrec.errors import InputDataError
from musicrec.models.lightgcn import (LightGCNRecommender, audio_projection, edge_matrix, hardest_negatives,
                                      normalised_adjacency)
from planted_data import planted_frames

SMALL = {"embedding_dim": 8, "layers": 2, "batch_size": 64, "learning_rate": 0.01}


def planted(negatives=None) -> Interactions:
    frames = planted_frames()
    return Interactions.from_frames(frames["train"], frames["items"], negatives=negatives)


def captured_batches(monkeypatch) -> list:
    """Patches the shared training loop so that each fit's first-epoch batches (users, items, candidate
    negatives; node ids) are recorded before it trains as usual."""
    seen = []
    original = torch_utils.train_epochs

    def recording(network, optimiser, epochs, batches, loss, device, name):
        seen.append([tuple(t.clone() for t in batch) for batch in batches(0)])
        return original(network, optimiser, epochs, batches, loss, device, name)

    monkeypatch.setattr(torch_utils, "train_epochs", recording)
    return seen


def pairs_of(batches, n_users) -> tuple[set, np.ndarray, np.ndarray]:
    """(positive (row, column) pairs, user rows, candidate columns) of one fit's recorded batches."""
    users = torch.cat([b[0] for b in batches]).numpy()
    items = torch.cat([b[1] for b in batches]).numpy() - n_users
    candidates = torch.cat([b[2] for b in batches]).numpy() - n_users
    return set(zip(users.tolist(), items.tolist())), users, candidates


def test_weighted_adjacency_on_a_3x2_example():
    weights = sp.csr_matrix(np.array([[2, 0], [1, 3], [0, 4]], dtype=np.float32))  # 3 users x 2 items
    # nodes u0, u1, u2, i0, i1 with weighted degrees 2, 4, 4, 3, 7: entry (u, i) = w_ui / sqrt(d_u d_i)
    degree_u, degree_i = [2, 4, 4], [3, 7]
    expected = np.zeros((5, 5), dtype=np.float32)
    for (u, i), w in {(0, 0): 2, (1, 0): 1, (1, 1): 3, (2, 1): 4}.items():
        expected[u, 3 + i] = expected[3 + i, u] = w / math.sqrt(degree_u[u] * degree_i[i])
    np.testing.assert_allclose(normalised_adjacency(edge_matrix(weights, "weight")).toarray(), expected, rtol=1e-6)
    np.testing.assert_allclose(edge_matrix(weights, "log1p").toarray(), np.log1p(weights.toarray()), rtol=1e-6)
    binary = edge_matrix(weights, "binary")
    assert binary.data.tolist() == [1.0] * 4 and weights.data.tolist() == [2, 1, 3, 4], "input left as it was"
    with pytest.raises(ValueError, match="edge_weights"):
        edge_matrix(weights, "squared")


def test_hard_negatives_pick_the_highest_scoring_sampled_item():
    embedding = torch.tensor([[1.0, 0.0], [0.0, 1.0], [3.0, 0.0], [0.0, 2.0], [1.0, 1.0], [-5.0, 5.0]])
    users = torch.tensor([0, 1])
    candidates = torch.tensor([[3, 2, 4], [2, 5, 4]])  # user 0 scores 0, 3, 1; user 1 scores 0, 5, 1
    assert hardest_negatives(embedding, users, candidates).tolist() == [2, 5]


def test_hard_negatives_draw_that_many_candidates_per_pair(monkeypatch):
    seen = captured_batches(monkeypatch)
    data = planted()
    LightGCNRecommender(**SMALL, epochs=1, hard_negatives=5).fit(data)
    _, _, candidates = pairs_of(seen[0], data.n_users)
    assert candidates.shape == (data.matrix.nnz, 5) and (candidates >= 0).all() and (candidates < data.n_items).all()


def test_dislikes_are_negatives_and_not_positives(monkeypatch):
    frames = planted_frames()
    train = frames["train"]
    disliker, other = 100, 101
    # two disliked items of user 100, one of them also a training pair (that pair is dropped)
    trained = train.filter(pl.col("user_id") == disliker)["item_id"][0]
    untrained = next(i for i in frames["items"]["item_id"] if i not in set(train.filter(
        pl.col("user_id") == disliker)["item_id"]))
    negatives = pl.DataFrame({"user_id": [disliker, disliker, 555], "item_id": [trained, untrained, trained]})
    data = planted(negatives)
    assert data.negatives.nnz == 2, "a user without a row is left out"
    seen = captured_batches(monkeypatch)
    model = LightGCNRecommender(**SMALL, epochs=1, dislike_negatives=True).fit(data)
    positives, users, candidates = pairs_of(seen[0], data.n_users)
    row, disliked = data.rows([disliker])[0], set(data.columns([trained, untrained]).tolist())
    assert (row, data.columns([trained])[0]) not in positives
    assert len(positives) == data.matrix.nnz - 1
    mine = candidates[users == row, 0]
    share = np.isin(mine, list(disliked)).mean()
    assert 0.2 < share < 0.8 and set(mine[np.isin(mine, list(disliked))].tolist()) <= disliked
    others = candidates[users == data.rows([other])[0], 0]
    assert np.isin(others, list(disliked)).mean() < 0.5, "another user's negatives stay uniform"
    assert model.report()["epochs"] == 1
    with pytest.raises(InputDataError, match="negatives data part"):
        LightGCNRecommender(**SMALL, epochs=1, dislike_negatives=True).fit(planted())


def test_audio_projection_scales_to_the_init_spread_and_marks_missing_rows():
    features = pl.DataFrame({"item_id": [1, 2, 3, 4], "embed_0": [1.0, 0.0, None, 0.6],
                             "embed_1": [0.0, 1.0, 0.5, 0.8], "other": [9.0, 9.0, 9.0, 9.0]})
    vectors, has = audio_projection(features, "embed_", 5, 0.1, np.random.default_rng(0))
    assert vectors.shape == (4, 5) and has.tolist() == [True, True, False, True]
    assert vectors[2].tolist() == [0.0] * 5 and vectors[has].std() == pytest.approx(0.1, rel=1e-5)
    same, _ = audio_projection(features, "embed_", 2, 0.1, np.random.default_rng(0))
    raw = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    np.testing.assert_allclose(same[has], raw * 0.1 / raw.std(), rtol=1e-5)  # equal sizes: no projection
    with pytest.raises(ValueError, match="audio_"):
        audio_projection(features, "audio_", 2, 0.1, np.random.default_rng(0))


def init_std(data, dim, seed) -> float:
    """The standard deviation of the default (Xavier) layer-0 embeddings of a fit with ``seed``."""
    from torch_geometric.nn.models import LightGCN

    torch.manual_seed(seed)
    return float(LightGCN(data.n_users + data.n_items, dim, SMALL["layers"]).embedding.weight.detach().std())


def test_audio_init_sets_the_layer0_item_rows_from_the_projection():
    data = planted()
    model = LightGCNRecommender(**{**SMALL, "embedding_dim": 16}, epochs=0, item_init="audio", seed=4).fit(data)
    std = init_std(data, 16, seed=4)
    expected, has = audio_projection(data.item_features, "embed_", 16, std, np.random.default_rng(4))
    assert has.all()
    items = model.network_.embedding.weight.detach().numpy()[data.n_users:]
    np.testing.assert_allclose(items, expected, rtol=1e-5, atol=1e-7)
    default = LightGCNRecommender(**{**SMALL, "embedding_dim": 16}, epochs=0, seed=4).fit(data)
    np.testing.assert_array_equal(model.network_.embedding.weight.detach().numpy()[:data.n_users],
                                  default.network_.embedding.weight.detach().numpy()[:data.n_users])


def test_audio_regularisation_keeps_item_embeddings_near_the_audio():
    data = planted()

    def distance(strength):
        model = LightGCNRecommender(**SMALL, epochs=5, item_init="audio", audio_regularization=strength).fit(data)
        target, _ = audio_projection(data.item_features, "embed_", 8, init_std(data, 8, seed=0),
                                     np.random.default_rng(0))
        items = model.network_.embedding.weight.detach().numpy()[data.n_users:]
        return np.linalg.norm(items - target)

    assert distance(10.0) < 0.5 * distance(0.0)


def test_cold_hold_out_removes_exactly_the_held_out_items_edges_and_writes_them(monkeypatch, tmp_path):
    data = planted()
    seen = captured_batches(monkeypatch)
    model = LightGCNRecommender(**SMALL, epochs=1, cold_start_share=0.25).fit(data)
    held_out = model.held_out_
    with_pairs = int((data.item_counts() > 0).sum())  # every planted item has an embedding
    assert len(held_out) == round(0.25 * with_pairs) and len(set(held_out.tolist())) == len(held_out)
    assert (data.item_counts()[held_out] > 0).all()
    positives, _, _ = pairs_of(seen[0], data.n_users)
    pairs = data.binary.tocoo()
    kept = {(u, i) for u, i in zip(pairs.row.tolist(), pairs.col.tolist()) if i not in set(held_out.tolist())}
    assert positives == kept
    assert model.report()["held_out_items"] == len(held_out)
    assert "held_out_items.parquet" in model.save(tmp_path)
    written = pl.read_parquet(tmp_path / "held_out_items.parquet")
    assert written.columns == ["item_id"] and written["item_id"].to_list() == data.item_ids[held_out].tolist()
    assert "held_out_items.parquet" not in LightGCNRecommender(**SMALL, epochs=1).fit(data).save(tmp_path / "warm")


def test_a_seed_gives_identical_factors_on_the_cpu_with_every_option_on():
    negatives = pl.DataFrame({"user_id": [100, 103], "item_id": [1001, 1002]})
    settings = {**SMALL, "epochs": 3, "edge_weights": "log1p", "hard_negatives": 4, "dislike_negatives": True,
                "item_init": "audio", "audio_regularization": 0.1, "cold_start_share": 0.1, "device": "cpu"}
    first = LightGCNRecommender(**settings, seed=5).fit(planted(negatives))
    second = LightGCNRecommender(**settings, seed=5).fit(planted(negatives))
    np.testing.assert_array_equal(first.item_factors_, second.item_factors_)
    np.testing.assert_array_equal(first.user_factors_, second.user_factors_)
    np.testing.assert_array_equal(first.held_out_, second.held_out_)
    other = LightGCNRecommender(**settings, seed=6).fit(planted(negatives))
    assert not np.array_equal(first.item_factors_, other.item_factors_)
