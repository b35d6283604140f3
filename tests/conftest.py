"""Shared fixtures: repository paths, the shared real data, and running Snakemake on a scratch copy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO / "workflow_scripts"))

WORKFLOW_FILES = ("Snakefile", "config.yaml", "rules", "envs", "workflow_scripts", "profiles", "resources/report")


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


# The tests' builds on 2 cores: two one-thread jobs at a time rather than one job with the two threads its rule
# asks for (`--max-threads`), since the tests' small jobs are mostly interpreter start-up and imports; measured on
# the tiny build: 260 s against 333 s.
TWO_JOBS_AT_A_TIME = ("--cores", "2", "--max-threads", "1")


# Small settings of every stage (tiny demo data, short training), so that the whole workflow builds in about
# five minutes on 2 cores: the build every workflow test of a stage reads.
TINY_LASTFM = {
    "demo": {"size": "tiny"},
    "models": {
        "als": {"factors": 32, "iterations": 10},
        "lightgcn": {"epochs": 20, "batch_size": 512, "learning_rate": 0.005},
        "bpr": {"epochs": 20, "batch_size": 512, "learning_rate": 0.005},
        "sasrec": {"epochs": 3},
        "two_tower": {"epochs": 3},
        "rf_ranker": {"n_estimators": 20},
        "ltr_ranker": {"num_boost_round": 30},
    },
}
TINY_YAMBDA = {
    "demo": {"size": "tiny"},
    "shards": 2,
    "models": {
        "als": {"factors": 16, "iterations": 5},
        "implicit_bpr": {"factors": 16, "iterations": 20},
        "sasrec": {"epochs": 2, "max_length": 20, "hidden_size": 16, "negatives": 0},
        "lightgcn": {"epochs": 2, "embedding_dim": 16},
        "lightgcn_cold": {"epochs": 2, "embedding_dim": 16},
        "catboost_yetirank": {"iterations": 20},
        "catboost_logloss": {"iterations": 20},
    },
}
TINY_YANDEX_MUSIC = {
    "demo": {"size": "tiny"},
    "models": {
        "als": {"factors": 16, "iterations": 5},
        "catboost_yetirank": {"iterations": 20},
        "catboost_logloss": {"iterations": 20},
    },
}
TINY_SESSION_NETWORK = {"epochs": 1, "d_model": 16, "layers": 1}
TINY_MSSD_MODELS = {
    "skip_lstm": {"epochs": 1, "hidden": 16},
    "skip_transformer": TINY_SESSION_NETWORK,
    "bert_pretrain": TINY_SESSION_NETWORK,
    "bert_augmented": TINY_SESSION_NETWORK,
    "bert_skip": TINY_SESSION_NETWORK,
    "bert_skip_scratch": TINY_SESSION_NETWORK,
    "skip_policy_reinforce": {"epochs": 1, "hidden": 16},
    "skip_policy_supervised": {"epochs": 1, "hidden": 16},
    "next_transformer": TINY_SESSION_NETWORK,
    "bert_next": TINY_SESSION_NETWORK,
    "bert_next_scratch": TINY_SESSION_NETWORK,
    "next_policy_reinforce": TINY_SESSION_NETWORK,
    "next_policy_supervised": TINY_SESSION_NETWORK,
}
TINY_CONFIG = {
    "seeds": [0, 1],
    "kkbox": {"demo": {"size": "tiny"}},
    "lastfm": TINY_LASTFM,
    "yambda": TINY_YAMBDA,
    "yandex_music": TINY_YANDEX_MUSIC,
    "mssd": {"demo": {"size": "tiny"}, "models": TINY_MSSD_MODELS},
}
SNAKEMAKE_REPORT = "results/snakemake_report.zip"


@pytest.fixture(scope="session")
def tiny_build(tmp_path_factory) -> Path:
    """One build of the whole workflow on the tiny demo data (2 seeds; rule all: every stage, the fairness
    report, the results page) and its `snakemake --report` zip, shared by the workflow tests that read its
    outputs (training even tiny models is the slow part)."""
    workdir = make_workdir(tmp_path_factory.mktemp("tiny_build"), TINY_CONFIG)
    run_snakemake(workdir, *TWO_JOBS_AT_A_TIME, "all")
    run_snakemake(workdir, "--report", SNAKEMAKE_REPORT)
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


# Headless Chromium for the browser tests (tests/browser): installed with apt-get when missing (as root), a fresh
# profile per test, the browser's console log kept.
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--window-size=1280,1600"]


@pytest.fixture(scope="session")
def chromium_paths():
    """Chromium and its driver: installed with apt-get when missing and we are root, else skip."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            pytest.skip("chromium/chromium-driver are not installed and apt-get as root is unavailable")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        lock = ["-o", "DPkg::Lock::Timeout=300"]
        for command in (["apt-get", *lock, "update", "-qq"],
                        ["apt-get", *lock, "install", "-y", "-qq", "--no-install-recommends", "chromium",
                         "chromium-driver"]):
            result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                pytest.skip(f"could not install chromium: {' '.join(command)}: {result.stderr[-500:]}")
    return CHROMIUM, CHROMEDRIVER


@pytest.fixture
def driver(chromium_paths, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium_paths[0])
    for flag in [*FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(str(chromium_paths[1])), options=options)
    yield browser
    browser.quit()
