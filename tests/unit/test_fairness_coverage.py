"""Demographic coverage: the table's counts, the share wording, and when the warning is given."""

import polars as pl
import pytest

from musicrec.fairness import coverage

DEFINITIONS = {coverage.ARTISTS: "artists of the songs", coverage.SONGS: "the songs", coverage.PLAYS: "the plays"}


@pytest.fixture
def table() -> pl.DataFrame:
    """Four songs: two by a female artist, one by an artist absent from the demographics, one without an artist."""
    items = pl.DataFrame({"item": ["a", "b", "c", "d"], "provider": ["Ann", "Ann", "Bo", None],
                          "group": ["female", "female", "unknown", "unknown"]})
    plays = pl.DataFrame({"item": ["a", "c", "c", "d", "zzz"]})  # zzz: a song outside the catalogue
    return coverage.demographic_coverage(items, {coverage.PLAYS: plays}, DEFINITIONS)


def test_counts_artists_songs_and_plays(table):
    assert table.select("measure", "definition", "known", "total", "n_female", "n_unknown").rows() == [
        ("artists", "artists of the songs", 1, 2, 1, 1),
        ("catalogue songs", "the songs", 2, 4, 2, 2),
        ("plays", "the plays", 1, 5, 1, 4),
    ]
    assert table["share_known"].to_list() == [0.5, 0.5, 0.2]
    assert table.select("n_male", "n_mixed", "n_other").sum().row(0) == (0, 0, 0)


def test_sentence_and_warning_name_the_low_measures(table):
    assert coverage.coverage_sentence(table) == (
        "Artist gender is known for 1 of 2 artists (50.0%), 2 of 4 catalogue songs (50.0%) and 1 of 5 plays (20.0%).")
    assert coverage.coverage_warning(table, 0.5) == (
        "Low demographic coverage: artist gender is known for only 1 of 5 plays (20.0%), below fairness.min_coverage "
        "(50%). Results by artist gender describe only that part of the data; the rest counts as \"unknown\".")
    assert coverage.coverage_warning(table, 0.2) is None
    assert coverage.low_coverage(table, 0.6)["measure"].to_list() == ["artists", "catalogue songs", "plays"]


def test_small_shares_are_not_rounded_to_zero():
    assert coverage.share_text(5, 13_240, "artists") == "5 of 13,240 artists (0.038%)"
    assert coverage.share_text(0, 10, "plays") == "0 of 10 plays (0.0%)"
    assert coverage.share_text(0, 0, "plays") == "no plays"
    assert coverage.percent_text(None) == "–"
