"""Experiment tracking with Weights & Biases: one W&B run per (dataset, model, seed) of the workflow.

A run is named ``<dataset>/<model>/seed<N>`` and grouped by dataset. Its config holds the dataset, run name,
registered model, seed, the run's hyper-parameters (``hyperparameters.<name>``) and the evaluation protocol
(split, candidates); its summary holds the test metrics of the run's metrics file and the timing of the job
that fitted it (``timing/wall_seconds``, ``timing/cpu_seconds``, ``timing/peak_rss_mb`` from its benchmark
file, ``timing/train_seconds`` from its training report).

Offline mode (the default) writes the run under ``<dir>/wandb/offline-run-*`` and uses no network; upload it
later with ``wandb sync``. Online mode sends it to the W&B server and needs ``WANDB_API_KEY`` in the
environment: credentials never come from the config. wandb is imported only when a run is written.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .benchmarks import read_benchmarks
from .errors import ConfigError, InputDataError


@dataclass(frozen=True)
class TrackingSettings:
    """config ``tracking`` (rules/schemas/config.schema.yaml): W&B project, mode (offline | online), the
    folder of the run folders, and the entity ("" for the API key's default)."""

    project: str = "musicrec"
    mode: str = "offline"
    dir: str = "results/wandb"
    entity: str = ""


def _read_json(path: str) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputDataError(path, f"unreadable JSON ({error})") from None


def run_record(run: dict, metrics_path: str, benchmark_path: str, report_path: str | None = None) -> dict:
    """What the W&B run of ``run`` (dataset, model, registry, seed, hyperparameters) logs: name, group,
    config and summary (see the module docstring). The training report defaults to the metrics file (a
    classifier's metrics file holds its train_seconds); metrics and timings without a value are left out."""
    metrics = _read_json(metrics_path)
    if not isinstance(metrics.get("metrics"), dict):
        raise InputDataError(metrics_path, "no metrics object", column="metrics")
    report = _read_json(report_path) if report_path else metrics
    job = read_benchmarks([benchmark_path]).row(0, named=True)
    timing = {
        "timing/wall_seconds": job["seconds"],
        "timing/cpu_seconds": job["cpu_seconds"],
        "timing/peak_rss_mb": job["max_rss_mb"],
        "timing/train_seconds": report.get("train_seconds"),
    }
    summary = {**metrics["metrics"], **timing}
    protocol = metrics.get("protocol", {})
    return {
        "name": f"{run['dataset']}/{run['model']}/seed{run['seed']}",
        "group": run["dataset"],
        "config": {
            "dataset": run["dataset"],
            "model": run["model"],
            "registry": run["registry"],
            "seed": int(run["seed"]),
            "hyperparameters": run["hyperparameters"],
            "protocol": {key: protocol[key] for key in ("split", "candidates") if key in protocol},
        },
        "summary": {key: value for key, value in summary.items() if value is not None},
    }


def log_run(record: dict, settings: TrackingSettings) -> str:
    """Write ``record`` (:func:`run_record`) as one W&B run and return its run folder (offline:
    ``<settings.dir>/wandb/offline-run-<time>-<id>``). Sets WANDB_MODE, WANDB_DIR and WANDB_SILENT for the
    job; console capture, system metrics, code and git capture are off."""
    if settings.mode == "online" and not os.environ.get("WANDB_API_KEY"):
        raise ConfigError("tracking.mode is online but WANDB_API_KEY is not set in the environment "
                          "(credentials come only from there; or use mode: offline and `wandb sync` later)")
    folder = Path(settings.dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.update({"WANDB_MODE": settings.mode, "WANDB_DIR": str(folder), "WANDB_SILENT": "true"})
    import wandb

    run = wandb.init(
        project=settings.project,
        entity=settings.entity or None,
        group=record["group"],
        name=record["name"],
        job_type="train",
        config=record["config"],
        dir=str(folder),
        mode=settings.mode,
        settings=wandb.Settings(console="off", x_disable_stats=True, disable_git=True, save_code=False,
                                disable_job_creation=True, symlink=False),
    )
    run.summary.update(record["summary"])
    run_folder = run.settings.sync_dir
    run.finish()
    return run_folder


def track_run(run: dict, metrics_path: str, benchmark_path: str, report_path: str | None,
              settings: TrackingSettings) -> dict:
    """Log one model run to W&B; return what was logged: the record, project, mode, entity and the run
    folder (relative to the working directory where it lies under it)."""
    record = run_record(run, metrics_path, benchmark_path, report_path)
    run_folder = Path(log_run(record, settings))
    if run_folder.is_relative_to(Path.cwd()):
        run_folder = run_folder.relative_to(Path.cwd())
    return {**record, "project": settings.project, "mode": settings.mode, "entity": settings.entity,
            "run_folder": run_folder.as_posix()}
