"""Every bad-input case stops with one clear message naming the file, the column and the problem."""

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
