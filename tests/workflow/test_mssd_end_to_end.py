"""The skip-challenge stage end to end: on its tiny demo data (every configured run, 1 seed, tiny networks) and on
the 201 real rows of the public mini log joined with generated track features for their track ids."""

from __future__ import annotations

import json

import polars as pl
import pytest
import yaml

from conftest import SHARED_DATA, make_workdir, run_snakemake

pytestmark = pytest.mark.workflow

REAL_LOG = SHARED_DATA / "mssd" / "training_set" / "very_small.csv"
SMALL = {"epochs": 1, "d_model": 16, "layers": 1}
TINY_MODELS = {
    "skip_lstm": {"epochs": 1, "hidden": 16},
    "skip_transformer": SMALL,
    "bert_pretrain": SMALL,
    "bert_augmented": SMALL,
    "bert_skip": SMALL,
    "bert_skip_scratch": SMALL,
    "skip_policy_reinforce": {"epochs": 1, "hidden": 16},
    "skip_policy_supervised": {"epochs": 1, "hidden": 16},
    "next_transformer": SMALL,
    "bert_next": SMALL,
    "bert_next_scratch": SMALL,
    "next_policy_reinforce": SMALL,
    "next_policy_supervised": SMALL,
}
TINY = {"seeds": [0], "mssd": {"demo": {"size": "tiny"}, "models": TINY_MODELS}}
# On the 11 real sessions: every rule of the stage (preparation, both tasks, pre-training and fine-tuning,
# evaluation, summary) through a few runs, to keep the suite short.
REAL_ROW_RUNS = ("skip_rate", "skip_logistic", "bert_pretrain", "bert_augmented", "next_popularity", "cooccurrence",
                 "bert_next")


def configured_runs(workdir) -> dict:
    return yaml.safe_load((workdir / "config.yaml").read_text())["mssd"]["models"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    workdir = make_workdir(tmp_path_factory.mktemp("mssd_e2e"), TINY)
    run_snakemake(workdir, "--cores", "2", "mssd")
    return workdir


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
    config["mssd"]["models"] = {name: {**config["mssd"]["models"][name], **TINY_MODELS.get(name, {})}
                                for name in REAL_ROW_RUNS}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    run_snakemake(workdir, "--cores", "2", "mssd")
    prepared = json.loads((workdir / "results/mssd/prepared/summary.json").read_text())
    assert sum(prepared["splits"][s]["sessions"] for s in ("train", "valid", "test")) == 11
    metrics = json.loads((workdir / "results/mssd/metrics/bert_augmented/seed0.json").read_text())
    assert 0.0 <= metrics["metrics"]["mean_average_accuracy"] <= 1.0
    assert "2 sessions" in metrics["protocol"]["split"]
    summary = pl.read_csv(workdir / "results/mssd/summary.csv")
    assert set(summary["model"]) == set(REAL_ROW_RUNS) - {"bert_pretrain"}
