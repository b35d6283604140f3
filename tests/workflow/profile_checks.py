"""Checks of a built dataset's data profile (rule data_profile), shared by the end-to-end tests (each reads the
build of its own module fixture)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from musicrec.profiling import DESCRIBE, EXTRAS_COLUMNS

FILES = ("statistics.csv", "extras.csv", "long_tail.png", "activity.png", "extras.png")


def check_profile(workdir: Path, dataset: str) -> tuple[dict[str, float | None], pl.DataFrame, dict]:
    """profile.json lists the profile's five files (each present, the figures PNG, every entry captioned) and
    the source; statistics.csv holds the overview statistics with a consistent density and sparsity; extras.csv
    has its columns and rows. Returns (statistic values by name, extras, profile.json)."""
    folder = workdir / "results" / dataset / "profile"
    manifest = json.loads((folder / "profile.json").read_text())
    assert manifest["dataset"] == dataset and manifest["source"] and manifest["events"] and manifest["inputs"]
    entries = manifest["tables"] + manifest["figures"]
    assert sorted(entry["file"] for entry in entries) == sorted(f"results/{dataset}/profile/{f}" for f in FILES)
    for entry in entries:
        assert entry["title"] and entry["caption"], entry
        assert (workdir / entry["file"]).stat().st_size > 0, entry["file"]
    for entry in manifest["figures"]:
        assert (workdir / entry["file"]).read_bytes().startswith(b"\x89PNG"), entry["file"]
    statistics = pl.read_csv(folder / "statistics.csv", infer_schema=False)
    assert statistics.columns == ["name", "value", "description"]
    values = {name: float(value) if value else None for name, value in statistics.select("name", "value").rows()}
    expected = {"rows", "users", "items", "user_item_pairs", "density", "sparsity",
                *(f"events_per_{who}_{name}" for who in ("user", "item") for name in DESCRIBE)}
    assert expected <= set(values), expected - set(values)
    assert 0 < values["users"] <= values["user_item_pairs"] <= values["rows"]
    assert values["density"] == pytest.approx(values["user_item_pairs"] / (values["users"] * values["items"]),
                                              rel=1e-5)
    assert values["sparsity"] == pytest.approx(1 - values["density"], abs=1e-6)
    extras = pl.read_csv(folder / "extras.csv", infer_schema=False)
    assert tuple(extras.columns) == EXTRAS_COLUMNS and extras.height > 0
    return values, extras, manifest
