"""MSSD loader: the public mini-log rows, the test-set files, and every error case on small hand-made files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from conftest import SHARED_DATA
from musicrec.datasets import mssd
from musicrec.errors import InputDataError

REAL = SHARED_DATA / "mssd" / "training_set" / "very_small.csv"
ROW = ("s1,{pos},{length},t_a,False,True,True,False,0,1,0,0,0,0,True,16,{date},True,radio,fwdbtn,fwdbtn")
TRACK_ROW = ("t_a,180.5,2010,99.5,0.1,0.2,0.3,0.4,5.0,0.5,0.6,0.7,{key},0.8,-7.5,0.9,{mode},0.1,0.2,120.0,4,0.3,"
             + ",".join(["0.1"] * 8))


def _log(tmp_path, rows, name="log.csv", header=",".join(mssd.LOG_COLUMNS)) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def _session(length=3, date="2018-07-15", session="s1"):
    return [ROW.format(pos=p, length=length, date=date).replace("s1", session, 1) for p in range(1, length + 1)]


@pytest.mark.skipif(not REAL.is_file(), reason=f"the public mini-log copy {REAL} is absent")
def test_real_rows():
    frame, report = mssd.read_log(REAL)
    assert frame.height == 201 and frame["session_id"].n_unique() == 11
    assert report["date_format"] == "%d-%m-%y" and report["dropped_rows"] == 0
    assert set(frame["date"].unique()) == {dt.date(2018, 7, 14), dt.date(2018, 7, 15)}
    assert frame.schema["skip_2"] == pl.Boolean and frame["skip_2"].sum() == 82
    assert set(frame["context_type"].unique()) <= set(mssd.CONTEXT_TYPES)


def test_iso_dates_and_dtypes(tmp_path):
    frame, report = mssd.read_log(_log(tmp_path, _session()))
    assert report["date_format"] == "%Y-%m-%d" and frame["date"][0] == dt.date(2018, 7, 15)
    assert frame.schema == pl.Schema(mssd.LOG_SCHEMA)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("False,True,True", "false,True,True",
     "column 'skip_1': value outside the vocabulary (e.g. 'false', 1 rows); expected one of ['True', 'False']"),
    (",radio,", ",podcast,", "column 'context_type': value outside the vocabulary (e.g. 'podcast', 1 rows); "
     f"expected one of {list(mssd.CONTEXT_TYPES)}"),
    (",16,", ",24,", "column 'hour_of_day': values outside 0..23 (e.g. 24, 1 rows)"),
    (",16,", ",x,", "column 'hour_of_day': non-integer values (e.g. 'x', 1 rows)"),
])
def test_bad_values(tmp_path, old, new, message):
    rows = _session()
    rows[1] = rows[1].replace(old, new, 1)
    path = _log(tmp_path, rows)
    with pytest.raises(InputDataError) as err:
        mssd.read_log(path)
    assert str(err.value) == f"{path}: {message}"


def test_bad_dates(tmp_path):
    path = _log(tmp_path, [*_session(date="2018-07-15")[:2], _session(date="15-07-18")[2]])
    with pytest.raises(InputDataError) as err:
        mssd.read_log(path)
    assert str(err.value) == (f"{path}: column 'date': unparsable dates (e.g. '15-07-18', 1 rows); the file's first "
                              "date '2018-07-15' is spelled YYYY-MM-DD")
    path = _log(tmp_path, _session(date="July 15"))
    with pytest.raises(InputDataError) as err:
        mssd.read_log(path)
    assert str(err.value) == f"{path}: column 'date': unparsable date 'July 15' (expected YYYY-MM-DD or dd-mm-yy)"


def test_missing_column(tmp_path):
    header = ",".join(c for c in mssd.LOG_COLUMNS if c != "premium")
    path = _log(tmp_path, [r.replace(",True,radio", ",radio") for r in _session()], header=header)
    with pytest.raises(InputDataError, match=r"column 'premium': missing column\(s\) \['premium'\]"):
        mssd.read_log(path)


def test_bad_sessions_dropped(tmp_path):
    gap = [r for r in _session(4, session="gap") if ",3,4," not in r]
    short = _session(3, session="short")[:2]
    repeat = _session(3, session="rep")
    repeat[2] = repeat[1]
    frame, report = mssd.read_log(_log(tmp_path, [*_session(3), *gap, *short, *repeat]))
    assert frame["session_id"].unique().to_list() == ["s1"]
    assert report["dropped_sessions_bad_length"] == 2 and report["dropped_sessions_bad_positions"] == 1
    assert report["dropped_rows"] == 3 + 2 + 3 and report["sessions"] == 1


def test_test_set_files(tmp_path):
    rows = _session(5)
    prehistory, report = mssd.read_log(_log(tmp_path, rows[:2], "log_prehistory_20180918_000000000000.csv"))
    assert report["kind"] == "prehistory" and report["sessions_cut_not_at_half"] == 0 and prehistory.height == 2
    inputs = [",".join(r.split(",")[:4]) for r in rows[2:]]
    frame, report = mssd.read_log(_log(tmp_path, inputs, "log_input_20180918_000000000000.csv",
                                       header=",".join(mssd.INPUT_COLUMNS)))
    assert frame.columns == list(mssd.INPUT_COLUMNS) and report["date_format"] is None and frame.height == 3
    _, report = mssd.read_log(_log(tmp_path, inputs[1:], "log_input_x.csv", header=",".join(mssd.INPUT_COLUMNS)))
    assert report["sessions_cut_not_at_half"] == 1
    _, report = mssd.read_log(_log(tmp_path, inputs[:-1], "log_input_y.csv", header=",".join(mssd.INPUT_COLUMNS)))
    assert report["dropped_sessions_bad_positions"] == 1


def test_track_features(tmp_path):
    path = tmp_path / "tf.csv"
    path.write_text(",".join(mssd.TRACK_COLUMNS) + "\n" + TRACK_ROW.format(key=3, mode="major") + "\n")
    frame = mssd.read_track_features(path)
    assert frame.schema == pl.Schema(mssd.TRACK_SCHEMA) and frame["mode"][0] == "major"
    path.write_text(",".join(mssd.TRACK_COLUMNS) + "\n" + TRACK_ROW.format(key=12, mode="major") + "\n")
    with pytest.raises(InputDataError) as err:
        mssd.read_track_features(path)
    assert str(err.value) == f"{path}: column 'key': values outside 0..11 (e.g. 12, 1 rows)"
    path.write_text(",".join(mssd.TRACK_COLUMNS) + "\n" + TRACK_ROW.format(key=3, mode="Major") + "\n")
    with pytest.raises(InputDataError) as err:
        mssd.read_track_features(path)
    assert str(err.value) == (f"{path}: column 'mode': value outside the vocabulary (e.g. 'Major', 1 rows); "
                              "expected one of ['major', 'minor']")
