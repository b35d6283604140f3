"""The evaluation splits as pure functions: per-user random (Last.fm), global temporal with a gap (Yambda),
row-order tail (KKBox)."""

import numpy as np
import polars as pl
import pytest

from musicrec.splits import global_temporal, per_user_random, row_order_tail


def pairs_of(counts: dict[int, int], dtype=pl.Int64) -> pl.DataFrame:
    """User u holds items 0..counts[u]-1, weight = 10 x user + item."""
    rows = [(u, i, 10 * u + i) for u, n in counts.items() for i in range(n)]
    return pl.DataFrame(rows, schema={"user_id": dtype, "item_id": pl.Int64, "weight": pl.Int64}, orient="row")


def keys(frame: pl.DataFrame) -> set[tuple]:
    return set(frame.select("user_id", "item_id").iter_rows())


def test_per_user_random_partitions_the_pairs_and_holds_out_the_rounded_share():
    pairs = pairs_of({1: 10, 2: 3, 3: 7, 4: 5, 5: 12})
    parts = per_user_random(pairs, test_fraction=0.3, min_items=5, cold_users=0, seed=1)
    train, test = parts["train"], parts["test"]
    assert keys(train) | keys(test) == keys(pairs) and not keys(train) & keys(test)
    assert train.height + test.height == pairs.height
    # held out per user: max(1, round(0.3 n)); user 2 (3 < 5 items) keeps every pair in train
    held = dict(test.group_by("user_id").len().iter_rows())
    assert held == {1: 3, 3: 2, 4: 2, 5: 4}
    assert parts["too_few"]["user_id"].to_list() == [2]
    assert parts["cold_users"].height == 0
    assert train.columns == test.columns == ["user_id", "item_id", "weight"]
    assert (test["weight"] == 10 * test["user_id"] + test["item_id"]).all()  # rows travel whole


def test_per_user_random_holds_out_at_least_one_item():
    parts = per_user_random(pairs_of({1: 5, 2: 6}), test_fraction=0.01, min_items=5, cold_users=0, seed=0)
    assert dict(parts["test"].group_by("user_id").len().iter_rows()) == {1: 1, 2: 1}


def test_per_user_random_depends_only_on_the_pairs_and_the_seed():
    pairs = pairs_of({u: 8 for u in range(1, 9)})
    first = per_user_random(pairs, 0.25, 5, 0, seed=3)
    shuffled = per_user_random(pairs.sample(fraction=1.0, shuffle=True, seed=0), 0.25, 5, 0, seed=3)
    assert keys(first["test"]) == keys(shuffled["test"])
    assert first["test"].equals(per_user_random(pairs, 0.25, 5, 0, seed=3)["test"])
    assert keys(first["test"]) != keys(per_user_random(pairs, 0.25, 5, 0, seed=4)["test"])


def test_cold_users_put_every_pair_in_test_and_are_capped_at_a_tenth():
    pairs = pairs_of({**{u: 6 for u in range(1, 21)}, 99: 2})
    parts = per_user_random(pairs, 0.2, 5, cold_users=5, seed=0)
    cold = parts["cold_users"]["user_id"]
    assert cold.len() == 2  # 20 eligible users: at most 2 cold ones
    assert cold.is_sorted() and 99 not in cold.to_list()  # drawn among users with enough items
    assert not parts["train"]["user_id"].is_in(cold.implode()).any()
    assert parts["test"].filter(pl.col("user_id").is_in(cold.implode())).height == 12
    assert parts["cold_users"].schema["user_id"] == pl.Int64


def test_per_user_random_keeps_string_ids():
    parts = per_user_random(pairs_of({u: 10 for u in range(10)}, pl.String), 0.2, 5, cold_users=1, seed=2)
    assert parts["cold_users"].schema["user_id"] == pl.String and parts["cold_users"].height == 1
    assert parts["test"].filter(pl.col("user_id").is_in(parts["cold_users"]["user_id"].implode())).height == 10


EVENTS = pl.DataFrame({"user_id": [1, 1, 2, 2, 3, 3], "item_id": [1, 2, 3, 4, 5, 6],
                       "timestamp": [10, 94, 95, 99, 100, 130]})


def test_global_temporal_leaves_the_gap_out_of_both_parts():
    parts = global_temporal(EVENTS, test_start=100, gap=5)
    assert isinstance(parts["train"], pl.LazyFrame) and isinstance(parts["test"], pl.LazyFrame)
    train, test = parts["train"].collect(), parts["test"].collect()
    assert train["timestamp"].to_list() == [10, 94]  # before 100 - 5
    assert test["timestamp"].to_list() == [100, 130]  # at or after 100
    assert EVENTS.filter(pl.col("timestamp").is_between(95, 99)).height == 2  # 95 and 99: in the gap, in neither


def test_global_temporal_without_a_gap_is_a_partition_and_a_negative_gap_is_refused():
    parts = global_temporal(EVENTS.lazy(), test_start=95, gap=0)
    assert parts["train"].collect().height + parts["test"].collect().height == EVENTS.height
    assert parts["test"].collect()["timestamp"].min() == 95
    renamed = global_temporal(EVENTS.rename({"timestamp": "t"}), test_start=95, gap=0, time="t")
    assert renamed["test"].collect().height == 4
    with pytest.raises(ValueError, match="gap must not be negative"):
        global_temporal(EVENTS, 100, -1)


def test_row_order_tail_marks_the_last_rows():
    assert row_order_tail(10, 0.2).tolist() == [False] * 8 + [True] * 2
    assert row_order_tail(7, 0.3).tolist() == [False] * 5 + [True] * 2  # round(2.1) = 2
    assert row_order_tail(5, 0.01).tolist() == [False] * 4 + [True]  # at least one row
    assert row_order_tail(3, 0.5).dtype == np.bool_
    for fraction in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match=r"in \(0, 1\)"):
            row_order_tail(10, fraction)
