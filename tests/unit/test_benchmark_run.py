"""The step-by-step benchmark runner: peak memory from the kernel, forced single-job Snakemake calls."""

import sys
from pathlib import Path

from musicrec import benchmark_run

ALLOCATE = "import sys; block = bytearray(int(sys.argv[1]) * 2**20); block[::4096] = b'x' * len(block[::4096])"


def test_peak_memory_is_the_commands_largest_process():
    measured = benchmark_run.run_measured([sys.executable, "-c", ALLOCATE, "300"])
    assert measured.returncode == 0
    assert measured.peak_rss_mb >= 300
    assert measured.seconds > 0


def test_a_failing_command_gives_its_exit_code():
    assert benchmark_run.run_measured([sys.executable, "-c", "raise SystemExit(3)"]).returncode == 3


def test_each_step_is_one_forced_job_with_both_configs(tmp_path):
    (tmp_path / "config.yaml").write_text("seeds: [4, 7]\n")
    command = benchmark_run.snakemake_command(tmp_path, Path("Snakefile"), Path("config.yaml"), 2, "x.csv")
    assert command[command.index("--directory") + 1] == str(tmp_path.resolve())
    configs = command[command.index("--configfile") + 1 : command.index("--configfile") + 3]
    assert configs == [str(Path("config.yaml").resolve()), str((tmp_path / "config.yaml").resolve())]
    assert command[-2:] == ["--force", "x.csv"]
    assert benchmark_run.first_seed(tmp_path) == 4
