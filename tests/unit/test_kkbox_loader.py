"""Every bad-input case stops with one clear message naming the file, the column and the problem."""

import logging

import pytest

from musicrec.datasets import kkbox
from musicrec.errors import InputDataError

TRAIN_HEADER = "msno,song_id,source_system_tab,source_screen_name,source_type,target"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_with_declared_types_and_empty_fields(tmp_path):
    path = write(tmp_path, "train.csv", f"{TRAIN_HEADER}\nu+/=,s1,,,radio,1\nu2,s2,my library,Radio,,0\n")
    frame = kkbox.read_table("train", path)
    assert frame.schema["target"].is_integer()
    assert frame["source_system_tab"][0] is None
    assert frame["msno"][0] == "u+/="


def test_missing_file(tmp_path):
    with pytest.raises(InputDataError, match=r"train\.csv: file not found"):
        kkbox.read_table("train", tmp_path / "train.csv")


def test_zero_byte_file(tmp_path):
    path = write(tmp_path, "songs.csv", "")
    with pytest.raises(InputDataError, match="file is empty"):
        kkbox.read_table("songs", path)


def test_missing_column_is_named(tmp_path):
    path = write(tmp_path, "train.csv", "msno,song_id,source_system_tab,source_screen_name,target\nu,s,a,b,1\n")
    with pytest.raises(InputDataError) as err:
        kkbox.read_table("train", path)
    assert err.value.column == "source_type"
    assert "missing column" in str(err.value) and "train.csv" in str(err.value)


def test_header_only_train_is_empty(tmp_path):
    path = write(tmp_path, "train.csv", TRAIN_HEADER + "\n")
    with pytest.raises(InputDataError, match="header but no rows"):
        kkbox.read_table("train", path)


def test_non_numeric_target(tmp_path):
    path = write(tmp_path, "train.csv", f"{TRAIN_HEADER}\nu,s,a,b,c,1\nu,s,a,b,c,yes\n")
    with pytest.raises(InputDataError) as err:
        kkbox.read_table("train", path)
    message = str(err.value)
    assert err.value.column == "target" and "'yes'" in message and "\n" not in message


def test_target_out_of_range(tmp_path):
    path = write(tmp_path, "train.csv", f"{TRAIN_HEADER}\nu,s,a,b,c,2\n")
    with pytest.raises(InputDataError, match="target must be 0 or 1"):
        kkbox.read_table("train", path)


def test_missing_required_value(tmp_path):
    path = write(tmp_path, "train.csv", f"{TRAIN_HEADER}\nu,,a,b,c,1\n")
    with pytest.raises(InputDataError, match="column 'song_id': 1 row"):
        kkbox.read_table("train", path)


def test_non_numeric_member_field(tmp_path):
    header = "msno,city,bd,gender,registered_via,registration_init_time,expiration_date"
    path = write(tmp_path, "members.csv", f"{header}\nu,1,abc,,7,20110101,20170101\n")
    with pytest.raises(InputDataError, match="column 'bd'"):
        kkbox.read_table("members", path)


TEST_HEADER = "id,msno,song_id,source_system_tab,source_screen_name,source_type"
MEMBERS_HEADER = "msno,city,bd,gender,registered_via,registration_init_time,expiration_date"


def test_trailing_blank_rows_are_dropped_and_counted(tmp_path, caplog):
    path = write(tmp_path, "test.csv", f"{TEST_HEADER}\n0,u1,s1,,,radio\n1,u2,s2,a,b,c\n" + ",,,,,\n" * 35)
    with caplog.at_level(logging.INFO):
        frame = kkbox.read_table("test", path)
    assert frame["id"].to_list() == [0, 1]
    assert [r.getMessage() for r in caplog.records] == [f"{path}: dropped 35 blank row(s) (every field empty)"]


def test_only_blank_rows_is_an_empty_table(tmp_path):
    path = write(tmp_path, "train.csv", f"{TRAIN_HEADER}\n" + ",,,,,\n" * 3)
    with pytest.raises(InputDataError, match="header but no rows"):
        kkbox.read_table("train", path)


def test_a_partly_empty_row_stays_an_error(tmp_path):
    path = write(tmp_path, "test.csv", f"{TEST_HEADER}\n0,u1,s1,,,radio\n,,s2,,,\n")
    with pytest.raises(InputDataError, match=r"column 'id': 1 row\(s\) with an empty value"):
        kkbox.read_table("test", path)


def test_duplicate_test_ids(tmp_path):
    rows = "".join(f"{i},u{i},s{i},,,radio\n" for i in (0, 1, 2, 3, 1, 2))
    path = write(tmp_path, "test.csv", TEST_HEADER + "\n" + rows)
    with pytest.raises(InputDataError) as err:
        kkbox.read_table("test", path)
    assert str(err.value) == f"{path}: column 'id': 2 row(s) repeat an earlier id (e.g. 1 occurs 2 times); each id must occur once"


def test_single_target_class(tmp_path):
    path = write(tmp_path, "train.csv", f"{TRAIN_HEADER}\nu,s,a,b,c,0\nv,t,a,b,c,0\n")
    with pytest.raises(InputDataError) as err:
        kkbox.read_table("train", path)
    assert err.value.column == "target" and "every row has target 0, so AUC is undefined" in str(err.value)


def test_utf16_members_is_named_not_garbled(tmp_path):
    path = tmp_path / "members.csv"
    path.write_bytes(f"{MEMBERS_HEADER}\nu,1,0,,7,20110101,20170101\n".encode("utf-16"))
    with pytest.raises(InputDataError) as err:
        kkbox.read_table("members", path)
    assert str(err.value) == f"{path}: not UTF-8 text: it looks like UTF-16 LE (byte-order mark FF FE); re-save it as UTF-8"


def test_nul_bytes_in_train(tmp_path):
    data = f"{TRAIN_HEADER}\nu,s,a,b,c,0\nv,t\0\0,a,b,c,1\n".encode()
    path = tmp_path / "train.csv"
    path.write_bytes(data)
    with pytest.raises(InputDataError) as err:
        kkbox.read_table("train", path)
    assert str(err.value) == f"{path}: contains NUL bytes (first at byte {data.index(0)}, line 3): not a text CSV"


def test_invalid_utf8_is_an_error_not_replaced(tmp_path):
    data = "song_id,song_length,genre_ids,artist_name,composer,lyricist,language\ns1,1,465,Beyoncé,,,52\n"
    path = tmp_path / "songs.csv"
    path.write_bytes(data.encode("cp1252"))
    with pytest.raises(InputDataError, match=r"not UTF-8 text \(first invalid byte 0xE9 at byte \d+, line 2\)"):
        kkbox.read_table("songs", path)


def test_utf8_bom_and_cjk_names_are_read(tmp_path):
    data = "song_id,song_length,genre_ids,artist_name,composer,lyricist,language\ns1,1,465,張信哲,,,3\n"
    path = tmp_path / "songs.csv"
    path.write_bytes(b"\xef\xbb\xbf" + data.encode())
    frame = kkbox.read_table("songs", path)
    assert frame["song_id"].to_list() == ["s1"] and frame["artist_name"].to_list() == ["張信哲"]
