"""Ranking metrics against hand-computed cases."""

import math

import polars as pl
import pytest

from musicrec.metrics.ranking import (coverage_at_k, dislike_fpr_at_k, dislike_metrics, per_user_at_k,
                                     positive_dislike_auc, ranking_metrics)


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


def test_ndcg_divides_by_the_ideal_dcg_of_min_k_and_relevant_items_not_of_the_hits():
    # One user, 4 relevant items, one hit at rank 3, K = 10. The Yambda reference code took the ideal DCG
    # of the hit mask, so any user with a hit scored 1 (NDCG became the hit rate); the ideal list holds
    # min(10, 4) = 4 relevant items.
    relevant = rel([(1, f"r{j}") for j in range(4)])
    items = ["a", "b", "r0"] + [f"x{j}" for j in range(7)]
    row = per_user_at_k(recs([(1, item, rank) for rank, item in enumerate(items, 1)]), relevant, 10).row(0, named=True)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4) + 1 / math.log2(5)
    assert row["ndcg"] == pytest.approx((1 / math.log2(4)) / idcg)
    assert row["ndcg"] == pytest.approx(0.19519, abs=1e-5) and row["hit_rate"] == 1.0


# Dislikes: user 1 {b, d, z}, user 2 {y} (listed twice), user 3 {q} (no list); user 4 has none.
DISLIKES = rel([(1, "b"), (1, "d"), (1, "z"), (2, "y"), (2, "y"), (3, "q")])


def test_dislike_fpr_is_the_mean_share_of_each_users_dislikes_in_their_top_k():
    assert dislike_fpr_at_k(RECS, DISLIKES, 1) == 0.0  # a and x are not disliked
    assert dislike_fpr_at_k(RECS, DISLIKES, 2) == pytest.approx((1 / 3 + 1 + 0) / 3)
    assert dislike_fpr_at_k(RECS, DISLIKES, 4) == pytest.approx((2 / 3 + 1 + 0) / 3)
    with_stranger = pl.concat([RECS, recs([(4, "b", 1)])])
    assert dislike_fpr_at_k(with_stranger, DISLIKES, 4) == pytest.approx(5 / 9), "only users with dislikes count"


def test_dislike_metrics_at_every_k_and_nan_without_dislikes():
    assert dislike_metrics(RECS, DISLIKES, [4, 1]) == {"dislike_fpr@1": 0.0, "dislike_fpr@4": pytest.approx(5 / 9)}
    assert math.isnan(dislike_fpr_at_k(RECS, DISLIKES.head(0), 10))
    with pytest.raises(ValueError, match="at least 1"):
        dislike_fpr_at_k(RECS, DISLIKES, 0)


def test_positive_dislike_auc_counts_pairs_with_the_unlisted_tail_tied():
    lists = recs([(1, "a", 1), (1, "b", 2), (1, "c", 3), (1, "d", 4), (2, "x", 1), (2, "y", 2)])
    positives = rel([(1, "a"), (1, "c"), (1, "e"), (2, "y"), (3, "q"), (5, "m")])
    dislikes = rel([(1, "b"), (1, "d"), (1, "z"), (2, "x"), (4, "w"), (5, "n")])
    # User 1: a beats b, d, z (3); c beats d and z, loses to b (2); unlisted e loses to b and d, ties the
    # unlisted z (0.5): 5.5 of 9 pairs. User 2: its positive y is below its dislike x: 0. User 5 has no
    # list, so its two items tie: 0.5. Users 3 and 4 lack one of the two sets and are not counted.
    assert positive_dislike_auc(lists, positives, dislikes) == pytest.approx((5.5 / 9 + 0 + 0.5) / 3)


def test_positive_dislike_auc_is_nan_without_a_user_holding_both():
    assert math.isnan(positive_dislike_auc(RECS, rel([(1, "a")]), rel([(2, "y")])))
