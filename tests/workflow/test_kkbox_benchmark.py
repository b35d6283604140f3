"""The KKBox benchmark runs step by step in its own working directory (tiny size, first two steps), and
the features step reports the ids that do not join (log lines and report.json)."""

import json

import polars as pl
import pytest
from conftest import make_workdir

from musicrec import benchmark_run

pytestmark = pytest.mark.workflow

STEPS = benchmark_run.KKBOX_STEPS[:2]  # demo data and features: the part that needs no model


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    repo = make_workdir(tmp_path_factory.mktemp("bench"))
    workdir = repo / "benchmarks" / "kkbox_tiny"
    workdir.mkdir(parents=True)
    (workdir / "config.yaml").write_text("seeds: [0]\nkkbox:\n  demo:\n    size: tiny\n")
    table = benchmark_run.run_steps(workdir, STEPS, snakefile=repo / "Snakefile", configfile=repo / "config.yaml")
    return repo, workdir, table


def test_steps_table_and_benchmark_files_stay_in_the_benchmark_directory(bench_run):
    repo, workdir, table = bench_run
    assert table["step"].to_list() == ["demo_data", "features"]
    assert (table["peak_rss_mb"] > 0).all() and (table["job_seconds"] > 0).all()
    written = pl.read_csv(workdir / "results/benchmarks/steps_kkbox.csv")
    assert written["step"].to_list() == ["demo_data", "features"]
    for _, _, benchmark in STEPS:
        assert (workdir / benchmark).is_file()
    assert not (repo / "results").exists() and not (repo / "resources/kkbox").exists(), "the user's folders are untouched"


def test_features_step_reports_ids_that_do_not_join(bench_run):
    _, workdir, _ = bench_run
    report = json.loads((workdir / "results/kkbox/features/report.json").read_text())
    log = (workdir / "results/logs/kkbox/features.log").read_text()
    for file in ("train.csv", "test.csv"):
        songs = report["unjoined"][file]["songs.csv"]
        assert 0 < songs["rows"] < songs["of_rows"] and 0 < songs["distinct_ids"] < songs["of_distinct_ids"]
        assert f"{file}: {songs['rows']:,} of {songs['of_rows']:,} rows" in log
        assert f"{file}: every msno is in members.csv" in log
    assert report["rows"]["train.csv"] == 12_000
