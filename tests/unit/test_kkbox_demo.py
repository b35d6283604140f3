"""The KKBox demo generator writes the real schema, deterministically, with the real files' quirks."""

import filecmp

import numpy as np
import pandas as pd
import pytest

from musicrec.datasets import kkbox, kkbox_demo

SIZE = kkbox_demo.KKBoxDemoSize.named("tiny")


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    tables = kkbox_demo.generate(SIZE, seed=7)
    kkbox_demo.write(tables, {name: folder / f"{name}.csv" for name in tables})
    return folder


def test_same_seed_gives_identical_files(demo_files, tmp_path):
    tables = kkbox_demo.generate(SIZE, seed=7)
    kkbox_demo.write(tables, {name: tmp_path / f"{name}.csv" for name in tables})
    for name in tables:
        assert filecmp.cmp(demo_files / f"{name}.csv", tmp_path / f"{name}.csv", shallow=False), name


def test_columns_are_the_kaggle_schema_in_order(demo_files):
    for name, schema in kkbox.SCHEMAS.items():
        header = (demo_files / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == list(schema), name


def test_sizes_and_time_split(demo_files):
    train = pd.read_csv(demo_files / "train.csv")
    test = pd.read_csv(demo_files / "test.csv")
    assert len(train) == SIZE.n_train and len(test) == SIZE.n_test
    assert test["id"].tolist() == list(range(SIZE.n_test))
    assert 0.3 < train["target"].mean() < 0.7


def test_real_file_quirks_are_present(demo_files):
    train = pd.read_csv(demo_files / "train.csv", keep_default_na=False)
    songs = pd.read_csv(demo_files / "songs.csv", keep_default_na=False, dtype=str)
    members = pd.read_csv(demo_files / "members.csv", keep_default_na=False)
    extra = pd.read_csv(demo_files / "song_extra_info.csv", keep_default_na=False)
    assert (train["source_screen_name"] == "").any() and (train["source_system_tab"] == "").any()
    assert (members["bd"] == 0).any() and (members["bd"] < 0).any() and (members["bd"] > 1000).any()
    assert (members["gender"] == "").mean() > 0.5
    assert songs["genre_ids"].str.contains(r"\|").any()
    assert songs["composer"].str.contains(r"\| ").any(), "stray spaces around '|'"
    assert (songs["language"] == "-1.0").any()
    assert not set(train["song_id"]).issubset(set(songs["song_id"])), "ids absent from songs.csv"
    assert not set(train["song_id"]).issubset(set(extra["song_id"])), "ids absent from song_extra_info.csv"
    assert extra["name"].str.contains("\n").any() and extra["name"].str.contains(",").any()
    assert songs["artist_name"].str.contains(r"[\u4e00-\u9fff]").any(), "CJK text"
    ids = "".join(train["msno"].head(200))
    assert "+" in ids and "/" in ids and all(m.endswith("=") for m in train["msno"].head(50))


def test_artist_gender_popularity_bias_is_planted(demo_files):
    train = pd.read_csv(demo_files / "train.csv")
    songs = pd.read_csv(demo_files / "songs.csv")
    demo = pd.read_csv(demo_files / "artist_demographics.csv")
    plays = train.merge(songs, on="song_id").merge(demo, on="artist_name")
    listening_share = plays["gender"].value_counts(normalize=True)["female"]
    catalogue_share = (demo["gender"] == "female").mean()
    assert listening_share < catalogue_share


def test_unknown_size_is_rejected():
    with pytest.raises(ValueError, match="unknown demo size"):
        kkbox_demo.KKBoxDemoSize.named("huge")


def test_loader_reads_demo_files_with_quoted_newlines(demo_files):
    tables = kkbox.read_all({name: demo_files / f"{name}.csv" for name in kkbox.TABLE_NAMES})
    raw = pd.read_csv(demo_files / "song_extra_info.csv")
    assert tables["song_extra_info"].height == len(raw)
    assert np.array_equal(tables["train"]["target"].to_numpy(), pd.read_csv(demo_files / "train.csv")["target"])
