"""Artist demographics for Last.fm: names from artists.dat, and the shared rule in demo and mbid_table modes."""

from __future__ import annotations

import json

import polars as pl
import pytest

from conftest import make_workdir, run_snakemake
from musicrec.demographics.sources import build_table
from musicrec.demographics.tables import DemographicsSettings, artist_names_from_artists_dat
from musicrec.errors import ConfigError, InputDataError

TARGET = "results/lastfm/artist_demographics.csv"
TAYLOR = "20244d07-534f-4eff-b4d4-930878889970"
ARTISTS_DAT = (
    "id\tname\turl\tpictureURL\n"
    '1\t"Weird Al" Yankovic\thttp://www.last.fm/music/Weird+Al\t\n'
    "2\tTaylor Swift\thttp://www.last.fm/music/Taylor+Swift\t\n"
    '3\t"Weird Al" Yankovic\thttp://www.last.fm/music/Weird+Al\t\n'
    "4\tMötley Crüe\thttp://www.last.fm/music/M%C3%B6tley+Cr%C3%BCe\t\n"
)


@pytest.fixture
def artists_dat(tmp_path):
    path = tmp_path / "artists.dat"
    path.write_text(ARTISTS_DAT, encoding="utf-8")
    return path


def test_names_from_artists_dat_keep_quotes_and_drop_repeats(artists_dat):
    # Quoting is disabled: the quote characters are part of the name.
    assert artist_names_from_artists_dat(artists_dat) == ['"Weird Al" Yankovic', "Taylor Swift", "Mötley Crüe"]


def test_names_from_a_broken_artists_dat_name_the_file(tmp_path):
    path = tmp_path / "artists.dat"
    path.write_text("id\turl\n1\thttp://x\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"artists.dat: column 'name': missing column"):
        artist_names_from_artists_dat(path)


def test_mbid_table_mode_reads_the_names_of_artists_dat(artists_dat, tmp_path):
    genders = tmp_path / "gender.json"
    genders.write_text(json.dumps({TAYLOR: "Female"}))
    mapping = tmp_path / "names.csv"
    mapping.write_text(f"artist_name,mbid\nTaylor Swift,{TAYLOR}\n", encoding="utf-8")
    table = build_table(DemographicsSettings(source="mbid_table"),
                        {"artists": str(artists_dat), "mbid_table": str(genders), "name_mbid_table": str(mapping)})
    rows = {r["artist_name"]: r for r in table.iter_rows(named=True)}
    assert list(rows) == ['"Weird Al" Yankovic', "Taylor Swift", "Mötley Crüe"]
    assert (rows["Taylor Swift"]["gender"], rows["Taylor Swift"]["status"]) == ("female", "mbid_table")
    assert rows["Mötley Crüe"]["status"] == "not_found"


def test_the_names_file_must_be_unambiguous(artists_dat):
    with pytest.raises(ConfigError, match="exactly one of the inputs"):
        build_table(DemographicsSettings(source="mbid_table"), {"artists": str(artists_dat), "songs": "songs.csv"})


@pytest.mark.workflow
def test_demo_mode_copies_the_lastfm_generator_table(tmp_path):
    workdir = make_workdir(tmp_path, {"lastfm": {"demo": {"size": "tiny"}}})
    run_snakemake(workdir, "--cores", "1", TARGET)
    table = pl.read_csv(workdir / TARGET, infer_schema=False)
    demo = pl.read_csv(workdir / "resources/lastfm/demo/artist_demographics.csv", infer_schema=False)
    assert table.columns == ["artist_name", "mbid", "gender", "type", "country", "score", "status"]
    assert table["artist_name"].to_list() == demo["artist_name"].to_list()
    assert table["gender"].to_list() == demo["gender"].to_list()
    names = pl.read_csv(workdir / "resources/lastfm/demo/artists.dat", separator="\t", quote_char=None)["name"]
    assert set(names) == set(table["artist_name"])
    assert (workdir / "results/logs/lastfm/artist_demographics.log").exists()
    assert not (workdir / "results/kkbox/artist_demographics.csv").exists()
