"""Last.fm loader, demo generator and the stage's two splits (test, and valid carved inside test's training
pairs): real formats, bad-input messages, split invariants, training sequences."""

import datetime as dt
import logging
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from musicrec.datasets import lastfm, lastfm_demo
from musicrec.datasets.lastfm import SplitParams, prepare_splits, training_sequences
from musicrec.errors import InputDataError
from musicrec.splits import per_user_random


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("lastfm_demo")
    tables = lastfm_demo.generate(lastfm_demo.LastfmDemoSize.named("tiny"), seed=7)
    paths = {name: str(folder / f"{name}.dat") for name in lastfm.TABLE_NAMES}
    paths |= {"spotify": str(folder / "spotify_songs.csv"), "artist_demographics": str(folder / "demo.csv")}
    lastfm_demo.write(tables, paths)
    return paths


def test_demo_files_load_in_real_format(demo_files):
    raw = Path(demo_files["tags"]).read_bytes()
    assert "música".encode("latin-1") in raw  # Latin-1, as the real tags.dat
    tables = lastfm.load(demo_files)
    assert tables["user_artists"].columns == ["userID", "artistID", "weight"]
    assert any("'" in name for name in tables["artists"]["name"])  # quotes survive (quoting disabled)
    assert "música latina" in tables["tags"]["tagValue"].to_list()


def log_messages(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def test_utf8_tags_dat_reads_like_the_latin1_one_and_the_log_says_which(demo_files, tmp_path, caplog):
    latin = Path(demo_files["tags"])
    utf8 = tmp_path / "tags.dat"
    utf8.write_bytes(latin.read_bytes().decode("latin-1").encode("utf-8"))
    with caplog.at_level(logging.INFO):
        from_latin, from_utf8 = lastfm.read_table(latin, "tags"), lastfm.read_table(utf8, "tags")
    assert from_utf8.equals(from_latin) and "música latina" in from_utf8["tagValue"].to_list()
    first_bad = latin.read_bytes().index("ú".encode("latin-1"))
    line = latin.read_bytes()[:first_bad].count(b"\n") + 1
    assert log_messages(caplog) == [
        f"{latin}: read as Latin-1 (not valid UTF-8: first invalid byte 0xFA at byte {first_bad}, line {line})",
        f"{utf8}: read as UTF-8 (its bytes are valid UTF-8)",
    ]


def test_real_tags_dat_and_its_utf8_re_encoding_give_the_same_tags(shared_data, tmp_path, caplog):
    real = shared_data / "hetrec2011-lastfm-2k" / "tags.dat"
    utf8 = tmp_path / "tags.dat"
    utf8.write_bytes(real.read_bytes().decode("latin-1").encode("utf-8"))
    with caplog.at_level(logging.INFO):
        from_real, from_utf8 = lastfm.read_table(real, "tags"), lastfm.read_table(utf8, "tags")
    assert from_real.height == 11946 and from_utf8.equals(from_real)
    assert "español" in from_utf8["tagValue"].to_list()
    assert not any("ï¿½" in tag or "\ufffd" in tag for tag in from_utf8["tagValue"].to_list())
    assert [m.split(": ", 1)[1].split(" (")[0] for m in log_messages(caplog)] == ["read as Latin-1", "read as UTF-8"]


def test_other_dat_files_must_be_utf8(tmp_path):
    bad = tmp_path / "artists.dat"
    data = "id\tname\turl\tpictureURL\n1\tBjörk\tu\tp\n".encode("latin-1")
    bad.write_bytes(data)
    with pytest.raises(InputDataError) as err:
        lastfm.read_table(bad, "artists")
    assert str(err.value) == (f"{bad}: not UTF-8 text (first invalid byte 0xF6 at byte {data.index(0xF6)}, line 2); "
                              "re-save it as UTF-8")


def test_blank_rows_of_a_dat_file_are_dropped_and_counted(tmp_path, caplog):
    path = tmp_path / "user_friends.dat"
    path.write_bytes(b"userID\tfriendID\r\n2\t275\r\n\t\r\n\r\n2\t428\r\n\t\r\n")
    with caplog.at_level(logging.INFO):
        friends = lastfm.read_table(path, "user_friends")
    assert friends.rows() == [(2, 275), (2, 428)]
    assert log_messages(caplog) == [f"{path}: dropped 3 blank row(s) (every field empty)"]
    path.write_bytes(b"userID\tfriendID\n2\t275\n\t428\n")
    with pytest.raises(InputDataError, match="column 'userID': 1 row"):
        lastfm.read_table(path, "user_friends")


def test_duplicate_tag_ids_are_counted(tmp_path):
    path = tmp_path / "tags.dat"
    path.write_text("tagID\ttagValue\n1\trock\n2\tpop\n1\trock\n")
    with pytest.raises(InputDataError, match=r"column 'tagID': 1 row\(s\) repeat an earlier tagID \(e.g. 1 occurs 2 times\)"):
        lastfm.read_table(path, "tags")


def test_demo_is_deterministic():
    size = lastfm_demo.LastfmDemoSize.named("tiny")
    a, b = lastfm_demo.generate(size, 3), lastfm_demo.generate(size, 3)
    assert a["user_artists"].equals(b["user_artists"]) and a["spotify"].equals(b["spotify"])


def test_missing_file_and_column_are_named(demo_files, tmp_path):
    with pytest.raises(InputDataError, match="file not found"):
        lastfm.read_table(tmp_path / "nope.dat", "artists")
    bad = tmp_path / "user_artists.dat"
    bad.write_text("userID\tartist\tweight\n2\t51\t10\n")
    with pytest.raises(InputDataError, match="missing column"):
        lastfm.read_table(bad, "user_artists")


def test_non_integer_weight_and_empty_table(tmp_path):
    bad = tmp_path / "user_artists.dat"
    bad.write_text("userID\tartistID\tweight\n2\t51\tlots\n")
    with pytest.raises(InputDataError, match=r"column 'weight': non-integer values \(e.g. 'lots'"):
        lastfm.read_table(bad, "user_artists")
    bad.write_text("userID\tartistID\tweight\n")
    with pytest.raises(InputDataError, match="empty"):
        lastfm.read_table(bad, "user_artists")


def test_unknown_artist_in_user_artists_is_an_error(demo_files, tmp_path):
    paths = dict(demo_files)
    broken = tmp_path / "user_artists.dat"
    broken.write_text(Path(demo_files["user_artists"]).read_text() + "2\t999999\t5\n")
    paths["user_artists"] = str(broken)
    with pytest.raises(InputDataError, match="absent from artists.dat"):
        lastfm.load(paths)


def test_tag_rows_of_unknown_artists_are_dropped(demo_files):
    tables = lastfm.load(demo_files)
    assert tables["user_taggedartists"]["artistID"].is_in(tables["artists"]["id"].implode()).all()


def hetrec_tables(users_items: dict[int, list[int]], tagged=(), friends=()) -> dict[str, pl.DataFrame]:
    """The four HetRec tables prepare_splits reads, from each user's artists (weight 1) and
    (user, artist, year) tagging rows."""
    artists = sorted({a for items in users_items.values() for a in items})
    return {
        "user_artists": pl.DataFrame({"userID": [u for u, items in users_items.items() for _ in items],
                                      "artistID": [a for items in users_items.values() for a in items],
                                      "weight": 1}),
        "artists": pl.DataFrame({"id": artists, "name": [f"a{a}" for a in artists]}),
        "user_taggedartists": pl.DataFrame(
            [(u, a, 1, 1, 1, year) for u, a, year in tagged],
            schema={c: pl.Int64 for c in ("userID", "artistID", "tagID", "day", "month", "year")}, orient="row"),
        "user_friends": pl.DataFrame(list(friends), schema={"userID": pl.Int64, "friendID": pl.Int64}, orient="row"),
    }


def pair_set(frame: pl.DataFrame) -> set[tuple]:
    return set(frame.select("user_id", "item_id").iter_rows())


def test_split_invariants():
    tables = hetrec_tables({1: list(range(10)), 2: [0, 1, 2], 3: list(range(10)), 4: list(range(10)),
                            5: list(range(10))})
    params = SplitParams(test_fraction=0.2, min_artists=5, cold_users=1, seed=1)
    test = prepare_splits(tables, params)["test"]
    train, targets = test["train"], test["targets"]
    assert train.height + targets.height == tables["user_artists"].height
    assert not pair_set(train) & pair_set(targets)
    assert 2 not in targets["user_id"].to_list()  # too few artists: train only
    assert test["cold_users"].height == 0  # at most 10% of the 4 eligible users
    per_user = targets.group_by("user_id").len().sort("user_id")
    assert per_user["len"].to_list() == [2, 2, 2, 2]  # round(0.2 x 10)
    assert prepare_splits(tables, params)["test"]["targets"].equals(targets)
    assert test["summary"]["items"] == 10 and test["summary"]["cold_users"] == 0
    assert test["summary"]["train_pairs"] == train.height and test["summary"]["target_pairs"] == targets.height


def test_the_test_split_is_per_user_random_on_the_item_id_contract():
    tables = hetrec_tables({u: list(range(u, u + 8)) for u in range(12)})
    params = SplitParams(test_fraction=0.25, min_artists=5, cold_users=1, seed=9)
    test = prepare_splits(tables, params)["test"]
    direct = per_user_random(lastfm.interactions(tables["user_artists"]), 0.25, 5, 1, 9)
    assert test["train"].columns == ["user_id", "item_id", "weight"]
    assert test["train"].equals(direct["train"]) and test["targets"].equals(direct["test"])
    assert test["cold_users"].equals(direct["cold_users"])


def test_cold_users_have_every_pair_in_test():
    tables = hetrec_tables({u: list(range(6)) for u in range(20)})
    test = prepare_splits(tables, SplitParams(cold_users=2, seed=0))["test"]
    cold = test["cold_users"]["user_id"]
    assert cold.len() == 2
    assert not test["train"]["user_id"].is_in(cold.implode()).any()
    assert test["targets"].filter(pl.col("user_id").is_in(cold.implode())).height == 12
    assert test["summary"]["cold_users"] == 2 and "2 cold users" in test["summary"]["description"]


@pytest.fixture(scope="module")
def demo_splits():
    tables = lastfm_demo.generate(lastfm_demo.LastfmDemoSize.named("tiny"), seed=5)
    params = SplitParams(test_fraction=0.2, min_artists=5, cold_users=4, seed=42)
    return tables, params, prepare_splits(tables, params)


def test_valid_split_is_carved_inside_the_test_splits_training_pairs(demo_splits):
    _, _, splits = demo_splits
    test, valid = splits["test"], splits["valid"]
    assert test["cold_users"].height == 4
    # valid train + valid targets partition test's training pairs: no test pair is ever in valid
    assert not pair_set(valid["train"]) & pair_set(valid["targets"])
    assert pair_set(valid["train"]) | pair_set(valid["targets"]) == pair_set(test["train"])
    assert valid["train"].height + valid["targets"].height == test["train"].height
    assert not (pair_set(valid["train"]) | pair_set(valid["targets"])) & pair_set(test["targets"])


def test_valid_split_uses_seed_plus_one_and_no_cold_users(demo_splits):
    _, params, splits = demo_splits
    valid = splits["valid"]
    assert valid["cold_users"].height == 0 and valid["summary"]["cold_users"] == 0
    assert valid["summary"]["split"] == {"test_fraction": 0.2, "min_artists": 5, "cold_users": 0, "seed": 43}
    assert "seed 43" in valid["summary"]["description"]
    direct = per_user_random(splits["test"]["train"], params.test_fraction, params.min_artists, 0, params.seed + 1)
    assert valid["train"].equals(direct["train"]) and valid["targets"].equals(direct["test"])
    # test's cold users have no training pairs, so they are not in valid at all
    cold = splits["test"]["cold_users"]["user_id"].implode()
    assert not pl.concat([valid["train"], valid["targets"]])["user_id"].is_in(cold).any()


def test_splits_are_deterministic(demo_splits):
    tables, params, splits = demo_splits
    again = prepare_splits(tables, params)
    for split in ("test", "valid"):
        for part in ("train", "targets", "cold_users", "sequences"):
            assert again[split][part].equals(splits[split][part]), (split, part)
        assert again[split]["summary"] == splits[split]["summary"]
    other = prepare_splits(tables, SplitParams(params.test_fraction, params.min_artists, params.cold_users, 7))
    assert not other["test"]["targets"].equals(splits["test"]["targets"])


def test_each_split_has_sequences_of_its_own_training_pairs_and_the_friend_graph(demo_splits):
    tables, _, splits = demo_splits
    for split in ("test", "valid"):
        sequences, train = splits[split]["sequences"], splits[split]["train"]
        assert pair_set(sequences) == pair_set(train) and sequences.height == train.height
        positions = sequences.group_by("user_id").agg(pl.col("position").sort(), pl.len())
        assert all(p == list(range(n)) for p, n in positions.select("position", "len").iter_rows())
        summary = splits[split]["summary"]
        assert summary["sequence_order"] == lastfm.SEQUENCE_ORDER
        assert sum(summary["sequence_rows_by_order_key"].values()) == train.height
        assert summary["items"] == tables["artists"].height
    assert splits["neighbours"].columns == ["user_id", "neighbour_id"]
    assert splits["neighbours"].height == tables["user_friends"].height


def test_sequences_order_by_tag_date_then_weight():
    train = pl.DataFrame({"user_id": [1, 1, 1, 1], "item_id": [10, 11, 12, 13], "weight": [5, 50, 7, 9]})
    tags = pl.DataFrame({"user_id": [1, 1], "item_id": [12, 10],
                         "first_tag_date": [dt.date(2008, 1, 1), dt.date(2009, 1, 1)]})
    seq = training_sequences(train, tags)
    assert seq["item_id"].to_list() == [12, 10, 11, 13]
    assert seq["position"].to_list() == [0, 1, 2, 3]
    assert seq["ordered_by"].to_list() == ["first_tag_date", "first_tag_date", "weight", "weight"]


def test_split_sequences_use_the_first_tagging_date():
    tables = hetrec_tables({1: [10, 11, 12, 13, 14, 15]}, tagged=[(1, 14, 2009), (1, 12, 2007), (1, 14, 2006)])
    test = prepare_splits(tables, SplitParams(test_fraction=0.01, min_artists=100, cold_users=0))["test"]
    sequences = test["sequences"]  # min_artists 100: every pair stays in train
    assert sequences["item_id"].to_list() == [14, 12, 10, 11, 13, 15]  # 14 first tagged 2006, 12 in 2007
    assert sequences["ordered_by"].to_list() == ["first_tag_date"] * 2 + ["weight"] * 4
    assert test["summary"]["sequence_rows_by_order_key"] == {"first_tag_date": 2, "weight": 4}


def test_friend_features_by_hand():
    from musicrec.features.lastfm import friend_features

    candidates = pl.DataFrame({"user_id": [1, 1, 2], "item_id": [10, 11, 10]})
    train = pl.DataFrame({"user_id": [2, 3, 3], "item_id": [10, 10, 12], "weight": [np.e - 1, 1.0, 5.0]})
    neighbours = pl.DataFrame({"user_id": [1, 1], "neighbour_id": [2, 3]})
    rows = {(r["user_id"], r["item_id"]): r for r in friend_features(candidates, train, neighbours).iter_rows(named=True)}
    # user 1's friends 2 and 3 both have artist 10, weights e - 1 and 1: log1p sums to 1 + log 2
    assert rows[(1, 10)]["friends_listening"] == 2 and rows[(1, 10)]["n_friends"] == 2
    assert rows[(1, 10)]["friends_log_weight"] == pytest.approx(1 + np.log(2))
    assert rows[(1, 10)]["friends_share"] == pytest.approx(1.0)
    assert (rows[(1, 11)]["friends_listening"], rows[(1, 11)]["friends_share"]) == (0, 0.0)
    # user 2 has no friends: zeros
    assert (rows[(2, 10)]["n_friends"], rows[(2, 10)]["friends_share"], rows[(2, 10)]["friends_log_weight"]) == (0, 0.0, 0.0)
