"""Checks every loader shares: required columns, typed columns, required values.

Loaders read every column as text first; these functions then turn each problem into an
InputDataError naming the file, the column and an example, instead of a parser stack trace.
"""

from __future__ import annotations

import polars as pl

from ..errors import InputDataError


def require_columns(frame: pl.DataFrame, path, columns) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputDataError(path, f"missing column(s) {missing}; found {frame.columns}", column=missing[0])


def _is_blank(column: str) -> pl.Expr:
    return pl.col(column).is_null() | (pl.col(column).cast(pl.String).str.strip_chars() == "")


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
