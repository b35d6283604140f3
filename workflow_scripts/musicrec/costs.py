"""The cost table of a run: wall time, CPU time and peak memory of every job from its Snakemake benchmark file,
summed per rule, per model and in total, beside each model's main metric.

Definitions (benchmark columns of :func:`musicrec.benchmarks.read_benchmarks`): wall seconds = the job's
elapsed time (``s``); CPU seconds = the CPU time of the job's processes (``cpu_time``); peak memory = the job's
maximum resident set size (``max_rss``, MB). Sums over jobs are the work done, not the elapsed time of a
parallel run; the peak memory of several jobs is their maximum. A figure Snakemake could not sample (``NA``:
a job shorter than the sampling interval) is null and left out of sums and maxima.

A model's training time is the wall time of its training jobs (the jobs that fit it: recommend, rerank,
serve, classify, blend, session_*; not its validation-split fit for re-rankers, its evaluation or its
similar-items table): ``train_wall_seconds`` sums them over seeds, ``train_wall_seconds_per_seed`` is their
mean per seed (the quality-per-cost view's x axis: an unseeded model runs once, a seeded one once per seed).
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from .benchmarks import read_benchmarks
from .errors import InputDataError

# A job record (rules/common.smk cost_jobs): dataset, rule (benchmark folder), model and seed (None for data
# preparation and summaries), benchmark file, gpu_rule (ran on a GPU rule), training (fits its model),
# report (the training report the job wrote, or None).
JOB_SCHEMA = {
    "dataset": pl.String,
    "rule": pl.String,
    "model": pl.String,
    "seed": pl.Int64,
    "file": pl.String,
    "wall_seconds": pl.Float64,
    "cpu_seconds": pl.Float64,
    "max_rss_mb": pl.Float64,
    "gpu_rule": pl.Boolean,
    "training": pl.Boolean,
    "device": pl.String,
}
# Sums and means of seconds are rounded to the benchmark files' precision (s: 4 decimals, cpu_time: 2).
DECIMALS = 4
# Device families of the devices that training reports name (torch: cpu, cuda, cuda:<i>, mps; implicit: cpu, gpu).
DEVICE_FAMILIES = {"cpu": "CPU", "cuda": "GPU", "gpu": "GPU", "mps": "MPS"}


def reported_device(report: dict) -> str | None:
    """The device a training report says its job used: its ``device``, or that of its ``model_report``
    (a classifier's metrics file); None when it names none."""
    device = report.get("device") or (report.get("model_report") or {}).get("device")
    return str(device) if device else None


def device_label(reported: str | None, gpu_rule: bool) -> str:
    """``CPU``, ``GPU`` or ``MPS`` where the training report names the device the job used (``cuda:0`` is
    GPU); otherwise ``GPU rule`` for a job of a GPU rule (sent to a GPU node, device not reported) and
    ``CPU`` for any other job."""
    if reported:
        family = reported.split(":")[0].lower()
        return DEVICE_FAMILIES.get(family, family.upper())
    return "GPU rule" if gpu_rule else "CPU"


def job_costs(jobs: list[dict]) -> pl.DataFrame:
    """One row per job record, in their order: dataset, rule, model, seed, file (the benchmark file),
    wall_seconds, cpu_seconds, max_rss_mb, gpu_rule, training, device (:func:`device_label`)."""
    figures = read_benchmarks([job["benchmark"] for job in jobs])
    devices = []
    for job in jobs:
        reported = None
        if job.get("report"):
            try:
                reported = reported_device(json.loads(Path(job["report"]).read_text(encoding="utf-8")))
            except (OSError, ValueError) as error:
                raise InputDataError(job["report"], f"unreadable training report ({error})") from None
        devices.append(device_label(reported, bool(job["gpu_rule"])))
    return pl.DataFrame(
        {
            "dataset": [job["dataset"] for job in jobs],
            "rule": [job["rule"] for job in jobs],
            "model": [job["model"] for job in jobs],
            "seed": [job["seed"] for job in jobs],
            "file": [job["benchmark"] for job in jobs],
            "wall_seconds": figures["seconds"],
            "cpu_seconds": figures["cpu_seconds"],
            "max_rss_mb": figures["max_rss_mb"],
            "gpu_rule": [bool(job["gpu_rule"]) for job in jobs],
            "training": [bool(job["training"]) for job in jobs],
            "device": devices,
        },
        schema=JOB_SCHEMA,
    )


def _devices(column: str = "device") -> pl.Expr:
    return pl.col(column).unique().sort().str.join(", ")


def _figures() -> list[pl.Expr]:
    return [
        pl.len().alias("jobs"),
        pl.col("wall_seconds").sum().round(DECIMALS),
        pl.col("cpu_seconds").sum().round(DECIMALS),
        pl.col("max_rss_mb").max().alias("peak_rss_mb"),
    ]


def rule_costs(jobs: pl.DataFrame) -> pl.DataFrame:
    """Per dataset and rule (in job order): jobs, wall_seconds, cpu_seconds (sums), mean_wall_seconds,
    peak_rss_mb (maximum) and device (the jobs' device labels, joined by ", ")."""
    return jobs.group_by("dataset", "rule", maintain_order=True).agg(
        *_figures(), pl.col("wall_seconds").mean().round(DECIMALS).alias("mean_wall_seconds"), _devices()
    )


def main_metric_values(summaries: dict[str, str], main_metrics: dict[str, list[str]]) -> pl.DataFrame:
    """Per dataset and model: main_metric (the first of the dataset's main metrics that the model's row of
    ``summaries[dataset]`` has, in config report.main_metrics order), main_metric_mean and main_metric_std
    (over seeds, from the summary.csv). A main metric that no model of a summary has is an error (a typo in
    config report.main_metrics)."""
    parts = []
    for dataset, path in summaries.items():
        summary = pl.read_csv(path, columns=["model", "metric", "mean", "std"],
                              schema_overrides={"mean": pl.Float64, "std": pl.Float64})
        for order, metric in enumerate(main_metrics.get(dataset, [])):
            rows = summary.filter(pl.col("metric") == metric)
            if rows.is_empty():
                raise InputDataError(path, f"no model has main metric {metric!r} (config report.main_metrics)",
                                     column="metric")
            parts.append(rows.select(pl.lit(dataset).alias("dataset"), "model", pl.lit(order).alias("_order"),
                                     pl.col("metric").alias("main_metric"), pl.col("mean").alias("main_metric_mean"),
                                     pl.col("std").alias("main_metric_std")))
    schema = {"dataset": pl.String, "model": pl.String, "main_metric": pl.String, "main_metric_mean": pl.Float64,
              "main_metric_std": pl.Float64}
    if not parts:
        return pl.DataFrame(schema=schema)
    return (pl.concat(parts).sort("_order", maintain_order=True)
            .unique(["dataset", "model"], keep="first", maintain_order=True).select(list(schema)))


def model_costs(jobs: pl.DataFrame, metrics: pl.DataFrame) -> pl.DataFrame:
    """Per dataset and model (in job order; jobs without a model left out): jobs, seeds, wall_seconds,
    cpu_seconds (sums over every job of the model), peak_rss_mb; train_jobs, train_wall_seconds,
    train_cpu_seconds (sums over its training jobs), train_wall_seconds_per_seed (their mean per seed);
    device (its training jobs' device labels); main_metric, main_metric_mean, main_metric_std (from
    ``metrics``, :func:`main_metric_values`; null for a model without one, e.g. a pre-training run)."""
    training = pl.col("training")
    per_model = jobs.filter(pl.col("model").is_not_null()).group_by("dataset", "model", maintain_order=True).agg(
        *_figures(),
        pl.col("seed").n_unique().alias("seeds"),
        training.sum().cast(pl.Int64).alias("train_jobs"),
        pl.col("wall_seconds").filter(training).sum().round(DECIMALS).alias("train_wall_seconds"),
        pl.col("cpu_seconds").filter(training).sum().round(DECIMALS).alias("train_cpu_seconds"),
        pl.col("seed").filter(training).n_unique().alias("_train_seeds"),
        pl.col("device").filter(training).unique().sort().str.join(", ").alias("device"),
    )
    per_seed = pl.when(pl.col("_train_seeds") > 0).then(
        (pl.col("train_wall_seconds") / pl.col("_train_seeds")).round(DECIMALS))
    return per_model.with_columns(per_seed.alias("train_wall_seconds_per_seed")).join(
        metrics, on=["dataset", "model"], how="left", maintain_order="left"
    ).select("dataset", "model", "jobs", "seeds", "wall_seconds", "cpu_seconds", "peak_rss_mb", "train_jobs",
             "train_wall_seconds", "train_cpu_seconds", "train_wall_seconds_per_seed", "device", "main_metric",
             "main_metric_mean", "main_metric_std")


def totals(jobs: pl.DataFrame) -> dict:
    """The whole run and each dataset: jobs, wall_seconds, cpu_seconds (sums), peak_rss_mb (maximum) and
    gpu_rule_jobs (jobs of GPU rules); ``jobs_without_cpu_time`` / ``jobs_without_memory`` count the
    jobs whose figure Snakemake could not sample."""

    def figures(part: pl.DataFrame) -> dict:
        return {
            "jobs": part.height,
            "wall_seconds": round(float(part["wall_seconds"].sum()), DECIMALS),
            "cpu_seconds": round(float(part["cpu_seconds"].sum()), DECIMALS),
            "peak_rss_mb": part["max_rss_mb"].max(),
            "gpu_rule_jobs": int(part["gpu_rule"].sum()),
            "jobs_without_cpu_time": part["cpu_seconds"].null_count(),
            "jobs_without_memory": part["max_rss_mb"].null_count(),
        }

    datasets = list(dict.fromkeys(jobs["dataset"]))
    return {**figures(jobs), "datasets": {d: figures(jobs.filter(pl.col("dataset") == d)) for d in datasets},
            "definition": "sums of the jobs' benchmark figures (the work done, not the elapsed time of a "
                          "parallel run); peak memory is the maximum over jobs"}


def cost_table(jobs: list[dict], summaries: dict[str, str], main_metrics: dict[str, list[str]]) -> dict:
    """The cost table of the job records: ``jobs`` (:func:`job_costs`), ``by_rule``, ``by_model`` (data
    frames) and ``totals`` (dict); ``summaries`` maps each dataset to its summary.csv."""
    table = job_costs(jobs)
    return {"jobs": table, "by_rule": rule_costs(table),
            "by_model": model_costs(table, main_metric_values(summaries, main_metrics)), "totals": totals(table)}
