"""Candidate tables of the re-rankers: the union of generators' lists with their scores and ranks, labels,
and the candidate recall."""

import polars as pl
import pytest

from musicrec.candidates import candidate_table, recall_of, with_generator_statistics, with_labels


def topk(rows, model) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["user", "item", "score", "rank"], orient="row").with_columns(
        pl.lit(model).alias("model"), pl.lit(0).alias("seed"))


LISTS = {
    "als": topk([(1, 10, 0.9, 1), (1, 11, 0.8, 2), (1, 12, 0.7, 3), (2, 10, 0.5, 1)], "als"),
    "pop": topk([(1, 12, 30.0, 1), (1, 13, 20.0, 2), (2, 14, 9.0, 1), (2, 10, 8.0, 2)], "pop"),
}


def test_candidate_table_is_the_union_of_each_generators_first_items():
    table = candidate_table(LISTS, {"als": 2, "pop": 2})
    assert table.columns == ["user_id", "item_id", "als_score", "als_rank", "pop_score", "pop_rank"]
    # als contributes its first 2 items per user: (1, 12) comes from pop only
    assert table.rows() == [
        (1, 10, 0.9, 1, None, 3),
        (1, 11, 0.8, 2, None, 3),
        (1, 12, None, 3, 30.0, 1),
        (1, 13, None, 3, 20.0, 2),
        (2, 10, 0.5, 1, 8.0, 2),
        (2, 14, None, 3, 9.0, 1),
    ]


def test_a_pair_a_generator_did_not_propose_gets_its_depth_plus_one():
    table = candidate_table(LISTS, {"als": 3, "pop": 1})
    ranks = table.select("user_id", "item_id", "als_rank", "pop_rank").rows()
    assert {(u, i): (a, p) for u, i, a, p in ranks} == {
        (1, 10): (1, 2), (1, 11): (2, 2), (1, 12): (3, 1), (2, 10): (1, 2), (2, 14): (4, 1)}


def test_a_single_generator_table():
    table = candidate_table({"als": LISTS["als"]}, {"als": 1})
    assert table.rows() == [(1, 10, 0.9, 1), (2, 10, 0.5, 1)]


TARGETS = pl.DataFrame({"user": [1, 1, 2, 3], "item": [12, 99, 14, 10]})


def test_labels_mark_the_target_pairs():
    labelled = with_labels(candidate_table(LISTS, {"als": 2, "pop": 2}), TARGETS.vstack(TARGETS.head(1)))
    assert labelled.select("user_id", "item_id", "label").rows() == [
        (1, 10, 0), (1, 11, 0), (1, 12, 1), (1, 13, 0), (2, 10, 0), (2, 14, 1)]  # a repeated target counts once


def test_recall_is_the_share_of_target_pairs_among_the_candidates():
    assert recall_of(candidate_table(LISTS, {"als": 2, "pop": 2}), TARGETS) == pytest.approx(2 / 4)
    assert recall_of(candidate_table(LISTS, {"als": 1, "pop": 1}), TARGETS) == pytest.approx(2 / 4)
    assert recall_of(candidate_table({"als": LISTS["als"]}, {"als": 3}), TARGETS) == pytest.approx(1 / 4)
    assert recall_of(candidate_table(LISTS, {"als": 2, "pop": 2}), TARGETS.head(0)) == 0.0


def test_generator_statistics_by_hand():
    table = with_generator_statistics(candidate_table(LISTS, {"als": 2, "pop": 2}), {"als": 2, "pop": 2})
    rows = {(r["user_id"], r["item_id"]): r for r in table.iter_rows(named=True)}
    # user 1's als scores 0.9, 0.8 (mean 0.85, sample std 0.0707); (1, 12) was not proposed by als
    assert rows[(1, 10)]["als_gap"] == pytest.approx(0.0) and rows[(1, 11)]["als_gap"] == pytest.approx(-0.1)
    assert rows[(1, 10)]["als_z"] == pytest.approx(0.05 / 0.0707107, rel=1e-5)
    assert rows[(1, 12)]["als_gap"] is None and rows[(1, 12)]["pop_gap"] == pytest.approx(0.0)
    # user 2 has one als score: no spread, z = 0
    assert rows[(2, 10)]["als_z"] == 0.0 and rows[(2, 14)]["als_z"] is None
    assert rows[(2, 10)]["generators_proposing"] == 2 and rows[(1, 13)]["generators_proposing"] == 1
    # reciprocal ranks; a pair a generator did not propose counts 1 / (depth + 1)
    assert rows[(2, 10)]["reciprocal_rank_sum"] == pytest.approx(1 + 1 / 2)
    assert rows[(1, 13)]["reciprocal_rank_sum"] == pytest.approx(1 / 3 + 1 / 2)
