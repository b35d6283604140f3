"""The table contracts: the one top-K builder (to_topk, topk_from_arrays), its reader and writer, and the
interactions / targets readers, on hand-computed cases."""

import numpy as np
import polars as pl
import pytest

from musicrec.errors import InputDataError
from musicrec.schema import (TOPK_COLUMNS, read_interactions, read_targets, read_topk, to_topk, topk_from_arrays,
                             write_topk)


def scored(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["user", "item", "score"], orient="row")


def lists_of(frame: pl.DataFrame) -> list[tuple]:
    return frame.sort("user", "rank").select("user", "item", "score", "rank").rows()


def test_to_topk_orders_by_score_and_breaks_ties_to_the_smaller_item():
    table = to_topk(scored([(1, 30, 0.5), (1, 10, 0.5), (1, 20, 0.5), (1, 40, 0.9), (2, 5, 0.1)]), 10, "m", 3)
    assert lists_of(table) == [(1, 40, 0.9, 1), (1, 10, 0.5, 2), (1, 20, 0.5, 3), (1, 30, 0.5, 4), (2, 5, 0.1, 1)]
    assert table.columns == list(TOPK_COLUMNS)
    assert table["model"].unique().to_list() == ["m"] and table["seed"].unique().to_list() == [3]
    assert table.schema["rank"] == pl.Int64 and table.schema["seed"] == pl.Int64 and table.schema["score"] == pl.Float64


def test_to_topk_keeps_the_best_score_of_a_pair_scored_twice():
    table = to_topk(scored([(1, 10, 0.2), (1, 20, 0.5), (1, 10, 0.9)]), 10, "m", 0)
    assert lists_of(table) == [(1, 10, 0.9, 1), (1, 20, 0.5, 2)]


def test_to_topk_drops_non_finite_scores():
    table = to_topk(scored([(1, 10, float("nan")), (1, 20, float("-inf")), (1, 30, float("inf")), (1, 40, 0.1),
                            (2, 10, float("nan"))]), 10, "m", 0)
    assert lists_of(table) == [(1, 40, 0.1, 1)]  # user 2 has no finite score, so no list


def test_to_topk_cuts_at_k_and_keeps_everything_with_k_none():
    rows = scored([(1, item, float(item)) for item in range(1, 6)])
    assert [r[1] for r in lists_of(to_topk(rows, 2, "m", 0))] == [5, 4]
    assert [r[1] for r in lists_of(to_topk(rows, None, "m", 0))] == [5, 4, 3, 2, 1]


def test_topk_from_arrays_ranks_each_row_and_drops_empty_slots():
    users = np.array([7, 8])
    items = np.array([[30, 10, 20], [10, 20, 30]])
    scores = np.array([[0.1, 0.9, -np.inf], [0.5, 0.5, np.nan]])
    table = topk_from_arrays(users, items, scores, "als", 2)
    assert lists_of(table) == [(7, 10, 0.9, 1), (7, 30, 0.1, 2), (8, 10, 0.5, 1), (8, 20, 0.5, 2)]
    assert table["model"].unique().to_list() == ["als"] and table["seed"].unique().to_list() == [2]


def test_topk_from_arrays_with_no_users_is_an_empty_contract_table():
    table = topk_from_arrays(np.array([], dtype=np.int64), np.zeros((0, 4), dtype=np.int64), np.zeros((0, 4)), "m", 0)
    assert table.height == 0 and table.columns == list(TOPK_COLUMNS)


def topk_frame(rows, model="m", seed=0) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["user", "item", "score", "rank"], orient="row").with_columns(
        pl.lit(model).alias("model"), pl.lit(seed).alias("seed"))


def test_write_then_read_round_trip_in_contract_order_and_types(tmp_path):
    path = tmp_path / "topk.parquet"
    frame = topk_frame([(1, 10, 0.9, 1), (1, 11, 0.5, 2), (2, 10, 0.3, 1)], model="ease", seed=4).with_columns(
        pl.col("rank").cast(pl.Int32), pl.col("score").cast(pl.Float32), pl.lit("x").alias("extra"))
    write_topk(frame.select("extra", "seed", "model", "rank", "score", "item", "user"), path)
    back = read_topk(path, "ease", 4)
    assert back.columns == list(TOPK_COLUMNS)
    assert back.schema["rank"] == pl.Int64 and back.schema["score"] == pl.Float64 and back.schema["seed"] == pl.Int64
    assert back.select("user", "item", "rank").rows() == [(1, 10, 1), (1, 11, 2), (2, 10, 1)]
    np.testing.assert_allclose(back["score"].to_numpy(), [0.9, 0.5, 0.3], rtol=1e-6)


def test_write_topk_refuses_a_table_without_a_contract_column(tmp_path):
    path = tmp_path / "topk.parquet"
    with pytest.raises(InputDataError, match="column 'seed': missing column"):
        write_topk(topk_frame([(1, 10, 0.9, 1)]).drop("seed"), path)
    assert not path.exists()


def test_read_topk_names_a_missing_column(tmp_path):
    path = tmp_path / "topk.parquet"
    topk_frame([(1, 10, 0.9, 1)]).drop("rank").write_parquet(path)
    with pytest.raises(InputDataError) as err:
        read_topk(path)
    assert str(err.value) == f"{path}: column 'rank': missing column(s) ['rank'] of the top-K contract"


def test_read_topk_refuses_repeated_ranks_within_a_user(tmp_path):
    path = tmp_path / "topk.parquet"
    topk_frame([(1, 10, 0.9, 1), (1, 11, 0.5, 1), (2, 10, 0.3, 1)]).write_parquet(path)
    with pytest.raises(InputDataError) as err:
        read_topk(path)
    assert str(err.value) == f"{path}: column 'rank': ranks repeat within a user"


def test_read_topk_checks_the_model_and_seed_labels(tmp_path):
    path = tmp_path / "topk.parquet"
    topk_frame([(1, 10, 0.9, 1)], model="other", seed=3).write_parquet(path)
    assert read_topk(path).height == 1  # no label asked for: not checked
    with pytest.raises(InputDataError,
                       match=r"column 'model': rows labelled \[\('other', 3\)\] but the file is m seed 3"):
        read_topk(path, "m", 3)
    with pytest.raises(InputDataError, match="column 'model'"):
        read_topk(path, "other", 4)
    assert read_topk(path, "other", 3).height == 1
    topk_frame([(1, 10, 0.9, 1)]).head(0).write_parquet(path)
    assert read_topk(path, "m", 0).height == 0  # an empty file carries no wrong label


def test_read_topk_missing_file(tmp_path):
    with pytest.raises(InputDataError, match="nope.parquet: file not found"):
        read_topk(tmp_path / "nope.parquet")


def test_read_targets_renames_to_user_item_and_drops_repeats(tmp_path):
    path = tmp_path / "targets.parquet"
    pl.DataFrame({"user_id": [1, 1, 2], "item_id": [10, 10, 11], "weight": [1, 2, 3]}).write_parquet(path)
    assert sorted(read_targets(path).rows()) == [(1, 10), (2, 11)]
    assert read_targets(path).columns == ["user", "item"]
    pl.DataFrame({"user_id": [1]}).write_parquet(path)
    with pytest.raises(InputDataError, match="column 'item_id': missing column.*targets contract"):
        read_targets(path)


def test_read_interactions_requires_the_weight(tmp_path):
    path = tmp_path / "train.parquet"
    pl.DataFrame({"user_id": [1], "item_id": [10]}).write_parquet(path)
    with pytest.raises(InputDataError, match="column 'weight': missing column.*interactions contract"):
        read_interactions(path)
