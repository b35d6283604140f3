"""Shared fixtures: repository paths, the shared real data, and running Snakemake on a scratch copy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO / "workflow_scripts"))

WORKFLOW_FILES = ("Snakefile", "config.yaml", "rules", "envs", "workflow_scripts", "profiles")


def snakemake_cmd() -> list[str]:
    return [sys.executable, "-m", "snakemake"]


def make_workdir(tmp_path: Path, config_overrides: dict | None = None) -> Path:
    """Copy the workflow (not results/ or resources/) into ``tmp_path/wf``, with config overrides merged."""
    workdir = tmp_path / "wf"
    workdir.mkdir()
    for name in WORKFLOW_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, workdir / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, workdir / name)
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    _merge(config, config_overrides or {})
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return workdir


def _merge(base: dict, overrides: dict) -> None:
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def run_snakemake(workdir: Path, *args: str, check: bool = True, timeout: int = 1800) -> subprocess.CompletedProcess:
    """Run Snakemake in ``workdir``; on an unexpected exit code, fail with its output."""
    result = subprocess.run(
        [*snakemake_cmd(), *args], cwd=workdir, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        pytest.fail(f"snakemake {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-5000:]}\n{result.stderr[-8000:]}")
    return result


TINY_CONFIG = {"seeds": [0, 1], "kkbox": {"demo": {"size": "tiny"}}}


@pytest.fixture(scope="session")
def tiny_build(tmp_path_factory) -> Path:
    """One build of the KKBox stage and the fairness report on the tiny demo data (2 seeds), shared by
    the workflow tests that only read its outputs (training even tiny models is the slow part)."""
    workdir = make_workdir(tmp_path_factory.mktemp("tiny_build"), TINY_CONFIG)
    run_snakemake(workdir, "--cores", "2", "kkbox", "results/fairness_report.html")
    return workdir


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or a skip naming what is missing."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (it sits beside the repo in CI)")
    return SHARED_DATA


# The fixture of tests/slurm/cluster_fixture.py: a single-node SLURM cluster for the session.
SLURM_CLUSTER_FIXTURE = "slurm_cluster"


def cluster_tests_first(items: list) -> list:
    """The items with those that use the SLURM test cluster first, the others after them in their
    collected order.

    Every snakemake start imports snakemake-executor-plugin-slurm, which runs `scontrol show config`
    whenever SLURM's client is on PATH; without an answering controller that call retries for
    MessageTimeout (about 9 s). The cluster is session-scoped, so once it is up it answers until the
    session ends; with its tests first, no other test runs before it is up or after it is stopped.
    """
    return sorted(items, key=lambda item: SLURM_CLUSTER_FIXTURE not in item.fixturenames)


def pytest_collection_modifyitems(items: list) -> None:
    items[:] = cluster_tests_first(items)
