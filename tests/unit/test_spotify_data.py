"""Spotify songs loader and the name normalisation + join to Last.fm artists."""

import logging

import polars as pl
import pytest

from musicrec.datasets import spotify, spotify_demo
from musicrec.errors import InputDataError
from musicrec.features.lastfm import join_audio, normalise_name


def test_na_values_and_duplicate_tracks(tmp_path):
    songs = spotify_demo.generate(["Ana", "The Cure"], ["pop", "rock"], [1.0, 2.0],
                                  __import__("numpy").random.default_rng(0))
    path = tmp_path / "spotify_songs.csv"
    spotify_demo.write(songs, path)
    assert b",NA," in path.read_bytes()
    loaded = spotify.load(path)
    assert loaded["track_id"].is_unique().all()
    assert loaded["danceability"].dtype == pl.Float64


def test_bad_numeric_column_is_named(tmp_path):
    path = tmp_path / "spotify_songs.csv"
    header = ",".join(spotify.COLUMNS)
    row = ["t1", "n", "a", "50", "al", "an", "2019", "p", "pid", "pop", "sub"] + ["0.5"] * 12
    row[spotify.COLUMNS.index("tempo")] = "fast"
    path.write_text(header + "\n" + ",".join(row) + "\n")
    with pytest.raises(InputDataError, match="column 'tempo': non-numeric"):
        spotify.load(path)
    path.write_text("track_id,track_name\nx,y\n")
    with pytest.raises(InputDataError, match="missing column"):
        spotify.load(path)


def test_blank_rows_are_dropped_and_counted(tmp_path, caplog):
    path = tmp_path / "spotify_songs.csv"
    row = ["t1", "n", "a", "50", "al", "an", "2019", "p", "pid", "pop", "sub"] + ["0.5"] * 12
    blank = "," * (len(spotify.COLUMNS) - 1)
    path.write_text(",".join(spotify.COLUMNS) + "\n" + ",".join(row) + "\n" + (blank + "\n") * 4)
    with caplog.at_level(logging.INFO):
        loaded = spotify.load(path)
    assert loaded["track_id"].to_list() == ["t1"]
    assert [r.getMessage() for r in caplog.records] == [f"{path}: dropped 4 blank row(s) (every field empty)"]


def test_real_songs_file_is_utf8_without_blank_rows(shared_data, caplog):
    with caplog.at_level(logging.INFO):
        loaded = spotify.load(shared_data / "spotify_songs" / "spotify_songs.csv")
    assert loaded["track_id"].is_unique().all() and caplog.records == []
    assert loaded.filter(pl.col("track_artist") == "Beyoncé").height > 0


@pytest.mark.parametrize("raw, expected", [
    ("The Beatles", "beatles"), ("BEYONCÉ", "beyonce"), ("Simon & Garfunkel", "simon and garfunkel"),
    ("Florence + the Machine", "florence and the machine"), ("AC/DC", "acdc"), ("Guns N' Roses", "guns n roses"),
    ("Calvin Harris feat. Rihanna", "calvin harris"), ("Drake (with Future)", "drake"),
    ("  Sigur   Rós ", "sigur ros"), ("Jay-Z ft. Kanye West", "jayz"),
])
def test_normalise_name(raw, expected):
    assert pl.select(normalise_name(pl.lit(raw))).item() == expected


def test_join_reports_coverage():
    artists = pl.DataFrame({"id": [1, 2, 3], "name": ["The Cure", "Björk", "Nobody Known"]})
    songs = pl.DataFrame({"track_artist": ["Cure", "bjork", "Cure", None],
                          **{c: [1.0, 2.0, 3.0, 4.0] for c in spotify.AUDIO_FEATURES + ("track_popularity",)}})
    train = pl.DataFrame({"user_id": [1, 1, 2], "item_id": [1, 3, 3], "weight": [10, 10, 20]})
    joined, coverage = join_audio(artists, songs, train)
    assert coverage["artists_matched"] == 2 and coverage["artist_coverage"] == pytest.approx(2 / 3)
    assert coverage["pair_coverage"] == pytest.approx(1 / 3) and coverage["weight_coverage"] == pytest.approx(0.25)
    assert coverage["artist_coverage_lowercase_only"] == 0.0
    cure = joined.filter(pl.col("item_id") == 1)
    assert cure["spotify_songs"].item() == 2 and cure["audio_danceability"].item() == pytest.approx(2.0)
