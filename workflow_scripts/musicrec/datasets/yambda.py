"""Reader of the Yandex Yambda files (Hugging Face ``yandex/yambda``, real or demo), lazily, with clear errors.

Files of one scale (50m, 500m, 5b) sit in one folder: ``multi_event.parquet`` (every event, the only
event file the preparation reads), ``embeddings.parquet`` and the two item mappings, which some copies
name ``artist_item_mapping.parquet`` / ``album_item_mapping.parquet`` and others ``artist_mapping.parquet``
/ ``album_mapping.parquet`` (either is found). Both layouts are read: the flat one (one row per event,
columns ``uid, timestamp, item_id, is_organic, played_ratio_pct, track_length_seconds, event_type``) and
the sequential one (one row per user, every other column a list in time order), which is exploded to the
flat one; the layout is told by the column types, so no setting is needed.
"""

from __future__ import annotations

import logging
from pathlib import Path

import polars as pl

from ..errors import InputDataError
from .yambda_files import FILE_NAMES

log = logging.getLogger(__name__)

EVENT_SCHEMA: dict[str, pl.DataType] = {
    "uid": pl.UInt32, "timestamp": pl.UInt32, "item_id": pl.UInt32, "is_organic": pl.UInt8,
    "played_ratio_pct": pl.UInt16, "track_length_seconds": pl.UInt32, "event_type": pl.String,
}
EVENT_TYPES = ("listen", "like", "dislike", "unlike", "undislike")
MAPPING_SCHEMAS = {
    "artist_item_mapping": {"artist_id": pl.UInt32, "item_id": pl.UInt32},
    "album_item_mapping": {"album_id": pl.UInt32, "item_id": pl.UInt32},
}
EMBEDDING_COLUMNS = ("item_id", "normalized_embed")


def _schema_of(path) -> pl.Schema:
    if not Path(path).exists():
        raise InputDataError(path, "file not found (the Yambda files of one scale belong in one folder: "
                             f"{', '.join(s[0] + '.parquet' for s in FILE_NAMES.values())})")
    try:
        return pl.scan_parquet(path).collect_schema()
    except Exception as error:  # polars raises several kinds for a file that is not parquet
        raise InputDataError(path, f"not a readable parquet file ({type(error).__name__}: {error})") from None


def _require(schema: pl.Schema, path, columns) -> None:
    missing = [c for c in columns if c not in schema]
    if missing:
        raise InputDataError(path, f"missing column(s) {missing} (it has {list(schema)})", column=missing[0])


def is_sequential(schema: pl.Schema) -> bool:
    """The sequential layout holds one list per user in ``item_id``."""
    return isinstance(schema["item_id"], pl.List)


def scan_events(path) -> pl.LazyFrame:
    """The events of ``multi_event.parquet`` in the flat layout and the real dtypes, lazily.

    A sequential file is exploded (each list column in step); ``event_type`` becomes a string. Ids that do
    not fit their type or event types outside :data:`EVENT_TYPES` are reported by :func:`check_events`.
    """
    schema = _schema_of(path)
    _require(schema, path, EVENT_SCHEMA)
    events = pl.scan_parquet(path)
    if is_sequential(schema):
        log.info("%s: sequential layout (one row per user); exploded to one row per event", path)
        events = events.explode([c for c in EVENT_SCHEMA if c != "uid"])
    return events.select(pl.col(c).cast(t, strict=False) for c, t in EVENT_SCHEMA.items())


def check_events(events: pl.LazyFrame, path) -> dict:
    """Row count, users, items and time span of the events; InputDataError for an empty table, null ids or
    timestamps, or an unknown event type (one streaming pass)."""
    facts = events.select(
        pl.len().alias("rows"),
        pl.col("uid").null_count().alias("null_uid"),
        pl.col("item_id").null_count().alias("null_item_id"),
        pl.col("timestamp").null_count().alias("null_timestamp"),
        (~pl.col("event_type").is_in(EVENT_TYPES)).sum().alias("bad_event_type"),
        pl.col("uid").n_unique().alias("users"),
        pl.col("item_id").n_unique().alias("items"),
        pl.col("timestamp").min().alias("first_timestamp"),
        pl.col("timestamp").max().alias("last_timestamp"),
    ).collect(engine="streaming").row(0, named=True)
    if facts["rows"] == 0:
        raise InputDataError(path, "no events")
    for column in ("uid", "item_id", "timestamp"):
        if facts[f"null_{column}"]:
            raise InputDataError(path, f"{facts[f'null_{column}']} row(s) without a value (or with a value that "
                                 "is not an unsigned 32-bit integer)", column=column)
    if facts["bad_event_type"]:
        raise InputDataError(path, f"{facts['bad_event_type']} row(s) with an event type outside "
                             f"{', '.join(EVENT_TYPES)}", column="event_type")
    return {k: v for k, v in facts.items() if not k.startswith(("null_", "bad_"))}


def read_mapping(path, table: str) -> pl.DataFrame:
    """An item mapping (artist or album id per item) in the real dtypes; one row per item."""
    schema = _schema_of(path)
    _require(schema, path, MAPPING_SCHEMAS[table])
    frame = pl.read_parquet(path, columns=list(MAPPING_SCHEMAS[table])).cast(MAPPING_SCHEMAS[table], strict=False)
    for column in frame.columns:
        if frame[column].null_count():
            raise InputDataError(path, f"{frame[column].null_count()} row(s) without an unsigned integer value",
                                 column=column)
    repeated = frame.height - frame["item_id"].n_unique()
    if repeated:
        log.info("%s: %d item(s) with more than one row; the first row of each is kept", path, repeated)
    return frame.unique("item_id", keep="first", maintain_order=True)


def scan_embeddings(path) -> pl.LazyFrame:
    """``item_id`` and ``normalized_embed`` (the unit-norm audio embedding) of embeddings.parquet, lazily."""
    schema = _schema_of(path)
    _require(schema, path, EMBEDDING_COLUMNS)
    if not isinstance(schema["normalized_embed"], (pl.List, pl.Array)):
        raise InputDataError(path, f"expected a list of floats, found {schema['normalized_embed']}",
                             column="normalized_embed")
    return pl.scan_parquet(path).select(pl.col("item_id").cast(pl.UInt32), "normalized_embed")


# The column of a Yambda artist-demographics table (config yambda.artist_demographics) that names an artist.
ARTIST_KEY = "artist_id"


def item_artists(mapping_path) -> pl.DataFrame:
    """The artist of each Yambda item (a track) from artist_item_mapping: item (track id), artist (artist
    id as text, the ``ARTIST_KEY`` of the demographics table) and provider ("artist <id>": Yambda has no
    artist names)."""
    mapping = read_mapping(mapping_path, "artist_item_mapping")
    return mapping.select(pl.col("item_id").alias("item"), pl.col("artist_id").cast(pl.String).alias("artist"),
                          pl.format("artist {}", pl.col("artist_id")).alias("provider"))
