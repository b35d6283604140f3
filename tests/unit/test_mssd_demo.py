"""MSSD demo: the real schema and spellings, read back by the loader, planted skip and co-occurrence effects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from conftest import SHARED_DATA
from musicrec.datasets import mssd, mssd_demo

REAL = SHARED_DATA / "mssd" / "training_set" / "very_small.csv"
SIZE = mssd_demo.MssdDemoSize.named("tiny")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    directory = tmp_path_factory.mktemp("mssd")
    tables = mssd_demo.generate(SIZE, 7)
    paths = {name: str(directory / f"{name}.csv") for name in SIZE.table_names()}
    mssd_demo.write(tables, paths)
    logs = pl.concat([mssd.read_log(paths[name])[0] for name in SIZE.log_names()])
    return tables, paths, logs, mssd.read_track_features(paths[mssd_demo.TRACK_FEATURES_NAME])


def test_schema_and_spellings(written):
    tables, paths, logs, tracks = written
    header = Path(paths[SIZE.log_names()[0]]).read_text().splitlines()
    assert header[0].split(",") == list(mssd.LOG_COLUMNS)
    track_header = Path(paths[mssd_demo.TRACK_FEATURES_NAME]).read_text().split("\n", 1)[0]
    assert track_header.split(",") == list(mssd.TRACK_COLUMNS)
    assert ",True," in header[1] or ",False," in header[1]
    assert logs["date"].n_unique() == SIZE.days and logs["session_id"].n_unique() == SIZE.sessions
    assert logs.group_by("session_id").len()["len"].is_between(10, 20).all()
    assert set(logs["track_id_clean"].unique()) <= set(tracks["track_id"])
    if REAL.is_file():
        real = pl.read_csv(REAL, infer_schema=False)
        assert real.columns == header[0].split(",")
        for column in ("context_type", "hist_user_behavior_reason_start", "hist_user_behavior_reason_end"):
            assert set(real[column].unique()) <= set(mssd.VOCABULARIES[column])


def test_skip_consistency(written):
    logs = written[2]
    assert not logs.filter(pl.col("skip_1") & ~pl.col("skip_2")).height
    assert not logs.filter(pl.col("skip_2") & ~pl.col("skip_3")).height
    assert not logs.filter(pl.col("skip_3") & pl.col("not_skipped")).height
    assert (logs.filter(pl.col("not_skipped"))["hist_user_behavior_reason_end"] == "trackdone").all()
    assert 0.2 < logs["skip_2"].mean() < 0.6


def test_planted_skip_effects(written):
    logs = written[2].sort("session_id", "session_position").with_columns(
        (pl.col("skip_2").cum_sum().over("session_id") - pl.col("skip_2")).alias("earlier"))
    none_before = logs.filter(pl.col("earlier") == 0)["skip_2"].mean()
    many_before = logs.filter(pl.col("earlier") >= 3)["skip_2"].mean()
    assert many_before > none_before + 0.2
    by_context = dict(logs.group_by("context_type").agg(pl.col("skip_2").mean()).iter_rows())
    assert by_context["user_collection"] < by_context["radio"]


def test_cooccurrence(written):
    _, _, logs, tracks = written
    # generate() draws the track features first, so the same seed gives the planted clusters back.
    _, cluster, _ = mssd_demo._track_features(SIZE, np.random.default_rng(7))
    cluster_of = dict(zip(tracks["track_id"], cluster))
    shares = logs.with_columns(pl.col("track_id_clean").replace_strict(cluster_of).alias("cluster")).group_by(
        "session_id").agg((pl.col("cluster") == pl.col("cluster").mode().first()).mean().alias("share"))["share"]
    assert shares.mean() > 0.75 > 1 / SIZE.clusters + 0.2


def test_deterministic():
    first, second = mssd_demo.generate(SIZE, 3), mssd_demo.generate(SIZE, 3)
    assert all(first[name].equals(second[name]) for name in SIZE.table_names())
    assert not mssd_demo.generate(SIZE, 4)[SIZE.log_names()[0]].equals(first[SIZE.log_names()[0]])


def test_track_features_for(written, tmp_path):
    demo_tracks = written[3]
    ids = ["t_b", "t_a", "t_b", *(f"t_{i:04d}" for i in range(400))]
    table = mssd_demo.track_features_for(ids, 0)
    path = tmp_path / "tf.csv"
    mssd_demo.write({"tf": table}, {"tf": str(path)})
    tracks = mssd.read_track_features(path)
    assert tracks["track_id"].to_list() == sorted(set(ids)) and table.columns == list(mssd.TRACK_COLUMNS)
    assert table.equals(mssd_demo.track_features_for(reversed(ids), 0))
    assert not table.equals(mssd_demo.track_features_for(ids, 1))
    for column in ("danceability", "tempo", "duration", "release_year", "us_popularity_estimate"):
        assert tracks[column].mean() == pytest.approx(demo_tracks[column].mean(), rel=0.1), column
    assert abs((tracks["mode"] == "major").mean() - (demo_tracks["mode"] == "major").mean()) < 0.1
