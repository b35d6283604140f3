"""The artist demographics table: settings, reading and checking tables, and the offline sources
(MBID table, name table)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..datasets import kkbox, lastfm
from ..datasets.validation import read_text_table, require_columns
from ..errors import ConfigError, InputDataError
from ..io import write_csv
from .names import normalise, readings
from .vocabulary import COLUMNS, GENDERS, STATUSES, TYPES, combined_gender, gender_from_musicbrainz

log = logging.getLogger(__name__)

SOURCES = ("demo", "musicbrainz", "mbid_table", "name_table")


@dataclass(frozen=True)
class DemographicsSettings:
    """The ``demographics`` section of config.yaml (after the schema filled in defaults)."""

    source: str
    hostname: str = "musicbrainz.org"
    use_https: bool = True
    user_agent: dict | None = None
    min_score: int = 90
    rate_limit_seconds: float = 1.0
    max_retries: int = 4
    backoff_seconds: float = 2.0
    timeout_seconds: float = 30.0
    search_limit: int = 10
    group_members: bool = True
    cache: str = "resources/musicbrainz/cache.jsonl"
    mbid_table: str = ""
    name_mbid_table: str = ""
    name_table: str = ""

    def __post_init__(self):
        if self.source not in SOURCES:
            raise ConfigError(f"demographics.source must be one of {SOURCES}, not {self.source!r}")


def empty_table() -> pl.DataFrame:
    return pl.DataFrame(schema={c: (pl.Float64 if c == "score" else pl.String) for c in COLUMNS})


def check_table(table: pl.DataFrame, path) -> pl.DataFrame:
    """Check a demographics table against the contract; return it with the columns in contract order."""
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise InputDataError(path, f"missing column(s) {missing}", column=missing[0])
    for column, allowed in (("gender", GENDERS), ("type", TYPES), ("status", STATUSES)):
        bad = table.filter(~pl.col(column).is_in(allowed))[column]
        if bad.len():
            raise InputDataError(path, f"{bad.len()} value(s) not in {allowed} (e.g. {bad[0]!r})", column=column)
    duplicated = table.filter(pl.col("artist_name").is_duplicated())["artist_name"]
    if duplicated.len():
        raise InputDataError(path, f"artist names must be unique (e.g. {duplicated[0]!r})", column="artist_name")
    return table.select(COLUMNS)


def _read_text_csv(path) -> pl.DataFrame:
    """Every column as text, missing values as empty strings, blank rows dropped; a missing, non-UTF-8 or
    unreadable file is an InputDataError."""
    path = Path(path)
    if not path.is_file():
        raise InputDataError(path, "file not found")
    return read_text_table(path, "a readable CSV file").with_columns(pl.all().fill_null(""))


def read_demographics_csv(path) -> pl.DataFrame:
    """Read a table in the contract's format (e.g. the demo generator's) with explicit types."""
    table = _read_text_csv(path)
    if "score" in table.columns:
        score = pl.col("score").str.strip_chars()
        cast = score.cast(pl.Float64, strict=False)
        bad = table.filter((score != "") & cast.is_null())["score"]
        if bad.len():
            raise InputDataError(path, f"{bad.len()} value(s) are not numbers (e.g. {bad[0]!r})", column="score")
        table = table.with_columns(cast.alias("score"))
    return check_table(table, path)


def artist_names_from_songs(path) -> list[str]:
    """The distinct, non-empty ``artist_name`` values of a KKBox songs.csv, in first-seen order."""
    return _distinct_names(kkbox.read_table("songs", path)["artist_name"], path)


def artist_names_from_artists_dat(path) -> list[str]:
    """The distinct, non-empty ``name`` values of a Last.fm HetRec artists.dat, in first-seen order."""
    return _distinct_names(lastfm.read_table(path, "artists")["name"], path)


def _distinct_names(names: pl.Series, path) -> list[str]:
    names = names.drop_nulls()
    names = names.filter(names.str.strip_chars() != "").unique(maintain_order=True).to_list()
    if not names:
        raise InputDataError(path, "no artist names", column=names.name)
    return names


def read_mbid_genders(path) -> dict[str, str]:
    """A JSON object MBID -> MusicBrainz gender name.

    Keys are stripped and lower-cased: the published LFM-360K file has keys with a trailing space,
    some of them repeating a key without it (with the same gender; a conflict is an error).
    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError(path, "file not found")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise InputDataError(path, f"not valid JSON ({err})") from None
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise InputDataError(path, "expected one JSON object mapping MBID to a gender string")
    genders: dict[str, str] = {}
    for key, gender in raw.items():
        mbid = key.strip().lower()
        if genders.setdefault(mbid, gender) != gender:
            raise InputDataError(path, f"MBID {mbid} is listed twice with different genders")
    return genders


def read_name_mbids(path) -> dict[str, str]:
    """``artist_name -> mbid`` from any CSV with those two columns (e.g. an earlier artist_demographics.csv)."""
    table = _read_text_csv(path)
    require_columns(table, path, ("artist_name", "mbid"))
    return dict(zip(table["artist_name"].to_list(), table["mbid"].str.strip_chars().str.to_lowercase().to_list()))


def mbid_table(names: list[str], name_mbids: dict[str, str], mbid_genders: dict[str, str]) -> pl.DataFrame:
    """Offline: names -> MBIDs (user mapping) -> gender (MBID table).

    A name whose MBID is in the gender table gets that gender with status 'mbid_table' and type
    'person' (the published tables list persons only); any other name gets 'unknown' and status
    'not_found'. A multi-artist credit needs its own row in the name mapping; its MBID field may list
    several MBIDs separated by '|' (as this module writes them), and then gets their combined gender.
    """
    rows = []
    for name in names:
        mbids = [m for m in name_mbids.get(name, "").split("|") if m]
        genders = [gender_from_musicbrainz(mbid_genders[m]) if m in mbid_genders else "unknown" for m in mbids]
        hit = bool(mbids) and all(m in mbid_genders for m in mbids)
        rows.append(
            {
                "artist_name": name,
                "mbid": "|".join(mbids),
                "gender": combined_gender(genders) if hit else "unknown",
                "type": ("person" if len(mbids) == 1 else "group") if hit else "unknown",
                "country": "",
                "score": None,
                "status": "mbid_table" if hit else "not_found",
            }
        )
    found = sum(r["status"] == "mbid_table" for r in rows)
    log.info("MBID table: %d of %d names have a gender", found, len(rows))
    return pl.DataFrame(rows, schema=empty_table().schema)


def read_name_genders(path) -> dict[str, str]:
    """``normalise(artist_name) -> gender`` from any CSV with the columns artist_name and gender.

    A gender is one of ``GENDERS`` in any case (an empty one is 'unknown'). Names are compared in
    ``names.normalise`` form, so rows whose names differ only in case, width or spacing must agree on
    the gender; rows with an empty name are skipped.
    """
    table = _read_text_csv(path)
    require_columns(table, path, ("artist_name", "gender"))
    genders = table["gender"].str.strip_chars().str.to_lowercase().replace("", "unknown")
    bad = genders.filter(~genders.is_in(GENDERS))
    if bad.len():
        raise InputDataError(path, f"{bad.len()} value(s) not in {GENDERS} (e.g. {bad[0]!r})", column="gender")
    name_genders: dict[str, str] = {}
    for name, gender in zip(table["artist_name"].to_list(), genders.to_list()):
        key = normalise(name)
        if key and name_genders.setdefault(key, gender) != gender:
            raise InputDataError(path, f"{name!r} is listed twice with different genders", column="gender")
    return name_genders


def name_table(names: list[str], name_genders: dict[str, str]) -> pl.DataFrame:
    """Offline: names -> gender from a name table (``read_name_genders``), with no MBIDs.

    A name is looked up whole first. A credit that is not in the table as a whole is read as
    MusicBrainz look-ups read it (``names.readings``: ``A| B`` and ``A feat. B``, then ``A & B``,
    ``A, B``; a bracketed alias as the alternative of a name) and is found when every artist of one
    reading is in the table; it then gets their combined gender and type 'group'. A found name gets
    status 'name_table' (type 'unknown' when found whole: the table does not say), any other name
    'unknown' and status 'not_found'.
    """
    rows = []
    for name in names:
        genders = _credit_genders(name, name_genders)
        found = genders is not None
        rows.append(
            {
                "artist_name": name,
                "mbid": "",
                "gender": combined_gender(genders) if found else "unknown",
                "type": "group" if found and len(genders) > 1 else "unknown",
                "country": "",
                "score": None,
                "status": "name_table" if found else "not_found",
            }
        )
    found = sum(r["status"] == "name_table" for r in rows)
    known = sum(r["gender"] != "unknown" for r in rows)
    log.info("name table: %d of %d names found, %d of them with a known gender", found, len(rows), known)
    return pl.DataFrame(rows, schema=empty_table().schema)


def _credit_genders(credit: str, name_genders: dict[str, str]) -> list[str] | None:
    """The genders of the credit's artists (one for a name found whole), or None when not found."""
    whole = name_genders.get(normalise(credit))
    if whole is not None:
        return [whole]
    for reading in readings(credit):
        genders = [
            next((name_genders[key] for key in map(normalise, part.alternatives) if key in name_genders), None)
            for part in reading
        ]
        if None not in genders:
            return genders
    return None


def write_table(table: pl.DataFrame, path) -> None:
    """Write the table (contract column order) atomically; log the gender and status counts."""
    table = check_table(table, path).with_columns(pl.col("mbid", "country").replace("", None))
    write_csv(table, path)
    for column in ("status", "gender", "type"):
        counts = table[column].value_counts(sort=True)
        log.info("%s: %s", column, ", ".join(f"{v}={n}" for v, n in counts.iter_rows()))
