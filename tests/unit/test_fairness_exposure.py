"""Exposure over generic top-K tables: hand-computed shares, first-group ranks and the random baseline."""

import math

import numpy as np
import polars as pl
import pytest

from musicrec.errors import InputDataError
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
    groups = ITEM_GROUPS.with_columns(pl.col("item").alias("provider"))
    complete = provider_tables(ranked, groups, 2, "female")
    assert set(complete) == {"exposure", "artist_exposure", "first_rank_distribution", "first_rank_summary"}
    # top-2: u gets b, c (male, male); v gets d, a (mixed, female at rank 2)
    assert complete["first_rank_summary"].select("users_with_group", "in_top_k").row(0) == (2, 0.5)
    counts = pl.DataFrame({"user": ["u", "v"], "n_candidates": [3, 2], "n_group": [1, 1]})
    lists_only = provider_tables(ranked, groups, 2, "female", counts)
    assert set(lists_only) == {"exposure", "artist_exposure", "first_rank_in_top_k"}
    assert lists_only["exposure"].equals(complete["exposure"])
    assert lists_only["first_rank_in_top_k"].select("in_top_k", "mean_first_rank_in_top_k").row(0) == (0.5, 2.0)
    with pytest.raises(InputDataError, match="without a candidate set"):
        provider_tables(ranked, groups, 2, "female", counts.filter(pl.col("user") == "u"))


CATALOGUE = pl.DataFrame({"item": ["a", "b", "c", "d"], "group": ["female", "male", "male", "mixed"]})


def test_candidate_shares_exclude_each_users_training_items():
    users = pl.DataFrame({"user": ["u", "v"]})
    # u saw a (female) and b (male); v saw c (male) and x, which is not in the catalogue
    train = pl.DataFrame({"user": ["u", "u", "v", "v"], "item": ["a", "b", "c", "x"]})
    counts = exposure.candidate_group_counts(users, CATALOGUE, train)
    assert counts.rows() == [("u", "female", 0), ("u", "male", 1), ("u", "mixed", 1),
                             ("v", "female", 1), ("v", "male", 1), ("v", "mixed", 1)]
    # u: 0, 1/2, 1/2; v: 1/3 each -> mean over users
    shares = dict(exposure.candidate_shares(counts).iter_rows())
    assert shares == pytest.approx({"female": 1 / 6, "male": 5 / 12, "mixed": 5 / 12})
    assert exposure.candidate_counts(counts, "female").rows() == [("u", 2, 0), ("v", 3, 1)]


def test_candidate_shares_of_the_full_catalogue_are_the_catalogue_shares():
    counts = exposure.candidate_group_counts(pl.DataFrame({"user": ["u", "v"]}), CATALOGUE, None)
    assert dict(exposure.candidate_shares(counts).iter_rows()) == pytest.approx(
        {"female": 0.25, "male": 0.5, "mixed": 0.25})
    assert exposure.candidate_counts(counts, "female").rows() == [("u", 4, 1), ("v", 4, 1)]


def test_a_user_without_candidates_is_left_out_of_the_candidate_shares():
    train = pl.DataFrame({"user": ["u"] * 4 + ["v"], "item": ["a", "b", "c", "d", "a"]})
    counts = exposure.candidate_group_counts(pl.DataFrame({"user": ["u", "v"]}), CATALOGUE, train)
    assert dict(exposure.candidate_shares(counts).iter_rows()) == pytest.approx(
        {"female": 0.0, "male": 2 / 3, "mixed": 1 / 3})


def test_first_rank_in_top_k_hand_computed():
    # k = 2; u: first female at rank 1, v: none in the top 2, w: no female candidate (left out)
    first = pl.DataFrame({"user": ["u", "v", "w"], "first_rank": [1, None, None], "n_candidates": [4, 4, 4],
                          "n_group": [2, 2, 0]})
    row = exposure.first_rank_in_top_k(first, 2).row(0, named=True)
    assert row["users"] == 3 and row["users_with_group"] == 2
    assert row["in_top_k"] == 0.5
    # n = 4, f = 2: P(first at 1) = 3/6, at 2 = 2/6
    assert row["random_in_top_k"] == pytest.approx(5 / 6)
    assert row["mean_first_rank_in_top_k"] == 1.0
    assert row["random_mean_first_rank_in_top_k"] == pytest.approx((1 * 3 / 6 + 2 * 2 / 6) / (5 / 6))


def test_first_rank_in_top_k_against_a_random_order_of_the_full_catalogue():
    # every user ranks the whole catalogue of 5 items, one of them female: P(first at r) = 1/5 for each r
    catalogue = pl.DataFrame({"item": list("abcde"), "group": ["female", "male", "male", "male", "mixed"]})
    users = pl.DataFrame({"user": ["u", "v"]})
    counts = exposure.candidate_counts(exposure.candidate_group_counts(users, catalogue, None), "female")
    lists = pl.DataFrame({"user": ["u", "u", "v", "v"], "item": ["b", "a", "c", "d"], "rank": [1, 2, 1, 2]})
    first = exposure.first_group_rank(lists, catalogue, "female").select("user", "first_rank").join(counts, on="user")
    row = exposure.first_rank_in_top_k(first, 2).row(0, named=True)
    assert row["in_top_k"] == 0.5 and row["mean_first_rank_in_top_k"] == 2.0
    assert row["random_in_top_k"] == pytest.approx(2 / 5)
    assert row["random_mean_first_rank_in_top_k"] == pytest.approx(1.5)


def test_first_rank_in_top_k_without_any_group_candidate():
    first = pl.DataFrame({"user": ["u"], "first_rank": [None], "n_candidates": [3], "n_group": [0]},
                         schema_overrides={"first_rank": pl.Int64})
    assert exposure.first_rank_in_top_k(first, 2).row(0) == (1, 0, None, None, None, None)


def test_pooled_provider_exposure_sums_slots_over_seeds():
    per_seed = pl.DataFrame({"model": ["m"] * 4, "seed": [0, 0, 1, 1], "provider": ["A", "B", "A", "C"],
                             "group": ["female", "male", "female", "male"], "slots": [3, 1, 1, 4]})
    pooled = exposure.pooled_provider_exposure(per_seed)
    assert pooled.select("provider", "slots").rows() == [("A", 4), ("C", 4), ("B", 1)]
    assert pooled["slot_share"].to_list() == pytest.approx([4 / 9, 4 / 9, 1 / 9])


def test_exposure_against_baselines_puts_every_baseline_group_and_its_ratios_beside_the_shares():
    shares = pl.DataFrame({"model": ["m"], "group": ["female"], "slot_share_mean": [0.25],
                           "weighted_share_mean": [0.3]})
    baselines = pl.DataFrame({"source": ["catalogue", "catalogue", "candidates", "candidates"],
                              "group": ["female", "male", "female", "male"], "share": [0.5, 0.5, 0.0, 1.0]})
    table = {r["group"]: r for r in exposure.exposure_against_baselines(shares, baselines).iter_rows(named=True)}
    assert table["female"]["ratio_to_catalogue"] == 0.5
    assert table["female"]["ratio_to_candidates"] is None  # no female candidate: no ratio
    assert table["male"]["slot_share_mean"] == 0.0 and table["male"]["ratio_to_candidates"] == 0.0
    assert "ratio_to_listening" not in table["male"]
