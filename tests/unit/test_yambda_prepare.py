"""The Yambda reader (both layouts, either mapping name, one-line errors) and the protocol's preparation
(windows, targets, weights, sequences, graph), including shards that gather into the unsharded result."""

import numpy as np
import polars as pl
import pytest

from musicrec.data import Interactions
from musicrec.datasets import yambda, yambda_demo
from musicrec.datasets.yambda_files import file_paths
from musicrec.errors import InputDataError
from musicrec.features.yambda import (SHARD_PARTS, SPLITS, ProtocolParams, gather, graph_arrays, prepare_items,
                                      prepare_shard)

DAY = 86_400
PARAMS = ProtocolParams(test_start=10 * DAY, gap_seconds=1_800, validation_days=1)
COLUMNS = list(yambda.EVENT_SCHEMA)


def events(rows) -> pl.DataFrame:
    """Flat multi_event rows (uid, timestamp, item_id, event_type, played_ratio_pct) in the real dtypes."""
    frame = pl.DataFrame(rows, schema=["uid", "timestamp", "item_id", "event_type", "played_ratio_pct"],
                         orient="row")
    listen = pl.col("event_type") == "listen"
    return frame.with_columns(pl.lit(1).alias("is_organic"),
                              pl.when(listen).then(pl.lit(200)).alias("track_length_seconds"),
                              pl.when(listen).then(pl.col("played_ratio_pct")).alias("played_ratio_pct")
                              ).select(pl.col(c).cast(t) for c, t in yambda.EVENT_SCHEMA.items())


# User 1: listens in train, re-listens in test (history kept); user 2 only in the test day (not scored);
# user 3: a dislike-only pair and a like.
ROWS = [
    (1, 100, 10, "listen", 100), (1, 200, 10, "listen", 40), (1, 300, 11, "listen", 80), (1, 310, 11, "like", None),
    (1, 10 * DAY - 600, 12, "listen", 100),               # in the gap: neither train nor test
    (1, 10 * DAY + 5, 10, "listen", 90), (1, 10 * DAY + 10, 13, "listen", 30), (1, 10 * DAY + 20, 14, "like", None),
    (1, 9 * DAY - 900, 15, "listen", 70),                  # in the validation day
    (2, 10 * DAY + 50, 10, "listen", 100),
    (3, 500, 20, "dislike", None), (3, 600, 21, "listen", 50), (3, 10 * DAY + 100, 22, "dislike", None),
    (3, 10 * DAY + 200, 21, "listen", 50),
]


@pytest.fixture
def prepared():
    frame = events(ROWS)
    catalogue = frame.select("item_id").unique().sort("item_id")
    return {split: gather([prepare_shard(frame.lazy(), PARAMS, split)], PARAMS, split, catalogue)
            for split in SPLITS}, catalogue


def pairs(frame, *columns):
    return sorted(frame.select(*columns).rows())


def test_windows_of_the_paper_protocol():
    train_end, start, end = ProtocolParams().windows()["test"]
    assert (train_end, start, end) == (25_913_600 - 1_800, 25_913_600, None)
    valid_train_end, valid_start, valid_end = ProtocolParams().windows()["valid"]
    assert valid_end == train_end and valid_start == train_end - DAY and valid_train_end == valid_start - 1_800


def test_targets_are_listen_plus_and_likes_of_users_seen_in_train(prepared):
    test = prepared[0]["test"]
    assert pairs(test["targets_listen_plus"], "user_id", "item_id") == [(1, 10), (3, 21)]
    assert pairs(test["targets_like"], "user_id", "item_id") == [(1, 14)]
    assert pairs(test["dislikes"], "user_id", "item_id") == [(3, 22)]
    assert pairs(test["targets"], "user_id", "item_id") == [(1, 10), (1, 14), (3, 21)]
    assert test["cold_users"].is_empty()
    assert test["summary"]["users_with_targets"] == 2


def test_train_dislikes_are_the_train_windows_dislike_pairs_of_training_users(prepared):
    for split in SPLITS:  # user 3's dislike of item 20 (a pair of weight 0, so no training pair) is in both
        assert pairs(prepared[0][split]["train_dislikes"], "user_id", "item_id") == [(3, 20)], split
    assert prepared[0]["test"]["summary"]["train_dislike_pairs"] == 1
    frame = events([*ROWS, (2, 700, 10, "dislike", None), (3, 10 * DAY + 300, 21, "dislike", None)])
    test = gather([prepare_shard(frame.lazy(), PARAMS, "test")], PARAMS, "test", frame.select("item_id").unique())
    assert pairs(test["train_dislikes"], "user_id", "item_id") == [(3, 20)], "user 2 has no training pair"
    data = Interactions.from_frames(test["train"], negatives=test["train_dislikes"],
                                    catalogue=frame.select("item_id").unique())
    assert data.negatives.nnz == 1 and data.negatives[data.rows([3])[0], data.columns([20])[0]] == 1


def test_training_weights_sum_event_weights_and_played_ratios(prepared):
    train = prepared[0]["test"]["train"]
    weights = {(u, i): (w, n) for u, i, w, n in train.select("user_id", "item_id", "weight", "events").rows()}
    # Item 10: two listens at 100% and 40%; item 11: a listen at 80% and a like (weight 4).
    assert weights[(1, 10)] == (pytest.approx(1.4), 2)
    assert weights[(1, 11)] == (pytest.approx(4.8), 2)
    assert (3, 20) not in weights  # a dislike alone has weight 0: no training pair
    assert (1, 12) not in weights and (1, 15) in weights  # the gap's event is out; the validation day is in


def test_validation_split_is_the_day_before_the_gap(prepared):
    valid = prepared[0]["valid"]
    assert pairs(valid["targets_listen_plus"], "user_id", "item_id") == [(1, 15)]
    assert valid["train"]["item_id"].to_list() == [10, 11, 21]


def test_sequences_are_train_listens_in_time_order(prepared):
    sequences = prepared[0]["test"]["sequences"]
    assert sequences.filter(pl.col("user_id") == 1)["item_id"].to_list() == [10, 10, 11, 15]
    assert sequences.filter(pl.col("user_id") == 1)["position"].to_list() == [0, 1, 2, 3]
    data = Interactions.from_frames(prepared[0]["test"]["train"], sequences=sequences,
                                    catalogue=prepared[1])
    assert data.sequences.times[:4].tolist() == [100, 200, 300, 9 * DAY - 900]


def test_activity_filters_remove_light_users_and_rare_items():
    frame = events(ROWS)
    catalogue = frame.select("item_id").unique()
    params = ProtocolParams(test_start=10 * DAY, min_user_events=3, min_item_users=1)
    test = gather([prepare_shard(frame.lazy(), params, "test")], params, "test", catalogue)
    assert test["train"]["user_id"].unique().to_list() == [1]
    assert test["targets"]["user_id"].unique().to_list() == [1]


def test_graph_has_one_edge_per_training_pair(prepared):
    train, catalogue = prepared[0]["test"]["train"], prepared[1]
    graph = graph_arrays(train, catalogue)
    n_users = len(graph["user_ids"])
    assert graph["edge_index"].shape == (2, train.height)
    users, items = graph["edge_index"]
    assert (users < n_users).all() and (items >= n_users).all()
    assert graph["item_ids"][items - n_users].tolist() == train["item_id"].to_list()
    assert graph["edge_weight"].tolist() == pytest.approx(train["weight"].to_list())


def demo_folder(tmp_path):
    outputs = {name: str(tmp_path / f"{name}.parquet") for name in (
        "multi_event", "listens", "likes", "dislikes", "unlikes", "undislikes", "embeddings",
        "artist_item_mapping", "album_item_mapping")}
    yambda_demo.write(yambda_demo.YambdaDemoSize.named("tiny"), 7, outputs)
    return tmp_path


def test_four_shards_gather_into_the_unsharded_result(tmp_path):
    folder = demo_folder(tmp_path)
    scanned = yambda.scan_events(folder / "multi_event.parquet")
    params = ProtocolParams()
    catalogue = scanned.select("item_id").unique().collect()
    for split in SPLITS:
        one = gather([prepare_shard(scanned, params, split)], params, split, catalogue)
        four = gather([prepare_shard(scanned, params, split, shard, 4) for shard in range(4)], params, split,
                      catalogue)
        assert one["train"].height > 0 and one["targets_listen_plus"].height > 0
        for part in (*SHARD_PARTS, "targets", "cold_users"):
            assert one[part].equals(four[part]), (split, part)
        assert {k: v for k, v in one["summary"].items() if k != "shards"} == {
            k: v for k, v in four["summary"].items() if k != "shards"}


def test_sequential_layout_and_other_mapping_names_read_the_same(tmp_path):
    folder = demo_folder(tmp_path)
    flat = yambda.scan_events(folder / "multi_event.parquet").collect()
    sequential = flat.group_by("uid", maintain_order=True).agg(pl.exclude("uid"))
    sequential.write_parquet(tmp_path / "sequential.parquet")
    assert yambda.scan_events(tmp_path / "sequential.parquet").collect().equals(flat)
    (folder / "artist_item_mapping.parquet").rename(folder / "artist_mapping.parquet")
    paths = file_paths(folder)
    assert paths["artist_item_mapping"].endswith("artist_mapping.parquet")
    artists = yambda.read_mapping(paths["artist_item_mapping"], "artist_item_mapping")
    catalogue, features = prepare_items(yambda.scan_events(paths["multi_event"]),
                                        yambda.scan_embeddings(paths["embeddings"]), artists,
                                        yambda.read_mapping(paths["album_item_mapping"], "album_item_mapping"))
    assert catalogue.height == flat["item_id"].n_unique() == features.height
    norms = np.linalg.norm(features.select(pl.selectors.starts_with("embed_")).to_numpy(), axis=1)
    assert norms[np.isfinite(norms)] == pytest.approx(1.0, abs=1e-5)


def test_one_line_errors(tmp_path):
    with pytest.raises(InputDataError, match="multi_event.parquet: file not found"):
        yambda.scan_events(tmp_path / "multi_event.parquet")
    events(ROWS).drop("event_type").write_parquet(tmp_path / "no_type.parquet")
    with pytest.raises(InputDataError, match=r"column 'event_type': missing column"):
        yambda.scan_events(tmp_path / "no_type.parquet")
    events(ROWS).with_columns(pl.lit("skip").alias("event_type")).write_parquet(tmp_path / "bad.parquet")
    with pytest.raises(InputDataError, match="event type outside listen, like"):
        yambda.check_events(yambda.scan_events(tmp_path / "bad.parquet"), tmp_path / "bad.parquet")
    (tmp_path / "text.parquet").write_text("uid,item_id\n")
    with pytest.raises(InputDataError, match="not a readable parquet file"):
        yambda.scan_events(tmp_path / "text.parquet")


def same_as_pandas(path, params):
    """The polars preparation and the pandas reference agree on every part of both splits."""
    from musicrec.features import yambda_pandas

    pandas_parts = yambda_pandas.prepare(path, params)
    for split in SPLITS:
        polars_parts = prepare_shard(yambda.scan_events(path), params, split)
        for part in SHARD_PARTS:
            expected = polars_parts[part]
            got = pl.from_pandas(pandas_parts[split][part]).select(expected.columns).cast(expected.schema)
            assert got.equals(expected), (split, part)


def test_pandas_reference_gives_the_same_tables(tmp_path):
    events(ROWS).write_parquet(tmp_path / "multi_event.parquet")
    same_as_pandas(tmp_path / "multi_event.parquet", PARAMS)
    same_as_pandas(tmp_path / "multi_event.parquet", ProtocolParams(test_start=10 * DAY, min_user_events=3,
                                                                     weight_by_played_ratio=False))
