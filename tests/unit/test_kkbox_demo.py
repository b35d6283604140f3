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


def test_kaggle_size_has_the_row_counts_of_the_real_files():
    size = kkbox_demo.KKBoxDemoSize.named("kaggle")
    assert (size.n_train, size.n_test, size.n_members, size.songs_csv_rows) == (7_377_418, 2_556_790, 34_403, 2_296_320)


def simulation_inputs(seed=5, n_members=40, n_songs=60):
    rng = np.random.default_rng(seed)
    return rng, dict(
        member_vec=rng.normal(size=(n_members, kkbox_demo.LATENT_DIM)),
        activity=kkbox_demo._normalise(rng.lognormal(size=n_members)),
        member_bias=rng.normal(size=n_members),
        song_vec=rng.normal(size=(n_songs, kkbox_demo.LATENT_DIM)),
        song_pop=rng.lognormal(size=n_songs),
        song_quality=rng.normal(size=n_songs),
        song_artist=rng.integers(0, 12, size=n_songs),
    )


def test_simulation_does_not_depend_on_the_chunk_size():
    rng, inputs = simulation_inputs()
    whole = kkbox_demo._simulate_events(rng, 3000, **inputs, chunk_rows=10_000)
    rng, inputs = simulation_inputs()
    chunked = kkbox_demo._simulate_events(rng, 3000, **inputs, chunk_rows=7)
    for name, values in whole.items():
        assert np.array_equal(values, chunked[name]), name


def test_replays_pick_from_the_members_earlier_discoveries():
    """The vectorised replay equals the event-by-event definition: a replay plays the song at
    position floor(pick x n) of the n songs its member discovered before, in discovery order."""
    rng = np.random.default_rng(3)
    member = rng.integers(0, 15, size=2000)
    discovered = rng.integers(0, 400, size=2000)
    pick = rng.random(2000)
    replay = ~kkbox_demo._first_occurrences(member) & (rng.random(2000) < 0.5)
    history: dict[int, list[int]] = {}
    expected = []
    for m, s, p, r in zip(member, discovered, pick, replay):
        past = history.setdefault(int(m), [])
        if r:
            expected.append(past[int(p * len(past))])
        else:
            past.append(int(s))
            expected.append(int(s))
    assert kkbox_demo._played_songs(member, discovered, replay, pick).tolist() == expected


def test_earlier_plays_count_the_pairs_previous_events():
    rng = np.random.default_rng(4)
    member, item = rng.integers(0, 6, size=500), rng.integers(0, 9, size=500)
    seen: dict[tuple[int, int], int] = {}
    expected = []
    for pair in zip(member.tolist(), item.tolist()):
        expected.append(seen.get(pair, 0))
        seen[pair] = expected[-1] + 1
    assert kkbox_demo._earlier_plays(member, item).tolist() == expected
    assert kkbox_demo._first_occurrences(member).sum() == len(np.unique(member))


def test_songs_csv_padding_adds_only_unplayed_songs():
    base = kkbox_demo.KKBoxDemoSize(n_members=50, n_artists=20, n_songs=150, n_train=2000, n_test=400)
    padded = kkbox_demo.KKBoxDemoSize(**{**base.__dict__, "songs_csv_rows": 600})
    plain, more = kkbox_demo.generate(base, seed=9), kkbox_demo.generate(padded, seed=9)
    for name in ("train", "test", "members", "artist_demographics"):
        pd.testing.assert_frame_equal(plain[name], more[name])
    assert len(more["songs"]) == 600
    pd.testing.assert_frame_equal(more["songs"].head(len(plain["songs"])), plain["songs"])
    pd.testing.assert_frame_equal(more["song_extra_info"].head(len(plain["song_extra_info"])), plain["song_extra_info"])
    unplayed = set(more["songs"]["song_id"].iloc[len(plain["songs"]):])
    assert len(unplayed) == 600 - len(plain["songs"])
    assert unplayed.isdisjoint(set(more["train"]["song_id"]) | set(more["test"]["song_id"]))
    assert set(more["songs"]["artist_name"]) <= set(more["artist_demographics"]["artist_name"])
