"""Build the artist demographics table from the configured source: demo, musicbrainz or mbid_table."""

from __future__ import annotations

import logging

import polars as pl

from .lookup import musicbrainz_table
from .tables import (
    DemographicsSettings,
    artist_names_from_songs,
    mbid_table,
    read_demographics_csv,
    read_mbid_genders,
    read_name_mbids,
)

log = logging.getLogger(__name__)


def build_table(settings: DemographicsSettings, inputs: dict[str, str]) -> pl.DataFrame:
    """The table for ``settings.source``; ``inputs`` holds the rule's named input files."""
    if settings.source == "demo":
        return read_demographics_csv(inputs["demo_table"])
    names = artist_names_from_songs(inputs["songs"])
    log.info("%d distinct artist names in %s", len(names), inputs["songs"])
    if settings.source == "mbid_table":
        return mbid_table(names, read_name_mbids(inputs["name_mbid_table"]), read_mbid_genders(inputs["mbid_table"]))
    return musicbrainz_table(names, settings)
