"""Loader for the Spotify 30k songs table (TidyTuesday 2020-01-21, spotify_songs.csv), real or demo.

The real CSV is standard comma-separated with double-quote quoting, uses the literal ``NA`` for missing
values (5 rows lack track_name, track_artist and track_album_name), and repeats a track once per
playlist it appears in; :func:`load` returns one row per track_id. The file must be UTF-8; rows whose
every field is empty (or ``NA``) are dropped and counted in the log.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..errors import InputDataError
from .validation import cast_columns, read_text_table, require_columns, require_values

AUDIO_FEATURES = (
    "danceability", "energy", "key", "loudness", "mode", "speechiness", "acousticness",
    "instrumentalness", "liveness", "valence", "tempo", "duration_ms",
)
TEXT_COLUMNS = (
    "track_id", "track_name", "track_artist", "track_album_id", "track_album_name",
    "track_album_release_date", "playlist_name", "playlist_id", "playlist_genre", "playlist_subgenre",
)
COLUMNS = TEXT_COLUMNS[:3] + ("track_popularity",) + TEXT_COLUMNS[3:] + AUDIO_FEATURES


def load(path) -> pl.DataFrame:
    """Read spotify_songs.csv, type its numeric columns, and keep the first row of each track_id."""
    path = Path(path)
    if not path.is_file():
        raise InputDataError(path, "file not found (expected spotify_songs.csv)")
    raw = read_text_table(path, "a CSV table with a header", null_values=["NA", ""])
    require_columns(raw, path, COLUMNS)
    if raw.height == 0:
        raise InputDataError(path, "table is empty")
    require_values(raw, path, ["track_id"])
    numeric = ("track_popularity",) + AUDIO_FEATURES
    frame = cast_columns(raw.select(COLUMNS), path, {c: pl.Float64 if c in numeric else pl.String for c in COLUMNS})
    return frame.unique("track_id", keep="first", maintain_order=True)
