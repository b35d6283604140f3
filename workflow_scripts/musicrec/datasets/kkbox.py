"""Loader for the KKBox (WSDM Cup 2018) files, real or demo, with explicit dtypes and clear errors.

Every column is first read as text, then cast to its declared type; a value that does not cast is
reported with the file, the column and an example, instead of a parser stack trace. The files must be
UTF-8 (the Kaggle files are); rows whose every field is empty are dropped and counted in the log.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..errors import InputDataError
from .validation import (
    cast_columns,
    read_text_table,
    require_both_classes,
    require_columns,
    require_unique,
    require_values,
)

TABLE_NAMES = ("train", "test", "songs", "members", "song_extra_info")

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "train": {
        "msno": pl.String,
        "song_id": pl.String,
        "source_system_tab": pl.String,
        "source_screen_name": pl.String,
        "source_type": pl.String,
        "target": pl.Int8,
    },
    "test": {
        "id": pl.Int64,
        "msno": pl.String,
        "song_id": pl.String,
        "source_system_tab": pl.String,
        "source_screen_name": pl.String,
        "source_type": pl.String,
    },
    "songs": {
        "song_id": pl.String,
        "song_length": pl.Int64,
        "genre_ids": pl.String,
        "artist_name": pl.String,
        "composer": pl.String,
        "lyricist": pl.String,
        "language": pl.Float64,
    },
    "members": {
        "msno": pl.String,
        "city": pl.Int64,
        "bd": pl.Int64,
        "gender": pl.String,
        "registered_via": pl.Int64,
        "registration_init_time": pl.Int64,
        "expiration_date": pl.Int64,
    },
    "song_extra_info": {"song_id": pl.String, "name": pl.String, "isrc": pl.String},
}

# Columns that must never be empty, per table.
REQUIRED_VALUES = {
    "train": ("msno", "song_id", "target"),
    "test": ("id", "msno", "song_id"),
    "songs": ("song_id",),
    "members": ("msno",),
    "song_extra_info": ("song_id",),
}
# Keys that identify a row, per table (test.csv ids name the rows of a submission).
UNIQUE_KEYS = {"test": ("id",)}
# Tables whose emptiness makes the pipeline meaningless.
MUST_HAVE_ROWS = ("train", "test", "songs", "members")


def read_table(name: str, path) -> pl.DataFrame:
    """Read one KKBox table with its declared dtypes; raise InputDataError on any problem."""
    path = Path(path)
    schema = SCHEMAS[name]
    if not path.is_file():
        raise InputDataError(path, "file not found")
    if path.stat().st_size == 0:
        raise InputDataError(path, "file is empty (no header, no rows)")
    raw = read_text_table(path, "a readable CSV file", quote_char='"')
    require_columns(raw, path, schema)
    if name in MUST_HAVE_ROWS and raw.height == 0:
        raise InputDataError(path, "table has a header but no rows")
    frame = cast_columns(raw.select(list(schema)), path, schema)
    require_values(frame, path, REQUIRED_VALUES[name])
    if name == "train":
        bad_targets = frame.filter(~pl.col("target").is_in([0, 1]))
        if bad_targets.height:
            raise InputDataError(
                path, f"target must be 0 or 1, found {bad_targets['target'][0]}", column="target"
            )
        require_both_classes(frame, path, "target")
    if name in UNIQUE_KEYS:
        require_unique(frame, path, UNIQUE_KEYS[name])
    return frame


def read_all(paths: dict[str, str]) -> dict[str, pl.DataFrame]:
    """Read the five tables named in ``paths`` (keys: TABLE_NAMES)."""
    return {name: read_table(name, paths[name]) for name in TABLE_NAMES}
