"""Summaries of Snakemake benchmark files (one TSV per job: wall seconds, peak memory, CPU time)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from .errors import InputDataError
from .io import write_csv

BENCHMARK_ROOT = "results/benchmarks"


def read_benchmarks(paths: list[str]) -> pl.DataFrame:
    """One row per job: its step (the benchmark path without root and seed file) and its figures (wall
    seconds ``s``, peak memory ``max_rss`` in MB, CPU seconds ``cpu_time``; the first row of each file).

    Snakemake writes ``NA`` (or ``-``) for memory and CPU time when a job ended before its first sample;
    those figures are null.
    """
    rows = []
    for path in paths:
        table = pl.read_csv(path, separator="\t", infer_schema=False, null_values=["NA", "-"])
        missing = [c for c in ("s", "max_rss", "cpu_time") if c not in table.columns]
        if missing:
            raise InputDataError(path, f"no column {', '.join(missing)}: not a Snakemake benchmark file")
        if table.is_empty():
            raise InputDataError(path, "no benchmark row")
        relative = Path(path).as_posix().split(f"{BENCHMARK_ROOT}/", 1)[-1]
        step = str(Path(relative).parent) if Path(relative).stem.startswith("seed") else str(Path(relative).with_suffix(""))
        rows.append(
            {
                "step": step,
                "job": str(Path(relative).with_suffix("")),
                "seconds": float(table["s"][0]),
                "max_rss_mb": _number(table["max_rss"][0]),
                "cpu_seconds": _number(table["cpu_time"][0]),
            }
        )
    return pl.DataFrame(rows, schema_overrides={"max_rss_mb": pl.Float64, "cpu_seconds": pl.Float64})


def _number(value: str | None) -> float | None:
    return None if value is None else float(value)


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


# Shapes of the Interactions scale benchmark: (users, items, events). yambda50m is the Yambda 50m
# multi_event table (10,000 users, 934,057 items, about 47.8M events).
SCALE_SHAPES = {"tiny": (1_000, 20_000, 200_000), "yambda50m": (10_000, 934_057, 47_800_000)}


def synthetic_events(n_users: int, n_items: int, n_events: int, seed: int) -> pl.DataFrame:
    """Heavy-tailed random events in the interactions contract (Zipf-like item popularity, log-normal user
    activity), with UInt32 ids and timestamps as in Yambda; for measuring scale, not for modelling."""
    import numpy as np

    rng = np.random.default_rng(seed)
    item_p = 1.0 / np.arange(1, n_items + 1) ** 0.9
    user_p = rng.lognormal(0.0, 1.2, n_users)
    return pl.DataFrame({
        "user_id": rng.choice(n_users, n_events, p=user_p / user_p.sum()).astype(np.uint32),
        "item_id": rng.choice(n_items, n_events, p=item_p / item_p.sum()).astype(np.uint32),
        "weight": np.ones(n_events, dtype=np.float32),
        "timestamp": rng.integers(0, 26_000_000, n_events).astype(np.uint32),
    })


def interactions_scale(shape: str, seed: int = 0) -> dict:
    """Build :class:`~musicrec.data.Interactions` (matrix and timestamp-ordered sequences) from synthetic
    events of ``shape`` and report sizes and seconds; the rule's benchmark file holds the peak memory."""
    import time

    import numpy as np

    from .data import Interactions

    n_users, n_items, n_events = SCALE_SHAPES[shape]
    started = time.perf_counter()
    events = synthetic_events(n_users, n_items, n_events, seed)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    data = Interactions.from_frames(events, pl.DataFrame({"item_id": np.arange(n_items, dtype=np.uint32)}))
    built = time.perf_counter() - started
    matrix_bytes = data.matrix.data.nbytes + data.matrix.indices.nbytes + data.matrix.indptr.nbytes
    return {"shape": shape, "users": data.n_users, "items": data.n_items, "events": n_events,
            "matrix_entries": int(data.matrix.nnz), "matrix_mb": round(matrix_bytes / 2**20, 1),
            "sequence_mb": round((data.sequences.items.nbytes + data.sequences.indptr.nbytes) / 2**20, 1),
            "generate_seconds": round(generated, 2), "build_seconds": round(built, 2)}
