"""Loader for the Spotify Sequential Skip Prediction Challenge (Music Streaming Sessions Dataset, MSSD) files.

Brost, Mehrotra and Jehan, "The Music Streaming Sessions Dataset", WWW 2019. Every column is read as text,
then checked and cast to an explicit polars dtype (:mod:`.validation` does the encoding, blank-row, column and
number checks); each problem is a one-line InputDataError naming the file, the column and an example.

* Booleans are spelled ``True``/``False`` (anything else is an error); dates are ``YYYY-MM-DD`` in the official
  files and ``dd-mm-yy`` in one public copy of the mini log: the spelling is detected per file (from its first
  date) and logged, and every date of the file must have it.
* context_type and the two reason columns become ``pl.Enum``s of the vocabularies below, mode an Enum of
  major/minor; key (0-11), time_signature, hour_of_day (0-23) and the 0/1 pause and switch flags are range checked.
  The log vocabularies are the values of the public mini log (log_mini.csv); a value outside them is an error.
* Sessions are checked as a whole: a session whose session_length differs between its rows or from its number of
  rows, or whose positions are not 1..session_length (a gap, a repeat, a position past the length), is dropped;
  the counts are logged and returned in a report dict.

Test-set files: ``log_prehistory_*`` holds the first part of each test session with every log column and
``log_input_*`` the rest of it with only session_id, session_position, session_length and track_id_clean (the
tracks whose skip_2 is predicted). Assumed (the challenge describes the split as "the first half" without saying
how odd lengths are cut): the prehistory holds positions 1..n and the input n+1..session_length for some
0 < n < session_length, so each file is checked for contiguous positions from 1 (prehistory) or up to
session_length (input); the report counts the sessions whose cut is not floor(session_length / 2) without
dropping them.
"""

from __future__ import annotations

import logging
from pathlib import Path

import polars as pl

from ..errors import InputDataError
from .validation import cast_columns, read_text_table, require_columns, require_unique, require_values

log = logging.getLogger(__name__)

LOG_COLUMNS = (
    "session_id", "session_position", "session_length", "track_id_clean", "skip_1", "skip_2", "skip_3",
    "not_skipped", "context_switch", "no_pause_before_play", "short_pause_before_play", "long_pause_before_play",
    "hist_user_behavior_n_seekfwd", "hist_user_behavior_n_seekback", "hist_user_behavior_is_shuffle", "hour_of_day",
    "date", "premium", "context_type", "hist_user_behavior_reason_start", "hist_user_behavior_reason_end",
)
INPUT_COLUMNS = LOG_COLUMNS[:4]
ACOUSTIC_VECTORS = tuple(f"acoustic_vector_{i}" for i in range(8))
TRACK_COLUMNS = (
    "track_id", "duration", "release_year", "us_popularity_estimate", "acousticness", "beat_strength", "bounciness",
    "danceability", "dyn_range_mean", "energy", "flatness", "instrumentalness", "key", "liveness", "loudness",
    "mechanism", "mode", "organism", "speechiness", "tempo", "time_signature", "valence", *ACOUSTIC_VECTORS,
)

BOOLEAN_COLUMNS = ("skip_1", "skip_2", "skip_3", "not_skipped", "hist_user_behavior_is_shuffle", "premium")
BOOLEAN_SPELLINGS = {"True": True, "False": False}
# The vocabularies of the public mini log (its one-hot columns); a value outside them stops the loader with one
# line naming it, so a full-data value missing here is added to these tuples.
CONTEXT_TYPES = ("catalog", "charts", "editorial_playlist", "personalized_playlist", "radio", "user_collection")
REASONS_START = ("appload", "backbtn", "clickrow", "endplay", "fwdbtn", "playbtn", "remote", "trackdone", "trackerror")
REASONS_END = ("appload", "backbtn", "clickrow", "endplay", "fwdbtn", "logout", "remote", "trackdone")
MODES = ("major", "minor")
VOCABULARIES = {
    "context_type": CONTEXT_TYPES,
    "hist_user_behavior_reason_start": REASONS_START,
    "hist_user_behavior_reason_end": REASONS_END,
    "mode": MODES,
}
# Inclusive ranges of integer columns.
RANGES = {
    "context_switch": (0, 1), "no_pause_before_play": (0, 1), "short_pause_before_play": (0, 1),
    "long_pause_before_play": (0, 1), "hour_of_day": (0, 23), "key": (0, 11), "time_signature": (0, 7),
}
# Date spellings: (regular expression, strptime format, name used in messages and the log).
DATE_SPELLINGS = ((r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d", "YYYY-MM-DD"), (r"^\d{2}-\d{2}-\d{2}$", "%d-%m-%y", "dd-mm-yy"))

_INTEGERS = {
    "session_position": pl.UInt8, "session_length": pl.UInt8, "context_switch": pl.UInt8,
    "no_pause_before_play": pl.UInt8, "short_pause_before_play": pl.UInt8, "long_pause_before_play": pl.UInt8,
    "hist_user_behavior_n_seekfwd": pl.UInt32, "hist_user_behavior_n_seekback": pl.UInt32, "hour_of_day": pl.UInt8,
}
LOG_SCHEMA: dict[str, pl.DataType] = {
    column: _INTEGERS.get(column, pl.Boolean if column in BOOLEAN_COLUMNS else pl.Date if column == "date"
                          else pl.Enum(VOCABULARIES[column]) if column in VOCABULARIES else pl.String)
    for column in LOG_COLUMNS
}
TRACK_SCHEMA: dict[str, pl.DataType] = {
    column: pl.String if column == "track_id" else pl.Enum(MODES) if column == "mode"
    else pl.UInt8 if column in ("key", "time_signature") else pl.Int16 if column == "release_year" else pl.Float64
    for column in TRACK_COLUMNS
}
LOG_KINDS = ("training", "prehistory", "input")


def log_kind(path) -> str:
    """"prehistory" for a ``log_prehistory_*`` file, "input" for a ``log_input_*`` file, else "training"."""
    name = Path(path).name
    if name.startswith("log_prehistory_"):
        return "prehistory"
    return "input" if name.startswith("log_input_") else "training"


def read_log(path, kind: str | None = None) -> tuple[pl.DataFrame, dict]:
    """One session log (a training, prehistory or input file; ``kind`` defaults to :func:`log_kind`) as
    ``(frame, report)``: the frame has the file's columns in ``LOG_SCHEMA`` dtypes (an input file: the four
    ``INPUT_COLUMNS``), sorted by session_id and session_position, without the dropped sessions; the report gives
    file, kind, rows, sessions, date_format and the dropped counts (see :func:`check_sessions`)."""
    path = Path(path)
    kind = kind or log_kind(path)
    if kind not in LOG_KINDS:
        raise ValueError(f"unknown log kind {kind!r} (one of {LOG_KINDS})")
    columns = INPUT_COLUMNS if kind == "input" else LOG_COLUMNS
    raw = _read_raw(path, columns, "an MSSD session log (CSV with a header)")
    date_format = None if kind == "input" else _date_spelling(raw, path)
    frame = _cast(raw, path, {column: LOG_SCHEMA[column] for column in columns}, date_format)
    frame, report = check_sessions(frame, path, kind)
    report["date_format"] = date_format
    return frame.sort("session_id", "session_position"), report


def read_track_features(path) -> pl.DataFrame:
    """The track-feature table (``tf_*.csv``): one row per track_id, columns in ``TRACK_SCHEMA`` dtypes."""
    path = Path(path)
    raw = _read_raw(path, TRACK_COLUMNS, "an MSSD track-feature table (CSV with a header)")
    frame = _cast(raw, path, TRACK_SCHEMA, None)
    require_unique(frame, path, ("track_id",))
    return frame


def check_sessions(frame: pl.DataFrame, path, kind: str) -> tuple[pl.DataFrame, dict]:
    """Drop the sessions of ``frame`` whose rows do not form a valid session of a ``kind`` file; return the kept
    rows and a report.

    A session's length is bad when session_length differs between its rows or, in a training file, from its row
    count (in a test file the row count must be below it). Its positions are bad when they repeat or leave a gap,
    or do not run from 1 to session_length (training), from 1 (prehistory) or up to session_length (input).
    Report keys: file, kind, rows, sessions (both kept), dropped_sessions_bad_length, dropped_sessions_bad_positions
    (a session bad in both ways counts as bad length), dropped_rows, and for test files sessions_cut_not_at_half.
    """
    stats = frame.group_by("session_id").agg(
        pl.len().alias("rows"), pl.col("session_length").first().alias("length"),
        pl.col("session_length").n_unique().alias("lengths"), pl.col("session_position").n_unique().alias("distinct"),
        pl.col("session_position").min().alias("first"), pl.col("session_position").max().alias("last"),
    )
    rows, length = pl.col("rows"), pl.col("length").cast(pl.UInt32)
    rows_fit = rows == length if kind == "training" else rows < length
    bad_length = (pl.col("lengths") > 1) | ~rows_fit
    contiguous = (pl.col("distinct") == rows) & (pl.col("last").cast(pl.UInt32) - pl.col("first") + 1 == rows)
    anchored = {"training": pl.col("first") == 1, "prehistory": pl.col("first") == 1,
                "input": pl.col("last").cast(pl.UInt32) == length}[kind]
    stats = stats.with_columns(bad_length.alias("bad_length"),
                               (~bad_length & ~(contiguous & anchored)).alias("bad_positions"))
    bad = stats.filter(pl.col("bad_length") | pl.col("bad_positions"))
    kept = frame.filter(~pl.col("session_id").is_in(bad["session_id"].implode()))
    report = {
        "file": str(path), "kind": kind, "rows": kept.height, "sessions": stats.height - bad.height,
        "dropped_sessions_bad_length": int(stats["bad_length"].sum()),
        "dropped_sessions_bad_positions": int(stats["bad_positions"].sum()), "dropped_rows": frame.height - kept.height,
    }
    if bad.height:
        log.warning("%s: dropped %d session(s) (%d rows): %d with a session_length that disagrees with their rows, "
                    "%d whose positions are not %s (first: session %r)", path, bad.height, report["dropped_rows"],
                    report["dropped_sessions_bad_length"], report["dropped_sessions_bad_positions"],
                    _POSITIONS_RULE[kind], bad.sort("session_id")["session_id"][0])
    if kind != "training":
        cut = pl.col("last") if kind == "prehistory" else pl.col("first").cast(pl.UInt32) - 1
        good = stats.filter(~pl.col("bad_length") & ~pl.col("bad_positions"))
        report["sessions_cut_not_at_half"] = good.filter(cut != length // 2).height
    return kept, report


_POSITIONS_RULE = {"training": "1..session_length", "prehistory": "1..n with n < session_length",
                   "input": "n..session_length with n > 1"}


def _read_raw(path: Path, columns, what: str) -> pl.DataFrame:
    if not path.is_file():
        raise InputDataError(path, "file not found")
    if path.stat().st_size == 0:
        raise InputDataError(path, "file is empty (no header, no rows)")
    raw = read_text_table(path, what, quote_char='"')
    require_columns(raw, path, columns)
    if raw.height == 0:
        raise InputDataError(path, "table has a header but no rows")
    raw = raw.select(columns)
    require_values(raw, path, columns)
    return raw


def _date_spelling(raw: pl.DataFrame, path: Path) -> str:
    """The strptime format of the file's dates, from its first date; every date must have that spelling."""
    dates = raw["date"].str.strip_chars()
    first = dates[0]
    for pattern, fmt, name in DATE_SPELLINGS:
        if not pl.select(pl.lit(first).str.contains(pattern)).item():
            continue
        parsed = dates.str.strptime(pl.Date, fmt, strict=False)
        bad = dates.filter(~dates.str.contains(pattern) | parsed.is_null())
        if bad.len():
            raise InputDataError(path, f"unparsable dates (e.g. {bad[0]!r}, {bad.len()} rows); the file's first date "
                                 f"{first!r} is spelled {name}", column="date")
        log.info("%s: dates spelled %s", path, name)
        return fmt
    spellings = " or ".join(name for _, _, name in DATE_SPELLINGS)
    raise InputDataError(path, f"unparsable date {first!r} (expected {spellings})", column="date")


def _cast(raw: pl.DataFrame, path: Path, schema: dict[str, pl.DataType], date_format: str | None) -> pl.DataFrame:
    """Cast ``raw`` (text, no blanks) to ``schema``: booleans from True/False, dates with ``date_format``, Enums
    checked against their vocabulary, numbers by :func:`cast_columns`, then the ``RANGES`` checks."""
    numeric = {c: t for c, t in schema.items() if t.is_numeric() or t == pl.String}
    frame = cast_columns(raw, path, numeric)
    other = []
    for column, dtype in schema.items():
        text = pl.col(column).str.strip_chars()
        if dtype == pl.Boolean:
            _require_vocabulary(raw, path, column, tuple(BOOLEAN_SPELLINGS))
            other.append(text.replace_strict(BOOLEAN_SPELLINGS, return_dtype=pl.Boolean))
        elif dtype == pl.Date:
            other.append(text.str.strptime(pl.Date, date_format))
        elif isinstance(dtype, pl.Enum):
            _require_vocabulary(raw, path, column, VOCABULARIES[column])
            other.append(text.cast(dtype))
    frame = frame.hstack(raw.select(other))
    for column, (low, high) in RANGES.items():
        if column in frame.columns:
            outside = frame.filter(~pl.col(column).is_between(low, high))[column]
            if outside.len():
                raise InputDataError(path, f"values outside {low}..{high} (e.g. {outside[0]}, {outside.len()} rows)",
                                     column=column)
    return frame.select(list(schema))


def _require_vocabulary(raw: pl.DataFrame, path: Path, column: str, vocabulary) -> None:
    values = raw[column].str.strip_chars()
    outside = values.filter(~values.is_in(list(vocabulary)))
    if outside.len():
        raise InputDataError(path, f"value outside the vocabulary (e.g. {outside[0]!r}, {outside.len()} rows); "
                             f"expected one of {list(vocabulary)}", column=column)
