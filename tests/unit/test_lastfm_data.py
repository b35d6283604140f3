"""Last.fm loader, demo generator and split: real formats, bad-input messages, split invariants."""

import logging
from pathlib import Path

import polars as pl
import pytest

from musicrec.datasets import lastfm, lastfm_demo
from musicrec.errors import InputDataError
from musicrec.pipelines.lastfm import SplitParams, split_interactions, training_sequences


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


def test_split_invariants():
    pairs = pl.DataFrame({"user_id": [1] * 10 + [2] * 3 + [3] * 10 + [4] * 10 + [5] * 10,
                          "artist_id": list(range(10)) + [0, 1, 2] + list(range(10)) * 3, "weight": 1})
    parts = split_interactions(pairs, SplitParams(test_fraction=0.2, min_artists=5, cold_users=1, seed=1))
    train, test = parts["train"], parts["test"]
    assert train.height + test.height == pairs.height
    assert train.join(test, on=["user_id", "artist_id"], how="inner").height == 0
    assert 2 not in test["user_id"].to_list()  # too few artists: train only
    assert parts["too_few"]["user_id"].to_list() == [2]
    cold = parts["cold_users"]["user_id"].to_list()
    assert len(cold) == 0  # at most 10% of the 4 eligible users
    per_user = test.group_by("user_id").len().sort("user_id")
    assert per_user["len"].to_list() == [2, 2, 2, 2]
    again = split_interactions(pairs, SplitParams(test_fraction=0.2, min_artists=5, cold_users=1, seed=1))
    assert again["test"].equals(test)


def test_cold_users_have_every_pair_in_test():
    pairs = pl.DataFrame({"user_id": [u for u in range(20) for _ in range(6)],
                          "artist_id": [a for _ in range(20) for a in range(6)], "weight": 1})
    parts = split_interactions(pairs, SplitParams(cold_users=2, seed=0))
    cold = parts["cold_users"]["user_id"]
    assert cold.len() == 2
    assert not parts["train"]["user_id"].is_in(cold.implode()).any()
    assert parts["test"].filter(pl.col("user_id").is_in(cold.implode())).height == 12


def test_sequences_order_by_tag_date_then_weight():
    import datetime as dt

    train = pl.DataFrame({"user_id": [1, 1, 1, 1], "artist_id": [10, 11, 12, 13], "weight": [5, 50, 7, 9]})
    tags = pl.DataFrame({"user_id": [1, 1], "artist_id": [12, 10],
                         "first_tag_date": [dt.date(2008, 1, 1), dt.date(2009, 1, 1)]})
    seq = training_sequences(train, tags)
    assert seq["artist_id"].to_list() == [12, 10, 11, 13]
    assert seq["position"].to_list() == [0, 1, 2, 3]
    assert seq["ordered_by"].to_list() == ["first_tag_date", "first_tag_date", "weight", "weight"]
