"""The cost table against synthetic Snakemake benchmark files with hand-computed sums."""

from __future__ import annotations

import json

import polars as pl
import pytest

from musicrec.costs import cost_table, device_label, reported_device
from musicrec.errors import InputDataError
from musicrec.reports.cost_figures import costs_figure, quality_per_cost_figure

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Benchmark files, training reports and summaries of a two-dataset run (KKBox-like, MSSD-like)."""
    monkeypatch.chdir(tmp_path)

    def job(dataset, rule, model, seed, figures, gpu_rule=False, training=False, device="no report"):
        relative = f"blend/seed{seed}" if rule == "blend" else (
            f"{rule}/{model}/seed{seed}" if model else rule)
        benchmark = tmp_path / f"results/benchmarks/{dataset}/{relative}.tsv"
        benchmark.parent.mkdir(parents=True, exist_ok=True)
        seconds, rss, cpu = figures
        benchmark.write_text(HEADER + f"{seconds}\t0:00:01\t{rss}\t0\t0\t0\t0\t0\t50\t{cpu}\n")
        report = None
        if device != "no report":
            report = tmp_path / f"results/{dataset}/training/{model}/seed{seed}.json"
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_text(json.dumps({"train_seconds": 1.0, **({"device": device} if device else {})}))
        return {"dataset": dataset, "rule": rule, "model": model, "seed": seed, "benchmark": str(benchmark),
                "gpu_rule": gpu_rule, "training": training, "report": str(report) if report else None}

    jobs = [
        job("kkbox", "demo_data", None, None, (2.0, 100.0, 1.5)),
        job("kkbox", "classify", "lgb", 0, (4.0, 300.0, 7.0), training=True),
        job("kkbox", "classify", "lgb", 1, (6.0, 320.5, 9.0), training=True),
        job("kkbox", "classify", "nn", 0, (10.0, 900.0, 12.0), gpu_rule=True, training=True, device=None),
        job("kkbox", "blend", "blend", 0, (1.0, "NA", "NA"), training=True),
        job("kkbox", "summary", None, None, (0.5, 50.0, 0.4)),
        job("mssd", "session_skip", "skip_lstm", 0, (20.0, 1200.0, 25.0), gpu_rule=True, training=True,
            device="cuda:0"),
        job("mssd", "session_pretrain", "bert_pretrain", 0, (30.0, 1000.0, 55.0), gpu_rule=True, training=True,
            device="cpu"),
        job("mssd", "evaluate_sessions", "skip_lstm", 0, (1.0, 200.0, 0.8)),
        job("mssd", "session_next_track", "cooccurrence", 0, (3.0, 150.0, 2.5), training=True, device=None),
        job("mssd", "evaluate_sessions", "cooccurrence", 0, (0.5, 100.0, 0.3)),
    ]
    summaries = {}
    for dataset, rows in {
        "kkbox": [("lgb", "auc", 0.71, 0.01), ("lgb", "log_loss", 0.6, 0.0), ("nn", "auc", 0.69, 0.02),
                  ("blend", "auc", 0.72, 0.01)],
        "mssd": [("skip_lstm", "mean_average_accuracy", 0.55, 0.0), ("cooccurrence", "hit_rate@10", 0.3, 0.0),
                 ("cooccurrence", "ndcg@10", 0.2, 0.0)],
    }.items():
        path = tmp_path / f"results/{dataset}/summary.csv"
        pl.DataFrame(rows, schema=["model", "metric", "mean", "std"], orient="row").write_csv(path)
        summaries[dataset] = str(path)
    main_metrics = {"kkbox": ["auc"], "mssd": ["mean_average_accuracy", "ndcg@10"]}
    return jobs, summaries, main_metrics


def test_totals_are_the_sums_of_the_benchmark_files(run):
    totals = cost_table(*run)["totals"]
    # kkbox: 2 + 4 + 6 + 10 + 1 + 0.5 wall; 1.5 + 7 + 9 + 12 + 0.4 CPU (the blend's NA left out)
    assert totals["datasets"]["kkbox"] == pytest.approx({
        "jobs": 6, "wall_seconds": 23.5, "cpu_seconds": 29.9, "peak_rss_mb": 900.0, "gpu_rule_jobs": 1,
        "jobs_without_cpu_time": 1, "jobs_without_memory": 1})
    # mssd: 20 + 30 + 1 + 3 + 0.5 wall; 25 + 55 + 0.8 + 2.5 + 0.3 CPU
    assert totals["datasets"]["mssd"] == pytest.approx({
        "jobs": 5, "wall_seconds": 54.5, "cpu_seconds": 83.6, "peak_rss_mb": 1200.0, "gpu_rule_jobs": 2,
        "jobs_without_cpu_time": 0, "jobs_without_memory": 0})
    assert (totals["jobs"], totals["gpu_rule_jobs"]) == (11, 3)
    assert totals["wall_seconds"] == pytest.approx(78.0) and totals["cpu_seconds"] == pytest.approx(113.5)
    assert totals["peak_rss_mb"] == 1200.0


def test_one_job_row_per_benchmark_file_with_its_figures(run):
    jobs = cost_table(*run)["jobs"]
    assert jobs["file"].to_list() == [job["benchmark"] for job in run[0]]
    blend = jobs.filter(pl.col("rule") == "blend").row(0, named=True)
    assert blend["wall_seconds"] == 1.0 and blend["cpu_seconds"] is None and blend["max_rss_mb"] is None
    assert jobs.filter(pl.col("model") == "lgb")["seed"].to_list() == [0, 1]


def test_per_rule_sums(run):
    by_rule = cost_table(*run)["by_rule"]
    classify = by_rule.filter((pl.col("dataset") == "kkbox") & (pl.col("rule") == "classify")).row(0, named=True)
    assert classify["jobs"] == 3 and classify["wall_seconds"] == pytest.approx(20.0)
    assert classify["cpu_seconds"] == pytest.approx(28.0) and classify["mean_wall_seconds"] == round(20 / 3, 4)
    assert classify["peak_rss_mb"] == 900.0 and classify["device"] == "CPU, GPU rule"
    evaluate = by_rule.filter(pl.col("rule") == "evaluate_sessions").row(0, named=True)
    assert evaluate["jobs"] == 2 and evaluate["wall_seconds"] == pytest.approx(1.5)
    assert by_rule["wall_seconds"].sum() == pytest.approx(78.0)
    assert by_rule["jobs"].sum() == 11


def test_per_model_sums_training_time_and_main_metric(run):
    by_model = cost_table(*run)["by_model"]
    rows = {(r["dataset"], r["model"]): r for r in by_model.iter_rows(named=True)}
    assert list(rows) == [("kkbox", "lgb"), ("kkbox", "nn"), ("kkbox", "blend"), ("mssd", "skip_lstm"),
                          ("mssd", "bert_pretrain"), ("mssd", "cooccurrence")]
    lgb = rows["kkbox", "lgb"]
    assert (lgb["jobs"], lgb["seeds"], lgb["train_jobs"]) == (2, 2, 2)
    assert lgb["wall_seconds"] == pytest.approx(10.0) and lgb["train_wall_seconds"] == pytest.approx(10.0)
    assert lgb["train_wall_seconds_per_seed"] == pytest.approx(5.0) and lgb["cpu_seconds"] == pytest.approx(16.0)
    assert (lgb["main_metric"], lgb["main_metric_mean"], lgb["main_metric_std"]) == ("auc", 0.71, 0.01)
    skip = rows["mssd", "skip_lstm"]
    # training job 20 s plus its evaluation 1 s; training time only the former
    assert skip["wall_seconds"] == pytest.approx(21.0) and skip["train_wall_seconds"] == pytest.approx(20.0)
    assert skip["train_cpu_seconds"] == pytest.approx(25.0) and skip["peak_rss_mb"] == 1200.0
    assert (skip["main_metric"], skip["main_metric_mean"]) == ("mean_average_accuracy", 0.55)
    # the second main metric for a next-track model; none for a pre-training run
    assert (rows["mssd", "cooccurrence"]["main_metric"], rows["mssd", "cooccurrence"]["main_metric_mean"]) == (
        "ndcg@10", 0.2)
    assert rows["mssd", "bert_pretrain"]["main_metric"] is None
    assert rows["kkbox", "blend"]["cpu_seconds"] == 0.0 and rows["kkbox", "blend"]["peak_rss_mb"] is None


def test_device_labels(run):
    by_model = cost_table(*run)["by_model"]
    devices = dict(zip(by_model["model"], by_model["device"]))
    # report says cuda:0 -> GPU; a GPU-rule job whose report names no device -> GPU rule; a GPU-rule job that
    # ran on the CPU -> CPU; CPU rules -> CPU
    assert devices == {"lgb": "CPU", "nn": "GPU rule", "blend": "CPU", "skip_lstm": "GPU",
                       "bert_pretrain": "CPU", "cooccurrence": "CPU"}
    assert device_label("gpu", gpu_rule=False) == "GPU" and device_label("mps", gpu_rule=True) == "MPS"
    assert device_label(None, gpu_rule=False) == "CPU" and device_label(None, gpu_rule=True) == "GPU rule"
    assert reported_device({"model_report": {"device": "cuda"}}) == "cuda"
    assert reported_device({"train_seconds": 1.0}) is None


def test_a_main_metric_no_model_has_is_named(run):
    jobs, summaries, _ = run
    with pytest.raises(InputDataError, match="summary.csv: column 'metric': no model has main metric 'ndcg@100'"):
        cost_table(jobs, summaries, {"kkbox": ["ndcg@100"]})


def test_a_file_that_is_not_a_benchmark_is_named(run, tmp_path):
    jobs, summaries, main_metrics = run
    bad = tmp_path / "bad.tsv"
    bad.write_text("seconds\n1\n")
    with pytest.raises(InputDataError, match=r"bad.tsv: no column s, max_rss, cpu_time"):
        cost_table([{**jobs[0], "benchmark": str(bad)}], summaries, main_metrics)


def test_figures_are_pngs(run):
    table = cost_table(*run)
    assert costs_figure(table["by_rule"], table["by_model"]).startswith(PNG)
    assert quality_per_cost_figure(table["by_model"]).startswith(PNG)
    assert quality_per_cost_figure(table["by_model"].with_columns(main_metric=None)).startswith(PNG)
