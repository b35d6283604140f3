"""Atomic output writing: a file target is either complete or absent, never half-written."""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; rename it onto ``path`` only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_json(obj, path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")


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


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
