"""Yandex Music demo generator (real schema, determinism, planted order), loader (one-line errors, unknown
tracks dropped and counted), the chronological splits and the thin split script."""

import datetime as dt
import json
import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp

from musicrec.datasets import yandex_music, yandex_music_demo
from musicrec.datasets.yandex_music import SplitParams, prepare_splits
from musicrec.datasets.yandex_music_demo import YandexMusicDemoSize
from musicrec.errors import ConfigError, InputDataError

REPO = Path(__file__).resolve().parents[2]
REAL_SCHEMA = {
    "tracks": {"track_id": pl.Int64, "albums": pl.List(pl.Int64), "artists": pl.List(pl.Int64),
               "genres": pl.List(pl.Int64)},
    "catalog_names": {"id": pl.Int64, "type": pl.String, "name": pl.String},
    "interactions": {"user_id": pl.Int32, "track_id": pl.Int32, "track_seq": pl.Int16,
                     "started_at": pl.Datetime("us")},
}


@pytest.fixture(scope="module")
def tiny() -> dict[str, pl.DataFrame]:
    return yandex_music_demo.generate(YandexMusicDemoSize.named("tiny"), seed=3)


@pytest.fixture
def files(tiny, tmp_path) -> dict[str, str]:
    paths = {name: str(tmp_path / f"{name}.parquet") for name in yandex_music.TABLE_NAMES}
    yandex_music_demo.write(tiny, paths)
    return paths


def test_demo_tables_have_exactly_the_real_columns_and_dtypes(tiny):
    assert list(tiny) == list(yandex_music.TABLE_NAMES)
    for name, schema in REAL_SCHEMA.items():
        assert dict(tiny[name].schema) == schema, name
        assert tiny[name].height > 0 and tiny[name].null_count().sum_horizontal().item() == 0
    types = set(tiny["catalog_names"]["type"])
    assert types == {"album", "artist", "genre", "track"}
    assert any(tiny["tracks"][c].list.len().min() == 0 for c in ("albums", "artists", "genres"))  # empty lists


def test_demo_sizes():
    size = YandexMusicDemoSize.named("default")
    assert (size.users, size.tracks) == (800, 4000)
    tables = yandex_music_demo.generate(size, seed=2022)
    assert tables["tracks"].height == 4000 and tables["interactions"]["user_id"].n_unique() == 800
    assert 150_000 <= tables["interactions"].height <= 250_000
    with pytest.raises(ValueError, match="unknown demo size"):
        YandexMusicDemoSize.named("huge")


def test_demo_is_deterministic_from_its_seed(tiny):
    again = yandex_music_demo.generate(YandexMusicDemoSize.named("tiny"), seed=3)
    other = yandex_music_demo.generate(YandexMusicDemoSize.named("tiny"), seed=4)
    assert all(again[name].equals(tiny[name]) for name in tiny)
    assert not other["interactions"].equals(tiny["interactions"])


def test_track_seq_is_each_users_play_order_in_2022(tiny):
    plays = tiny["interactions"]
    checks = plays.sort("user_id", "track_seq").group_by("user_id").agg(
        (pl.col("track_seq") == pl.int_range(1, pl.len() + 1)).all().alias("one_based_consecutive"),
        (pl.col("started_at").diff().drop_nulls() >= pl.duration(seconds=0)).all().alias("time_ordered"))
    assert checks["one_based_consecutive"].all() and checks["time_ordered"].all()
    assert plays["started_at"].dt.year().unique().to_list() == [2022]
    assert plays["track_id"].cast(pl.Int64).is_in(tiny["tracks"]["track_id"].implode()).all()
    assert plays.select("user_id", "track_id").is_duplicated().any()  # re-listening


def test_every_id_of_tracks_has_a_name(tiny):
    tracks, names = tiny["tracks"], tiny["catalog_names"]
    used = {"track": set(tracks["track_id"])}
    for column, kind in (("albums", "album"), ("artists", "artist"), ("genres", "genre")):
        used[kind] = set(tracks[column].explode().drop_nulls())
    for kind, ids in used.items():
        named = set(names.filter(pl.col("type") == kind)["id"])
        assert ids <= named, kind
    assert names.select("type", "id").n_unique() == names.height
    assert any(not name.isascii() for name in names["name"])


def test_written_files_load_back_unchanged(tiny, files, caplog):
    with caplog.at_level(logging.INFO):
        tables = yandex_music.load(files)
    assert all(tables[name].equals(tiny[name]) for name in tiny)
    assert not list(Path(files["tracks"]).parent.glob(".*.tmp"))  # atomic writes leave no temporary file
    assert any("every track_id of its" in r.getMessage() for r in caplog.records)


def rewrite(files: dict[str, str], name: str, change) -> str:
    path = files[name]
    change(pl.read_parquet(path)).write_parquet(path)
    return path


def message(files) -> str:
    with pytest.raises(InputDataError) as err:
        yandex_music.load(files)
    return str(err.value)


def test_missing_file(files, tmp_path):
    files["tracks"] = str(tmp_path / "nowhere" / "tracks.parquet")
    assert message(files) == f"{files['tracks']}: file not found (expected the Yandex Music table tracks.parquet)"


def test_file_that_is_not_parquet(files):
    Path(files["catalog_names"]).write_text("id,type,name\n1,genre,pop\n")
    assert message(files).startswith(f"{files['catalog_names']}: not a readable parquet file")


def test_missing_column(files):
    path = rewrite(files, "interactions", lambda f: f.drop("started_at"))
    assert message(files) == (f"{path}: column 'started_at': missing column(s) ['started_at']; "
                              "found ['user_id', 'track_id', 'track_seq']")


def test_wrong_dtype_that_cannot_be_cast(files):
    path = rewrite(files, "interactions", lambda f: f.with_columns(pl.col("started_at") > pl.datetime(2022, 6, 1)))
    assert message(files) == (f"{path}: column 'started_at': has type Boolean, which cannot be cast to "
                              "Datetime(time_unit='us', time_zone=None)")


def test_values_that_cannot_be_cast_are_counted_with_an_example(files):
    path = rewrite(files, "interactions", lambda f: f.with_columns(
        pl.when(pl.int_range(pl.len()) == 5).then(pl.lit("n/a")).otherwise(pl.col("track_id").cast(pl.String))
        .alias("track_id")))
    assert message(files) == (f"{path}: column 'track_id': 1 value(s) of type String that cannot be cast to Int32 "
                              "(e.g. 'n/a')")


def test_castable_dtypes_are_cast_to_the_real_ones(tiny, files):
    rewrite(files, "interactions", lambda f: f.with_columns(
        pl.col("user_id", "track_id", "track_seq").cast(pl.Int64),
        pl.col("started_at").dt.cast_time_unit("ns").dt.replace_time_zone("UTC")))
    rewrite(files, "tracks", lambda f: f.with_columns(pl.col("genres").cast(pl.List(pl.Int32))))
    tables = yandex_music.load(files)
    assert all(tables[name].equals(tiny[name]) for name in tiny)


def test_ids_that_do_not_fit_the_real_type(files):
    path = rewrite(files, "interactions", lambda f: f.with_columns(
        pl.col("user_id").cast(pl.Int64) + pl.when(pl.int_range(pl.len()) == 0).then(2**40).otherwise(0)))
    assert message(files).startswith(f"{path}: column 'user_id': 1 value(s) of type Int64 that cannot be cast to Int32")


def test_empty_table(files):
    path = rewrite(files, "catalog_names", lambda f: f.clear())
    assert message(files) == f"{path}: table is empty (no rows)"


def test_null_ids(files):
    path = rewrite(files, "tracks", lambda f: f.with_columns(
        pl.when(pl.int_range(pl.len()) < 2).then(None).otherwise(pl.col("track_id")).alias("track_id")))
    assert message(files) == f"{path}: column 'track_id': 2 row(s) without a value"


def test_repeated_track_ids(files):
    path = rewrite(files, "tracks", lambda f: pl.concat([f, f.head(1)]))
    first = pl.read_parquet(path)["track_id"][0]
    assert message(files) == (f"{path}: column 'track_id': 1 row(s) repeat an earlier track_id (e.g. {first!r} "
                              "occurs 2 times); each track_id must occur once")


def test_plays_of_unknown_tracks_are_dropped_and_counted(tiny, files, caplog):
    ghost = (pl.DataFrame({"user_id": [1, 1, 2], "track_id": [999_999_001, 999_999_001, 999_999_002],
                           "track_seq": [1, 2, 1], "started_at": [dt.datetime(2022, 3, 1)] * 3})
             .cast(REAL_SCHEMA["interactions"]))
    rewrite(files, "interactions", lambda f: pl.concat([f, ghost]))
    with caplog.at_level(logging.WARNING):
        tables = yandex_music.load(files)
    assert tables["interactions"].equals(tiny["interactions"])
    n = tiny["interactions"].height + 3
    assert [r.getMessage() for r in caplog.records] == [
        f"{files['interactions']}: dropped 3 of {n} plays (2 distinct track ids, e.g. 999999001) whose track_id "
        f"is absent from {files['tracks']}"]


def test_only_unknown_tracks_is_an_error(files):
    path = rewrite(files, "interactions", lambda f: f.with_columns(pl.col("track_id") + 1_000_000_000))
    assert message(files) == f"{path}: column 'track_id': none of its track ids is in {files['tracks']}"


def test_unnamed_ids_and_null_lists_are_logged_not_fatal(files, caplog):
    rewrite(files, "catalog_names", lambda f: f.filter(pl.col("type") != "genre"))
    rewrite(files, "tracks", lambda f: f.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(None).otherwise(pl.col("albums")).alias("albums")))
    with caplog.at_level(logging.WARNING):
        tables = yandex_music.load(files)
    assert tables["tracks"]["albums"][0].to_list() == []
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "column 'albums': 1 null list(s) read as empty" in text and "have no name ({'genre':" in text


# A hand-made history. Test starts 2022-12-01, validation 2022-11-24 (7 days).
# user 1: plays 10 twice and 11 in train, 12 in validation, 10 again and 13 in test;
# user 2: only in validation and test (seen in test's train, not in valid's train);
# user 3: only in test (no training plays: not scored); user 4: only long before.
def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.fromisoformat(f"2022-{day}T{hour:02d}:00:00")


PLAYS = [
    (1, 10, "03-01", 9), (1, 11, "03-01", 10), (1, 10, "03-02"), (1, 12, "11-25"), (1, 10, "12-01", 0),
    (1, 13, "12-03"), (1, 13, "12-04"),
    (2, 11, "11-30"), (2, 14, "12-02"), (2, 11, "12-05"),
    (3, 10, "12-10"),
    (4, 12, "01-05"),
]


def hand_made() -> dict[str, pl.DataFrame]:
    rows = [(user, track, at(day, *hour)) for user, track, day, *hour in PLAYS]
    plays = (pl.DataFrame(rows, schema=["user_id", "track_id", "started_at"], orient="row")
             .with_columns(pl.int_range(1, pl.len() + 1).over("user_id", order_by="started_at").alias("track_seq"))
             .select("user_id", "track_id", "track_seq", "started_at").cast(REAL_SCHEMA["interactions"]))
    tracks = pl.DataFrame({"track_id": [10, 11, 12, 13, 14, 15], "albums": [[100], [100, 900], [], [101], [102], [103]],
                           "artists": [[7], [7, 8], [8], [], [9], [9]], "genres": [[1], [1, 2], [2], [3], [], [3]]},
                          schema=REAL_SCHEMA["tracks"])
    return {"tracks": tracks, "catalog_names": pl.DataFrame(schema=REAL_SCHEMA["catalog_names"]), "interactions": plays}


def pairs(frame: pl.DataFrame, *extra: str) -> list[tuple]:
    return frame.sort(frame.columns).select("user_id", "item_id", *extra).rows()


def test_chronological_split_on_a_hand_made_history():
    out = prepare_splits(hand_made(), SplitParams("2022-12-01", 7))
    test, valid = out["test"], out["valid"]
    assert pairs(test["train"], "weight") == [(1, 10, 2.0), (1, 11, 1.0), (1, 12, 1.0), (2, 11, 1.0), (4, 12, 1.0)]
    assert pairs(test["targets"]) == [(1, 10), (1, 13), (2, 11), (2, 14)]  # user 3 has no training play
    assert pairs(valid["train"], "weight") == [(1, 10, 2.0), (1, 11, 1.0), (4, 12, 1.0)]
    assert pairs(valid["targets"]) == [(1, 12)]  # user 2 starts inside the validation window
    for split in (test, valid):
        assert split["train"].schema == {"user_id": pl.Int64, "item_id": pl.Int64, "weight": pl.Float32}
        assert split["targets"].schema == {"user_id": pl.Int64, "item_id": pl.Int64}
        assert split["cold_users"].schema == {"user_id": pl.Int64} and split["cold_users"].height == 0
        assert split["sequences"].schema == {"user_id": pl.Int64, "item_id": pl.Int64, "position": pl.Int64,
                                             "timestamp": pl.Int64}
        assert set(split["targets"]["user_id"]) <= set(split["train"]["user_id"])
    threshold = int(dt.datetime(2022, 12, 1, tzinfo=dt.timezone.utc).timestamp())
    assert test["sequences"]["timestamp"].max() < threshold  # the 00:00 play of 1 December is a test play
    assert pairs(test["sequences"].filter(pl.col("user_id") == 1), "position") == [
        (1, 10, 0), (1, 10, 2), (1, 11, 1), (1, 12, 3)]
    assert test["sequences"].filter(pl.col("user_id") == 1)["item_id"].to_list() == [10, 11, 10, 12]
    # The validation split is nested in the test split's training plays.
    assert valid["train"].join(test["train"], on=["user_id", "item_id"], how="anti").height == 0
    assert valid["targets"].join(test["train"], on=["user_id", "item_id"], how="anti").height == 0
    assert valid["sequences"]["timestamp"].max() < threshold - 7 * 86_400


def test_split_summaries_catalogue_and_item_features():
    out = prepare_splits(hand_made(), SplitParams("2022-12-01", 7))
    summary = out["test"]["summary"]
    assert summary["description"] == (
        "chronological split at 2022-12-01: train = plays before it, test = distinct tracks played on or after "
        "2022-12-01 by users with training plays (only they are scored)")
    assert {k: summary[k] for k in ("items", "users", "train_pairs", "test_pairs", "sequence_order",
                                    "unscored_users", "test_pairs_in_train")} == {
        "items": 6, "users": 3, "train_pairs": 5, "test_pairs": 4, "sequence_order": "started_at",
        "unscored_users": 1, "test_pairs_in_train": 2}
    assert out["valid"]["summary"]["windows"] == {"train_end": "2022-11-24", "target_start": "2022-11-24",
                                                  "target_end": "2022-12-01"}
    json.dumps(out["valid"]["summary"])
    assert out["catalogue"].schema == {"item_id": pl.Int64}
    assert out["catalogue"]["item_id"].to_list() == [10, 11, 12, 13, 14, 15]  # 15 is never played
    assert out["item_features"].rows() == [
        (10, 7, 100, 1, 1, 1), (11, 7, 100, 1, 2, 2), (12, 8, -1, 2, 1, 1), (13, -1, 101, 3, 0, 1),
        (14, 9, 102, -1, 1, 0), (15, 9, 103, 3, 1, 1)]
    assert out["item_features"].columns == ["item_id", "artist_id", "album_id", "genre_id", "n_artists", "n_genres"]
    assert all(dtype == pl.Int64 for dtype in out["item_features"].dtypes)


def test_split_settings_that_leave_a_period_empty_are_config_errors():
    with pytest.raises(ConfigError, match="the test split's target period holds no play"):
        prepare_splits(hand_made(), SplitParams("2023-01-01", 7))
    with pytest.raises(ConfigError, match="the valid split's target period holds no play"):
        prepare_splits(hand_made(), SplitParams("2022-03-02", 1))
    with pytest.raises(ConfigError, match="is not a date"):
        prepare_splits(hand_made(), SplitParams("1 December", 7))


def item_cosine_and_popularity_recall(split: dict, catalogue: pl.DataFrame, k: int = 10) -> tuple[float, float]:
    """Mean Recall@k over the target users of item-item cosine (log1p weights) and of listener counts."""
    items = catalogue["item_id"].to_numpy()
    users = np.unique(split["train"]["user_id"].to_numpy())
    train = split["train"]
    matrix = sp.csr_matrix((np.log1p(train["weight"].to_numpy()), (np.searchsorted(users, train["user_id"].to_numpy()),
                            np.searchsorted(items, train["item_id"].to_numpy()))), shape=(len(users), len(items)))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=0))).ravel() + 1e-9
    similarity = (matrix.T @ matrix).toarray() / norms[:, None] / norms[None, :]
    scores = {"cosine": np.asarray(matrix @ similarity),
              "popularity": np.tile(np.asarray((matrix > 0).sum(axis=0), dtype=float), (len(users), 1))}
    targets = split["targets"]
    rows = np.searchsorted(users, targets["user_id"].to_numpy())
    cols = np.searchsorted(items, targets["item_id"].to_numpy())
    recall = {}
    for name, score in scores.items():
        top = np.argsort(-score, axis=1, kind="stable")[:, :k]
        hit = np.zeros(score.shape, dtype=bool)
        hit[np.repeat(np.arange(len(users)), k), top.ravel()] = True
        recall[name] = pl.DataFrame({"u": rows, "h": hit[rows, cols]}).group_by("u").agg(pl.col("h").mean())["h"].mean()
    return recall["cosine"], recall["popularity"]


def test_tiny_demo_splits_and_a_ranking_on_them():
    results = []
    for seed in range(5):
        tables = yandex_music_demo.generate(YandexMusicDemoSize.named("tiny"), seed)
        out = prepare_splits(tables, SplitParams())
        assert out["catalogue"]["item_id"].to_list() == tables["tracks"]["track_id"].sort().to_list()
        assert out["item_features"].height == tables["tracks"].height
        for name in ("test", "valid"):
            split = out[name]
            assert split["train"].height and split["targets"].height
            assert split["sequences"].height == split["train"]["weight"].sum()
            assert split["summary"]["items"] == tables["tracks"].height
        results.append(item_cosine_and_popularity_recall(out["test"], out["catalogue"]))
    cosine, popularity = np.mean(results, axis=0)
    assert 0 < popularity < cosine  # the planted tastes and re-listening beat the chart


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:], root.level = handlers, level


def test_split_script_writes_every_output(files, tmp_path, restore_logging):
    parts = ("train", "targets", "cold_users", "sequences")
    output = {f"{split}_{part}": str(tmp_path / "out" / split / f"{part}.parquet") for split in ("test", "valid")
              for part in parts}
    output |= {f"{split}_summary": str(tmp_path / "out" / split / "summary.json") for split in ("test", "valid")}
    output |= {"catalogue": str(tmp_path / "out" / "catalogue.parquet"),
               "item_features": str(tmp_path / "out" / "item_features.parquet")}

    class Named(dict):
        __getattr__ = dict.__getitem__

    smk = SimpleNamespace(input=Named(files), output=Named(output), params=SimpleNamespace(
        split={"test_start": "2022-12-01", "validation_days": 14}), log=[str(tmp_path / "split.log")],
        rule="yandex_music_split", wildcards={})
    runpy.run_path(str(REPO / "workflow_scripts" / "yandex_music_split.py"), init_globals={"snakemake": smk})
    assert all(Path(path).is_file() for path in output.values())
    summary = json.loads(Path(output["test_summary"]).read_text(encoding="utf-8"))
    assert summary["split"] == {"test_start": "2022-12-01", "validation_days": 14}
    assert pl.read_parquet(output["test_train"]).height == summary["train_pairs"]
    assert pl.read_parquet(output["item_features"]).height == pl.read_parquet(files["tracks"]).height
