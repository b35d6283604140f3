"""Demographic coverage: how much of what a fairness analysis looks at has a known artist gender.

An item (e.g. a song) has a known gender when its group is anything but "unknown" (male, female,
mixed, other); an item whose artist name is missing or absent from the demographics table is
"unknown". The coverage table has one row per measure:

* ``measure``: "artists" (the distinct non-empty artist names of the catalogue items), "catalogue
  songs" (the catalogue items) and one measure per table of rows the analysis counts (e.g. "plays",
  every row of the training split, and "validation rows", the rows the per-group metrics score);
* ``definition``: what the measure counts, in words;
* ``total``, ``known`` (those with a known gender) and ``share_known`` = known / total (null when
  total is 0);
* ``n_male``, ``n_female``, ``n_mixed``, ``n_other``, ``n_unknown``: the count of each artist gender.
"""

from __future__ import annotations

import logging

import polars as pl

from . import exposure
from .groups import ARTIST_GENDERS, UNKNOWN

log = logging.getLogger(__name__)

ARTISTS = "artists"
SONGS = "catalogue songs"
PLAYS = "plays"
VALIDATION_ROWS = "validation rows"
GENDER_COLUMNS = {gender: f"n_{gender}" for gender in ARTIST_GENDERS}
SCHEMA = {"measure": pl.String, "definition": pl.String, "total": pl.Int64, "known": pl.Int64,
          "share_known": pl.Float64, **{column: pl.Int64 for column in GENDER_COLUMNS.values()}}


def coverage_row(measure: str, definition: str, groups: pl.Series) -> dict:
    """One row of the coverage table from the artist gender of every counted thing."""
    counts = dict(groups.value_counts().iter_rows())
    total = groups.len()
    known = total - counts.get(UNKNOWN, 0)
    return {"measure": measure, "definition": definition, "total": total, "known": known,
            "share_known": known / total if total else None,
            **{column: counts.get(gender, 0) for gender, column in GENDER_COLUMNS.items()}}


def demographic_coverage(item_groups: pl.DataFrame, rows: dict[str, pl.DataFrame],
                         definitions: dict[str, str], items_measure: str = SONGS) -> pl.DataFrame:
    """The coverage table (see the module docstring).

    ``item_groups``: item, provider (artist name), group (artist gender) of every catalogue item;
    ``rows``: measure name -> a table with an ``item`` column, one row per counted row (a play);
    ``definitions``: measure name -> definition, for ``ARTISTS``, ``items_measure`` (the name of the
    catalogue items' measure: ``SONGS`` for KKBox) and every key of ``rows``.
    """
    named = item_groups.filter(pl.col("provider").is_not_null() & (pl.col("provider").str.strip_chars() != ""))
    artists = named.unique("provider", keep="first", maintain_order=True)["group"]
    measures = [coverage_row(ARTISTS, definitions[ARTISTS], artists),
                coverage_row(items_measure, definitions[items_measure], item_groups["group"])]
    measures += [coverage_row(name, definitions[name], exposure.with_groups(table.select("item"), item_groups)["group"])
                 for name, table in rows.items()]
    return pl.DataFrame(measures, schema=SCHEMA)


def percent_text(share: float | None) -> str:
    """'12.3%'; a share below 0.1% keeps two significant digits ('0.038%') instead of showing 0.0%."""
    if share is None:
        return "–"
    percent = 100 * share
    return f"{percent:.2g}%" if 0 < percent < 0.1 else f"{percent:.1f}%"


def share_text(known: int, total: int, measure: str) -> str:
    """'5 of 13,240 artists (0.038%)'; 'no artists' when there are none."""
    if not total:
        return f"no {measure}"
    return f"{known:,} of {total:,} {measure} ({percent_text(known / total)})"


def _listing(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def coverage_sentence(coverage: pl.DataFrame) -> str:
    """'Artist gender is known for 5 of 13,240 artists (0.04%), ... and ... plays (...).'"""
    parts = [share_text(r["known"], r["total"], r["measure"]) for r in coverage.iter_rows(named=True)]
    return f"Artist gender is known for {_listing(parts)}."


def low_coverage(coverage: pl.DataFrame, min_coverage: float) -> pl.DataFrame:
    """The measures whose share with a known gender is below ``min_coverage`` (fairness.min_coverage)."""
    return coverage.filter(pl.col("share_known") < min_coverage)


def coverage_warning(coverage: pl.DataFrame, min_coverage: float) -> str | None:
    """The low-coverage warning naming every measure below ``min_coverage``, or None when none is."""
    low = low_coverage(coverage, min_coverage)
    if low.is_empty():
        return None
    parts = [share_text(r["known"], r["total"], r["measure"]) for r in low.iter_rows(named=True)]
    return (f"Low demographic coverage: artist gender is known for only {_listing(parts)}, below "
            f"fairness.min_coverage ({100 * min_coverage:g}%). Results by artist gender describe only that "
            "part of the data; the rest counts as \"unknown\".")


def log_coverage(coverage: pl.DataFrame, min_coverage: float) -> None:
    """Log the coverage sentence, and the low-coverage warning when there is one."""
    log.info("%s", coverage_sentence(coverage))
    warning = coverage_warning(coverage, min_coverage)
    if warning:
        log.warning("%s", warning)
