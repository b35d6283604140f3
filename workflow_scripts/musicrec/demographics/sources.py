"""Build the artist demographics table from the configured source: demo, musicbrainz, mbid_table or name_table."""

from __future__ import annotations

import logging

import polars as pl

from ..errors import ConfigError
from .lookup import musicbrainz_table
from .tables import (
    DemographicsSettings,
    artist_names_from_artists_dat,
    artist_names_from_songs,
    mbid_table,
    name_table,
    read_demographics_csv,
    read_mbid_genders,
    read_name_genders,
    read_name_mbids,
)

log = logging.getLogger(__name__)

# The dataset file that lists a dataset's artist names, by its input name: KKBox songs.csv, Last.fm artists.dat.
NAME_READERS = {"songs": artist_names_from_songs, "artists": artist_names_from_artists_dat}


def build_table(settings: DemographicsSettings, inputs: dict[str, str]) -> pl.DataFrame:
    """The table for ``settings.source``; ``inputs`` holds the rule's named input files.

    Outside demo mode the artist names come from the one input named in ``NAME_READERS``.
    """
    if settings.source == "demo":
        return read_demographics_csv(inputs["demo_table"])
    names_input, names_path = _names_input(inputs)
    names = NAME_READERS[names_input](names_path)
    log.info("%d distinct artist names in %s", len(names), names_path)
    if settings.source == "mbid_table":
        return mbid_table(names, read_name_mbids(inputs["name_mbid_table"]), read_mbid_genders(inputs["mbid_table"]))
    if settings.source == "name_table":
        return name_table(names, read_name_genders(inputs["name_table"]))
    return musicbrainz_table(names, settings)


def _names_input(inputs: dict[str, str]) -> tuple[str, str]:
    """(input name, path) of the file that lists the artist names."""
    found = [(name, inputs[name]) for name in NAME_READERS if name in inputs]
    if len(found) != 1:
        raise ConfigError(f"the demographics rule needs exactly one of the inputs {sorted(NAME_READERS)}, "
                          f"got {sorted(inputs)}")
    return found[0]
