import polars as pl
import pytest

from musicrec.benchmarks import summarise_benchmarks

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def bench(tmp_path, relative, seconds, rss, cpu):
    path = tmp_path / "results/benchmarks" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"{seconds}\t0:00:01\t{rss}\t0\t0\t0\t0\t0\t50\t{cpu}\n")
    return str(path)


def test_per_step_and_overall_totals(tmp_path):
    paths = [
        bench(tmp_path, "kkbox/lgb/seed0.tsv", 4.0, 300.0, 7.0),
        bench(tmp_path, "kkbox/lgb/seed1.tsv", 6.0, 320.5, 9.0),
        bench(tmp_path, "kkbox/features.tsv", 2.5, 900.0, 3.0),
    ]
    summary = summarise_benchmarks(paths, tmp_path / "summary.csv")
    lgb = summary.filter(pl.col("step") == "kkbox/lgb").row(0, named=True)
    assert lgb["jobs"] == 2 and lgb["total_seconds"] == 10.0 and lgb["mean_seconds"] == 5.0
    assert lgb["max_seconds"] == 6.0 and lgb["peak_rss_mb"] == 320.5 and lgb["total_cpu_seconds"] == 16.0
    overall = summary.filter(pl.col("step") == "all jobs").row(0, named=True)
    assert overall["jobs"] == 3 and overall["total_seconds"] == pytest.approx(12.5)
    assert overall["peak_rss_mb"] == 900.0
    assert pl.read_csv(tmp_path / "summary.csv").height == 3


def test_interactions_scale_reports_the_built_sizes():
    from musicrec.benchmarks import SCALE_SHAPES, interactions_scale

    report = interactions_scale("tiny")
    users, items, events = SCALE_SHAPES["tiny"]
    assert report["users"] <= users and (report["items"], report["events"]) == (items, events)
    assert 0 < report["matrix_entries"] <= events and report["matrix_mb"] > 0 and report["sequence_mb"] > 0
