"""Loader for the Last.fm HetRec 2011 2k files (real or demo), with explicit dtypes and clear errors.

The real files are tab-separated with a header row; artist names and tags contain quote characters
that are not CSV quoting, so quoting is disabled. tags.dat of the GroupLens zip is Latin-1 and published
re-encodings of it are UTF-8: it is read as UTF-8 when its bytes are valid UTF-8, else as Latin-1, and the
log says which. The other files must be UTF-8. Rows whose every field is empty are dropped and counted.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from ..errors import InputDataError
from ..splits import per_user_random
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
    """user_artists in the interactions contract: user_id, item_id (the artist id), weight (plays)."""
    return user_artists.rename({"userID": "user_id", "artistID": "item_id"})


def first_tag_dates(user_taggedartists: pl.DataFrame) -> pl.DataFrame:
    """Each (user_id, item_id)'s first tagging date, as a polars Date (day granularity)."""
    valid = user_taggedartists.filter(pl.col("year").is_between(1990, 2030) & pl.col("month").is_between(1, 12)
                                      & pl.col("day").is_between(1, 31))
    return (
        valid.with_columns(pl.date(pl.col("year"), pl.col("month"), pl.col("day")).alias("tag_date"))
        .group_by("userID", "artistID").agg(pl.col("tag_date").min().alias("first_tag_date"))
        .rename({"userID": "user_id", "artistID": "item_id"})
    )


SEQUENCE_ORDER = ("each user's training artists ordered by first tagging date (user_taggedartists.dat); artists "
                  "the user never tagged follow, by listening weight (heaviest first)")


def training_sequences(train: pl.DataFrame, first_tags: pl.DataFrame) -> pl.DataFrame:
    """Order each user's training artists (see ``SEQUENCE_ORDER``): tagged ones by first tagging date (ties:
    heavier first), then never-tagged ones by weight; ``ordered_by`` says which key placed each row."""
    return (
        train.join(first_tags, on=["user_id", "item_id"], how="left")
        .with_columns(pl.col("first_tag_date").is_null().alias("untagged"))
        .sort(["user_id", "untagged", "first_tag_date", "weight", "item_id"],
              descending=[False, False, False, True, False], nulls_last=True)
        .with_columns(pl.int_range(pl.len()).over("user_id").alias("position"),
                      pl.when(pl.col("untagged")).then(pl.lit("weight")).otherwise(pl.lit("first_tag_date"))
                      .alias("ordered_by"))
        .select("user_id", "item_id", "position", "ordered_by", "first_tag_date", "weight")
    )


@dataclass(frozen=True)
class SplitParams:
    test_fraction: float = 0.2
    min_artists: int = 5
    cold_users: int = 50
    seed: int = 42


def _split_files(train: pl.DataFrame, targets: pl.DataFrame, cold: pl.DataFrame, first_tags: pl.DataFrame,
                 description: str, n_artists: int, params: SplitParams) -> dict:
    sequences = training_sequences(train, first_tags)
    summary = {
        "description": description, "split": asdict(params), "items": n_artists,
        "users": pl.concat([train["user_id"], targets["user_id"]]).n_unique(),
        "train_pairs": train.height, "target_pairs": targets.height, "cold_users": cold.height,
        "sequence_order": SEQUENCE_ORDER,
        "sequence_rows_by_order_key": dict(sequences.group_by("ordered_by").len().sort("ordered_by").iter_rows()),
    }
    return {"train": train, "targets": targets, "cold_users": cold, "sequences": sequences, "summary": summary}


def prepare_splits(tables: dict[str, pl.DataFrame], params: SplitParams) -> dict[str, dict]:
    """The stage's two splits of the user-artist pairs, each with its training sequences and a summary.

    * ``test``: per-user random split (:func:`musicrec.splits.per_user_random`) with held-out cold users;
    * ``valid``: the same split again inside ``test``'s training pairs (seed + 1, no cold users): what
      re-rankers learn from and hyper-parameters are tuned on, so the test pairs are never seen.
    Also ``neighbours``: the friendship graph (user_id, neighbour_id) of user_friends.dat, and
    ``catalogue``: every artist of artists.dat (item_id), what every model ranks.
    """
    pairs = interactions(tables["user_artists"])
    first_tags = first_tag_dates(tables["user_taggedartists"])
    n_artists = tables["artists"].height
    test = per_user_random(pairs, params.test_fraction, params.min_artists, params.cold_users, params.seed)
    valid_params = SplitParams(params.test_fraction, params.min_artists, 0, params.seed + 1)
    valid = per_user_random(test["train"], params.test_fraction, params.min_artists, 0, valid_params.seed)
    share = f"{params.test_fraction:.0%} of each user's artists (at least 1)"
    too_few = f"users with fewer than {params.min_artists} artists only in train (not evaluated)"
    log.info("split: %d pairs -> %d train, %d test (%d cold users); validation inside train: %d / %d", pairs.height,
             test["train"].height, test["test"].height, test["cold_users"].height, valid["train"].height,
             valid["test"].height)
    return {
        "test": _split_files(test["train"], test["test"], test["cold_users"], first_tags,
                             f"per-user random split of user-artist pairs: {share} in test; {too_few}; "
                             f"{test['cold_users'].height} cold users with all pairs in test (evaluated "
                             "separately)", n_artists, params),
        "valid": _split_files(valid["train"], valid["test"], valid["cold_users"], first_tags,
                              f"validation split inside the test split's training pairs: {share} held out "
                              f"again per user (seed {valid_params.seed}); {too_few}", n_artists, valid_params),
        "neighbours": tables["user_friends"].select(pl.col("userID").alias("user_id"),
                                                    pl.col("friendID").alias("neighbour_id")),
        "catalogue": tables["artists"].select(pl.col("id").alias("item_id")).sort("item_id"),
    }


# The column of the artist-demographics table (rule artist_demographics) that names a Last.fm artist.
ARTIST_KEY = "artist_name"


def item_artists(artists_path) -> pl.DataFrame:
    """The artist of each Last.fm item (an item is an artist): item (artist id), artist (its name, the
    ``ARTIST_KEY`` of the demographics table) and provider (the name shown in reports)."""
    artists = read_table(artists_path, "artists")
    return artists.select(pl.col("id").alias("item"), pl.col("name").alias("artist"), pl.col("name").alias("provider"))
