"""Ranking metrics against hand-computed cases."""

import math

import polars as pl
import pytest

from musicrec.metrics.ranking import (coverage_at_k, dislike_scores, per_user_at_k, per_user_dislike_fpr,
                                     per_user_metrics, per_user_positive_dislike_auc, ranking_metrics, ranking_scores)


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
    metrics, _ = dislike_scores(RECS, DISLIKES, [4, 2, 1])
    assert metrics["dislike_fpr@1"] == 0.0  # a and x are not disliked
    assert metrics["dislike_fpr@2"] == pytest.approx((1 / 3 + 1 + 0) / 3)
    assert metrics["dislike_fpr@4"] == pytest.approx((2 / 3 + 1 + 0) / 3)
    with_stranger = pl.concat([RECS, recs([(4, "b", 1)])])
    assert dislike_scores(with_stranger, DISLIKES, [4])[0]["dislike_fpr@4"] == pytest.approx(5 / 9), \
        "only users with dislikes count"


def test_dislike_fpr_is_nan_without_dislikes_and_needs_k_of_at_least_1():
    metrics, per_user = dislike_scores(RECS, DISLIKES.head(0), [10])
    assert math.isnan(metrics["dislike_fpr@10"]) and per_user.height == 0
    with pytest.raises(ValueError, match="at least 1"):
        per_user_dislike_fpr(RECS, DISLIKES, 0)


def test_positive_dislike_auc_counts_pairs_with_the_unlisted_tail_tied():
    lists = recs([(1, "a", 1), (1, "b", 2), (1, "c", 3), (1, "d", 4), (2, "x", 1), (2, "y", 2)])
    positives = rel([(1, "a"), (1, "c"), (1, "e"), (2, "y"), (3, "q"), (5, "m")])
    dislikes = rel([(1, "b"), (1, "d"), (1, "z"), (2, "x"), (4, "w"), (5, "n")])
    # User 1: a beats b, d, z (3); c beats d and z, loses to b (2); unlisted e loses to b and d, ties the
    # unlisted z (0.5): 5.5 of 9 pairs. User 2: its positive y is below its dislike x: 0. User 5 has no
    # list, so its two items tie: 0.5. Users 3 and 4 lack one of the two sets and are not counted.
    auc = dict(per_user_positive_dislike_auc(lists, positives, dislikes).iter_rows())
    assert auc == {1: pytest.approx(5.5 / 9), 2: 0.0, 5: 0.5}


def test_positive_dislike_auc_has_no_user_without_both():
    assert per_user_positive_dislike_auc(RECS, rel([(1, "a")]), rel([(2, "y")])).height == 0


def test_per_user_metrics_is_the_long_form_of_per_user_at_k_at_every_k():
    table = per_user_metrics(RECS, REL, [4, 1])
    assert table.columns == ["user", "metric", "value"] and table.height == 3 * 5 * 2
    values = {(user, metric): value for user, metric, value in table.iter_rows()}
    assert values[(1, "recall@4")] == pytest.approx(2 / 3) and values[(1, "hit_rate@1")] == 0.0
    assert values[(2, "map@1")] == 1.0 and values[(3, "ndcg@4")] == 0.0  # user 3 has no list: 0


def test_ranking_scores_means_are_the_per_user_means():
    metrics, per_user = ranking_scores(RECS, REL, [1, 4], catalogue_size=10)
    assert metrics["ndcg@4"] == pytest.approx(per_user.filter(pl.col("metric") == "ndcg@4")["value"].mean())
    assert metrics["map@4"] == pytest.approx(((1 / 2 + 2 / 4) / 3 + 1 + 0) / 3)
    assert "coverage@4" not in set(per_user["metric"])
    empty, none = ranking_scores(RECS, REL.head(0), [1], catalogue_size=10)
    assert none.height == 0 and math.isnan(empty["ndcg@1"]) and empty["coverage@1"] == pytest.approx(0.2)


def test_per_user_dislike_fpr_and_auc_by_hand():
    fpr = dict(per_user_dislike_fpr(RECS, DISLIKES, 2).iter_rows())
    assert fpr == {1: pytest.approx(1 / 3), 2: 1.0, 3: 0.0}  # b of {b, d, z}; y of {y}; q unlisted
    metrics, per_user = dislike_scores(RECS, DISLIKES, [2])
    assert per_user.columns == ["user", "metric", "value"] and set(per_user["metric"]) == {"dislike_fpr@2"}
    assert metrics["dislike_fpr@2"] == pytest.approx((1 / 3 + 1 + 0) / 3)
    # user 1: positive a (rank 1) above dislike b (rank 2): 1; user 2: positive y (2) below dislike x (1): 0
    auc = dict(per_user_positive_dislike_auc(RECS, rel([(1, "a"), (2, "y"), (3, "q")]),
                                             rel([(1, "b"), (2, "x")])).iter_rows())
    assert auc == {1: 1.0, 2: 0.0}, "user 3 has no dislike"
