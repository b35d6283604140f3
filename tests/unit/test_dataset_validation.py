"""The checks every loader shares: encoding, NUL bytes, blank rows, unique keys, both target classes."""

import logging

import polars as pl
import pytest

from musicrec.datasets import validation
from musicrec.datasets.validation import (
    drop_blank_rows,
    read_text_table,
    require_both_classes,
    require_unique,
    text_encoding,
)
from musicrec.errors import InputDataError

CSV = "msno,city,gender\nu1,1,female\nu2,13,\n"


def write_bytes(tmp_path, data: bytes, name="members.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def messages(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records]


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-16", "UTF-16 LE (byte-order mark FF FE)"),  # Python writes LE with a mark
        ("utf-16-be-bom", "UTF-16 BE (byte-order mark FE FF)"),
        ("utf-32", "UTF-32 LE (byte-order mark FF FE 00 00)"),
        ("utf-16-le", "UTF-16 LE (every second byte is NUL, no byte-order mark)"),
        ("utf-16-be", "UTF-16 BE (every second byte is NUL, no byte-order mark)"),
    ],
)
def test_utf16_and_utf32_are_named(tmp_path, encoding, expected):
    data = b"\xfe\xff" + CSV.encode("utf-16-be") if encoding == "utf-16-be-bom" else CSV.encode(encoding)
    path = write_bytes(tmp_path, data)
    with pytest.raises(InputDataError) as err:
        text_encoding(path)
    assert str(err.value) == f"{path}: not UTF-8 text: it looks like {expected}; re-save it as UTF-8"


def test_bomless_utf16_with_cjk_text_is_recognised_by_its_header(tmp_path):
    path = write_bytes(tmp_path, ("song_id,artist_name\n" + "s1,張信哲\n" * 50).encode("utf-16-le"))
    with pytest.raises(InputDataError, match="looks like UTF-16 LE"):
        text_encoding(path)


def test_utf8_bom_is_skipped_and_logged(tmp_path, caplog):
    path = write_bytes(tmp_path, b"\xef\xbb\xbf" + CSV.encode())
    with caplog.at_level(logging.INFO):
        frame = read_text_table(path, "a readable CSV file")
    assert frame.columns == ["msno", "city", "gender"]
    assert messages(caplog) == [f"{path}: starts with a UTF-8 byte-order mark (EF BB BF); it is skipped"]


def test_nul_bytes_name_their_offset_and_line(tmp_path):
    data = b"msno,song_id,target\nu1,s1,1\nu2,s\x002,0\n"
    path = write_bytes(tmp_path, data, "train.csv")
    with pytest.raises(InputDataError) as err:
        text_encoding(path)
    offset = data.index(b"\x00")
    assert str(err.value) == f"{path}: contains NUL bytes (first at byte {offset}, line 3): not a text CSV"


def test_invalid_utf8_names_its_offset_line_and_byte(tmp_path):
    data = "name\nAna\nJosé\n".encode("latin-1")
    path = write_bytes(tmp_path, data, "songs.csv")
    with pytest.raises(InputDataError) as err:
        text_encoding(path)
    offset = data.index(b"\xe9")
    assert str(err.value) == (f"{path}: not UTF-8 text (first invalid byte 0xE9 at byte {offset}, line 3); "
                              "re-save it as UTF-8")


def test_a_truncated_character_at_the_end_is_invalid(tmp_path):
    path = write_bytes(tmp_path, "a\né".encode()[:-1], "songs.csv")
    with pytest.raises(InputDataError, match=r"first invalid byte 0xC3 at byte 2, line 2"):
        text_encoding(path)


def test_fallback_encoding_is_used_only_for_invalid_utf8_and_logged(tmp_path, caplog):
    text = "tagID\ttagValue\n1\tespañol\n"
    latin = write_bytes(tmp_path, text.encode("latin-1"), "tags.dat")
    utf8 = write_bytes(tmp_path, text.encode(), "tags_utf8.dat")
    with caplog.at_level(logging.INFO):
        assert text_encoding(latin, "latin-1") == "latin-1"
        assert text_encoding(utf8, "latin-1") == "utf-8"
    assert messages(caplog) == [
        f"{latin}: read as latin-1 (not valid UTF-8: first invalid byte 0xF1 at byte {text.index('ñ')}, line 2)",
        f"{utf8}: read as UTF-8 (its bytes are valid UTF-8)",
    ]


def test_scan_in_small_chunks_finds_the_same_offsets(tmp_path, monkeypatch):
    """Characters split by a chunk edge are valid; offsets and lines do not depend on the chunk size."""
    text = "artist_name\n" + "張信哲\n" * 40
    good = write_bytes(tmp_path, text.encode(), "songs.csv")
    bad_data = text.encode() + b"x\xffy\n" + b"z\x00\n"
    bad = write_bytes(tmp_path, bad_data, "songs_bad.csv")
    monkeypatch.setattr(validation, "CHUNK_BYTES", 5)
    assert text_encoding(good) == "utf-8"
    nul, invalid = bad_data.index(b"\x00"), bad_data.index(b"\xff")
    with bad.open("rb") as handle:
        assert validation._scan_bytes(handle) == (nul, invalid)
    assert validation._location(bad, invalid) == f"byte {invalid}, line 42"


def test_blank_rows_are_dropped_with_one_count_per_file(tmp_path, caplog):
    path = write_bytes(tmp_path, (CSV + ",,\n" * 3 + "\n" + " , ,\t\n").encode(), "members.csv")
    with caplog.at_level(logging.INFO):
        frame = read_text_table(path, "a readable CSV file")
    assert frame["msno"].to_list() == ["u1", "u2"]
    assert messages(caplog) == [f"{path}: dropped 5 blank row(s) (every field empty)"]


def test_rows_with_some_fields_empty_stay_and_nothing_is_logged(caplog):
    frame = pl.DataFrame({"msno": ["u1", None, "u3"], "city": [None, "4", ""]})
    with caplog.at_level(logging.INFO):
        kept = drop_blank_rows(frame, "members.csv")
    assert kept.equals(frame) and caplog.records == []


def test_duplicate_key_gives_count_and_example():
    frame = pl.DataFrame({"id": [0, 1, 2, 1, 3, 1, 2]})
    with pytest.raises(InputDataError) as err:
        require_unique(frame, "test.csv", ("id",))
    assert err.value.column == "id"
    assert str(err.value) == ("test.csv: column 'id': 3 row(s) repeat an earlier id (e.g. 1 occurs 3 times); "
                              "each id must occur once")
    require_unique(frame.unique(), "test.csv", ("id",))


def test_duplicate_compound_key_names_every_key_column():
    frame = pl.DataFrame({"userID": [2, 2, 3], "artistID": [51, 51, 51]})
    with pytest.raises(InputDataError, match=r"1 row\(s\) repeat an earlier \(userID, artistID\) \(e.g. \(2, 51\)"):
        require_unique(frame, "user_artists.dat", ("userID", "artistID"))


def test_single_class_target_says_auc_is_undefined():
    with pytest.raises(InputDataError) as err:
        require_both_classes(pl.DataFrame({"target": [1, 1, 1]}), "train.csv", "target")
    assert str(err.value) == ("train.csv: column 'target': every row has target 1, so AUC is undefined "
                              "(it needs rows of both classes, 0 and 1)")
    with pytest.raises(InputDataError, match="no row has a target, so AUC is undefined"):
        require_both_classes(pl.DataFrame({"target": [None]}, schema={"target": pl.Int8}), "valid", "target")
    require_both_classes(pl.DataFrame({"target": [1, 0, 1]}), "train.csv", "target")
