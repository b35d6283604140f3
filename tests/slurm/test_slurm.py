"""profiles/slurm: dry-runs without SLURM, and real runs through the single-node test cluster.

The cluster tests print which SLURM job ran which rule, in which partition and with which GRES;
`pytest -rP` (or `-s`) shows that output for passed tests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from cluster_fixture import SLURM_DOWN, slurm_cluster  # noqa: F401  (pytest fixture used by the slurm tests)
from conftest import REPO, make_workdir, run_snakemake

# What the cluster test builds through SLURM: one seed's KKBox sub-DAG. Extend this tuple as
# the workflow grows (e.g. "results/fairness_report.html"); the expected SLURM jobs follow from
# the DAG of these targets.
SLURM_TEST_TARGETS = ("results/kkbox/predictions/blend/seed0.csv", "results/fairness_report.html")
# rules of those targets' DAG that must have gone through SLURM, whatever else joins the DAG
KKBOX_CLUSTER_RULES = {"kkbox_demo_data", "kkbox_features", "classify", "classify_gpu", "blend"}
# (the report's ranking datasets stay out: their stages would join the cluster's sub-DAG)
SLURM_TEST_CONFIG = {"seeds": [0], "kkbox": {"demo": {"size": "tiny"}}, "fairness": {"ranking_datasets": []}}
PROFILE = "profiles/slurm"
# the test cluster answers at once; the profile's site value (20 s) would only add waiting
FAST_POLLING = ("--slurm-init-seconds-before-status-checks", "2")
RETRY_WORKFLOW = Path(__file__).resolve().parent / "retry_workflow" / "Snakefile"

SUBMITTED = re.compile(r"Job \d+ has been submitted with SLURM jobid (\d+)")


@dataclass(frozen=True)
class SlurmJob:
    """One SLURM job as squeue and scontrol report it."""

    job_id: str
    rule: str
    partition: str
    state: str
    gres: str

    def line(self) -> str:
        return f"job {self.job_id:>4}  rule {self.rule:<18} partition {self.partition:<5} state {self.state:<10} GRES {self.gres}"


def rule_of_comment(comment: str) -> str:
    """The rule name in the plugin's job comment `rule_<name>` or `rule_<name>_wildcards_<values>`."""
    return comment.removeprefix("rule_").split("_wildcards_")[0]


def slurm_jobs(job_ids: list[str]) -> list[SlurmJob]:
    """The given jobs as the cluster sees them (finished jobs stay visible for MinJobAge)."""
    listing = subprocess.run(
        ["squeue", "--states=all", "--noheader", "--jobs", ",".join(job_ids), "--format=%i|%P|%T|%k"],
        capture_output=True, text=True, check=True,
    ).stdout
    jobs = []
    for row in listing.splitlines():
        job_id, partition, state, comment = row.strip().split("|", 3)
        jobs.append(SlurmJob(job_id, rule_of_comment(comment.strip()), partition, state, job_gres(job_id)))
    return sorted(jobs, key=lambda job: int(job.job_id))


def job_gres(job_id: str) -> str:
    """The GRES a job asked for (TresPerJob) and, while scontrol still shows it, the one it was given."""
    details = subprocess.run(
        ["scontrol", "show", "job", "-d", job_id], capture_output=True, text=True, check=True
    ).stdout
    requested = re.search(r"TresPerJob=(\S+)", details)
    allocated = re.search(r"\bGRES=(\S+)", details) or re.search(r"JOB_GRES=(\S+)", details)
    parts = [f"requested {requested.group(1)}"] if requested else []
    if allocated and allocated.group(1) != "(null)":
        parts.append(f"allocated {allocated.group(1)}")
    return ", ".join(parts) or "none"


def rules_listed(snakemake_output: str, kind: str = "rule") -> set[str]:
    """Rules of the jobs Snakemake lists as `rule X:` (cluster jobs) or `localrule X:` (run locally)."""
    return set(re.findall(rf"^{kind} (\w+):", snakemake_output, flags=re.MULTILINE))


def profile_settings() -> dict:
    return yaml.safe_load((REPO / PROFILE / "config.yaml").read_text())


def gpu_rules() -> set[str]:
    """Rules the profile routes to GPUs (a `gpu` entry under set-resources)."""
    return {rule for rule, resources in profile_settings()["set-resources"].items() if resources.get("gpu")}


# what snakemake-executor-plugin-slurm calls, and the rest of SLURM's client commands
SLURM_COMMANDS = frozenset(
    "sacct sacctmgr salloc sattach sbatch sbcast scancel scontrol sdiag sinfo sprio squeue sreport "
    "srun sshare sstat strigger".split()
)


def env_without_slurm(tmp_path: Path) -> dict[str, str]:
    """The environment with a PATH that has every command of the current one except SLURM's.

    Stands in for a machine without SLURM even after the cluster tests installed it here.
    """
    bin_dir = tmp_path / "bin-without-slurm"
    bin_dir.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        if not Path(folder).is_dir():
            continue
        for command in Path(folder).iterdir():
            link = bin_dir / command.name
            if command.name not in SLURM_COMMANDS and not link.exists() and not link.is_symlink():
                link.symlink_to(command)
    path = os.pathsep.join([str(Path(sys.executable).parent), str(bin_dir)])
    assert shutil.which("sinfo", path=path) is None
    return {**os.environ, "PATH": path}


@pytest.mark.workflow
def test_profile_dry_run_needs_no_slurm(tmp_path):
    workdir = make_workdir(tmp_path, SLURM_TEST_CONFIG)
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--profile", PROFILE, "-n", *SLURM_TEST_TARGETS],
        cwd=workdir, env=env_without_slurm(tmp_path), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    assert "slurm_partition=gpu" in result.stdout and "gpu=1" in result.stdout
    assert re.search(r"^rule classify_gpu:", result.stdout, flags=re.MULTILINE)


def dry_run_job_resources(dry_run_output: str) -> list[tuple[str, dict[str, str]]]:
    """(rule, resources) of every cluster job a dry-run lists (local rules print as `localrule`)."""
    jobs = []
    for block in re.finditer(r"^rule (\w+):\n((?:    .*\n?)*)", dry_run_output, flags=re.MULTILINE):
        line = re.search(r"^    resources: (.*)$", block.group(2), flags=re.MULTILINE)
        pairs = (item.split("=", 1) for item in line.group(1).split(", ")) if line else ()
        jobs.append((block.group(1), dict(pairs)))
    return jobs


@pytest.mark.workflow
def test_every_gpu_job_goes_to_the_gpu_partition(tmp_path):
    workdir = make_workdir(tmp_path, SLURM_TEST_CONFIG)
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--profile", PROFILE, "-n"],
        cwd=workdir, env=env_without_slurm(tmp_path), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    jobs = dry_run_job_resources(result.stdout)
    assert jobs, result.stdout[-3000:]
    misrouted = sorted(
        rule for rule, resources in jobs
        if (int(resources.get("gpu", 0)) > 0) != (resources.get("slurm_partition") == "gpu")
    )
    assert not misrouted, f"GPU jobs outside the gpu partition or CPU jobs in it (profiles/slurm set-resources): {misrouted}"
    assert "classify_gpu" in {rule for rule, resources in jobs if resources.get("gpu") == "1"}


@pytest.mark.workflow
def test_profile_name_slurm_resolves_after_install(tmp_path):
    workdir = make_workdir(tmp_path, SLURM_TEST_CONFIG)
    config_home = tmp_path / "xdg"
    env = {**os.environ, "XDG_CONFIG_HOME": str(config_home), "PYTHON": sys.executable}
    install = subprocess.run(
        ["sh", "profiles/install_slurm_profile.sh"], cwd=workdir, env=env, capture_output=True, text=True
    )
    assert install.returncode == 0, install.stderr
    assert (config_home / "snakemake" / "slurm" / "config.yaml").is_file()
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--profile", "slurm", "-n", *SLURM_TEST_TARGETS],
        cwd=workdir, env={**env_without_slurm(tmp_path), "XDG_CONFIG_HOME": str(config_home)},
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    assert "Using profile slurm" in result.stdout + result.stderr
    assert "slurm_partition=gpu" in result.stdout


def test_slurm_down_removes_the_config_files_slurm_up_listed(tmp_path):
    """A slurm.conf left behind names a stopped controller: every later `scontrol`, and so every
    snakemake start (the SLURM plugin's `scontrol show config` at import), would wait ~9 s."""
    lab = tmp_path / "lab"
    (lab / "run").mkdir(parents=True)
    etc = tmp_path / "etc"
    etc.mkdir()
    written = [etc / "slurm.conf", etc / "gres.conf"]
    for conf in written:
        conf.write_text("# Written by tests/slurm/slurm_up.sh\n")
    unrelated = etc / "plugstack.conf"
    unrelated.write_text("include /etc/slurm/plugstack.conf.d/*\n")
    (lab / "run" / "config_files").write_text("".join(f"{conf}\n" for conf in written))

    result = subprocess.run(
        ["bash", str(SLURM_DOWN)], env={**os.environ, "SLURMLAB": str(lab)},
        capture_output=True, text=True, timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert not any(conf.exists() for conf in written)
    assert unrelated.exists()
    assert result.stdout.splitlines() == [f"slurm_down: removed {conf}" for conf in written]
    assert not (lab / "run" / "config_files").exists()


@pytest.mark.slurm
def test_kkbox_subdag_runs_through_slurm(slurm_cluster, tmp_path):
    workdir = make_workdir(tmp_path, SLURM_TEST_CONFIG)
    planned = run_snakemake(workdir, "--profile", PROFILE, "-n", *SLURM_TEST_TARGETS).stdout
    result = run_snakemake(workdir, "--profile", PROFILE, *FAST_POLLING, *SLURM_TEST_TARGETS, timeout=900)
    output = result.stdout + result.stderr
    job_ids = SUBMITTED.findall(output)
    jobs = slurm_jobs(job_ids)
    summary = "\n".join(["SLURM jobs of the KKBox sub-DAG:", *(job.line() for job in jobs)])
    print(summary)
    (tmp_path / "slurm_jobs.txt").write_text(summary + "\n")

    cluster_rules = rules_listed(output)
    assert {job.rule for job in jobs} == cluster_rules, summary
    assert cluster_rules | rules_listed(output, "localrule") == rules_listed(planned), summary
    assert KKBOX_CLUSTER_RULES <= cluster_rules, summary
    assert all(job.state == "COMPLETED" for job in jobs), summary
    for job in jobs:
        if job.rule in gpu_rules():
            assert job.partition == "gpu", summary
            assert "gres:gpu:1" in job.gres, summary
        else:
            assert job.partition == "cpu" and job.gres == "none", summary
    log = slurm_cluster.slurmctld_log.read_text()
    for job in jobs:
        # the main scheduler logs "Allocate JobId=N NodeList=localhost", the backfill scheduler
        # "Started JobId=N in <partition> on localhost"
        started = rf"(Allocate JobId={job.job_id} NodeList=localhost|Started JobId={job.job_id} in \S+ on localhost)"
        assert re.search(started, log), summary
        assert any((workdir / ".snakemake" / "slurm_logs").rglob(f"{job.job_id}.log")), summary
    for target in SLURM_TEST_TARGETS:
        assert (workdir / target).stat().st_size > 0


@pytest.mark.slurm
def test_failing_job_is_reported_and_retried(slurm_cluster, tmp_path):
    workdir = tmp_path / "retry"
    workdir.mkdir()
    shutil.copy(RETRY_WORKFLOW, workdir / "Snakefile")
    shutil.copytree(REPO / PROFILE, workdir / PROFILE)
    result = run_snakemake(workdir, "--profile", PROFILE, *FAST_POLLING, check=False, timeout=600)
    output = result.stdout + result.stderr
    jobs = slurm_jobs(SUBMITTED.findall(output))
    summary = "\n".join(["SLURM jobs of the retry workflow:", *(job.line() for job in jobs)])
    print(summary)

    retries = profile_settings()["retries"]
    assert retries >= 1, "profiles/slurm must allow a retry for this test"
    assert result.returncode != 0, output[-5000:]
    states = {rule: [job.state for job in jobs if job.rule == rule] for rule in ("flaky", "broken")}
    assert states == {"flaky": ["FAILED", "COMPLETED"], "broken": ["FAILED"] * (retries + 1)}, summary
    assert (workdir / "flaky.txt").read_text().startswith("attempt=2 ")
    assert not (workdir / "broken.txt").exists()
    assert re.search(r"Error in rule flaky", output), output[-5000:]
    assert output.count("Error in rule broken") == retries + 1, output[-5000:]
    assert re.search(r"Trying to restart job", output), output[-5000:]
    assert "failed, SLURM status is: 'FAILED'" in output, output[-5000:]
