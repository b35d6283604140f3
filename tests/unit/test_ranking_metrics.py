"""Ranking metrics against hand-computed cases."""

import math

import polars as pl
import pytest

from musicrec.metrics.ranking import coverage_at_k, per_user_at_k, ranking_metrics


def recs(rows):
    return pl.DataFrame(rows, schema=["user", "item", "rank"], orient="row")


def rel(rows):
    return pl.DataFrame(rows, schema=["user", "item"], orient="row")


# User 1: list a, b, c, d; relevant {b, d, z}. User 2: list x, y; relevant {x}. User 3: no list, relevant {q}.
RECS = recs([(1, "a", 1), (1, "b", 2), (1, "c", 3), (1, "d", 4), (2, "x", 1), (2, "y", 2)])
REL = rel([(1, "b"), (1, "d"), (1, "z"), (2, "x"), (3, "q")])


def test_per_user_values_at_k4_by_hand():
    table = per_user_at_k(RECS, REL, 4).sort("user")
    u1, u2, u3 = table.rows(named=True)
    assert u1["hit_rate"] == 1.0 and u1["precision"] == pytest.approx(2 / 4) and u1["recall"] == pytest.approx(2 / 3)
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)  # min(4, 3) = 3 ideal hits
    assert u1["ndcg"] == pytest.approx(dcg / idcg)
    assert u1["map"] == pytest.approx((1 / 2 + 2 / 4) / 3)
    assert u2["hit_rate"] == 1.0 and u2["precision"] == pytest.approx(1 / 4) and u2["recall"] == 1.0
    assert u2["ndcg"] == pytest.approx(1.0) and u2["map"] == pytest.approx(1.0)
    assert (u3["hit_rate"], u3["precision"], u3["recall"], u3["ndcg"], u3["map"]) == (0.0, 0.0, 0.0, 0.0, 0.0)


def test_cutoff_k1_ignores_lower_ranks():
    table = per_user_at_k(RECS, REL, 1).sort("user")
    assert table["hit_rate"].to_list() == [0.0, 1.0, 0.0]
    assert table["ndcg"].to_list() == [0.0, 1.0, 0.0]
    assert table["map"].to_list() == [0.0, 1.0, 0.0]


def test_ideal_dcg_uses_min_of_k_and_relevant():
    # One relevant item at rank 1: NDCG 1 at any K, although K > |R|.
    assert per_user_at_k(recs([(1, "a", 1), (1, "b", 2)]), rel([(1, "a")]), 10)["ndcg"][0] == pytest.approx(1.0)
    # Three relevant, K = 2, hits at ranks 1 and 2: perfect.
    three = rel([(1, "a"), (1, "b"), (1, "c")])
    row = per_user_at_k(recs([(1, "a", 1), (1, "b", 2)]), three, 2).row(0, named=True)
    assert row["ndcg"] == pytest.approx(1.0) and row["map"] == pytest.approx(1.0) and row["recall"] == pytest.approx(2 / 3)


def test_ranking_metrics_means_and_coverage():
    result = ranking_metrics(RECS, REL, [1, 4], catalogue_size=10)
    assert result["hit_rate@4"] == pytest.approx(2 / 3)
    assert result["precision@4"] == pytest.approx((0.5 + 0.25 + 0) / 3)
    assert result["coverage@1"] == pytest.approx(2 / 10)
    assert result["coverage@4"] == pytest.approx(6 / 10)
    assert coverage_at_k(RECS, 2, 4) == pytest.approx(1.0)


def test_duplicate_or_zero_ranks_are_rejected():
    with pytest.raises(ValueError, match="unique"):
        per_user_at_k(recs([(1, "a", 1), (1, "b", 1)]), REL, 2)
    with pytest.raises(ValueError, match="1-based"):
        per_user_at_k(recs([(1, "a", 0)]), REL, 2)
