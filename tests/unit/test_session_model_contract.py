"""One contract test over every registered session model of the skip challenge (skip, next-track, pre-training):
fit returns self, outputs have the task's shape and range, the same seed gives the same outputs, the report is
JSON, save writes the files it names, and the models that can start from a pre-training run load it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from conftest import REPO
from musicrec import models
from musicrec.models.session_networks import BertNetwork
from musicrec.sessions import FIRST_TRACK
from session_fixtures import planted_sessions

SESSION_MODELS = sorted(name for name, e in models.REGISTRY.items() if e.task in models.SESSION_TASKS)
# Tiny settings for every hyper-parameter of these names that a model has.
SMALL = {"epochs": 1, "d_model": 16, "hidden": 16, "layers": 1, "heads": 2, "batch_size": 32, "max_iter": 100}
DEFINITIONS = yaml.safe_load((REPO / "rules/schemas/config.schema.yaml").read_text())["$defs"]["models"]


def small(name: str) -> dict:
    return {k: v for k, v in SMALL.items() if k in DEFINITIONS[name].get("properties", {})}


def build(name: str, seed: int = 0):
    return models.build(name, small(name), seed=seed, threads=1)


@pytest.fixture(scope="module")
def splits():
    return (planted_sessions(240, 30, seed=0), planted_sessions(60, 30, seed=1), planted_sessions(60, 30, seed=2))


@pytest.fixture(scope="module")
def pretrained(splits, tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("bert_pretrain")
    build("bert_pretrain").fit(splits[0], splits[1]).save(folder)
    return str(folder)


def outputs(name: str, model, sessions) -> np.ndarray | None:
    task = models.REGISTRY[name].task
    if task == "skip":
        return model.predict(sessions)
    return model.score(sessions) if task == "next_track" else None


def fitted(name, splits, pretrained, seed=0):
    start = pretrained if "pretrained" in models.REGISTRY[name].optional else None
    model = build(name, seed)
    assert model.fit(splits[0], splits[1], pretrained=start) is model
    return model


@pytest.mark.parametrize("name", SESSION_MODELS)
def test_outputs_have_the_tasks_shape_and_range(name, splits, pretrained):
    test = splits[2]
    values = outputs(name, fitted(name, splits, pretrained), test)
    task = models.REGISTRY[name].task
    if task == "skip":
        second = values[test.second_half_mask()]
        assert values.shape == test.skips.shape and np.all((second >= 0) & (second <= 1))
    elif task == "next_track":
        assert values.shape == (len(test), test.n_tracks)
        assert np.isfinite(values[:, FIRST_TRACK:]).all(), "every real track gets a score"


@pytest.mark.parametrize("name", [n for n in SESSION_MODELS if models.REGISTRY[n].seeded])
def test_the_same_seed_gives_the_same_outputs(name, splits, pretrained, tmp_path):
    first, second = (fitted(name, splits, pretrained, seed=3) for _ in range(2))
    if models.REGISTRY[name].task == "pretraining":
        for model, folder in ((first, "a"), (second, "b")):
            model.save(tmp_path / folder)
        a, b = (BertNetwork.load(tmp_path / folder, torch.device("cpu")).state_dict() for folder in ("a", "b"))
        assert all(torch.equal(a[key], b[key]) for key in a)
    else:
        np.testing.assert_array_equal(outputs(name, first, splits[2]), outputs(name, second, splits[2]))


@pytest.mark.parametrize("name", SESSION_MODELS)
def test_report_is_json_and_save_writes_the_files_it_names(name, splits, pretrained, tmp_path):
    model = fitted(name, splits, pretrained)
    json.dumps(model.report(), allow_nan=True)
    written = model.save(tmp_path)
    assert all((Path(tmp_path) / f).is_file() for f in written)
    if models.REGISTRY[name].task == "pretraining":
        assert written, "a pre-training run's artefacts are what its fine-tuned runs load"


@pytest.mark.parametrize("name", [n for n in SESSION_MODELS if "pretrained" in models.REGISTRY[n].optional])
def test_a_run_that_starts_from_pretraining_differs_from_its_scratch_twin(name, splits, pretrained):
    scratch = build(name).fit(splits[0], splits[1])
    started = build(name).fit(splits[0], splits[1], pretrained=pretrained)
    assert not np.array_equal(outputs(name, scratch, splits[2]), outputs(name, started, splits[2]))
