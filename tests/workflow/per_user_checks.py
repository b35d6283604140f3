"""Checks of a built stage's per-user metric files and its significance table, shared by the end-to-end tests
(each reads the build of its own module fixture)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import yaml

from musicrec.significance import COLUMNS


def check_per_user_files(results: Path, means_are_the_metrics: bool) -> None:
    """Every metrics file of ``results`` (a dataset's results folder) has its per-user file in the contract;
    with ``means_are_the_metrics``, each per-user metric's mean over users is the metrics file's value."""
    metric_files = sorted((results / "metrics").glob("*/seed*.json"))
    assert metric_files, f"no metrics files under {results}"
    for metrics_file in metric_files:
        model, seed = metrics_file.parent.name, metrics_file.stem
        per_user = pl.read_parquet(results / "per_user" / model / f"{seed}.parquet")
        assert per_user.schema == pl.Schema({"user": pl.String, "metric": pl.String, "value": pl.Float64})
        assert per_user.height > 0 and not per_user.select("user", "metric").is_duplicated().any()
        if means_are_the_metrics:
            metrics = json.loads(metrics_file.read_text())["metrics"]
            means = dict(per_user.group_by("metric").agg(pl.col("value").mean()).iter_rows())
            assert means == {name: pytest.approx(metrics[name], rel=1e-12, abs=1e-15) for name in means}, (model, seed)


def check_significance(workdir: Path, dataset: str) -> pl.DataFrame:
    """The dataset's significance table: one row per configured main metric, in the documented columns, best
    and runner-up among the summary's models; returned for dataset-specific checks."""
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    results = workdir / "results" / dataset
    table = pl.read_csv(results / "significance.csv")
    assert table.columns == list(COLUMNS)
    assert table["metric"].to_list() == config["report"]["main_metrics"][dataset]
    models = set(pl.read_csv(results / "summary.csv")["model"])
    assert set(table["best"].drop_nulls()) | set(table["runner_up"].drop_nulls()) <= models
    assert table["p_value"].is_between(0, 1).all()
    description = json.loads((results / "significance.json").read_text())
    assert description["significance_level"] == config["report"]["significance_level"]
    return table
