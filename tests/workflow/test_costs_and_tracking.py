"""The cost table and W&B tracking on the tiny end-to-end build (tiny_build, every dataset): the cost table's
totals equal the benchmark files of exactly the jobs of its DAG, read back independently; with tracking.wandb on,
the stage target tracks every model run and a track_run job writes an offline W&B run folder; off, none."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest
import yaml

from conftest import run_snakemake
from test_dag import job_counts
from wandb_offline import offline_run

pytestmark = pytest.mark.workflow

KKBOX_RUNS = {"lgb", "nn", "blend"}
DATASETS = ["kkbox", "lastfm", "yambda", "yandex_music", "mssd"]


def overlay(folder: Path, name: str, settings: dict) -> str:
    """A config file to pass with --configfile: merged over config.yaml for one run."""
    path = folder / name
    path.write_text(yaml.safe_dump(settings))
    return str(path)


@pytest.fixture(scope="module")
def costs(tiny_build) -> Path:
    """The cost table of the whole tiny build (report.datasets: every dataset), brought up to date first (a
    test that reruns a job rewrites its benchmark file)."""
    run_snakemake(tiny_build, "--cores", "2", "results/costs/totals.json")
    return tiny_build / "results/costs"


def benchmark_figures(path: Path) -> tuple[float, float | None, float | None]:
    """(wall seconds, CPU seconds, peak memory MB) of a Snakemake benchmark file, NA as None."""
    with path.open() as handle:
        row = next(csv.DictReader(handle, delimiter="\t"))

    def number(value: str) -> float | None:
        return None if value in ("NA", "-") else float(value)

    return float(row["s"]), number(row["cpu_time"]), number(row["max_rss"])


def test_the_totals_equal_the_sum_of_the_benchmark_files(costs):
    build = costs.parents[1]
    jobs = pl.read_csv(costs / "jobs.csv")
    figures = [benchmark_figures(build / path) for path in jobs["file"]]
    totals = json.loads((costs / "totals.json").read_text())
    assert totals["jobs"] == jobs.height == len(set(jobs["file"]))
    assert totals["wall_seconds"] == pytest.approx(sum(wall for wall, _, _ in figures))
    assert totals["cpu_seconds"] == pytest.approx(sum(cpu for _, cpu, _ in figures if cpu is not None))
    assert totals["peak_rss_mb"] == max(rss for _, _, rss in figures if rss is not None)
    assert sorted(totals["datasets"]) == sorted(DATASETS)
    for dataset in DATASETS:
        own = [figure for figure, name in zip(figures, jobs["dataset"]) if name == dataset]
        assert totals["datasets"][dataset]["wall_seconds"] == pytest.approx(sum(wall for wall, _, _ in own))
    for path, (wall, cpu, rss) in zip(jobs["file"], figures):
        row = jobs.filter(pl.col("file") == path).row(0, named=True)
        assert (row["wall_seconds"], row["cpu_seconds"], row["max_rss_mb"]) == (wall, cpu, rss)
    by_rule = pl.read_csv(costs / "by_rule.csv")
    assert by_rule["wall_seconds"].sum() == pytest.approx(totals["wall_seconds"])
    assert by_rule["jobs"].sum() == totals["jobs"]


def test_the_cost_table_counts_exactly_the_jobs_of_its_dag(costs):
    plan = run_snakemake(costs.parents[1], "results/costs/totals.json", "-n", "--forceall", "--quiet",
                         "rules").stdout
    counts = job_counts(plan)
    assert counts.pop("cost_table") == 1
    jobs = pl.read_csv(costs / "jobs.csv")
    assert sum(counts.values()) == jobs.height
    assert {"kkbox_features", "classify", "classify_gpu", "blend", "recommend", "rerank", "serve", "session_skip",
            "evaluate", "evaluate_sessions", "data_profile", "summary", "significance"} <= set(counts)


def test_per_model_rows_devices_and_figures(costs):
    jobs = pl.read_csv(costs / "jobs.csv").filter(pl.col("dataset") == "kkbox")
    by_model = pl.read_csv(costs / "by_model.csv")
    assert set(by_model["dataset"]) == set(DATASETS)
    by_model = by_model.filter(pl.col("dataset") == "kkbox")
    assert set(by_model["model"]) == KKBOX_RUNS and (by_model["seeds"] == 2).all()
    for row in by_model.iter_rows(named=True):
        own = jobs.filter(pl.col("model") == row["model"])
        assert row["wall_seconds"] == pytest.approx(own["wall_seconds"].sum())
        assert row["train_wall_seconds_per_seed"] == pytest.approx(
            own.filter(pl.col("training"))["wall_seconds"].sum() / 2)
        assert row["main_metric"] == "auc" and 0.5 < row["main_metric_mean"] <= 1.0
    devices = dict(zip(jobs["model"], jobs["device"]))
    # the Keras network is a GPU-rule model whose training report names no device; LightGBM runs on a CPU rule
    assert devices["nn"] == "GPU rule" and devices["lgb"] == "CPU"
    for name in ("costs.png", "quality_per_cost.png"):
        assert (costs / name).read_bytes().startswith(b"\x89PNG")


def test_tracking_is_off_by_default(tiny_build):
    assert "track_run" not in job_counts(run_snakemake(tiny_build, "kkbox", "-n", "--forceall", "--quiet",
                                                       "rules").stdout)


def test_with_tracking_on_each_model_run_is_logged_to_an_offline_wandb_run(tiny_build, tmp_path):
    tracking_on = overlay(tmp_path, "tracking.yaml", {"tracking": {"wandb": True}})
    counts = job_counts(run_snakemake(tiny_build, "kkbox", "-n", "--quiet", "rules", "--configfile",
                                      tracking_on).stdout)
    assert counts["track_run"] == len(KKBOX_RUNS) * 2
    runs = [("nn", 1), ("blend", 0)]
    run_snakemake(tiny_build, "--cores", "2", *(f"results/kkbox/tracking/{m}/seed{s}.json" for m, s in runs),
                  "--configfile", tracking_on)
    nn = yaml.safe_load((tiny_build / "config.yaml").read_text())["kkbox"]["models"]["nn"]
    for (model, seed), hyperparameters in zip(runs, (nn, None)):
        logged = json.loads((tiny_build / f"results/kkbox/tracking/{model}/seed{seed}.json").read_text())
        folder = tiny_build / logged["run_folder"]
        assert folder.parent == tiny_build / "results/wandb/wandb" and folder.name.startswith("offline-run-")
        recorded = offline_run(folder)
        assert (recorded["group"], recorded["name"]) == ("kkbox", f"kkbox/{model}/seed{seed}")
        metrics = json.loads((tiny_build / f"results/kkbox/metrics/{model}/seed{seed}.json").read_text())
        assert recorded["summary"]["auc"] == pytest.approx(metrics["metrics"]["auc"])
        assert recorded["summary"]["timing/wall_seconds"] > 0
        if hyperparameters:
            assert {k: recorded["config"]["hyperparameters"][k] for k in hyperparameters if k != "model"} == {
                k: v for k, v in hyperparameters.items() if k != "model"}
