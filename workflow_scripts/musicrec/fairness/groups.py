"""Group labels: artist gender of each item (provider side), gender and age band of each user (consumer side)."""

from __future__ import annotations

import logging

import polars as pl

from ..errors import InputDataError

log = logging.getLogger(__name__)

ARTIST_GENDERS = ("male", "female", "mixed", "other", "unknown")
MISSING_USER_GENDER = "missing"
UNKNOWN = "unknown"


def read_artist_genders(path, key: str = "artist_name") -> pl.DataFrame:
    """``key`` -> artist_gender from an artist-demographics CSV: the artist_name, gender table of rule
    artist_demographics (MusicBrainz or demo), or an artist-id table (``key`` artist_id) for datasets
    without artist names (Yambda).

    Gender must be one of ``ARTIST_GENDERS``; an empty gender counts as "unknown". When an artist
    appears twice, its first row wins. The key is read as text (stripped when it is an id).
    """
    columns = (key, "gender")
    try:
        table = pl.read_csv(path, columns=list(columns), schema_overrides={c: pl.String for c in columns})
    except FileNotFoundError:
        raise InputDataError(path, "file not found") from None
    except pl.exceptions.ColumnNotFoundError as err:
        missing = [c for c in columns if c not in str(err)] or list(columns)
        raise InputDataError(path, "column missing", column=missing[0]) from None
    if key != "artist_name":
        table = table.with_columns(pl.col(key).str.strip_chars())
    table = table.with_columns(pl.col("gender").str.strip_chars().str.to_lowercase().fill_null(UNKNOWN).replace("", UNKNOWN))
    unexpected = sorted(set(table["gender"].unique().to_list()) - set(ARTIST_GENDERS))
    if unexpected:
        shown = ", ".join(repr(v) for v in unexpected[:5])
        raise InputDataError(path, f"unexpected values {shown} (expected one of {', '.join(ARTIST_GENDERS)})", column="gender")
    duplicated = table.height - table[key].n_unique()
    if duplicated:
        log.warning("%s: %d duplicated values of %s; the first row of each is used", path, duplicated, key)
    return (
        table.filter(pl.col(key).is_not_null())
        .unique(key, keep="first", maintain_order=True)
        .rename({"gender": "artist_gender"})
    )


def item_artist_genders(interactions: pl.DataFrame, artist_genders: pl.DataFrame) -> pl.DataFrame:
    """song_id, artist_name, artist_gender for every distinct song of ``interactions``.

    Songs whose artist is missing or absent from the demographics table are "unknown".
    """
    songs = interactions.select("song_id", "artist_name").unique("song_id", keep="first", maintain_order=True)
    return songs.join(artist_genders, on="artist_name", how="left").with_columns(
        pl.col("artist_gender").fill_null(UNKNOWN)
    )


def age_band_labels(edges: list[int]) -> list[str]:
    """Labels of the bands that start at ``edges`` (sorted) and end at the oldest plausible age, 80."""
    edges = sorted(edges)
    uppers = [e - 1 for e in edges[1:]] + [80]
    return [f"{lo}-{hi}" for lo, hi in zip(edges, uppers)]


def age_band(age: pl.Expr, edges: list[int]) -> pl.Expr:
    """Age band label of a cleaned age (10..80, null when implausible); null ages are "unknown"."""
    edges = sorted(edges)
    labels = age_band_labels(edges)
    expr = pl.lit(UNKNOWN)
    for lower, label in zip(edges, labels):
        expr = pl.when(age >= lower).then(pl.lit(label)).otherwise(expr)
    return pl.when(age.is_null() | (age < edges[0]) | (age > 80)).then(pl.lit(UNKNOWN)).otherwise(expr)


def user_groups(rows: pl.DataFrame, edges: list[int]) -> pl.DataFrame:
    """msno, user_gender ("missing" when empty), age_band for each user of ``rows``.

    ``rows`` carries member_gender (raw from members.csv) and member_age (bd cleaned to 10..80).
    """
    gender = pl.col("member_gender").str.strip_chars().str.to_lowercase()
    return rows.unique("msno", keep="first", maintain_order=True).select(
        "msno",
        pl.when(gender.is_null() | (gender == "")).then(pl.lit(MISSING_USER_GENDER)).otherwise(gender).alias("user_gender"),
        age_band(pl.col("member_age"), edges).alias("age_band"),
    )
