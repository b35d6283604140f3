"""Atomic writers: strict JSON, the file mode of a plain open(), nothing left behind on failure."""

import json
import math
import os
import stat

import numpy as np
import polars as pl
import pytest

from musicrec.io import atomic_path, strict_json_value, write_csv, write_json, write_parquet


def reject_constant(name):
    raise ValueError(f"not strict JSON: {name}")


def test_nan_and_infinities_become_null_at_any_depth(tmp_path):
    path = tmp_path / "metrics.json"
    write_json({"auc": float("nan"), "per_seed": [np.float32("nan"), np.float64(0.5), (float("inf"), 1)],
                "nested": {"log_loss": -math.inf, "n_rows": np.int64(3), "scores": np.array([np.nan, 2.0])}},
               path)
    loaded = json.loads(path.read_text(), parse_constant=reject_constant)
    assert loaded == {"auc": None, "per_seed": [None, 0.5, [None, 1]],
                      "nested": {"log_loss": None, "n_rows": 3, "scores": [None, 2.0]}}


def test_strict_json_value_keeps_finite_values_and_types():
    value = {"a": 1, "b": "x", "c": [True, None, 2.5], "d": np.bool_(True)}
    assert strict_json_value(value) == {"a": 1, "b": "x", "c": [True, None, 2.5], "d": True}
    assert type(strict_json_value(np.int32(4))) is int


def test_unserialisable_value_writes_nothing(tmp_path):
    path = tmp_path / "out.json"
    with pytest.raises(TypeError):
        write_json({"when": object()}, path)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(params=[0o022, 0o002], ids=["umask022", "umask002"])
def umask(request):
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def test_written_files_have_the_mode_of_a_plain_open(tmp_path, umask):
    with open(tmp_path / "plain.txt", "w") as handle:
        handle.write("x")
    plain_mode = stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode)
    assert plain_mode == 0o666 & ~umask
    frame = pl.DataFrame({"a": [1, 2]})
    write_json({"a": 1}, tmp_path / "results" / "a.json")
    write_csv(frame, tmp_path / "results" / "a.csv")
    write_parquet(frame, tmp_path / "results" / "a.parquet")
    write_csv(frame.to_pandas(), tmp_path / "results" / "b.csv")
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "results").iterdir()}
    assert modes == {name: plain_mode for name in ("a.json", "a.csv", "a.parquet", "b.csv")}


def test_failed_write_leaves_neither_target_nor_temporary_file(tmp_path):
    target = tmp_path / "model.bin"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_temporary_file_is_hidden_next_to_the_target_and_replaces_it(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old")
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".table.csv.") and tmp.name.endswith(".tmp")
        assert target.read_text() == "old"
        tmp.write_text("new")
    assert target.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]
