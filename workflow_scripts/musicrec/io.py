"""Atomic output writing: a file target is either complete or absent, never half-written.

Files get the mode a plain ``open()`` would give them (0o666 minus the umask, and a directory's
default ACL applies), so results on a shared file system are as readable as any other file there.
"""

from __future__ import annotations

import json
import math
import os
import secrets
from contextlib import contextmanager
from pathlib import Path

import numpy as np


def _create_temporary_file(directory: Path, name: str) -> Path:
    """Create a new, empty, hidden file ``.<name>.<random>.tmp`` in ``directory``.

    It is created with ``os.open(..., 0o666)`` exactly as ``open()`` creates files, so the kernel
    applies the umask; ``O_EXCL`` makes the name unique even when two jobs write side by side.
    """
    while True:
        candidate = directory / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(descriptor)
        return candidate


@contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; rename it onto ``path`` only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _create_temporary_file(path.parent, path.name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def strict_json_value(value):
    """``value`` with every NaN or infinite float replaced by None (JSON ``null``).

    Recurses through dicts, lists, tuples and numpy arrays (all become lists); numpy scalars become
    the Python numbers they hold. JSON has no NaN or Infinity, and strict parsers reject them.
    """
    if isinstance(value, dict):
        return {key: strict_json_value(item) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [strict_json_value(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(obj, path) -> None:
    """Write ``obj`` as strict JSON (NaN and infinities written as null, see strict_json_value)."""
    text = json.dumps(strict_json_value(obj), indent=2, sort_keys=True, allow_nan=False)
    with atomic_path(path) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")


def write_parquet(frame, path) -> None:
    """Write a polars or pandas frame to parquet atomically."""
    with atomic_path(path) as tmp:
        if hasattr(frame, "write_parquet"):
            frame.write_parquet(tmp)
        else:
            frame.to_parquet(tmp, index=False)


def write_csv(frame, path) -> None:
    """Write a polars or pandas frame to CSV atomically."""
    with atomic_path(path) as tmp:
        if hasattr(frame, "write_csv"):
            frame.write_csv(tmp)
        else:
            frame.to_csv(tmp, index=False)


def write_tables(tables: dict, outputs, prefix: str = "") -> None:
    """Write each of ``tables`` to ``outputs[prefix + name]``: data frames as parquet, dicts (summaries) as
    JSON (e.g. one split's prepared parts to a rule's ``test_train``, ``test_summary``, ... outputs)."""
    for name, table in tables.items():
        path = outputs[f"{prefix}{name}"]
        if isinstance(table, dict):
            write_json(table, path)
        else:
            write_parquet(table, path)
