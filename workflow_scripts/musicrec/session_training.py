"""The session-model job bodies of the skip challenge: fit one registered session model for one seed on the
prepared training split (watching the validation split), then predict the test split's skips, rank its next
tracks, or, for a pre-training run, only keep the artefacts; and the evaluation of those outputs.

The validation split's scores (the same metrics as the test split's) go into the training report, so
hyper-parameters are tuned on validation, never on test.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import polars as pl
from threadpoolctl import threadpool_limits

from . import models
from .session_evaluation import (next_track_lists, next_track_metrics, next_track_scores, next_track_targets,
                                 skip_metrics, skip_scores, skip_table, vocabulary_track_ids)
from .schema import read_topk
from .seeding import seed_everything
from .sessions import FIRST_TRACK, Sessions
from .training import Run, timed

log = logging.getLogger(__name__)


def _test_outputs(task: str, model, run: Run, valid: Sessions, test: Sessions, paths: dict[str, str],
                  list_length: int, k_values) -> tuple[pl.DataFrame | None, dict]:
    """(the test split's skip predictions or next-track lists, the validation split's metrics)."""
    if task == "skip":
        return skip_table(test, model.predict(test)), skip_metrics(skip_table(valid, model.predict(valid)))
    if task != "next_track":
        return None, {}
    track_ids = vocabulary_track_ids(pl.read_parquet(paths["vocabulary"]), test.n_tracks)

    def lists(sessions: Sessions, k: int) -> pl.DataFrame:
        return next_track_lists(sessions, model.score(sessions), track_ids, k, run.model, run.seed)

    validation = next_track_metrics(lists(valid, max(k_values)), next_track_targets(valid, track_ids), k_values,
                                    valid.n_tracks - FIRST_TRACK)
    return lists(test, list_length), validation


def fit_session_model(run: Run, paths: dict[str, str], list_length: int,
                      k_values) -> tuple[pl.DataFrame | None, dict, object]:
    """Fit ``run``'s session model on ``paths`` (train, valid, test .npz; vocabulary; and ``pretrained``, a
    pre-training run's artefact folder, for the runs that start from one) and return (the test split's skip
    predictions or next-track lists of ``list_length`` tracks, None for a pre-training run; the training report
    with the validation split's metrics; the fitted model)."""
    seed_everything(run.seed)
    task = models.entry(run.registry).task
    train, valid, test = (Sessions.load(paths[split]) for split in ("train", "valid", "test"))
    model = models.build(run.registry, run.hyperparameters, run.seed, run.threads)
    pretrained = paths.get("pretrained")
    log.info("%s seed %d (%s): %d training, %d validation, %d test sessions, %d vocabulary tracks%s", run.model,
             run.seed, task, len(train), len(valid), len(test), train.n_tracks,
             f", starting from {pretrained}" if pretrained else "")
    with threadpool_limits(run.threads):
        _, fit_seconds = timed(lambda: model.fit(train, valid, pretrained=pretrained))
        (outputs, validation), predict_seconds = timed(
            lambda: _test_outputs(task, model, run, valid, test, paths, list_length, k_values))
    report = {**run.describe(), "task": task, "pretrained": pretrained, "training_sessions": len(train),
              "train_seconds": fit_seconds, "predict_seconds": predict_seconds, "validation": validation,
              **model.report()}
    log.info("%s seed %d: fitted in %.1f s; validation %s", run.model, run.seed, fit_seconds, _headline(validation))
    return outputs, report, model


def _headline(metrics: dict) -> dict:
    return {k: round(v, 4) for k, v in metrics.items() if "@" not in k or k.endswith("@10")}


def describe_test_split(summary: dict) -> str:
    """How the test split was cut, from the preparation's summary."""
    part = summary["splits"]["test"]
    return (f"test: the last {summary['test_share']} of the sessions by date ({part['first_date']} to "
            f"{part['last_date']}, {part['sessions']} sessions; {summary['split_rule']})")


def evaluate_session_outputs(paths: dict[str, str], task: str, dataset: str, model: str, seed: int,
                             k_values) -> tuple[dict, pl.DataFrame]:
    """Rule evaluate_sessions: the metrics document of one session model and seed on the test split, from its
    ``predictions`` (skip) or ``topk`` (next track) file, the ``test`` sessions, the ``vocabulary`` and the
    preparation ``summary``; the protocol names the split, the candidates and K. With it, the per-session
    table (user = session id, metric, value) whose means are the document's session-averaged metrics."""
    summary = json.loads(Path(paths["summary"]).read_text(encoding="utf-8"))
    test = Sessions.load(paths["test"])
    protocol = {"split": describe_test_split(summary), "sessions": len(test)}
    if task == "skip":
        predictions = pl.read_parquet(paths["predictions"])
        metrics, per_session = skip_scores(predictions)
        protocol.update(candidates="skip_2 of every second-half track of each test session (first half: all log "
                                   "fields; second half: track features only)",
                        predicted_tracks=predictions.height, threshold="skipped when P(skip_2) >= 0.5")
    else:
        track_ids = vocabulary_track_ids(pl.read_parquet(paths["vocabulary"]), test.n_tracks)
        lists = read_topk(paths["topk"], model, seed)
        metrics, per_session = next_track_scores(lists, next_track_targets(test, track_ids), k_values,
                                                 test.n_tracks - FIRST_TRACK)
        protocol.update(candidates=f"full vocabulary ({test.n_tracks - FIRST_TRACK} tracks), the first half's tracks kept",
                        target="the track right after the first half (one per session); out-of-vocabulary "
                               "targets count as misses", k_values=sorted(k_values))
    log.info("%s seed %d: %s", model, seed, _headline(metrics))
    return {"dataset": dataset, "model": model, "seed": seed, "task": task, "protocol": protocol,
            "metrics": metrics}, per_session
