"""Interactions: the matrix every recommender is fitted on, built from contract tables (hand-computed cases)."""

import numpy as np
import polars as pl
import pytest

from musicrec.data import Interactions, Sequences, index_of
from musicrec.errors import InputDataError

TRAIN = pl.DataFrame({"user_id": [3, 1, 2, 1, 3], "item_id": [30, 10, 20, 30, 10], "weight": [1, 2, 3, 4, 5]})


def dense(data: Interactions) -> list[list[float]]:
    return data.matrix.toarray().tolist()


def test_index_of_finds_positions_and_marks_absent_values():
    ids = np.array([10, 20, 30])
    assert index_of(ids, np.array([30, 10, 15, 40, 5, 20])).tolist() == [2, 0, -1, -1, -1, 1]
    assert index_of(np.array([], dtype=np.int64), np.array([1, 2])).tolist() == [-1, -1]
    assert index_of(np.array(["a", "c"]), np.array(["c", "b"])).tolist() == [1, -1]


def test_ids_are_sorted_rows_and_columns():
    data = Interactions.from_frames(TRAIN)
    assert data.user_ids.tolist() == [1, 2, 3] and data.item_ids.tolist() == [10, 20, 30]
    assert data.n_users == 3 and data.n_items == 3
    assert dense(data) == [[2, 0, 4], [0, 3, 0], [5, 0, 1]]
    assert data.matrix.dtype == np.float32
    assert data.rows([3, 1, 99]).tolist() == [2, 0, -1] and data.columns([20, 11]).tolist() == [1, -1]


def test_repeated_pairs_are_summed():
    events = pl.DataFrame({"user_id": [1, 1, 1, 2], "item_id": [10, 10, 20, 10], "weight": [2, 3, 1, 1]})
    data = Interactions.from_frames(events)
    assert dense(data) == [[5, 1], [1, 0]]
    assert data.matrix.nnz == 3
    assert data.binary.toarray().tolist() == [[1, 1], [1, 0]]
    assert data.item_counts().tolist() == [2.0, 1.0]


def test_item_table_is_the_catalogue_and_an_unknown_training_item_is_named():
    items = pl.DataFrame({"item_id": [40, 30, 20, 10], "x": [4.0, 3.0, 2.0, 1.0]})
    data = Interactions.from_frames(TRAIN, items)
    assert data.item_ids.tolist() == [10, 20, 30, 40] and data.item_counts().tolist() == [2, 1, 2, 0]
    with pytest.raises(InputDataError) as err:
        Interactions.from_frames(TRAIN, items.filter(pl.col("item_id") != 30),
                                 sources={"train": "split/train.parquet", "item_features": "items.parquet"})
    assert str(err.value) == ("split/train.parquet: column 'item_id': 2 row(s) with item ids absent from the "
                              "catalogue (items.parquet) (e.g. 30)")


def test_load_names_the_training_file_of_an_unknown_item(tmp_path):
    paths = {"train": str(tmp_path / "train.parquet"), "item_features": str(tmp_path / "items.parquet")}
    TRAIN.write_parquet(paths["train"])
    pl.DataFrame({"item_id": [10, 20]}).write_parquet(paths["item_features"])
    with pytest.raises(InputDataError, match=f"^{paths['train']}: column 'item_id': 2 row"):
        Interactions.load(paths)


@pytest.mark.parametrize("part, frame, column", [
    ("item_features", pl.DataFrame({"id": [10, 20, 30], "x": [1.0, 2.0, 3.0]}), "item_id"),
    ("user_features", pl.DataFrame({"uid": [1, 2, 3], "x": [1.0, 2.0, 3.0]}), "user_id"),
    ("sequences", pl.DataFrame({"user_id": [1], "item_id": [10]}), "position"),
    ("neighbours", pl.DataFrame({"user_id": [1], "friend_id": [2]}), "neighbour_id"),
    ("negatives", pl.DataFrame({"user_id": [1], "song_id": [10]}), "item_id"),
])
def test_an_optional_table_without_its_key_column_is_named(tmp_path, part, frame, column):
    paths = {"train": str(tmp_path / "train.parquet"), part: str(tmp_path / f"{part}.parquet")}
    TRAIN.write_parquet(paths["train"])
    frame.write_parquet(paths[part])
    with pytest.raises(InputDataError, match=f"{part}.parquet: column '{column}'"):
        Interactions.load(paths)


def test_load_requires_the_interactions_contract(tmp_path):
    path = tmp_path / "train.parquet"
    TRAIN.drop("weight").write_parquet(path)
    with pytest.raises(InputDataError, match="train.parquet: column 'weight': missing column"):
        Interactions.load({"train": str(path)})


def test_history_keeps_the_row_order_and_row_minus_one_is_empty():
    data = Interactions.from_frames(TRAIN)
    history = data.history(np.array([2, -1, 0]))
    assert history.shape == (3, 3)
    assert history.toarray().tolist() == [[5, 0, 1], [0, 0, 0], [2, 0, 4]]
    assert np.diff(history.indptr).tolist() == [2, 0, 2]
    assert data.history(np.array([1, 0])).toarray().tolist() == [[0, 3, 0], [2, 0, 4]]


def test_extra_users_get_empty_rows():
    data = Interactions.from_frames(TRAIN, extra_users=np.array([0, 2, 7]))
    assert data.user_ids.tolist() == [0, 1, 2, 3, 7]
    assert np.diff(data.matrix.indptr).tolist() == [0, 2, 1, 2, 0]
    assert data.history(data.rows([7])).nnz == 0


def test_negatives_are_ones_of_known_users_and_catalogue_items(tmp_path):
    negatives = pl.DataFrame({"user_id": [2, 2, 1, 9, 3], "item_id": [10, 10, 30, 10, 99]})
    paths = {"train": str(tmp_path / "train.parquet"), "negatives": str(tmp_path / "negatives.parquet")}
    TRAIN.write_parquet(paths["train"])
    negatives.write_parquet(paths["negatives"])
    data = Interactions.load(paths)
    assert data.negatives.toarray().tolist() == [[0, 0, 1], [1, 0, 0], [0, 0, 0]]  # user 9, item 99 left out
    assert Interactions.from_frames(TRAIN).negatives is None


def test_sequences_from_positions_follow_the_position_not_the_row_order():
    sequences = pl.DataFrame({"user_id": [1, 1, 3, 1, 3, 2],
                              "item_id": [30, 10, 10, 20, 30, 20],
                              "position": [2, 0, 1, 1, 0, 0]})
    data = Interactions.from_frames(TRAIN.vstack(pl.DataFrame({"user_id": [1], "item_id": [20], "weight": [1]})),
                                    sequences=sequences)
    # columns: 10 -> 0, 20 -> 1, 30 -> 2; rows: users 1, 2, 3
    assert [s.tolist() for s in data.sequence_list(np.array([0, 1, 2, -1]))] == [[0, 1, 2], [1], [2, 0], []]
    assert data.sequences.lengths().tolist() == [3, 1, 2]


def test_sequences_from_timestamps_when_no_sequence_table_is_given():
    events = pl.DataFrame({"user_id": [1, 1, 1, 2, 2], "item_id": [10, 20, 10, 20, 10], "weight": 1,
                           "timestamp": [50, 10, 30, 7, 7]})
    data = Interactions.from_frames(events)
    # user 1: 20 (t=10), 10 (t=30), 10 (t=50); user 2: a tie at t=7 keeps the file order (20, then 10)
    assert [s.tolist() for s in data.sequence_list(np.array([0, 1]))] == [[1, 0, 0], [1, 0]]
    assert dense(data) == [[2, 1], [1, 1]]


def test_sequence_rows_of_unknown_users_or_items_are_an_error():
    sequences = pl.DataFrame({"user_id": [1, 1, 99, 1], "item_id": [10, 77, 10, 30], "position": [0, 1, 0, 2]})
    with pytest.raises(InputDataError, match="^seq.parquet: column 'item_id': 2 sequence row"):
        Interactions.from_frames(TRAIN, sequences=sequences, sources={"sequences": "seq.parquet"})


def test_tables_must_agree_on_the_type_of_their_ids():
    items = pl.DataFrame({"item_id": ["10", "20", "30"]})
    with pytest.raises(InputDataError, match="^items.parquet: column 'item_id': item ids are String here but "
                                             "integer in train.parquet"):
        Interactions.from_frames(TRAIN, items, sources={"train": "train.parquet", "item_features": "items.parquet"})


def test_a_sequence_model_on_data_without_sequences_is_told_so():
    data = Interactions.from_frames(TRAIN, sources={"train": "split/train.parquet"})
    assert data.sequences is None
    with pytest.raises(InputDataError, match="^split/train.parquet: this model needs ordered sequences"):
        data.sequence_list(np.array([0]))


def test_sequences_of_returns_the_row_slice():
    sequences = Sequences(np.array([0, 2, 2, 5]), np.array([4, 1, 0, 3, 2]))
    assert [sequences.of(row).tolist() for row in (0, 1, 2)] == [[4, 1], [], [0, 3, 2]]
    assert sequences.of(-1).tolist() == [] and sequences.lengths().tolist() == [2, 0, 3]


def test_features_are_aligned_to_rows_and_columns_with_nulls_where_missing():
    items = pl.DataFrame({"item_id": [30, 10, 20, 10], "tempo": [3.0, 1.0, 2.0, 9.0]})
    users = pl.DataFrame({"user_id": [3, 1, 5], "age": [33, 11, 55]})
    data = Interactions.from_frames(TRAIN, items, users)
    assert data.item_features["item_id"].to_list() == [10, 20, 30]
    assert data.item_features["tempo"].to_list() == [1.0, 2.0, 3.0]  # the first row of a repeated id
    # user 5 has features but no training pair: it gets a row; user 2 has no feature row: nulls
    assert data.user_ids.tolist() == [1, 2, 3, 5]
    assert data.user_features.rows() == [(1, 11), (2, None), (3, 33), (5, 55)]
    assert np.diff(data.matrix.indptr).tolist() == [2, 1, 2, 0]


def test_neighbours_are_a_binary_user_user_matrix_of_known_users():
    neighbours = pl.DataFrame({"user_id": [1, 1, 2, 3, 3, 42], "neighbour_id": [2, 3, 1, 1, 1, 1]})
    data = Interactions.from_frames(TRAIN, neighbours=neighbours)
    # user 3 -> 1 listed twice still counts once; user 42 is unknown and dropped
    assert data.neighbours.toarray().tolist() == [[0, 1, 1], [1, 0, 0], [1, 0, 0]]
    assert data.neighbours.shape == (3, 3)


def test_load_reads_every_part_from_parquet(tmp_path):
    frames = {"train": TRAIN, "item_features": pl.DataFrame({"item_id": [10, 20, 30, 40], "x": [1.0, 2, 3, 4]}),
              "user_features": pl.DataFrame({"user_id": [1, 2, 3], "y": [1, 2, 3]}),
              "sequences": TRAIN.select("user_id", "item_id").with_columns(
                  pl.int_range(pl.len()).over("user_id").alias("position")),
              "neighbours": pl.DataFrame({"user_id": [1], "neighbour_id": [2]})}
    paths = {name: str(tmp_path / f"{name}.parquet") for name in frames}
    for name, frame in frames.items():
        frame.write_parquet(paths[name])
    data = Interactions.load(paths, extra_users=[9])
    assert data.source == paths["train"] and data.user_ids.tolist() == [1, 2, 3, 9]
    assert data.item_ids.tolist() == [10, 20, 30, 40]
    assert [s.tolist() for s in data.sequence_list(np.array([0, 2]))] == [[0, 2], [2, 0]]
    assert data.neighbours.nnz == 1 and data.user_features.height == 4
    assert Interactions.load({"train": paths["train"], "item_features": ""}).item_features is None


def test_the_catalogue_table_lists_items_without_training_pairs():
    catalogue = pl.DataFrame({"item_id": [50, 10, 20, 30, 40]})
    data = Interactions.from_frames(TRAIN, catalogue=catalogue)
    assert data.item_ids.tolist() == [10, 20, 30, 40, 50] and data.item_counts().tolist() == [2, 1, 2, 0, 0]
    with pytest.raises(InputDataError, match=r"^train: column 'item_id': 2 row\(s\) with item ids absent from the "
                                             r"catalogue \(cat.parquet\)"):
        Interactions.from_frames(TRAIN, catalogue=catalogue.filter(pl.col("item_id") != 30),
                                 sources={"catalogue": "cat.parquet"})
