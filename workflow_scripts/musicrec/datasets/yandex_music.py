"""Loader for the Yandex Music files (the older Yandex dataset, real or demo) and its chronological splits.

Files (parquet): ``tracks.parquet`` ``track_id`` (int64), ``albums``, ``artists``, ``genres`` (lists of
int64 ids; lists can be empty); ``catalog_names.parquet`` ``id`` (int64), ``type`` (album, artist, genre,
track), ``name``; ``interactions.parquet`` ``user_id`` (int32), ``track_id`` (int32), ``track_seq`` (int16,
the position in the user's history, 1-based), ``started_at`` (datetime).

Checks (each an :class:`~musicrec.errors.InputDataError` naming the file, the column and the problem): a
missing or unreadable file, a missing column, a column whose type cannot be cast to the real one (or whose
values do not fit it), an empty table, null ids or times, repeated track ids in tracks.parquet. Plays whose
track_id is absent from tracks.parquet are dropped and counted in the log (they cannot be in the catalogue
every model ranks). Columns are cast to the real types, ``started_at`` to naive UTC microseconds.

The split (:func:`prepare_splits`) is chronological at a configurable date: ``test`` trains on every play
before ``test_start`` and targets the distinct tracks played on or after it; ``valid`` does the same at
``test_start - validation_days`` inside test's training plays, for tuning and re-rankers. Only users with
training plays are scored (no cold users), and history is not masked by the split.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from ..errors import ConfigError, InputDataError
from .validation import require_unique

log = logging.getLogger(__name__)

TABLE_NAMES = ("tracks", "catalog_names", "interactions")
ID_LIST = pl.List(pl.Int64)
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "tracks": {"track_id": pl.Int64, "albums": ID_LIST, "artists": ID_LIST, "genres": ID_LIST},
    "catalog_names": {"id": pl.Int64, "type": pl.String, "name": pl.String},
    "interactions": {"user_id": pl.Int32, "track_id": pl.Int32, "track_seq": pl.Int16,
                     "started_at": pl.Datetime("us")},
}
# Columns that must hold a value in every row.
REQUIRED_VALUES = {"tracks": ("track_id",), "catalog_names": ("id", "type"),
                   "interactions": ("user_id", "track_id", "track_seq", "started_at")}
NAME_TYPES = ("album", "artist", "genre", "track")
# The list columns of tracks.parquet and the catalog_names type of their ids.
LIST_TYPES = {"albums": "album", "artists": "artist", "genres": "genre"}


def _scan(path, name: str) -> tuple[pl.LazyFrame, pl.Schema]:
    path = Path(path)
    if not path.is_file():
        raise InputDataError(path, f"file not found (expected the Yandex Music table {name}.parquet)")
    try:
        lazy = pl.scan_parquet(path)
        return lazy, lazy.collect_schema()
    except Exception as error:  # polars raises several kinds for a file that is not parquet
        raise InputDataError(path, f"not a readable parquet file ({type(error).__name__}: "
                             f"{str(error).strip().splitlines()[0] if str(error).strip() else ''})") from None


def _cast_expr(path, column: str, found: pl.DataType, target: pl.DataType) -> pl.Expr:
    """The expression casting ``column`` (of type ``found``) to ``target``; InputDataError when the type
    cannot be cast at all. Values that do not survive the cast become null (counted by the caller)."""
    col = pl.col(column)
    cannot = InputDataError(path, f"has type {found}, which cannot be cast to {target}", column=column)
    if target == pl.String:
        if found in (pl.String, pl.Categorical) or isinstance(found, pl.Enum):
            return col.cast(pl.String)
        raise cannot
    if target.is_integer():
        if found.is_integer() or found.is_float() or found == pl.String:
            if found.is_float():  # ids written through pandas with NaN are floats: integral values only
                return pl.when(col == col.floor()).then(col).cast(target, strict=False)
            return (col.str.strip_chars() if found == pl.String else col).cast(target, strict=False)
        raise cannot
    if isinstance(target, pl.List):
        if isinstance(found, (pl.List, pl.Array)) and (found.inner.is_integer() or found.inner == pl.String):
            return col.cast(pl.List(found.inner)).cast(target, strict=False)
        if found.is_integer():  # a single id per row: a one-element list
            return pl.concat_list(col.cast(pl.Int64, strict=False))
        raise cannot
    if isinstance(target, pl.Datetime):
        if isinstance(found, pl.Datetime):
            utc = col.dt.convert_time_zone("UTC").dt.replace_time_zone(None) if found.time_zone else col
            return utc.dt.cast_time_unit(target.time_unit)
        if found == pl.Date:
            return col.cast(target)
        if found == pl.String:
            return col.str.to_datetime(time_unit=target.time_unit, strict=False)
        raise cannot
    raise cannot  # pragma: no cover (every target type of SCHEMAS is handled above)


def _uncast(column: str, found: pl.DataType, target: pl.DataType, cast: pl.Expr) -> pl.Expr:
    """Number of values (list elements for list columns) that are present before the cast and null after."""
    col = pl.col(column)
    if isinstance(target, pl.List):
        if isinstance(found, (pl.List, pl.Array)):
            return (col.cast(pl.List(found.inner)).list.eval(pl.element().is_not_null().sum()).list.first()
                    .fill_null(0).sum() - cast.list.eval(pl.element().is_not_null().sum()).list.first()
                    .fill_null(0).sum())
        return (col.is_not_null() & cast.list.first().is_null()).sum()
    return (col.is_not_null() & cast.is_null()).sum()


def read_table(path, name: str) -> pl.DataFrame:
    """Read one Yandex Music parquet file into its real schema (:data:`SCHEMAS`); InputDataError on any problem.

    Only the schema's columns are read (lazily); null lists become empty lists and null list elements are
    dropped, both counted in the log."""
    schema = SCHEMAS[name]
    lazy, found = _scan(path, name)
    missing = [c for c in schema if c not in found]
    if missing:
        raise InputDataError(path, f"missing column(s) {missing}; found {list(found)}", column=missing[0])
    casts = {c: _cast_expr(path, c, found[c], t) for c, t in schema.items()}
    checks = [pl.len().alias("__rows")]
    for column, target in schema.items():
        if found[column] != target:
            checks.append(_uncast(column, found[column], target, casts[column]).alias(f"__bad_{column}"))
        if column in REQUIRED_VALUES[name]:
            checks.append(pl.col(column).null_count().alias(f"__null_{column}"))
    facts = lazy.select(checks).collect().row(0, named=True)
    if facts["__rows"] == 0:
        raise InputDataError(path, "table is empty (no rows)")
    for column, target in schema.items():
        bad = facts.get(f"__bad_{column}", 0)
        if bad:
            example = _example(lazy, column, found[column], casts[column])
            raise InputDataError(path, f"{bad} value(s) of type {found[column]} that cannot be cast to {target} "
                                 f"(e.g. {example!r})", column=column)
        if facts.get(f"__null_{column}", 0):
            raise InputDataError(path, f"{facts[f'__null_{column}']} row(s) without a value", column=column)
    frame = lazy.select(casts[c].alias(c) for c in schema).collect()
    for column in (c for c, t in schema.items() if isinstance(t, pl.List)):
        nulls = frame[column].null_count()
        elements = int(frame.select(pl.col(column).list.eval(pl.element().is_null().sum()).list.first().sum()).item())
        if nulls or elements:
            log.warning("%s: column '%s': %d null list(s) read as empty, %d null element(s) dropped", path, column,
                        nulls, elements)
            frame = frame.with_columns(pl.col(column).list.drop_nulls().fill_null(pl.lit([], dtype=ID_LIST)))
    return frame


def _example(lazy: pl.LazyFrame, column: str, found: pl.DataType, cast: pl.Expr):
    """One value of ``column`` that the cast turns into null (or the first value, for list columns)."""
    if isinstance(found, (pl.List, pl.Array)):
        return lazy.select(pl.col(column)).head(1).collect().item().to_list()
    return lazy.filter(pl.col(column).is_not_null() & cast.is_null()).select(column).head(1).collect().item()


def load(paths: dict[str, str]) -> dict[str, pl.DataFrame]:
    """Load the three tables in the real schema; drop (and count in the log) the plays whose track is absent
    from tracks.parquet; InputDataError for repeated track ids or when no play is left.

    catalog_names: a repeated (type, id) keeps its first name; ids of tracks.parquet without a name are
    counted in the log (names are only shown in reports)."""
    tables = {name: read_table(paths[name], name) for name in TABLE_NAMES}
    tracks = tables["tracks"]
    require_unique(tracks.select("track_id"), paths["tracks"], ("track_id",))
    tables["catalog_names"] = _checked_names(tables["catalog_names"], tracks, paths["catalog_names"])
    plays = tables["interactions"]
    known = pl.col("track_id").cast(pl.Int64).is_in(tracks["track_id"].implode())
    unknown = plays.filter(~known)
    if unknown.height:
        kept = plays.filter(known)
        log.warning("%s: dropped %d of %d plays (%d distinct track ids, e.g. %d) whose track_id is absent from %s",
                    paths["interactions"], unknown.height, plays.height, unknown["track_id"].n_unique(),
                    unknown["track_id"][0], paths["tracks"])
        if kept.height == 0:
            raise InputDataError(paths["interactions"], f"none of its track ids is in {paths['tracks']}",
                                 column="track_id")
        tables["interactions"] = kept
    else:
        log.info("%s: every track_id of its %d plays is in %s", paths["interactions"], plays.height, paths["tracks"])
    return tables


def _checked_names(names: pl.DataFrame, tracks: pl.DataFrame, path) -> pl.DataFrame:
    other = names.filter(~pl.col("type").is_in(NAME_TYPES))
    if other.height:
        log.warning("%s: %d row(s) with a type outside %s (e.g. %r); kept", path, other.height,
                    ", ".join(NAME_TYPES), other["type"][0])
    repeats = names.height - names.select("type", "id").n_unique()
    if repeats:
        log.warning("%s: %d row(s) repeat an earlier (type, id); the first name of each is kept", path, repeats)
        names = names.unique(["type", "id"], keep="first", maintain_order=True)
    used = pl.concat([
        tracks.select(pl.lit("track").alias("type"), pl.col("track_id").alias("id")),
        *(tracks.select(pl.lit(kind).alias("type"), pl.col(column).explode().alias("id")).drop_nulls()
          for column, kind in LIST_TYPES.items()),
    ]).unique()
    unnamed = used.join(names, on=["type", "id"], how="anti")
    if unnamed.height:
        counts = dict(unnamed.group_by("type").len().sort("type").iter_rows())
        log.warning("%s: %d id(s) of tracks.parquet have no name (%s)", path, unnamed.height, counts)
    return names


@dataclass(frozen=True)
class SplitParams:
    """``test_start``: the first day of the test period (midnight UTC; naive times are read as UTC); the
    demo's last ~10% of plays fall on or after the default. ``validation_days``: the validation split's
    target period, the last days before ``test_start``."""

    test_start: str = "2022-12-01"
    validation_days: int = 14

    def boundaries(self) -> tuple[dt.datetime, dt.datetime]:
        """(validation start, test start) as naive UTC datetimes."""
        try:
            test = dt.datetime.combine(dt.date.fromisoformat(str(self.test_start)), dt.time())
        except ValueError:
            raise ConfigError(f"split.test_start: {self.test_start!r} is not a date (YYYY-MM-DD)") from None
        if int(self.validation_days) < 1:
            raise ConfigError(f"split.validation_days: must be at least 1, got {self.validation_days}")
        return test - dt.timedelta(days=int(self.validation_days)), test


SEQUENCE_ORDER = "started_at"


def plays(interactions: pl.DataFrame) -> pl.DataFrame:
    """The plays in the workflow's ids: user_id, item_id (the track id) as Int64, timestamp (Int64 seconds
    since the epoch of started_at) and track_seq (ties of started_at keep the user's own order)."""
    return interactions.select(
        pl.col("user_id").cast(pl.Int64), pl.col("track_id").cast(pl.Int64).alias("item_id"),
        pl.col("started_at").dt.epoch("s").cast(pl.Int64).alias("timestamp"), pl.col("track_seq").cast(pl.Int64))


def _epoch(moment: dt.datetime) -> int:
    return int(moment.replace(tzinfo=dt.timezone.utc).timestamp())


def _split(events: pl.DataFrame, train_end: int, target_end: int | None) -> dict[str, pl.DataFrame]:
    """train (summed plays before ``train_end``), targets (distinct pairs in [train_end, target_end) of users
    with training plays), cold_users (none), sequences (the training plays in time order) and counts."""
    before = events.filter(pl.col("timestamp") < train_end)
    window = events.filter((pl.col("timestamp") >= train_end)
                           & (pl.lit(True) if target_end is None else pl.col("timestamp") < target_end))
    train = (before.group_by("user_id", "item_id").agg(pl.len().cast(pl.Float32).alias("weight"))
             .sort("user_id", "item_id"))
    users = train.select("user_id").unique()
    scored = window.join(users, on="user_id", how="semi")
    targets = scored.select("user_id", "item_id").unique().sort("user_id", "item_id")
    sequences = (before.sort("user_id", "timestamp", "track_seq")
                 .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).over("user_id").alias("position"))
                 .select("user_id", "item_id", "position", "timestamp"))
    seen = targets.join(train, on=["user_id", "item_id"], how="semi").height
    counts = {
        "users": users.height, "target_users": targets["user_id"].n_unique(), "train_pairs": train.height,
        "train_plays": before.height, "test_pairs": targets.height, "target_pairs": targets.height,
        "test_plays": scored.height, "test_pairs_in_train": seen,
        "unscored_users": window.join(users, on="user_id", how="anti")["user_id"].n_unique(),
        "sequence_rows": sequences.height, "cold_users": 0,
    }
    return {"train": train, "targets": targets, "sequences": sequences,
            "cold_users": pl.DataFrame({"user_id": pl.Series([], dtype=pl.Int64)}), "counts": counts}


def item_features(tracks: pl.DataFrame) -> pl.DataFrame:
    """item_id, the first artist, album and genre id of each track (-1 where its list is empty), n_artists
    and n_genres (Int64), sorted by item_id."""
    first = {f"{kind}_id": pl.col(column).list.first().fill_null(-1).cast(pl.Int64)
             for column, kind in (("artists", "artist"), ("albums", "album"), ("genres", "genre"))}
    return tracks.select(
        pl.col("track_id").cast(pl.Int64).alias("item_id"), **first,
        n_artists=pl.col("artists").list.len().cast(pl.Int64), n_genres=pl.col("genres").list.len().cast(pl.Int64),
    ).sort("item_id")


def prepare_splits(tables: dict[str, pl.DataFrame], params: SplitParams) -> dict:
    """The two chronological splits of the plays, the catalogue and the item features (a pure function).

    * ``test``: train = every play before ``test_start`` (weight = plays of the user-track pair), targets =
      the distinct tracks played on or after it by users with training plays;
    * ``valid``: the same at ``test_start - validation_days`` inside test's training plays: train = plays
      before it, targets = tracks played from it up to ``test_start`` (tuning, re-rankers);
    * ``catalogue``: every track of tracks.parquet (item_id); ``item_features``: :func:`item_features`.
    Each split: train, targets, cold_users (empty: only users with training plays are scored), sequences
    (every training play in time order: user_id, item_id, position, timestamp) and a summary.
    ConfigError when a split's training or target period holds no play.
    """
    valid_start, test_start = params.boundaries()
    catalogue = tables["tracks"].select(pl.col("track_id").cast(pl.Int64).alias("item_id")).sort("item_id")
    events = plays(tables["interactions"])
    outside = events.join(catalogue, on="item_id", how="anti").height
    if outside:  # load() already drops them; a caller passing other tables gets the same rule
        log.warning("dropped %d play(s) of tracks absent from tracks.parquet", outside)
        events = events.join(catalogue, on="item_id", how="semi")
    first, last = events["timestamp"].min(), events["timestamp"].max()
    day = "%Y-%m-%d"
    windows = {"test": (test_start, None), "valid": (valid_start, test_start)}
    out: dict = {}
    for name, (start, end) in windows.items():
        part = _split(events, _epoch(start), None if end is None else _epoch(end))
        counts = part.pop("counts")
        period = f"on or after {start:{day}}" if end is None else f"from {start:{day}} to before {end:{day}}"
        if counts["train_plays"] == 0 or counts["test_pairs"] == 0:
            empty = "training" if counts["train_plays"] == 0 else "target"
            raise ConfigError(
                f"split.test_start {params.test_start} / validation_days {params.validation_days}: the {name} "
                f"split's {empty} period holds no play of users with training plays (plays run from "
                f"{dt.datetime.fromtimestamp(first, dt.timezone.utc):{day}} to "
                f"{dt.datetime.fromtimestamp(last, dt.timezone.utc):{day}})")
        lead = (f"chronological split at {start:{day}}" if name == "test" else
                f"validation split inside the test split's training plays, chronological at {start:{day}}")
        part["summary"] = {
            "description": f"{lead}: train = plays before it, {'test' if name == 'test' else 'targets'} = distinct "
                           f"tracks played {period} by users with training plays (only they are scored)",
            "split": asdict(params), "name": name,
            "windows": {"train_end": f"{start:{day}}", "target_start": f"{start:{day}}",
                        "target_end": None if end is None else f"{end:{day}}"},
            "items": catalogue.height, **counts, "sequence_order": SEQUENCE_ORDER,
        }
        log.info("%s split: %s", name, {k: v for k, v in counts.items() if k != "target_pairs"})
        out[name] = part
    out["catalogue"] = catalogue
    out["item_features"] = item_features(tables["tracks"])
    return out
