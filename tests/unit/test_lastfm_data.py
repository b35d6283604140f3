"""Last.fm loader, demo generator and split: real formats, bad-input messages, split invariants."""

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
