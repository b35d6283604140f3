"""The README's set-up: `make demo` makes `snakemake --profile slurm` find profiles/slurm, on every run
without harm, and never replaces a different `slurm` profile; the suite orders its SLURM cluster tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import REPO, SLURM_CLUSTER_FIXTURE, cluster_tests_first

INSTALL_SCRIPT = Path("profiles") / "install_slurm_profile.sh"


def install_profile(repo: Path, config_home: Path) -> subprocess.CompletedProcess:
    """Run the repository's profile install with ``config_home`` as XDG_CONFIG_HOME."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(config_home), "PYTHON": sys.executable}
    result = subprocess.run(
        ["sh", str(repo / INSTALL_SCRIPT)], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def user_profile(config_home: Path) -> Path:
    """Where Snakemake looks for the profile name `slurm` in the user's config directory."""
    return config_home / "snakemake" / "slurm"


def test_install_links_the_profile_and_a_second_run_changes_nothing(tmp_path):
    link = user_profile(tmp_path)
    profile = (REPO / "profiles" / "slurm").resolve()

    first = install_profile(REPO, tmp_path)
    assert link.is_symlink() and link.resolve() == profile
    assert first.stdout == f"slurm profile: linked {link} -> {profile}; `snakemake --profile slurm` now uses it\n"

    second = install_profile(REPO, tmp_path)
    assert link.is_symlink() and link.resolve() == profile
    assert second.stdout == f"slurm profile: {link} already links to {profile}; nothing changed\n"


def make_folder_profile(path: Path) -> None:
    path.mkdir(parents=True)
    (path / "config.yaml").write_text("executor: slurm\njobs: 3\n")


def make_link_elsewhere(path: Path) -> None:
    make_folder_profile(path.parent / "site-profile")
    path.symlink_to(path.parent / "site-profile")


def make_broken_link(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.symlink_to(path.parent / "deleted-clone" / "profiles" / "slurm")


def snapshot(path: Path) -> tuple:
    """What stands at ``path``: link target or folder contents, to compare before and after."""
    if path.is_symlink():
        return ("link", os.readlink(path))
    return ("folder", sorted((item.name, item.read_text()) for item in path.iterdir()))


@pytest.mark.parametrize(
    ("make_existing", "described_as"),
    [
        (make_folder_profile, "a folder"),
        (make_link_elsewhere, "a link to "),
        (make_broken_link, "a broken link to "),
    ],
)
def test_install_leaves_a_different_profile_and_says_so(tmp_path, make_existing, described_as):
    link = user_profile(tmp_path)
    make_existing(link)
    before = snapshot(link)

    result = install_profile(REPO, tmp_path)

    assert snapshot(link) == before
    assert result.stdout.startswith(f"slurm profile: {link} is another profile ({described_as}")
    assert "left as it is" in result.stdout and "--profile profiles/slurm" in result.stdout


def copy_set_up_files(tmp_path: Path) -> Path:
    """The files `make` needs for the set-up targets, in a scratch repository."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(REPO / name, repo / name)
    shutil.copytree(REPO / "profiles", repo / "profiles")
    return repo


def installed_venv(tmp_path: Path, repo: Path) -> Path:
    """A venv folder that `make` sees as set up: its python runs this interpreter, its stamp is newer
    than pyproject.toml (so make installs nothing)."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    stamp = venv / ".installed"
    stamp.touch()
    pyproject_mtime = stamp.stat().st_mtime - 60
    os.utime(repo / "pyproject.toml", (pyproject_mtime, pyproject_mtime))
    return venv


def test_make_demo_installs_the_profile_before_the_build(tmp_path):
    repo = copy_set_up_files(tmp_path)
    venv = installed_venv(tmp_path, repo)
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}

    planned = subprocess.run(
        ["make", "-n", "demo", f"VENV={venv}"], cwd=repo, env=env, capture_output=True, text=True, timeout=60
    )
    assert planned.returncode == 0, planned.stderr
    commands = planned.stdout.splitlines()
    install = [i for i, line in enumerate(commands) if "install_slurm_profile.sh" in line]
    build = [i for i, line in enumerate(commands) if "snakemake --cores" in line]
    assert install and build and install[0] < build[0], planned.stdout

    done = subprocess.run(
        ["make", "slurm-profile", f"VENV={venv}"], cwd=repo, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    link = user_profile(tmp_path / "config")
    assert link.resolve() == (repo / "profiles" / "slurm").resolve()
    assert f"slurm profile: linked {link}" in done.stdout


def test_cluster_tests_run_first_and_the_rest_keep_their_order():
    items = [
        SimpleNamespace(name="unit", fixturenames=["tmp_path"]),
        SimpleNamespace(name="cluster_a", fixturenames=[SLURM_CLUSTER_FIXTURE, "tmp_path"]),
        SimpleNamespace(name="workflow", fixturenames=["tiny_build"]),
        SimpleNamespace(name="cluster_b", fixturenames=[SLURM_CLUSTER_FIXTURE]),
    ]
    assert [item.name for item in cluster_tests_first(items)] == ["cluster_a", "cluster_b", "unit", "workflow"]
