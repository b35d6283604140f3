"""KKBox stage: train one model for one seed, blend two models' predictions, summarise over seeds.

Outputs per model and seed (paths chosen by the rules):
* validation predictions: row_id, msno, song_id, artist_name, target, score;
* test predictions in Kaggle submission format: id, target (the predicted probability);
* a metrics JSON that names the split, the candidate set and the figures.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from ..io import write_csv, write_json
from ..metrics.classification import log_loss, roc_auc
from ..models.base import FeatureSpec
from ..seeding import seed_everything

log = logging.getLogger(__name__)

PREDICTION_COLUMNS = ["row_id", "msno", "song_id", "artist_name", "target"]


@dataclass(frozen=True)
class ModelRun:
    """One model, one seed: what the training rule passes in."""

    model: str
    seed: int
    hyperparameters: dict = field(default_factory=dict)
    threads: int = 1


@dataclass(frozen=True)
class PredictionPaths:
    validation: str
    submission: str
    metrics: str


def _split_description(spec: dict) -> str:
    fraction = spec["split"]["validation_fraction"]
    return f"validation: last {fraction:.0%} of train.csv rows in time order (time-ordered, not random)"


def evaluation(labels: np.ndarray, scores: np.ndarray) -> dict:
    return {"auc": roc_auc(labels, scores), "log_loss": log_loss(labels, scores), "n_rows": int(labels.size),
            "positive_rate": float(np.mean(labels))}


def _write_outputs(run_info: dict, valid: pl.DataFrame, valid_scores, test: pl.DataFrame, test_scores,
                   paths: PredictionPaths) -> dict:
    labels = valid["target"].to_numpy()
    metrics = {
        **run_info,
        "candidates": "all validation rows (every user-song pair of the split)",
        "metrics": evaluation(labels, valid_scores),
    }
    write_csv(valid.select(PREDICTION_COLUMNS).with_columns(pl.Series("score", valid_scores)), paths.validation)
    write_csv(test.select("id").with_columns(pl.Series("target", test_scores)), paths.submission)
    write_json(metrics, paths.metrics)
    log.info("%s seed %s: validation AUC %.4f, log-loss %.4f", run_info["model"], run_info["seed"],
             metrics["metrics"]["auc"], metrics["metrics"]["log_loss"])
    return metrics


def train_and_predict(run: ModelRun, model_class, features: dict[str, str], paths: PredictionPaths) -> dict:
    """Fit ``model_class`` on the training split, score validation and test, write the three outputs.

    ``model_class`` is passed in (rather than looked up by name) so that a LightGBM job never
    imports TensorFlow and each rule's environment needs only its own model's framework.
    """
    seed_everything(run.seed)
    spec_json = json.loads(open(features["spec"], encoding="utf-8").read())
    spec = FeatureSpec.from_json(spec_json)
    train = pl.read_parquet(features["train"])
    valid = pl.read_parquet(features["valid"])
    test = pl.read_parquet(features["test"])
    model = model_class.from_hyperparameters(run.hyperparameters, spec, run.seed, run.threads)
    started = time.perf_counter()
    model.fit(train, train["target"].to_numpy())
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    valid_scores = model.score(valid)
    test_scores = model.score(test)
    run_info = {
        "dataset": "kkbox",
        "model": run.model,
        "seed": run.seed,
        "split": _split_description(spec_json),
        "hyperparameters": run.hyperparameters,
        "train_seconds": round(train_seconds, 3),
        "predict_seconds": round(time.perf_counter() - started, 3),
    }
    return _write_outputs(run_info, valid, valid_scores, test, test_scores, paths)


def run_model_rule(smk, model_class) -> dict:
    """What the kkbox_lgb / kkbox_nn scripts do with their ``snakemake`` object."""
    run = ModelRun(
        model=smk.params.model,
        seed=int(smk.wildcards.seed),
        hyperparameters=dict(smk.params.hyperparameters),
        threads=smk.threads,
    )
    paths = PredictionPaths(smk.output.validation, smk.output.submission, smk.output.metrics)
    return train_and_predict(run, model_class, dict(smk.input.items()), paths)


def blend(weights: dict[str, float], validation: dict[str, str], submissions: dict[str, str], seed: int,
          paths: PredictionPaths) -> dict:
    """Weighted sum of the models' probabilities (weights normalised to sum to 1) for one seed."""
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("blend weights must sum to a positive number")
    frames = {m: pl.read_csv(validation[m]) for m in weights}
    subs = {m: pl.read_csv(submissions[m]) for m in weights}
    first = next(iter(weights))
    for m in weights:
        if frames[m]["row_id"].to_list() != frames[first]["row_id"].to_list():
            raise ValueError(f"{validation[m]} and {validation[first]} cover different validation rows")
    valid_scores = sum(weights[m] / total * frames[m]["score"].to_numpy() for m in weights)
    test_scores = sum(weights[m] / total * subs[m]["target"].to_numpy() for m in weights)
    run_info = {
        "dataset": "kkbox",
        "model": "blend",
        "seed": seed,
        "split": "validation rows of the blended models (time-ordered split)",
        "hyperparameters": {"weights": weights},
    }
    valid = frames[first].select(PREDICTION_COLUMNS)
    return _write_outputs(run_info, valid, valid_scores, subs[first], test_scores, paths)


def summarise(metric_files: list[str], out_csv: str) -> pl.DataFrame:
    """Mean and standard deviation over seeds of each model's validation AUC and log-loss."""
    rows = []
    for path in metric_files:
        m = json.loads(open(path, encoding="utf-8").read())
        rows.append({"model": m["model"], "seed": m["seed"], "auc": m["metrics"]["auc"],
                     "log_loss": m["metrics"]["log_loss"], "n_rows": m["metrics"]["n_rows"]})
    per_seed = pl.DataFrame(rows)
    summary = (
        per_seed.group_by("model").agg(
            pl.len().alias("n_seeds"),
            pl.col("auc").mean().alias("auc_mean"),
            pl.col("auc").std().alias("auc_std"),
            pl.col("auc").min().alias("auc_min"),
            pl.col("auc").max().alias("auc_max"),
            pl.col("log_loss").mean().alias("log_loss_mean"),
            pl.col("n_rows").first().alias("n_validation_rows"),
        )
        .with_columns(pl.lit("validation (last rows of train.csv, time-ordered)").alias("split"),
                      pl.lit("all validation rows").alias("candidates"))
        .sort("model")
    )
    write_csv(summary, out_csv)
    log.info("summary over seeds:\n%s", summary)
    return summary
