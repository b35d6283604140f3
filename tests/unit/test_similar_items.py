"""The similar-items table (item-item cosine of factor vectors) on hand-made vectors: values, ranks, ties to
the lower id, the item itself and zero vectors left out, the same table for every tile size, agreement
with a dense search, and the factors.npz round trip."""

import math

import numpy as np
import polars as pl
import pytest

from musicrec.data import Interactions
from musicrec.models.factors import FactorRecommender
from musicrec.retrieval.similar_items import from_factors_file, similar_items

# Ids out of order on purpose; 50 has a zero vector. Unit vectors: 10 (1, 0), 20 (1, 1)/sqrt 2, 30 (0, 1),
# 40 (-1, 0). Cosines: 10-20 and 20-30 1/sqrt 2, 10-30 and 30-40 0, 10-40 -1, 20-40 -1/sqrt 2.
IDS = np.array([30, 10, 20, 40, 50])
VECTORS = np.array([[0.0, 2.0], [1.0, 0.0], [3.0, 3.0], [-1.0, 0.0], [0.0, 0.0]])
R = 1 / math.sqrt(2)
EXPECTED = [
    (10, 20, R, 1), (10, 30, 0.0, 2),
    (20, 10, R, 1), (20, 30, R, 2),    # a tie: the lower id first
    (30, 20, R, 1), (30, 10, 0.0, 2),  # 10 and 40 tie at 0: 10
    (40, 30, 0.0, 1), (40, 20, -R, 2),
]


def rows(table):
    return [(a, b, pytest.approx(s, abs=1e-6), r) for a, b, s, r in table.iter_rows()]


@pytest.mark.parametrize("block", [1, 2, 3, 4096])
def test_hand_made_vectors_for_every_tile_size(block):
    table = similar_items(VECTORS, IDS, 2, block=block)
    assert table.columns == ["item_id", "similar_item_id", "score", "rank"]
    assert rows(table) == EXPECTED


def test_n_beyond_the_other_items_gives_every_other_item_with_a_vector():
    table = similar_items(VECTORS, IDS, 10)
    assert table.group_by("item_id").len().sort("item_id").rows() == [(10, 3), (20, 3), (30, 3), (40, 3)]
    assert 50 not in table["similar_item_id"].to_list()
    assert similar_items(VECTORS[:1], IDS[:1], 3).height == 0


def test_identical_vectors_tie_to_the_lowest_ids():
    table = similar_items(np.ones((6, 3)), np.array([5, 3, 1, 0, 4, 2]), 2, block=4)
    assert table.filter(table["item_id"] <= 1).select("item_id", "similar_item_id").rows() == [(0, 1), (0, 2), (1, 0),
                                                                                               (1, 2)]
    assert table.filter(table["item_id"] == 5)["similar_item_id"].to_list() == [0, 1]


def test_agrees_with_a_dense_search_on_random_vectors():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(57, 4)).astype(np.float32)
    ids = rng.permutation(1000)[:57]
    table = similar_items(vectors, ids, 5, block=8)
    order = np.argsort(ids)
    unit = vectors[order] / np.linalg.norm(vectors[order], axis=1, keepdims=True)
    cosines = unit @ unit.T
    np.fill_diagonal(cosines, -np.inf)
    nearest = np.argsort(-cosines, axis=1, kind="stable")[:, :5]
    assert table["item_id"].to_list() == np.repeat(ids[order], 5).tolist()
    assert table["similar_item_id"].to_list() == ids[order][nearest].ravel().tolist()
    np.testing.assert_allclose(table["score"].to_numpy(), np.take_along_axis(cosines, nearest, 1).ravel(), rtol=1e-5)
    assert table["rank"].to_list() == list(range(1, 6)) * 57


class Saved(FactorRecommender):
    def _fit(self, data) -> None:
        self.user_factors_ = np.ones((2, 2), dtype=np.float32)
        self.item_factors_ = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]], dtype=np.float32)


def test_from_the_factors_file_a_factor_model_saves(tmp_path):
    train = pl.DataFrame({"user_id": [7, 7, 8], "item_id": [100, 101, 102], "weight": [1.0, 1.0, 1.0]})
    Saved().fit(Interactions.from_frames(train)).save(tmp_path)
    table = from_factors_file(tmp_path / "factors.npz", 1)
    assert table.select("item_id", "similar_item_id", "rank").rows() == [(100, 101, 1), (101, 100, 1), (102, 101, 1)]


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="n and block must be positive"):
        similar_items(VECTORS, IDS, 0)
