"""The skip-challenge stage end to end: in the tiny end-to-end build (every configured run, 2 seeds, tiny networks; metrics,
per-session metrics and the significance test) and on the 201 real rows of the public mini log joined with generated
track features for their track ids."""

from __future__ import annotations

import json

import polars as pl
import pytest
import yaml

from conftest import SHARED_DATA, TINY_MSSD_MODELS, make_workdir, run_snakemake
from per_user_checks import check_per_user_files, check_significance
from profile_checks import check_profile

pytestmark = pytest.mark.workflow

REAL_LOG = SHARED_DATA / "mssd" / "training_set" / "very_small.csv"
# On the 11 real sessions: every rule of the stage (preparation, both tasks, pre-training and fine-tuning,
# evaluation, summary) through a few runs, to keep the suite short.
REAL_ROW_RUNS = ("skip_rate", "skip_logistic", "bert_pretrain", "bert_augmented", "next_popularity", "cooccurrence",
                 "bert_next")


def configured_runs(workdir) -> dict:
    return yaml.safe_load((workdir / "config.yaml").read_text())["mssd"]["models"]


@pytest.fixture(scope="module")
def built(tiny_build):
    """The whole workflow's tiny build (tests/conftest.py TINY_CONFIG: every MSSD run, tiny networks, 2 seeds)."""
    return tiny_build


def test_every_run_is_scored_on_its_task_with_the_protocol(built):
    from musicrec import models

    results = built / "results/mssd"
    runs = configured_runs(built)
    task = {name: models.REGISTRY[block.get("model", name)].task for name, block in runs.items()}
    summary = pl.read_csv(results / "summary.csv")
    assert list(dict.fromkeys(summary["model"])) == [n for n in runs if task[n] != "pretraining"]
    for name in runs:
        if task[name] == "pretraining":
            continue
        metrics = json.loads((results / f"metrics/{name}/seed0.json").read_text())
        assert "test:" in metrics["protocol"]["split"] and metrics["protocol"]["candidates"]
        if task[name] == "skip":
            assert 0.0 <= metrics["metrics"]["mean_average_accuracy"] <= 1.0
            assert metrics["metrics"]["first_prediction_accuracy"] is not None
        else:
            assert 0.0 <= metrics["metrics"]["hit_rate@10"] <= 1.0 and "ndcg@10" in metrics["metrics"]
            assert "full vocabulary" in metrics["protocol"]["candidates"]
    predictions = pl.read_parquet(results / "predictions/skip_transformer/seed0.parquet")
    assert predictions.columns == ["session_id", "session_position", "probability", "prediction", "skip_2"]
    topk = pl.read_parquet(results / "topk/bert_next/seed0.parquet")
    assert topk.group_by("user").len()["len"].max() == 20


def test_per_session_metrics_average_to_the_metrics_and_each_task_is_tested(built):
    results = built / "results/mssd"
    check_per_user_files(results, means_are_the_metrics=True)
    skip = pl.read_parquet(results / "per_user/skip_transformer/seed0.parquet")
    assert set(skip["metric"]) == {"mean_average_accuracy", "first_prediction_accuracy"}
    test_sessions = pl.read_parquet(results / "predictions/skip_transformer/seed0.parquet")["session_id"].n_unique()
    assert skip["user"].n_unique() == test_sessions
    next_track = set(pl.read_parquet(results / "per_user/bert_next/seed0.parquet")["metric"])
    assert {"hit_rate@10", "ndcg@10", "mrr@10"} <= next_track and "coverage@10" not in next_track
    from musicrec import models

    task = {name: models.REGISTRY[block.get("model", name)].task for name, block in configured_runs(built).items()}
    table = check_significance(built, "mssd")
    assert table["users"].min() > 0
    for row in table.iter_rows(named=True):
        expected = "skip" if row["metric"] == "mean_average_accuracy" else "next_track"
        assert task[row["best"]] == task[row["runner_up"]] == expected, row


def test_fine_tuning_starts_from_the_pretraining_artefact_and_reruns_without_it(built):
    results = built / "results/mssd"
    assert (results / "models/bert_pretrain/seed0/bert.pt").is_file()
    report = json.loads((results / "training/bert_skip/seed0.json").read_text())
    assert report["pretrained"].endswith("models/bert_pretrain/seed0")
    assert json.loads((results / "training/bert_skip_scratch/seed0.json").read_text())["pretrained"] is None
    config = yaml.safe_load((built / "config.yaml").read_text())
    config["mssd"]["models"]["bert_skip"]["epochs"] = 2
    (built / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    plan = run_snakemake(built, "mssd", "-n", "--quiet", "rules").stdout
    assert "session_skip_gpu" in plan and "session_pretrain" not in plan


def test_benchmark_summary_covers_every_job_of_the_stage(built):
    summary = pl.read_csv(built / "results/benchmarks/summary_mssd.csv")
    assert summary.height > 0


def test_data_profile_has_the_skip_rates_by_position_and_context(built):
    values, extras, _ = check_profile(built, "mssd")
    positions = extras.filter(pl.col("table") == "skip_2 rate by session_position")
    assert positions["group"][0] == "1" and int(positions["n"][0]) == values["users"], "every session has a first track"
    assert sum(map(int, positions["n"])) == values["rows"] and 0 < values["skip_2_rate"] < 1
    assert extras.filter(pl.col("table") == "skip_2 rate by context_type").height > 1
    assert {"acousticness", "danceability", "energy"} <= set(extras["group"])


@pytest.mark.skipif(not REAL_LOG.is_file(), reason=f"real MSSD rows not found at {REAL_LOG} (../shared/data)")
def test_the_stage_runs_on_the_real_mini_log_rows_with_generated_track_features(tmp_path):
    from musicrec.datasets import mssd_demo
    from musicrec.datasets.mssd import read_log

    data = tmp_path / "mssd"
    (data / "training_set").mkdir(parents=True)
    (data / "track_features").mkdir()
    (data / "training_set" / "log_mini.csv").write_bytes(REAL_LOG.read_bytes())
    track_ids = read_log(REAL_LOG)[0]["track_id_clean"].unique().sort().to_list()
    mssd_demo.write({"tf_mini": mssd_demo.track_features_for(track_ids, 0)},
                    {"tf_mini": str(data / "track_features" / "tf_mini.csv")})
    workdir = make_workdir(tmp_path, {"seeds": [0], "mssd": {
        "data": str(data), "split": {"valid_share": 0.2, "test_share": 0.2}}})
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["mssd"]["models"] = {name: {**config["mssd"]["models"][name], **TINY_MSSD_MODELS.get(name, {})}
                                for name in REAL_ROW_RUNS}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    run_snakemake(workdir, "--cores", "2", "mssd")
    prepared = json.loads((workdir / "results/mssd/prepared/summary.json").read_text())
    assert sum(prepared["splits"][s]["sessions"] for s in ("train", "valid", "test")) == 11
    metrics = json.loads((workdir / "results/mssd/metrics/bert_augmented/seed0.json").read_text())
    assert 0.0 <= metrics["metrics"]["mean_average_accuracy"] <= 1.0
    assert "2 sessions" in metrics["protocol"]["split"]
    assert check_profile(workdir, "mssd")[0]["users"] == 11
    summary = pl.read_csv(workdir / "results/mssd/summary.csv")
    assert set(summary["model"]) == set(REAL_ROW_RUNS) - {"bert_pretrain"}
