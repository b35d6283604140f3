"""The CSV tables the demographics step reads share the loaders' text checks: blank rows, encodings."""

import logging

import pytest

from musicrec.demographics.tables import read_name_mbids
from musicrec.errors import InputDataError

MAPPING = "artist_name,mbid\nTaylor Swift,20244D07-534F-4EFF-B4D4-930878889970\n"


def test_blank_rows_of_a_name_mapping_are_dropped_and_counted(tmp_path, caplog):
    path = tmp_path / "names.csv"
    path.write_text(MAPPING + ",\n,\n")
    with caplog.at_level(logging.INFO):
        mapping = read_name_mbids(path)
    assert mapping == {"Taylor Swift": "20244d07-534f-4eff-b4d4-930878889970"}
    assert [r.getMessage() for r in caplog.records] == [f"{path}: dropped 2 blank row(s) (every field empty)"]


def test_a_utf16_name_mapping_is_named(tmp_path):
    path = tmp_path / "names.csv"
    path.write_bytes(MAPPING.encode("utf-16-be"))
    with pytest.raises(InputDataError, match=r"names\.csv: not UTF-8 text: it looks like UTF-16 BE \(every second byte"):
        read_name_mbids(path)
