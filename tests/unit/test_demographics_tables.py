"""The demo, MBID-table and name-table sources, the table contract checks, and reading artist names."""

from __future__ import annotations

import json

import polars as pl
import pytest

from musicrec.datasets import kkbox_demo
from musicrec.demographics.tables import (
    DemographicsSettings,
    artist_names_from_songs,
    mbid_table,
    name_table,
    read_mbid_genders,
    read_demographics_csv,
    read_name_genders,
    read_name_mbids,
    write_table,
)
from musicrec.demographics.sources import build_table
from musicrec.errors import ConfigError, InputDataError
from musicrec.demographics.vocabulary import COLUMNS

TAYLOR = "20244d07-534f-4eff-b4d4-930878889970"
BOWIE = "5441c29d-3602-4898-b1a1-b77fa23b8e50"


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kkbox_demo")
    tables = kkbox_demo.generate(kkbox_demo.KKBoxDemoSize.named("tiny"), 7)
    paths = {name: str(folder / f"{name}.csv") for name in ("songs", "artist_demographics")}
    kkbox_demo.write(tables, paths)
    return paths


def test_demo_table_passes_through_with_contract_columns(demo_files, tmp_path):
    table = read_demographics_csv(demo_files["artist_demographics"])
    assert tuple(table.columns) == COLUMNS
    assert set(table["status"]) == {"demo"} and table["score"].null_count() == table.height
    assert set(table["gender"]) <= {"male", "female", "mixed", "unknown"}
    names = artist_names_from_songs(demo_files["songs"])
    assert set(names) <= set(table["artist_name"])
    write_table(table, tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)
    assert read_demographics_csv(tmp_path / "out.csv").equals(table)


def test_build_table_dispatches_on_source(demo_files, tmp_path):
    settings = DemographicsSettings(source="demo")
    assert build_table(settings, {"demo_table": demo_files["artist_demographics"]}).height > 0
    genders = tmp_path / "gender.json"
    genders.write_text(json.dumps({TAYLOR: "Female"}))
    mapping = tmp_path / "names.csv"
    names = artist_names_from_songs(demo_files["songs"])
    mapping.write_text(f"artist_name,mbid\n{names[0]},{TAYLOR}\n", encoding="utf-8")
    table = build_table(DemographicsSettings(source="mbid_table"),
                        {"songs": demo_files["songs"], "mbid_table": str(genders), "name_mbid_table": str(mapping)})
    assert table["artist_name"].to_list() == names
    assert table.row(0, named=True)["status"] == "mbid_table" and table.row(0, named=True)["gender"] == "female"
    assert set(table["status"][1:]) == {"not_found"}
    with pytest.raises(ConfigError, match="demographics.source"):
        DemographicsSettings(source="wikidata")


def test_bad_demographics_table_names_file_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("artist_name,mbid,gender,type,country,score,status\nA,,woman,person,,,demo\n")
    with pytest.raises(InputDataError, match=r"bad.csv: column 'gender': 1 value\(s\) not in"):
        read_demographics_csv(path)
    path.write_text("artist_name,gender\nA,male\n")
    with pytest.raises(InputDataError, match="column 'mbid'"):
        read_demographics_csv(path)
    with pytest.raises(InputDataError, match="file not found"):
        read_demographics_csv(tmp_path / "missing.csv")


def test_mbid_table_joins_names_to_genders(tmp_path):
    genders = tmp_path / "gender.json"
    genders.write_text(json.dumps({f"{TAYLOR} ": "Female", BOWIE: "Male", "x": "Other"}))
    mapping = tmp_path / "names.csv"
    mapping.write_text(
        "artist_name,mbid,gender\nTaylor Swift,20244D07-534F-4EFF-B4D4-930878889970,\n"
        f"David Bowie, {BOWIE}\nDuet,{TAYLOR}|{BOWIE}\nNoMbid,\nUnlisted,00000000-0000-0000-0000-000000000000\n"
    )
    names = ["Taylor Swift", "David Bowie", "Duet", "NoMbid", "Unlisted", "Not In Mapping"]
    rows = {r["artist_name"]: r for r in mbid_table(names, read_name_mbids(mapping), read_mbid_genders(genders))
            .iter_rows(named=True)}
    assert (rows["Taylor Swift"]["gender"], rows["Taylor Swift"]["status"], rows["Taylor Swift"]["mbid"]) == (
        "female", "mbid_table", TAYLOR)
    assert (rows["David Bowie"]["gender"], rows["David Bowie"]["type"]) == ("male", "person")
    assert (rows["Duet"]["gender"], rows["Duet"]["type"]) == ("mixed", "group")
    for name in ("NoMbid", "Unlisted", "Not In Mapping"):
        assert (rows[name]["gender"], rows[name]["status"]) == ("unknown", "not_found")


def test_mbid_gender_file_errors(tmp_path):
    path = tmp_path / "g.json"
    path.write_text("[1, 2]")
    with pytest.raises(InputDataError, match="JSON object"):
        read_mbid_genders(path)
    path.write_text(json.dumps({TAYLOR: "Female", f" {TAYLOR}": "Male"}))
    with pytest.raises(InputDataError, match="listed twice with different genders"):
        read_mbid_genders(path)
    path.write_text("{not json")
    with pytest.raises(InputDataError, match="not valid JSON"):
        read_mbid_genders(path)


def test_name_table_gives_genders_without_mbids(tmp_path):
    path = tmp_path / "name_gender.csv"
    path.write_text(
        "artist_name,gender,source\ntaylor swift,Female,wiki\nEd Sheeran, male ,wiki\nJeff Chang,male,\n"
        '"Earth, Wind & Fire",male,\nMystery,,\n',
        encoding="utf-8",
    )
    names = ["Taylor Swift", "Taylor Swift| Ed Sheeran", "張信哲 (Jeff Chang)", "Earth, Wind & Fire", "Mystery",
             "Ed Sheeran & Nobody", "Nobody"]
    table = name_table(names, read_name_genders(path))
    rows = {r["artist_name"]: r for r in table.iter_rows(named=True)}
    assert table["artist_name"].to_list() == names
    assert rows["Taylor Swift"] == {"artist_name": "Taylor Swift", "mbid": "", "gender": "female", "type": "unknown",
                                    "country": "", "score": None, "status": "name_table"}
    assert (rows["Taylor Swift| Ed Sheeran"]["gender"], rows["Taylor Swift| Ed Sheeran"]["type"]) == ("mixed", "group")
    assert (rows["張信哲 (Jeff Chang)"]["gender"], rows["張信哲 (Jeff Chang)"]["status"]) == ("male", "name_table")
    assert (rows["Earth, Wind & Fire"]["gender"], rows["Earth, Wind & Fire"]["type"]) == ("male", "unknown")
    assert (rows["Mystery"]["gender"], rows["Mystery"]["status"]) == ("unknown", "name_table")
    for name in ("Ed Sheeran & Nobody", "Nobody"):
        assert (rows[name]["gender"], rows[name]["status"]) == ("unknown", "not_found")
    write_table(table, tmp_path / "artist_demographics.csv")
    assert read_demographics_csv(tmp_path / "artist_demographics.csv")["status"].to_list()[0] == "name_table"


def test_name_table_errors_name_file_and_column(tmp_path):
    path = tmp_path / "name_gender.csv"
    path.write_text("artist_name,sex\nA,male\n")
    with pytest.raises(InputDataError, match=r"name_gender.csv: column 'gender': missing column"):
        read_name_genders(path)
    path.write_text("artist_name,gender\nA,male\nB,woman\n")
    with pytest.raises(InputDataError, match=r"column 'gender': 1 value\(s\) not in .* \(e.g. 'woman'\)"):
        read_name_genders(path)
    path.write_text("artist_name,gender\nABBA,mixed\nabba ,female\n")
    with pytest.raises(InputDataError, match="'abba ' is listed twice with different genders"):
        read_name_genders(path)
    with pytest.raises(InputDataError, match="file not found"):
        read_name_genders(tmp_path / "missing.csv")


def test_build_table_reads_the_name_table(demo_files, tmp_path):
    names = artist_names_from_songs(demo_files["songs"])
    path = tmp_path / "name_gender.csv"
    pl.DataFrame({"artist_name": names[:2], "gender": ["female", "male"]}).write_csv(path)
    table = build_table(DemographicsSettings(source="name_table"),
                        {"songs": demo_files["songs"], "name_table": str(path)})
    assert table["artist_name"].to_list() == names
    assert table["gender"].to_list()[:2] == ["female", "male"]
    assert set(table["status"][2:]) == {"not_found"}


def test_published_lfm360k_gender_table_keys_are_stripped(shared_data):
    genders = read_mbid_genders(shared_data / "musicbrainz" / "artist_gender_lfm360k" / "lfm-360-gender.json")
    assert len(genders) == 46_461  # 46,469 keys, 8 of them repeated with a trailing space
    assert all(k == k.strip() for k in genders)
    assert set(genders.values()) == {"Male", "Female", "Other", "Not applicable"}


def test_artist_names_from_songs_skips_empty_and_duplicates(tmp_path):
    songs = tmp_path / "songs.csv"
    pl.DataFrame({
        "song_id": ["a", "b", "c", "d"], "song_length": ["1", "2", "3", "4"], "genre_ids": ["", "", "", ""],
        "artist_name": ["張信哲 (Jeff Chang)", "", "張信哲 (Jeff Chang)", "A| B"],
        "composer": ["", "", "", ""], "lyricist": ["", "", "", ""], "language": ["3", "3", "3", "-1"],
    }).write_csv(songs)
    assert artist_names_from_songs(songs) == ["張信哲 (Jeff Chang)", "A| B"]
