"""Turn a config that breaks the JSON schema into one line naming the key, the value and the rule broken,
and check every dataset's model runs against the model registry and the models' hyper-parameter schemas.

A dataset's ``models`` block maps run names to hyper-parameters. A run name is a registered model's key
(``als: {factors: 512}``), or any name with ``model: <registered key>`` in its block, so that one model can
run in several variants (``popularity_users: {model: popularity, by: users}``). Hyper-parameters are
checked against ``$defs/models/<key>`` of the schema, which also holds their defaults. Three keys are read by
the rules, not by the model: a re-ranker's ``generators``, a serving run's ``source`` (a ranking run of
the same dataset whose vectors it serves) and a session run's ``pretraining`` (a pre-training run of the same
dataset whose artefacts it starts from).
"""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import yaml

from . import models

# Which tasks each dataset's models may serve.
DATASET_TASKS = {"kkbox": ("classification",), "lastfm": ("ranking", "reranking", "serving"),
                 "yambda": ("ranking", "reranking", "serving"), "yandex_music": ("ranking", "reranking", "serving"),
                 "mssd": models.SESSION_TASKS}


def _schema(schema_path) -> dict:
    return yaml.safe_load(Path(schema_path).read_text(encoding="utf-8"))


def _one_line(error: jsonschema.ValidationError, prefix: str = "") -> str:
    key = ".".join(str(part) for part in [*filter(None, [prefix]), *error.absolute_path]) or "(top level)"
    return f"config.yaml is invalid: {key}: {error.message}"


def config_problem(config: dict, schema_path) -> str | None:
    """The most relevant schema violation of ``config`` as one line, or None when it is valid."""
    validator = jsonschema.Draft202012Validator(_schema(schema_path))
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    return None if error is None else _one_line(error)


def with_defaults(value: dict, schema: dict) -> dict:
    """A copy of ``value`` with the defaults of ``schema``'s properties filled in, nested objects too."""
    out = copy.deepcopy(value)
    for key, spec in schema.get("properties", {}).items():
        if key not in out and "default" in spec:
            out[key] = copy.deepcopy(spec["default"])
        if isinstance(out.get(key), dict) and spec.get("type") == "object":
            out[key] = with_defaults(out[key], spec)
    return out


def model_runs(config: dict, schema_path) -> tuple[dict[str, dict[str, dict]], str | None]:
    """Every dataset's model runs as {dataset: {run: {"registry": key, "hyperparameters": {...}}}}, with
    defaults filled in, and the first problem as one line (None when all is well)."""
    root = _schema(schema_path)["$defs"]
    definitions = root["models"]
    runs: dict[str, dict[str, dict]] = {}
    for dataset, tasks in DATASET_TASKS.items():
        runs[dataset] = {}
        for name, block in (config.get(dataset, {}).get("models") or {}).items():
            where = f"{dataset}.models.{name}"
            block = dict(block or {})
            key = block.pop("model", name)
            if key not in models.REGISTRY:
                return runs, (f"config.yaml is invalid: {where}: unknown model {key!r}; registered: "
                              f"{', '.join(sorted(models.REGISTRY))} (a run of another name needs "
                              "model: <registered name> in its block)")
            task = models.REGISTRY[key].task
            if task not in tasks:
                return runs, (f"config.yaml is invalid: {where}: {key} is a {task} model; {dataset} takes "
                              f"{' and '.join(tasks)} models")
            definition = definitions[key]
            unknown = sorted(set(block) - set(definition.get("properties", {})))
            if unknown:
                return runs, (f"config.yaml is invalid: {where}: unknown hyper-parameter {unknown[0]!r} "
                              f"({key} takes: {', '.join(sorted(definition.get('properties', {})))})")
            validator = jsonschema.Draft202012Validator({**definition, "$defs": root})
            error = jsonschema.exceptions.best_match(validator.iter_errors(block))
            if error is not None:
                return runs, _one_line(error, where)
            runs[dataset][name] = {"registry": key, "hyperparameters": with_defaults(block, definition)}
        problem = (_generator_problem(dataset, runs[dataset]) or _source_problem(dataset, runs[dataset])
                   or _pretraining_problem(dataset, runs[dataset]) or _blend_problem(dataset, config, runs[dataset]))
        if problem:
            return runs, problem
    return runs, None


def _generator_problem(dataset: str, runs: dict[str, dict]) -> str | None:
    """A re-ranker's generators must be ranking runs of the same dataset."""
    for name, run in runs.items():
        for generator in run["hyperparameters"].get("generators", {}) if models.REGISTRY[
                run["registry"]].task == "reranking" else ():
            if generator not in runs or models.REGISTRY[runs[generator]["registry"]].task != "ranking":
                rankers = [n for n, r in runs.items() if models.REGISTRY[r["registry"]].task == "ranking"]
                return (f"config.yaml is invalid: {dataset}.models.{name}.generators: {generator!r} is not a "
                        f"ranking model of {dataset} (configured: {', '.join(rankers)})")
    return None


def _source_problem(dataset: str, runs: dict[str, dict]) -> str | None:
    """A serving run's source must be a ranking run of the same dataset."""
    rankers = [n for n, r in runs.items() if models.REGISTRY[r["registry"]].task == "ranking"]
    for name, run in runs.items():
        source = run["hyperparameters"].get("source")
        if models.REGISTRY[run["registry"]].task == "serving" and source not in rankers:
            return (f"config.yaml is invalid: {dataset}.models.{name}.source: {source!r} is not a ranking model "
                    f"of {dataset} (configured: {', '.join(rankers)})")
    return None


def _pretraining_problem(dataset: str, runs: dict[str, dict]) -> str | None:
    """A session run's pretraining must be a pre-training run of the same dataset (the schema admits the key
    only for models that can start from one)."""
    pretrainers = [n for n, r in runs.items() if models.REGISTRY[r["registry"]].task == "pretraining"]
    for name, run in runs.items():
        source = run["hyperparameters"].get("pretraining")
        if source is not None and source not in pretrainers:
            return (f"config.yaml is invalid: {dataset}.models.{name}.pretraining: {source!r} is not a pre-training "
                    f"run of {dataset} (configured: {', '.join(pretrainers) or 'none'})")
    return None


def _blend_problem(dataset: str, config: dict, runs: dict[str, dict]) -> str | None:
    """A blend's models must be models of the same dataset."""
    for name in config.get(dataset, {}).get("blend") or {}:
        if name not in runs:
            return (f"config.yaml is invalid: {dataset}.blend: {name!r} is not a model of {dataset}.models "
                    f"(configured: {', '.join(runs)})")
    return None
