"""Loader for the Last.fm HetRec 2011 2k files (real or demo), with explicit dtypes and clear errors.

The real files are tab-separated with a header row; artist names and tags contain quote characters
that are not CSV quoting, so quoting is disabled. tags.dat of the GroupLens zip is Latin-1 and published
re-encodings of it are UTF-8: it is read as UTF-8 when its bytes are valid UTF-8, else as Latin-1, and the
log says which. The other files must be UTF-8. Rows whose every field is empty are dropped and counted.
"""

from __future__ import annotations

import logging
from pathlib import Path

import polars as pl

from ..errors import InputDataError
from .validation import cast_columns, read_text_table, require_columns, require_unique, require_values

log = logging.getLogger(__name__)

TABLE_NAMES = ("user_artists", "artists", "tags", "user_taggedartists", "user_friends")

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "user_artists": {"userID": pl.Int64, "artistID": pl.Int64, "weight": pl.Int64},
    "artists": {"id": pl.Int64, "name": pl.String, "url": pl.String, "pictureURL": pl.String},
    "tags": {"tagID": pl.Int64, "tagValue": pl.String},
    "user_taggedartists": {
        "userID": pl.Int64, "artistID": pl.Int64, "tagID": pl.Int64,
        "day": pl.Int64, "month": pl.Int64, "year": pl.Int64,
    },
    "user_friends": {"userID": pl.Int64, "friendID": pl.Int64},
}
# The encoding a file is read with when its bytes are not valid UTF-8 (the others must be UTF-8).
FALLBACK_ENCODINGS = {"tags": "Latin-1"}
# Columns that must hold a value in every row.
REQUIRED_VALUES = {
    "user_artists": ("userID", "artistID", "weight"),
    "artists": ("id", "name"),
    "tags": ("tagID",),
    "user_taggedartists": ("userID", "artistID", "tagID", "day", "month", "year"),
    "user_friends": ("userID", "friendID"),
}
UNIQUE_KEYS = {"user_artists": ("userID", "artistID"), "artists": ("id",), "tags": ("tagID",)}


def read_table(path, name: str) -> pl.DataFrame:
    """Read one HetRec .dat file into its declared schema; raise InputDataError on any problem."""
    path = Path(path)
    schema = SCHEMAS[name]
    if not path.is_file():
        raise InputDataError(path, f"file not found (expected the HetRec table {name}.dat)")
    raw = read_text_table(
        path, "a tab-separated table with a header", FALLBACK_ENCODINGS.get(name),
        separator="\t", quote_char=None, has_header=True, truncate_ragged_lines=False,
    )
    require_columns(raw, path, schema)
    if raw.height == 0:
        raise InputDataError(path, "table is empty")
    frame = raw.select(list(schema)).with_columns(pl.col(pl.String).str.strip_chars("\r"))
    frame = cast_columns(frame, path, schema)
    require_values(frame, path, REQUIRED_VALUES[name])
    if name in UNIQUE_KEYS:
        require_unique(frame, path, UNIQUE_KEYS[name])
    return frame


def load(paths: dict[str, str]) -> dict[str, pl.DataFrame]:
    """Load all five tables, check that user_artists joins to artists, and drop tag rows that do not.

    user_taggedartists.dat of the real data refers to artist ids absent from artists.dat; those rows
    are dropped and counted in the log.
    """
    tables = {name: read_table(paths[name], name) for name in TABLE_NAMES}
    known = tables["artists"]["id"]
    unknown = tables["user_artists"].filter(~pl.col("artistID").is_in(known.implode()))
    if unknown.height:
        raise InputDataError(paths["user_artists"], f"{unknown.height} row(s) with artist ids absent from "
                             f"artists.dat (e.g. {unknown['artistID'][0]})", column="artistID")
    if (tables["user_artists"]["weight"] <= 0).any():
        raise InputDataError(paths["user_artists"], "weights must be positive listening counts", column="weight")
    tagged = tables["user_taggedartists"]
    kept = tagged.filter(pl.col("artistID").is_in(known.implode()) & pl.col("tagID").is_in(tables["tags"]["tagID"].implode()))
    log.info("user_taggedartists: dropped %d of %d rows whose artist or tag id is absent from artists.dat/tags.dat",
             tagged.height - kept.height, tagged.height)
    tables["user_taggedartists"] = kept
    return tables


def interactions(user_artists: pl.DataFrame) -> pl.DataFrame:
    """user_artists in the workflow's column names: user_id, artist_id, weight."""
    return user_artists.rename({"userID": "user_id", "artistID": "artist_id"})


def first_tag_dates(user_taggedartists: pl.DataFrame) -> pl.DataFrame:
    """Each (user_id, artist_id)'s first tagging date, as a polars Date (day granularity)."""
    valid = user_taggedartists.filter(pl.col("year").is_between(1990, 2030) & pl.col("month").is_between(1, 12)
                                      & pl.col("day").is_between(1, 31))
    return (
        valid.with_columns(pl.date(pl.col("year"), pl.col("month"), pl.col("day")).alias("tag_date"))
        .group_by("userID", "artistID").agg(pl.col("tag_date").min().alias("first_tag_date"))
        .rename({"userID": "user_id", "artistID": "artist_id"})
    )
