"""MSSD preparation: splits by date, masks, vocabulary, standardisation, labels checked by hand against the log,
determinism, the error cases, writing, and the public mini-log rows joined with generated track features."""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import fields

import numpy as np
import polars as pl
import pytest

from conftest import SHARED_DATA
from musicrec.datasets import mssd, mssd_demo, mssd_prepare
from musicrec.errors import ConfigError, InputDataError
from musicrec.sessions import FIRST_TRACK, MAX_LENGTH, OOV, PAD, Sessions, log_feature_names

REAL = SHARED_DATA / "mssd" / "training_set" / "very_small.csv"
SIZE = mssd_demo.MssdDemoSize.named("tiny")
VOCABULARY, VALID, TEST = 40, 0.2, 0.1
NAMES = log_feature_names()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The tiny demo written to CSV: (log paths, track-feature path, the logs as the loader reads them)."""
    directory = tmp_path_factory.mktemp("mssd")
    paths = {name: str(directory / f"{name}.csv") for name in SIZE.table_names()}
    mssd_demo.write(mssd_demo.generate(SIZE, 0), paths)
    logs = [paths[name] for name in SIZE.log_names()]
    frame = pl.concat([mssd.read_log(path)[0] for path in logs])
    return logs, paths[mssd_demo.TRACK_FEATURES_NAME], frame


@pytest.fixture(scope="module")
def prepared(demo):
    logs, tracks, _ = demo
    return mssd_prepare.prepare(logs, [tracks], VOCABULARY, VALID, TEST)


def _key(splits, name):
    return list(zip(splits[name].dates.tolist(), splits[name].session_ids.tolist()))


def test_split_sizes_and_date_order(prepared, demo):
    splits, _, summary = prepared
    assert {name: len(splits[name]) for name in mssd_prepare.SPLITS} == {"train": 84, "valid": 24, "test": 12}
    assert summary["dropped_sessions_without_two_halves"] == 0
    keys = [key for name in mssd_prepare.SPLITS for key in _key(splits, name)]
    assert keys == sorted(keys) and len(set(keys)) == SIZE.sessions
    assert {s for _, s in keys} == set(demo[2]["session_id"])
    assert splits["train"].dates.max() <= splits["valid"].dates.min() <= splits["test"].dates.min()
    for name, sessions in splits.items():
        facts = summary["splits"][name]
        assert facts["sessions"] == len(sessions) and facts["rows"] == sessions.lengths.sum()
        assert facts["first_date"] == str(sessions.dates.min()) and facts["last_date"] == str(sessions.dates.max())
        assert facts["second_half_skip_2_rate"] == pytest.approx(sessions.skips[sessions.second_half_mask()].mean())
        assert facts["oov_share"] == pytest.approx((sessions.tracks[sessions.valid_mask()] == OOV).mean())
    assert [report["file"] for report in summary["log_files"]] == demo[0]
    json.dumps(summary)


def test_dtypes_and_masks(prepared):
    for sessions in prepared[0].values():
        assert sessions.session_ids.dtype.kind == "U" and sessions.dates.dtype == np.dtype("datetime64[D]")
        assert sessions.tracks.dtype == np.int64 and sessions.skips.dtype == np.int8
        assert sessions.log_features.dtype == sessions.track_features.dtype == np.float32
        assert sessions.log_features.shape == (len(sessions), MAX_LENGTH, len(NAMES))
        assert (sessions.first_lengths == sessions.lengths // 2).all()
        valid, first = sessions.valid_mask(), sessions.first_half_mask()
        assert (sessions.tracks[~valid] == PAD).all() and (sessions.tracks[valid] >= OOV).all()
        assert not sessions.log_features[~first].any() and not sessions.skips[~valid].any()
        assert not sessions.track_features[~valid].any()
        flags = sessions.log_features[first][:, [NAMES.index(c) for c in ("skip_2", "premium")]]
        assert set(np.unique(flags)) == {0.0, 1.0}
        one_hot = sessions.log_features[first][:, [i for i, n in enumerate(NAMES) if n.startswith("context_type=")]]
        assert (one_hot.sum(axis=1) == 1).all()


def test_vocabulary_order_and_oov(prepared, demo):
    splits, vocabulary, summary = prepared
    assert vocabulary.schema == pl.Schema({"index": pl.Int64, "track_id": pl.String, "count": pl.Int64})
    train_ids = set(splits["train"].session_ids)
    counts = (demo[2].filter(pl.col("session_id").is_in(list(train_ids))).group_by("track_id_clean").len()
              .sort(["len", "track_id_clean"], descending=[True, False]))
    assert vocabulary["index"].to_list() == list(range(FIRST_TRACK, FIRST_TRACK + VOCABULARY))
    assert vocabulary["track_id"].to_list() == counts["track_id_clean"].head(VOCABULARY).to_list()
    assert vocabulary["count"].to_list() == counts["len"].head(VOCABULARY).to_list()
    assert summary["vocabulary_size"] == VOCABULARY and splits["train"].n_tracks == VOCABULARY + FIRST_TRACK
    train = splits["train"]
    assert (np.bincount(train.tracks[train.valid_mask()], minlength=train.n_tracks)[FIRST_TRACK:]
            == vocabulary["count"].to_numpy()).all()
    assert (train.tracks == OOV).sum() == counts["len"].sum() - vocabulary["count"].sum()


def test_standardisation(prepared):
    splits = prepared[0]
    train = splits["train"]
    distinct = np.unique(train.track_features[train.valid_mask()], axis=0)
    assert np.abs(distinct.mean(axis=0)).max() < 1e-4 and np.allclose(distinct.std(axis=0), 1.0, atol=1e-3)
    assert not train.vocabulary_features[:FIRST_TRACK].any()
    for sessions in splits.values():
        assert sessions.vocabulary_features is train.vocabulary_features
        known = sessions.tracks >= FIRST_TRACK
        assert np.array_equal(sessions.track_features[known], train.vocabulary_features[sessions.tracks[known]])


def test_one_session_by_hand(prepared, demo):
    splits, vocabulary, _ = prepared
    index = dict(zip(vocabulary["track_id"], vocabulary["index"]))
    for name in ("train", "test"):
        sessions = splits[name]
        s = 5
        rows = demo[2].filter(pl.col("session_id") == sessions.session_ids[s]).sort("session_position")
        length, first = rows.height, rows.height // 2
        assert sessions.lengths[s] == length and sessions.first_lengths[s] == first
        assert sessions.skips[s, :length].tolist() == rows["skip_2"].cast(pl.Int8).to_list()
        assert sessions.tracks[s, :length].tolist() == [index.get(t, OOV) for t in rows["track_id_clean"]]
        features = sessions.log_features[s]
        for column in ("skip_1", "not_skipped", "long_pause_before_play", "premium"):
            assert features[:first, NAMES.index(column)].tolist() == rows[column].cast(pl.Float32)[:first].to_list()
        seeks = rows["hist_user_behavior_n_seekfwd"].to_numpy()[:first]
        assert np.allclose(features[:first, NAMES.index("hist_user_behavior_n_seekfwd")], np.log1p(seeks))
        hour = rows["hour_of_day"][0]
        assert features[0, NAMES.index("hour_sin")] == pytest.approx(math.sin(2 * math.pi * hour / 24), abs=1e-6)
        assert features[0, NAMES.index("hour_cos")] == pytest.approx(math.cos(2 * math.pi * hour / 24), abs=1e-6)
        assert features[0, NAMES.index(f"context_type={rows['context_type'][0]}")] == 1.0
        assert features[0, NAMES.index(f"reason_end={rows['hist_user_behavior_reason_end'][0]}")] == 1.0
        assert sessions.dates[s] == np.datetime64(rows["date"][0], "D")


def test_deterministic_and_written(prepared, demo, tmp_path):
    logs, tracks, _ = demo
    splits, vocabulary, summary = mssd_prepare.prepare(logs, [tracks], VOCABULARY, VALID, TEST)
    outputs = {name: str(tmp_path / f"{name}.npz") for name in mssd_prepare.SPLITS}
    outputs |= {"vocabulary": str(tmp_path / "vocabulary.parquet"), "summary": str(tmp_path / "summary.json")}
    mssd_prepare.write(splits, vocabulary, summary, outputs)
    for name in mssd_prepare.SPLITS:
        loaded = Sessions.load(outputs[name])
        for field in fields(Sessions):
            assert np.array_equal(getattr(loaded, field.name), getattr(prepared[0][name], field.name)), field.name
    assert pl.read_parquet(outputs["vocabulary"]).equals(prepared[1])
    assert json.loads((tmp_path / "summary.json").read_text())["splits"] == prepared[2]["splits"]


def test_missing_track_features(demo, tmp_path):
    logs, tracks, frame = demo
    table = mssd.read_track_features(tracks)
    used = sorted(set(frame["track_id_clean"]))
    path = tmp_path / "tf_partial.csv"
    mssd_demo.write({"tf": table.filter(~pl.col("track_id").is_in(used[:2]))}, {"tf": str(path)})
    with pytest.raises(InputDataError) as err:
        mssd_prepare.prepare(logs, [str(path)], VOCABULARY, VALID, TEST)
    assert str(err.value) == (f"{path}: column 'track_id': 2 track(s) of the logs have no track features "
                              f"(e.g. {used[0]!r})")


def test_track_feature_files_concatenate(demo, prepared, tmp_path):
    logs, tracks, _ = demo
    table = mssd.read_track_features(tracks)
    halves = {"tf_0": table.head(150), "tf_1": table.tail(150)}
    paths = {name: str(tmp_path / f"{name}.csv") for name in halves}
    mssd_demo.write(halves, paths)
    splits = mssd_prepare.prepare(logs, list(paths.values()), VOCABULARY, VALID, TEST)[0]
    assert np.array_equal(splits["test"].track_features, prepared[0]["test"].track_features)


def test_session_in_two_files(demo, tmp_path):
    logs, tracks, _ = demo
    copy = tmp_path / "log_0_20180720_000000000000.csv"
    shutil.copy(logs[0], copy)
    with pytest.raises(InputDataError) as err:
        mssd_prepare.prepare([*logs, str(copy)], [tracks], VOCABULARY, VALID, TEST)
    first_day = mssd.read_log(logs[0])[0]["session_id"]
    assert str(err.value) == (f"{copy}: column 'session_id': {first_day.n_unique()} session(s) also appear in another "
                              f"log file (e.g. {first_day.min()!r}, also in {logs[0]}); a session belongs in one file")


def test_test_set_file(demo, tmp_path):
    logs, tracks, _ = demo
    prehistory = tmp_path / "log_prehistory_20180918_000000000000.csv"
    shutil.copy(logs[0], prehistory)
    with pytest.raises(ConfigError) as err:
        mssd_prepare.prepare([*logs, str(prehistory)], [tracks], VOCABULARY, VALID, TEST)
    assert str(err.value) == (f"{prehistory}: a test-set prehistory file; test-set files have no skip labels to "
                              "evaluate and are not supported by the stage yet (list training logs only)")


def test_too_few_sessions(demo):
    logs, tracks, _ = demo
    with pytest.raises(ConfigError) as err:
        mssd_prepare.prepare(logs, [tracks], VOCABULARY, 0.5, 0.5)
    assert str(err.value) == ("MSSD split: 120 usable session(s) leave 0 for training after 60 validation "
                              "(valid_share 0.5) and 60 test (test_share 0.5); each split needs at least 1 session")
    assert mssd_prepare.split_counts(3, 0.0, 0.01) == {"train": 1, "valid": 1, "test": 1}
    assert mssd_prepare.split_counts(10, 0.25, 0.1) == {"train": 6, "valid": 3, "test": 1}


def test_short_sessions_dropped(demo, tmp_path):
    logs, tracks, frame = demo
    one = frame.filter(pl.col("session_id") == frame["session_id"][0]).head(1).with_columns(
        pl.lit("single").alias("session_id"), pl.lit(1, pl.UInt8).alias("session_length"),
        pl.col(pl.Enum).cast(pl.String), pl.col("date").dt.to_string("%Y-%m-%d"))
    path = tmp_path / "log_0_20180701_000000000000.csv"
    mssd_demo.write({"single": one}, {"single": str(path)})
    splits, _, summary = mssd_prepare.prepare([str(path), *logs], [tracks], VOCABULARY, VALID, TEST)
    assert summary["dropped_sessions_without_two_halves"] == 1
    assert sum(map(len, splits.values())) == SIZE.sessions and "single" not in splits["train"].session_ids


@pytest.mark.skipif(not REAL.is_file(), reason=f"the public mini-log copy {REAL} is absent")
def test_real_rows(tmp_path):
    frame, _ = mssd.read_log(REAL)
    path = tmp_path / "tf_000000000000.csv"
    mssd_demo.write({"tf": mssd_demo.track_features_for(frame["track_id_clean"], 0)}, {"tf": str(path)})
    splits, vocabulary, summary = mssd_prepare.prepare([str(REAL)], [str(path)], 50, 0.2, 0.2)
    dropped = summary["dropped_sessions_without_two_halves"] + summary["dropped_sessions_longer_than_max_length"]
    assert dropped == 0 and {name: len(s) for name, s in splits.items()} == {"train": 7, "valid": 2, "test": 2}
    assert summary["splits"]["train"]["first_date"] == "2018-07-14" and summary["log_files"][0]["rows"] == 201
    assert sum(s.lengths.sum() for s in splits.values()) == 201 and vocabulary.height == 50
    assert sum(s.skips.sum() for s in splits.values()) == 82
