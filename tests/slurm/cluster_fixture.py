"""The `slurm_cluster` fixture: a real single-node SLURM cluster (munged, slurmctld, slurmd) for this session.

Not a conftest.py: the test modules import helpers with `from conftest import ...` (tests/conftest.py),
which a second conftest module would shadow; test_slurm.py imports the fixture from here.

tests/slurm/slurm_up.sh installs Debian's packages when they are missing and starts the daemons;
slurm_down.sh stops exactly the daemons it started, by the pid files it left in the scratch dir, and
removes the configuration files it wrote. tests/conftest.py runs the tests that use this fixture
first, so the cluster is up for the whole rest of the session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SLURM_UP = HERE / "slurm_up.sh"
SLURM_DOWN = HERE / "slurm_down.sh"


@dataclass(frozen=True)
class SlurmCluster:
    """Where the test cluster keeps its state; its logs are under ``lab/log``."""

    lab: Path

    @property
    def slurmctld_log(self) -> Path:
        return self.lab / "log" / "slurmctld.log"


def cluster_unavailable_reason() -> str | None:
    """Why this machine cannot stand up the test cluster, or None when it can."""
    if os.geteuid() != 0:
        return "the SLURM test cluster needs root (it installs Debian packages and starts munged/slurmctld/slurmd)"
    if shutil.which("slurmctld") is None and shutil.which("apt-get") is None:
        return "the SLURM test cluster needs apt-get to install munge, slurmctld, slurmd and slurm-client"
    return None


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory) -> SlurmCluster:
    reason = cluster_unavailable_reason()
    if reason:
        pytest.skip(reason)
    lab = tmp_path_factory.mktemp("slurmlab")
    env = {**os.environ, "SLURMLAB": str(lab)}
    started = subprocess.run(["bash", str(SLURM_UP)], env=env, capture_output=True, text=True, timeout=600)
    if started.returncode != 0:
        subprocess.run(["bash", str(SLURM_DOWN)], env=env, capture_output=True, text=True, timeout=120)
        pytest.fail(f"slurm_up.sh failed ({started.returncode}):\n{started.stdout[-3000:]}\n{started.stderr[-3000:]}")
    yield SlurmCluster(lab)
    subprocess.run(["bash", str(SLURM_DOWN)], env=env, capture_output=True, text=True, timeout=120)
