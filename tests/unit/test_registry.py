"""The model registry and the config's model blocks: lazy imports, schema and constructors in step,
one-line errors for unknown models, hyper-parameters, tasks and generators."""

import copy
import inspect
import subprocess
import sys

import pytest
import yaml

from conftest import REPO
from musicrec import models
from musicrec.config_check import model_runs

SCHEMA = REPO / "rules/schemas/config.schema.yaml"
CONFIG = yaml.safe_load((REPO / "config.yaml").read_text())
PIPELINE_KEYS = {"generators", "source", "pretraining"}  # read by the rules, not by the model


def constructor_defaults(name):
    parameters = inspect.signature(models.load(name).__init__).parameters
    return {p: v.default for p, v in parameters.items() if p not in ("self", "seed", "threads")}


@pytest.mark.parametrize("name", sorted(models.REGISTRY))
def test_schema_lists_exactly_the_constructor_hyperparameters_with_its_defaults(name):
    schema = yaml.safe_load(SCHEMA.read_text())["$defs"]["models"][name]["properties"]
    defaults = constructor_defaults(name)
    assert set(schema) - PIPELINE_KEYS == set(defaults), name
    for key, spec in schema.items():
        if key in PIPELINE_KEYS:
            continue
        default = defaults[key]
        expected = list(default) if isinstance(default, tuple) else ({} if default is None else default)
        assert spec.get("default") == expected, (name, key, spec.get("default"), default)


@pytest.mark.parametrize("name", sorted(models.REGISTRY))
def test_every_entry_builds_with_its_defaults(name):
    model = models.build(name, {}, seed=3, threads=1)
    assert model.seed == 3 and type(model).__name__ == models.REGISTRY[name].target.split(":")[1]
    assert models.REGISTRY[name].task in models.TASKS
    assert set(models.REGISTRY[name].data) | set(models.REGISTRY[name].optional) <= set(models.DATA_PARTS)


def test_importing_the_registry_imports_no_framework():
    code = ("import sys, musicrec.models as m; m.REGISTRY; "
            "print([x for x in ('torch', 'tensorflow', 'implicit', 'lightgbm', 'sklearn', 'faiss') if x in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"PYTHONPATH": str(REPO / "workflow_scripts")}, check=True)
    assert result.stdout.strip() == "[]"


def runs(overrides):
    config = copy.deepcopy(CONFIG)
    for dataset, models_block in overrides.items():
        config[dataset]["models"] = models_block
    return model_runs(config, SCHEMA)


def test_the_shipped_config_is_valid_and_aliases_resolve():
    table, problem = model_runs(CONFIG, SCHEMA)
    assert problem is None
    assert table["lastfm"]["popularity_users"] == {"registry": "popularity", "hyperparameters": {"by": "users"}}
    assert table["kkbox"]["lgb"]["registry"] == "lightgbm"
    assert table["lastfm"]["two_tower"]["hyperparameters"]["index"]["kind"] == "auto"  # nested defaults


def test_defaults_are_filled_in():
    table, problem = runs({"lastfm": {"als": {"factors": 8}}})
    assert problem is None
    assert table["lastfm"]["als"]["hyperparameters"] == {
        "factors": 8, "regularization": 10.0, "alpha": 1.0, "weighting": "log1p", "iterations": 15, "device": "auto"}


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"kkbox": {"lgb": {"model": "lightgbm", "num_leafs": 7}}},
     "config.yaml is invalid: kkbox.models.lgb: unknown hyper-parameter 'num_leafs' (lightgbm takes: bagging_fraction, "),
    ({"lastfm": {"alss": {"factors": 8}}}, "config.yaml is invalid: lastfm.models.alss: unknown model 'alss'; registered: "),
    ({"lastfm": {"lgb": {"model": "lightgbm"}}},
     "config.yaml is invalid: lastfm.models.lgb: lightgbm is a classification model; lastfm takes ranking and reranking"),
    ({"lastfm": {"als": {"factors": 0}}}, "config.yaml is invalid: lastfm.models.als.factors: 0 is less than the minimum of 1"),
    ({"lastfm": {"als": {"weighting": "tfidf"}}}, "config.yaml is invalid: lastfm.models.als.weighting: 'tfidf' is not one of"),
    ({"lastfm": {"als": {}, "ltr_ranker": {"generators": {"als": 50, "ease": 50}}}},
     "config.yaml is invalid: lastfm.models.ltr_ranker.generators: 'ease' is not a ranking model of lastfm (configured: als"),
    ({"lastfm": {"rf_ranker": {}}}, "config.yaml is invalid: lastfm.models.rf_ranker: 'generators' is a required property"),
    ({"kkbox": {"lgb": {"model": "lightgbm"}}}, "config.yaml is invalid: kkbox.blend: 'nn' is not a model of kkbox.models"),
])
def test_bad_model_blocks_are_one_line(overrides, expected):
    _, problem = runs(overrides)
    assert problem is not None and problem.startswith(expected), problem
    assert "\n" not in problem
