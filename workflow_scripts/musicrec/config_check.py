"""Turn a config that breaks the JSON schema into one line naming the key, the value and the rule broken."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml


def config_problem(config: dict, schema_path) -> str | None:
    """The most relevant schema violation of ``config`` as one line, or None when it is valid."""
    schema = yaml.safe_load(Path(schema_path).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is None:
        return None
    key = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    return f"config.yaml is invalid: {key}: {error.message}"
