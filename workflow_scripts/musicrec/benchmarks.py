"""Summaries of Snakemake benchmark files (one TSV per job: wall seconds, peak memory, CPU time)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from .io import write_csv

BENCHMARK_ROOT = "results/benchmarks"


def read_benchmarks(paths: list[str]) -> pl.DataFrame:
    """One row per job: its step (the benchmark path without root and seed file) and its figures."""
    rows = []
    for path in paths:
        table = pl.read_csv(path, separator="\t")
        relative = Path(path).as_posix().split(f"{BENCHMARK_ROOT}/", 1)[-1]
        step = str(Path(relative).parent) if Path(relative).stem.startswith("seed") else str(Path(relative).with_suffix(""))
        rows.append(
            {
                "step": step,
                "job": str(Path(relative).with_suffix("")),
                "seconds": float(table["s"][0]),
                "max_rss_mb": float(table["max_rss"][0]) if table["max_rss"][0] not in ("-", None) else None,
                "cpu_seconds": float(table["cpu_time"][0]),
            }
        )
    return pl.DataFrame(rows, schema_overrides={"max_rss_mb": pl.Float64})


def summarise_benchmarks(paths: list[str], out_csv: str) -> pl.DataFrame:
    """Per step: number of jobs, total, mean and max wall seconds, peak memory; plus an 'all jobs' row.

    The total is the sum of job wall times (the work done), not the elapsed time of a parallel run.
    """
    jobs = read_benchmarks(paths)
    aggregates = [
        pl.len().alias("jobs"),
        pl.col("seconds").sum().round(2).alias("total_seconds"),
        pl.col("seconds").mean().round(2).alias("mean_seconds"),
        pl.col("seconds").max().round(2).alias("max_seconds"),
        pl.col("cpu_seconds").sum().round(2).alias("total_cpu_seconds"),
        pl.col("max_rss_mb").max().round(1).alias("peak_rss_mb"),
    ]
    per_step = jobs.group_by("step").agg(aggregates).sort("step")
    overall = jobs.select(pl.lit("all jobs").alias("step"), *aggregates)
    summary = pl.concat([per_step, overall])
    write_csv(summary, out_csv)
    return summary
