"""Checks every loader shares: text encoding, blank rows, required columns, typed columns, required
values, unique keys, both target classes.

Loaders read every column as text first (:func:`read_text_table`); these functions then turn each
problem into an InputDataError naming the file, the column and an example, instead of a parser
stack trace. Byte offsets in messages count from 0 (as ``xxd`` and ``dd skip=`` do), lines from 1.
"""

from __future__ import annotations

import codecs
import logging
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from ..errors import InputDataError

log = logging.getLogger(__name__)

# The file is scanned in chunks of this size, so a 1 GB train.csv is never held in memory twice.
CHUNK_BYTES = 16 * 1024 * 1024
# Byte-order marks of encodings the CSV reader cannot read; UTF-32 LE's mark starts with UTF-16 LE's.
FOREIGN_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "UTF-32 BE"),
    (codecs.BOM_UTF16_LE, "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "UTF-16 BE"),
)
# BOM-less UTF-16 is recognised in the first SNIFF_BYTES: ASCII text (a CSV header) in UTF-16 has a
# NUL in nearly every byte of one parity (the high byte) and almost none in the other.
SNIFF_BYTES = 4096
UTF16_NUL_SHARE = 0.5
UTF16_OTHER_NUL_SHARE = 0.05


def read_text_table(path, what: str, fallback_encoding: str | None = None, **csv_options) -> pl.DataFrame:
    """Every column of a delimited text file as text, without its blank rows.

    The bytes are checked first (:func:`text_encoding`). A UTF-8 file is parsed straight from disk
    (polars skips a UTF-8 byte-order mark); a file in ``fallback_encoding`` is decoded in memory,
    which suits small files such as tags.dat. A parser error becomes ``not <what> (<its first line>)``.
    """
    encoding = text_encoding(path, fallback_encoding)
    source = path if encoding == "utf-8" else Path(path).read_bytes().decode(encoding).encode("utf-8")
    try:
        raw = pl.read_csv(source, infer_schema=False, **csv_options)
    except pl.exceptions.PolarsError as err:
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputDataError(path, f"not {what} ({first_line})") from None
    return drop_blank_rows(raw, path)


def text_encoding(path, fallback: str | None = None) -> str:
    """The encoding to read ``path`` with: "utf-8" when its bytes are valid UTF-8, else ``fallback``.

    A leading UTF-8 byte-order mark is allowed (and logged). InputDataError for a UTF-16 or UTF-32
    file (by its byte-order mark, or by the NUL bytes of BOM-less UTF-16), for NUL bytes anywhere,
    and for invalid UTF-8 when there is no fallback. When a fallback is given, the log says which
    encoding was chosen and why. Streams over the file in chunks of CHUNK_BYTES.
    """
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
        _reject_utf16_or_utf32(path, head)
        handle.seek(0)
        first_nul, first_invalid = _scan_bytes(handle)
    if head.startswith(codecs.BOM_UTF8):
        log.info("%s: starts with a UTF-8 byte-order mark (EF BB BF); it is skipped", path)
    if first_nul is not None:
        raise InputDataError(path, f"contains NUL bytes (first at {_location(path, first_nul)}): not a text CSV")
    if first_invalid is None:
        if fallback:
            log.info("%s: read as UTF-8 (its bytes are valid UTF-8)", path)
        return "utf-8"
    where = f"first invalid byte 0x{_byte_at(path, first_invalid):02X} at {_location(path, first_invalid)}"
    if fallback:
        log.info("%s: read as %s (not valid UTF-8: %s)", path, fallback, where)
        return fallback
    raise InputDataError(path, f"not UTF-8 text ({where}); re-save it as UTF-8")


def _reject_utf16_or_utf32(path: Path, head: bytes) -> None:
    for bom, name in FOREIGN_BOMS:
        if head.startswith(bom):
            raise InputDataError(
                path, f"not UTF-8 text: it looks like {name} (byte-order mark {bom.hex(' ').upper()}); "
                "re-save it as UTF-8"
            )
    name = _bomless_utf16(head)
    if name:
        raise InputDataError(
            path, f"not UTF-8 text: it looks like {name} (every second byte is NUL, no byte-order mark); "
            "re-save it as UTF-8"
        )


def _bomless_utf16(head: bytes) -> str | None:
    """The name of the UTF-16 byte order whose NUL pattern ``head`` has ("UTF-16 LE" or "UTF-16 BE"), or None."""
    pairs = len(head) // 2
    if pairs == 0:
        return None
    even_share = head[0 : 2 * pairs : 2].count(0) / pairs
    odd_share = head[1 : 2 * pairs : 2].count(0) / pairs
    if odd_share >= UTF16_NUL_SHARE and even_share <= UTF16_OTHER_NUL_SHARE:
        return "UTF-16 LE"
    if even_share >= UTF16_NUL_SHARE and odd_share <= UTF16_OTHER_NUL_SHARE:
        return "UTF-16 BE"
    return None


def _scan_bytes(handle) -> tuple[int | None, int | None]:
    """(offset of the first NUL byte, offset of the first byte that is not valid UTF-8); None where
    there is none. Stops at the first NUL; a multi-byte character split by a chunk edge is valid."""
    first_invalid = None
    pending = b""  # the start of a multi-byte character cut off at the end of the previous chunk
    position = 0  # offset of the current chunk in the file
    for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
        nul = chunk.find(0)
        if nul >= 0:
            return position + nul, first_invalid
        if first_invalid is None:
            data = pending + chunk
            try:
                _, consumed = codecs.utf_8_decode(data, "strict", False)
                pending = data[consumed:]
            except UnicodeDecodeError as err:
                first_invalid = position - len(pending) + err.start
        position += len(chunk)
    if first_invalid is None and pending:
        first_invalid = position - len(pending)
    return None, first_invalid


def _location(path: Path, offset: int) -> str:
    """The text "byte <offset>, line <n>" for a byte offset of ``path`` (lines counted by LF)."""
    newlines = 0
    with path.open("rb") as handle:
        while (remaining := offset - handle.tell()) > 0:
            newlines += handle.read(min(CHUNK_BYTES, remaining)).count(b"\n")
    return f"byte {offset}, line {newlines + 1}"


def _byte_at(path: Path, offset: int) -> int:
    with path.open("rb") as handle:
        handle.seek(offset)
        return handle.read(1)[0]


def _is_blank(column: str) -> pl.Expr:
    """True where ``column`` is null or holds nothing but whitespace."""
    return ~pl.col(column).cast(pl.String).str.contains(r"\S").fill_null(False)


def drop_blank_rows(frame: pl.DataFrame, path) -> pl.DataFrame:
    """``frame`` without the rows whose every field is empty (null or only whitespace), such as the
    ``,,,,,`` rows that spreadsheet exports append. Logs "<file>: dropped N blank row(s) (every field
    empty)" once when N > 0. A row with only some fields empty stays (the value checks judge it).

    Only rows whose first field is blank are checked further, so a large table without blank rows
    costs one pass over one column."""
    blank = pl.all_horizontal([_is_blank(column) for column in frame.columns])
    candidates = frame.filter(_is_blank(frame.columns[0]))
    dropped = int(candidates.select(blank.sum()).item()) if candidates.height else 0
    if not dropped:
        return frame
    log.warning("%s: dropped %d blank row(s) (every field empty)", path, dropped)
    return frame.filter(~blank)


def require_columns(frame: pl.DataFrame, path, columns) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputDataError(path, f"missing column(s) {missing}; found {frame.columns}", column=missing[0])


def cast_columns(frame: pl.DataFrame, path, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Cast the text columns of ``frame`` to ``schema``; blank text becomes null, anything else that
    does not cast is an error naming the column and an example value."""
    casts = []
    for column, dtype in schema.items():
        if dtype == pl.String:
            casts.append(pl.col(column))
            continue
        cast = pl.col(column).str.strip_chars().cast(dtype, strict=False)
        bad = frame.filter(~_is_blank(column) & cast.is_null())[column]
        if bad.len():
            kind = "integer" if dtype.is_integer() else "numeric"
            raise InputDataError(path, f"non-{kind} values (e.g. {bad[0]!r}, {bad.len()} rows)", column=column)
        casts.append(cast)
    return frame.select(casts)


def require_values(frame: pl.DataFrame, path, columns) -> None:
    for column in columns:
        blank = int(frame.select(_is_blank(column).sum()).item())
        if blank:
            raise InputDataError(path, f"{blank} row(s) with an empty value", column=column)


def require_unique(frame: pl.DataFrame, path, key: Sequence[str]) -> None:
    """Each row's value of ``key`` (one or more columns) occurs once; else InputDataError on the
    first key column with the number of rows that repeat an earlier value and an example."""
    keys = frame.select(key)
    repeats = keys.height - keys.n_unique()
    if not repeats:
        return
    example = keys.filter(keys.is_duplicated()).row(0)
    times = keys.filter(pl.all_horizontal([pl.col(c).eq_missing(v) for c, v in zip(key, example)])).height
    label = key[0] if len(key) == 1 else f"({', '.join(key)})"
    shown = example[0] if len(key) == 1 else example
    raise InputDataError(
        path, f"{repeats} row(s) repeat an earlier {label} (e.g. {shown!r} occurs {times} times); "
        f"each {label} must occur once", column=key[0]
    )


def require_both_classes(frame: pl.DataFrame, path, column: str) -> None:
    """``column`` (0/1 labels) holds both classes; else InputDataError: AUC is undefined with one."""
    classes = frame[column].drop_nulls().unique()
    if classes.len() >= 2:
        return
    found = f"every row has {column} {classes[0]}" if classes.len() else f"no row has a {column}"
    raise InputDataError(path, f"{found}, so AUC is undefined (it needs rows of both classes, 0 and 1)", column=column)
