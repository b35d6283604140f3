"""Exposure over generic top-K tables: hand-computed shares, first-group ranks and the random baseline."""

import math

import numpy as np
import polars as pl
import pytest

from musicrec.fairness import exposure
from musicrec.fairness.provider import provider_tables
from musicrec.schema import to_topk

ITEM_GROUPS = pl.DataFrame({"item": ["a", "b", "c", "d"], "group": ["female", "male", "male", "mixed"]})


def scored(rows):
    return pl.DataFrame(rows, schema=["user", "item", "score"], orient="row")


def ranked_songs(frame):
    """Every candidate of each user, ranked (the KKBox path: to_topk without a cut)."""
    return to_topk(frame, None, "m", 0)


def test_ranked_candidates_order_by_score_break_ties_by_item_and_keep_best_duplicate():
    ranked = ranked_songs(scored([("u", "b", 0.5), ("u", "a", 0.5), ("u", "c", 0.9), ("u", "a", 0.1)]))
    assert ranked["item"].to_list() == ["c", "a", "b"]
    assert ranked["rank"].to_list() == [1, 2, 3]
    assert ranked.filter(pl.col("item") == "a")["score"].item() == 0.5


def test_exposure_shares_hand_computed():
    lists = pl.DataFrame({"user": ["u", "u", "v", "v"], "item": ["a", "b", "c", "x"], "rank": [1, 2, 1, 2]})
    shares = {r["group"]: r for r in exposure.exposure_shares(lists, ITEM_GROUPS).iter_rows(named=True)}
    # slots: female 1, male 2, unknown 1 ("x" has no group), mixed 0 (still listed)
    assert shares["female"]["slot_share"] == pytest.approx(0.25)
    assert shares["male"]["slot_share"] == pytest.approx(0.5)
    assert shares["unknown"]["slots"] == 1
    assert shares["mixed"]["slots"] == 0
    # weights 1/log2(rank+1): rank 1 -> 1, rank 2 -> 1/log2(3); total 2 + 2/log2(3)
    w2 = 1 / math.log2(3)
    assert shares["female"]["weighted_share"] == pytest.approx(1 / (2 + 2 * w2))
    assert shares["male"]["weighted_share"] == pytest.approx((w2 + 1) / (2 + 2 * w2))


def test_group_shares_of_catalogue():
    shares = exposure.group_shares(pl.DataFrame({"item": ["a", "b", "c", "d"]}), ITEM_GROUPS)
    assert dict(zip(shares["group"], shares["share"])) == {"female": 0.25, "male": 0.5, "mixed": 0.25}


def test_group_shares_weighted_by_plays():
    plays = pl.DataFrame({"item": ["a", "b", "b", "x"], "plays": [6, 1, 2, 3]})
    shares = exposure.group_shares(plays, ITEM_GROUPS, weight="plays")
    # female 6, male 1 + 2, unknown 3 of 12 plays
    assert dict(zip(shares["group"], shares["n"])) == {"female": 6, "male": 3, "unknown": 3}
    assert dict(zip(shares["group"], shares["share"])) == {"female": 0.5, "male": 0.25, "unknown": 0.25}


def test_first_rank_in_lists_hand_computed():
    lists = pl.DataFrame({"user": ["u", "u", "v", "v", "w", "w"], "item": ["b", "a", "a", "c", "b", "c"],
                          "rank": [1, 2, 1, 2, 1, 2]})
    first = exposure.first_group_rank(lists, ITEM_GROUPS, "female")
    # u: female at 2, v: at 1, w: none -> 2 of 3 users, mean rank 1.5
    assert exposure.first_rank_in_lists(first).row(0) == (3, 2, pytest.approx(2 / 3), 1.5)
    none = exposure.first_group_rank(lists.filter(pl.col("user") == "w"), ITEM_GROUPS, "female")
    assert exposure.first_rank_in_lists(none).row(0) == (1, 0, 0.0, None)


def test_first_group_rank_and_users_with_more_than_k():
    ranked = ranked_songs(scored([
        ("u", "b", 0.9), ("u", "c", 0.8), ("u", "a", 0.1),
        ("v", "b", 0.9), ("v", "d", 0.5),
    ]))
    first = exposure.first_group_rank(ranked, ITEM_GROUPS, "female")
    assert first.rows() == [("u", 3, 3, 1), ("v", None, 2, 0)]
    assert exposure.users_with_more_than(ranked, 2)["user"].unique().to_list() == ["u"]


def test_random_first_rank_probabilities_match_enumeration():
    # n = 4 candidates, f = 2 of the group: P(first at r) over the 6 equally likely position pairs
    probabilities = exposure.random_first_rank_probabilities([4], [2], [1, 2, 3, 4])[0]
    assert probabilities == pytest.approx([3 / 6, 2 / 6, 1 / 6, 0.0])
    assert exposure.random_first_rank_probabilities([3], [0], [1])[0, 0] == 0.0


def test_first_rank_distribution_and_summary():
    first = pl.DataFrame({"user": ["u", "v", "w"], "first_rank": [1, 3, None], "n_candidates": [4, 4, 4],
                          "n_group": [2, 2, 0]})
    dist = exposure.first_rank_distribution(first, k=2)
    assert dist["bucket"].to_list() == ["1", "2", ">2", "none"]
    assert dist["model_share"].to_list() == pytest.approx([1 / 3, 0, 1 / 3, 1 / 3])
    assert dist["random_share"].to_list() == pytest.approx([2 * 0.5 / 3, 2 * (2 / 6) / 3, 2 * (1 / 6) / 3, 1 / 3])
    summary = exposure.first_rank_summary(first, k=2).row(0, named=True)
    assert summary["users_with_group"] == 2
    assert summary["in_top_k"] == 0.5
    assert summary["random_in_top_k"] == pytest.approx(5 / 6)
    assert summary["mean_first_rank"] == 2.0
    assert summary["random_mean_first_rank"] == pytest.approx(5 / 3)  # (n + 1) / (f + 1)
    assert np.isclose(dist["random_share"].sum(), 1.0)


def test_provider_tables_are_one_path_for_complete_candidates_and_top_k_lists():
    ranked = ranked_songs(scored([("u", "a", 0.2), ("u", "b", 0.9), ("u", "c", 0.5), ("v", "d", 0.3), ("v", "a", 0.1)]))
    complete = provider_tables(ranked, ITEM_GROUPS.with_columns(pl.col("item").alias("provider")), 2, "female",
                               complete_candidates=True)
    assert set(complete) == {"exposure", "first_rank", "artist_exposure", "first_rank_distribution",
                             "first_rank_summary"}
    # top-2: u gets b, c (male, male); v gets d, a (mixed, female at rank 2)
    assert complete["first_rank"].row(0) == (2, 1, 0.5, 2.0)
    lists_only = provider_tables(ranked, ITEM_GROUPS.with_columns(pl.col("item").alias("provider")), 2, "female",
                                 complete_candidates=False)
    assert set(lists_only) == {"exposure", "first_rank", "artist_exposure"}
    assert lists_only["exposure"].equals(complete["exposure"])
