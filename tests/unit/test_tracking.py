"""Experiment tracking: what a W&B run of one model run records, written offline and read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from musicrec.errors import ConfigError
from musicrec.tracking import TrackingSettings, run_record, track_run
from wandb_offline import offline_run

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
RUN = {"dataset": "lastfm", "model": "als_small", "registry": "als", "seed": 3,
       "hyperparameters": {"factors": 16, "regularization": 0.5}}


@pytest.fixture
def files(tmp_path, monkeypatch):
    """A model run's metrics file, its training job's benchmark file and training report, in a scratch
    working directory; W&B's environment variables are restored afterwards."""
    monkeypatch.chdir(tmp_path)
    for name in ("WANDB_MODE", "WANDB_DIR", "WANDB_SILENT"):
        monkeypatch.setenv(name, "")
    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps({"model": "als_small", "seed": 3, "metrics": {"ndcg@10": 0.25, "recall@10": 0.4,
                                                                               "dislike_fpr@10": None},
                                   "protocol": {"split": "test: per-user random", "candidates": "full catalogue"}}))
    benchmark = tmp_path / "seed3.tsv"
    benchmark.write_text(HEADER + "12.5\t0:00:12\t640.2\t0\t0\t0\t0\t0\t90\t20.25\n")
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"train_seconds": 9.75, "device": "cpu"}))
    return str(metrics), str(benchmark), str(report)


def test_the_record_holds_hyperparameters_metrics_and_timing(files):
    record = run_record(RUN, *files)
    assert record["name"] == "lastfm/als_small/seed3" and record["group"] == "lastfm"
    assert record["config"] == {"dataset": "lastfm", "model": "als_small", "registry": "als", "seed": 3,
                                "hyperparameters": {"factors": 16, "regularization": 0.5},
                                "protocol": {"split": "test: per-user random", "candidates": "full catalogue"}}
    # a metric without a value is left out
    assert record["summary"] == {"ndcg@10": 0.25, "recall@10": 0.4, "timing/wall_seconds": 12.5,
                                 "timing/cpu_seconds": 20.25, "timing/peak_rss_mb": 640.2,
                                 "timing/train_seconds": 9.75}


def test_without_a_report_the_metrics_file_gives_the_train_seconds(files, tmp_path):
    metrics, benchmark, _ = files
    classifier = tmp_path / "classifier.json"
    classifier.write_text(json.dumps({"train_seconds": 4.5, "metrics": {"auc": 0.7}}))
    assert run_record(RUN, str(classifier), benchmark)["summary"]["timing/train_seconds"] == 4.5


def test_an_offline_run_folder_is_written_and_reads_back(files, tmp_path):
    logged = track_run(RUN, *files, TrackingSettings(dir="tracked"))
    folder = Path(logged["run_folder"])
    assert not folder.is_absolute() and folder.parent == Path("tracked/wandb")
    assert folder.name.startswith("offline-run-") and folder.is_dir()
    recorded = offline_run(tmp_path / folder)
    assert (recorded["project"], recorded["group"], recorded["name"]) == ("musicrec", "lastfm", "lastfm/als_small/seed3")
    assert recorded["config"]["hyperparameters"] == RUN["hyperparameters"]
    assert {k: recorded["config"][k] for k in ("dataset", "model", "registry", "seed")} == {
        "dataset": "lastfm", "model": "als_small", "registry": "als", "seed": 3}
    assert {k: recorded["summary"][k] for k in logged["summary"]} == logged["summary"]
    assert logged["mode"] == "offline" and recorded["id"] in folder.name


def test_online_mode_needs_the_api_key_from_the_environment(files, monkeypatch):
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="WANDB_API_KEY is not set"):
        track_run(RUN, *files, TrackingSettings(mode="online"))
