"""Run a stage one job at a time in its own working directory, recording each job's time and peak memory.

Snakemake's benchmark files sample a job's memory every 0.5 s for 15 s, then every 30 s, so the
``max_rss`` of a long job can miss its peak. Here every step is one ``snakemake --force <target>``
call (its inputs were built by the steps before), and its peak resident memory comes from the
kernel: ``wait4``'s ``ru_maxrss`` of the call, the largest single process of its tree (the job's
script). Each step's Snakemake benchmark file is written as usual; ``steps_<stage>.csv`` puts both
side by side.

The working directory holds a ``config.yaml`` that is merged over the repository's; the run gets its
own resources/ (the demo data), results/ and .snakemake/ there, so the user's results stay untouched.

    python -m musicrec.benchmark_run benchmarks/kkbox_kaggle [--cores N]    (make benchmark-kkbox)
    python -m musicrec.benchmark_run benchmarks/yambda_50m --stage yambda    (make benchmark-yambda)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

from .benchmarks import read_benchmarks
from .io import write_csv

# (step, Snakemake target, its benchmark file) of the KKBox stage for one seed, in build order.
KKBOX_STEPS = (
    ("demo_data", "resources/kkbox/demo/train.csv", "results/benchmarks/kkbox/demo_data.tsv"),
    ("features", "results/kkbox/features/spec.json", "results/benchmarks/kkbox/features.tsv"),
    ("lgb", "results/kkbox/predictions/lgb/seed{seed}.csv", "results/benchmarks/kkbox/classify/lgb/seed{seed}.tsv"),
    ("nn", "results/kkbox/predictions/nn/seed{seed}.csv", "results/benchmarks/kkbox/classify/nn/seed{seed}.tsv"),
    ("blend", "results/kkbox/predictions/blend/seed{seed}.csv", "results/benchmarks/kkbox/blend/seed{seed}.tsv"),
    ("summary", "results/kkbox/summary.csv", "results/benchmarks/kkbox/summary.tsv"),
    ("benchmark_summary", "results/benchmarks/summary_kkbox.csv", "results/benchmarks/benchmark_summary_kkbox.tsv"),
)
# The Yambda preparation at the 50m shape, its pandas reference, and MostPop and ALS with full-catalogue top-K.
YAMBDA_STEPS = (
    ("demo_data", "resources/yambda/demo/multi_event.parquet", "results/benchmarks/yambda/demo_data.tsv"),
    ("items", "results/yambda/items/catalogue.parquet", "results/benchmarks/yambda/items.tsv"),
    ("shard", "results/yambda/shards/0-of-1/test/train.parquet", "results/benchmarks/yambda/shard/0-of-1.tsv"),
    ("gather_test", "results/yambda/split/test/train.parquet", "results/benchmarks/yambda/gather/test.tsv"),
    ("gather_valid", "results/yambda/split/valid/train.parquet", "results/benchmarks/yambda/gather/valid.tsv"),
    ("pandas_prepare", "results/yambda/pandas/test/train.parquet", "results/benchmarks/yambda/pandas_prepare.tsv"),
    ("most_pop", "results/yambda/topk/most_pop/seed0.parquet", "results/benchmarks/yambda/recommend/most_pop/seed0.tsv"),
    ("als", "results/yambda/topk/als/seed{seed}.parquet", "results/benchmarks/yambda/recommend/als/seed{seed}.tsv"),
)
STAGES = {"kkbox": KKBOX_STEPS, "yambda": YAMBDA_STEPS}
STEPS_TABLE = "results/benchmarks/steps_{stage}.csv"


@dataclass(frozen=True)
class Measured:
    """One finished command: exit code, wall seconds, peak resident memory (MB) of its largest process."""

    returncode: int
    seconds: float
    peak_rss_mb: float


def run_measured(command: list[str], cwd=None) -> Measured:
    """Run ``command`` and wait for it; its peak memory is ``ru_maxrss`` of the process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(process.returncode, time.perf_counter() - started, usage.ru_maxrss / 1024)


def snakemake_command(workdir: Path, snakefile: Path, configfile: Path, cores, target: str) -> list[str]:
    """One forced job: ``target``'s rule runs again, whatever is already built; nothing else does."""
    return [
        sys.executable, "-m", "snakemake", "--cores", str(cores), "--snakefile", str(snakefile.resolve()),
        "--directory", str(workdir.resolve()), "--configfile", str(configfile.resolve()),
        str((workdir / "config.yaml").resolve()), "--force", target,
    ]


def first_seed(workdir: Path) -> int:
    """The first of the ``seeds`` in the working directory's config.yaml (0 when it sets none)."""
    config = yaml.safe_load((workdir / "config.yaml").read_text(encoding="utf-8")) or {}
    return int(config.get("seeds", [0])[0])


def run_steps(workdir, steps=KKBOX_STEPS, stage: str = "kkbox", snakefile="Snakefile", configfile="config.yaml",
              cores="all") -> pl.DataFrame:
    """Build ``steps`` in order in ``workdir``; write and return one row per step.

    Columns: step, target, seconds (the Snakemake call, start-up included), job_seconds and
    benchmark_max_rss_mb (the step's Snakemake benchmark file), peak_rss_mb (the call's largest
    process), load_average (1-minute load when the step started: the machine may be shared).
    A failing step stops the run (the table then holds the steps before it).
    """
    workdir = Path(workdir)
    seed = first_seed(workdir)
    rows = []
    for step, target, benchmark in steps:
        target, benchmark = target.format(seed=seed), benchmark.format(seed=seed)
        load = os.getloadavg()[0]
        measured = run_measured(snakemake_command(workdir, Path(snakefile), Path(configfile), cores, target))
        if measured.returncode != 0:
            break
        job = read_benchmarks([str(workdir / benchmark)]).row(0, named=True)
        rows.append({"step": step, "target": target, "seconds": round(measured.seconds, 1),
                     "job_seconds": round(job["seconds"], 1), "benchmark_max_rss_mb": job["max_rss_mb"],
                     "peak_rss_mb": round(measured.peak_rss_mb, 1), "load_average": round(load, 2)})
    table = pl.DataFrame(rows, schema_overrides={"benchmark_max_rss_mb": pl.Float64})
    write_csv(table, workdir / STEPS_TABLE.format(stage=stage))
    if len(rows) < len(steps):
        raise SystemExit(f"step {steps[len(rows)][0]} failed; see the Snakemake output above")
    return table


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", help="working directory holding the config.yaml merged over the repository's")
    parser.add_argument("--stage", default="kkbox", choices=sorted(STAGES), help="which stage's steps to run")
    parser.add_argument("--cores", default="all", help="Snakemake's --cores (a number or all)")
    parser.add_argument("--snakefile", default="Snakefile")
    parser.add_argument("--configfile", default="config.yaml", help="the repository's config.yaml")
    args = parser.parse_args(argv)
    table = run_steps(args.workdir, STAGES[args.stage], args.stage, snakefile=args.snakefile,
                      configfile=args.configfile, cores=args.cores)
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=200):
        print(table)


if __name__ == "__main__":
    main()
