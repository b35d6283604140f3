"""Static checks of the workflow: dry-run of the whole DAG, lint, formatting, conda environments."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from conftest import REPO, make_workdir, run_snakemake

pytestmark = pytest.mark.workflow

# import name -> the package names that provide it (conda/pip spellings)
IMPORT_TO_PACKAGES = {
    "sklearn": ("scikit-learn",),
    "yaml": ("pyyaml",),
    "faiss": ("faiss-cpu", "faiss-gpu"),
    "torch_geometric": ("torch-geometric", "pytorch_geometric"),
    "tensorflow": ("tensorflow-cpu", "tensorflow"),
    "matplotlib": ("matplotlib", "matplotlib-base"),
    "torch": ("torch", "pytorch"),
}
STDLIB = set(sys.stdlib_module_names)


def job_counts(dry_run_output: str) -> Counter:
    """Parse the 'Job stats' table of a dry-run into {rule: count}."""
    counts = Counter()
    table = dry_run_output.split("Job stats:")[-1]
    for line in table.splitlines():
        match = re.match(r"^(\w+)\s+(\d+)$", line.strip())
        if match and match.group(1) != "total":
            counts[match.group(1)] = int(match.group(2))
    return counts


def test_dry_run_lists_one_job_per_model_and_seed(tmp_path):
    workdir = make_workdir(tmp_path)
    seeds = yaml.safe_load((workdir / "config.yaml").read_text())["seeds"]
    result = run_snakemake(workdir, "-n", "--quiet", "rules")
    counts = job_counts(result.stdout + result.stderr)
    for rule in ("classify", "classify_gpu", "blend"):  # KKBox: LightGBM (CPU), Keras NN (GPU rule), blend
        assert counts[rule] == len(seeds), (rule, counts)
    assert counts["kkbox_features"] == 1 and counts["all"] == 1


def test_lastfm_runs_unseeded_models_once_and_seeded_ones_per_seed(tmp_path):
    """Job counts read off the shipped config: the registry says which models are seeded and which run on
    the GPU rule; re-rankers need their generators on the validation split as well."""
    from musicrec import models

    workdir = make_workdir(tmp_path, {"seeds": [0, 1, 2]})
    config = yaml.safe_load((workdir / "config.yaml").read_text())["lastfm"]["models"]
    counts = job_counts(run_snakemake(workdir, "lastfm", "-n", "--quiet", "rules").stdout)
    entries = {name: models.REGISTRY[block.get("model", name)] for name, block in config.items()}

    def jobs(names):
        return sum(3 if entries[n].seeded else 1 for n in names)

    cpu = [n for n, e in entries.items() if e.task == "ranking" and not e.gpu]
    gpu = [n for n, e in entries.items() if e.task == "ranking" and e.gpu]
    rerankers = [n for n, e in entries.items() if e.task == "reranking"]
    generators = {g for r in rerankers for g in config[r]["generators"]}
    assert counts["recommend"] == jobs(cpu) and counts["recommend_gpu"] == jobs(gpu)
    assert counts["rerank"] == jobs(rerankers)
    assert counts["recommend_valid"] == jobs(generators & set(cpu))
    assert counts["recommend_valid_gpu"] == jobs(generators & set(gpu)) > 0
    assert counts["evaluate"] == jobs(cpu + gpu + rerankers)
    assert counts["lastfm_split"] == 1 and counts["lastfm_features"] == 2 and counts["summary"] == 1


def test_mssd_routes_each_session_task_to_its_rule_and_torch_models_to_the_gpu_rules(tmp_path):
    """Job counts of the skip-challenge stage read off the shipped config: pre-training, skip and next-track runs
    each go to their rule (the torch ones to its GPU twin, which the SLURM profile routes to the GPU partition),
    unseeded baselines run once, and every skip and next-track run is evaluated."""
    from musicrec import models

    workdir = make_workdir(tmp_path, {"seeds": [0, 1, 2]})
    config = yaml.safe_load((workdir / "config.yaml").read_text())["mssd"]["models"]
    counts = job_counts(run_snakemake(workdir, "mssd", "-n", "--quiet", "rules").stdout)
    entries = {name: models.REGISTRY[block.get("model", name)] for name, block in config.items()}

    def jobs(task, gpu):
        return sum(3 if e.seeded else 1 for e in entries.values() if e.task == task and e.gpu == gpu)

    for task, rule in (("pretraining", "session_pretrain"), ("skip", "session_skip"),
                       ("next_track", "session_next_track")):
        assert counts[rule] == jobs(task, False) and counts[f"{rule}_gpu"] == jobs(task, True), (task, counts)
    assert counts["session_skip"] == 2 and counts["session_skip_gpu"] > 0 and counts["session_pretrain_gpu"] == 3
    assert counts["evaluate_sessions"] == sum(jobs(t, g) for t in ("skip", "next_track") for g in (False, True))
    assert counts["mssd_prepare"] == counts["mssd_demo_data"] == counts["summary"] == 1
    profile = yaml.safe_load((REPO / "profiles/slurm/config.yaml").read_text())["set-resources"]
    for rule in ("session_pretrain_gpu", "session_skip_gpu", "session_next_track_gpu"):
        assert profile[rule]["gpu"] == 1 and profile[rule]["slurm_partition"] == "gpu"


def test_a_new_model_run_is_a_config_block_and_no_rule(tmp_path):
    """Two more runs of registered models (one unseeded, one seeded on the GPU rule) appear in the DAG with
    their recommend, evaluate and summary jobs, and the workflow's rules are the same ones."""
    runs = {"ease_binary": {"model": "ease", "weighting": "binary", "regularization": 250.0},
            "lightgcn_small": {"model": "lightgcn", "embedding_dim": 16, "epochs": 2}}
    (tmp_path / "plain").mkdir()
    (tmp_path / "more").mkdir()
    plain = run_snakemake(make_workdir(tmp_path / "plain", {"seeds": [0, 1]}), "lastfm", "-n").stdout
    workdir = make_workdir(tmp_path / "more", {"seeds": [0, 1], "lastfm": {"models": runs}})
    more = run_snakemake(workdir, "lastfm", "-n").stdout
    added = job_counts(more) - job_counts(plain)
    assert added == Counter({"recommend": 1, "recommend_gpu": 2, "evaluate": 3}), added
    assert set(job_counts(more)) == set(job_counts(plain))
    for target in ("results/lastfm/topk/ease_binary/seed0.parquet", "results/lastfm/topk/lightgcn_small/seed1.parquet",
                   "results/lastfm/metrics/lightgcn_small/seed0.json"):
        assert f"output: {target}" in more or f"{target}," in more, target
    summary = re.search(r"rule summary:\n    input: ([^\n]*)", more).group(1)
    assert "metrics/ease_binary/seed0.json" in summary and "metrics/lightgcn_small/seed1.json" in summary


def test_adding_a_seed_adds_only_that_seeds_jobs(tmp_path):
    workdir = make_workdir(tmp_path, {"seeds": [0, 1, 2]})
    counts = job_counts(run_snakemake(workdir, "-n", "--quiet", "rules").stdout)
    assert counts["classify"] == counts["classify_gpu"] == counts["blend"] == 3


def test_lint_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    output = result.stdout + result.stderr
    assert "Lints for" not in output, output
    assert result.returncode == 0, output


def test_snakefiles_are_snakefmt_formatted():
    files = [REPO / "Snakefile", *sorted((REPO / "rules").glob("*.smk"))]
    result = subprocess.run(
        [sys.executable, "-m", "snakefmt", "--check", *map(str, files)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def rule_blocks() -> dict[str, dict[str, str]]:
    """{rule name: {'conda': path, 'script': path, 'file': smk}} read from the rule files."""
    rules = {}
    for smk in sorted((REPO / "rules").glob("*.smk")):
        text = smk.read_text()
        for match in re.finditer(r"^rule (\w+):\n((?:[ \t]+.*\n|\n)*)", text, flags=re.M):
            body = match.group(2)
            entry = {"file": smk, "directives": set(re.findall(r"^    (\w+):", body, flags=re.M))}
            for key in ("conda", "script"):
                found = re.search(rf"^\s+{key}:\s*\n\s+\"([^\"]+)\"", body, flags=re.M)
                if found:
                    entry[key] = found.group(1)
            rules[match.group(1)] = entry
    return rules


def _unguarded_nodes(tree: ast.AST):
    """All nodes except those under ``if "x" in sys.modules:`` (optional imports of an already-loaded
    framework, as in musicrec.seeding, are not requirements of the script)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and "sys.modules" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def third_party_imports(script: Path) -> set[str]:
    """Top-level third-party modules imported by a script and, transitively, by the musicrec modules it uses."""
    seen_modules: set[Path] = set()
    found: set[str] = set()
    package_root = REPO / "workflow_scripts"

    def visit(path: Path, package: str) -> None:
        if path in seen_modules or not path.exists():
            return
        seen_modules.add(path)
        for node in _unguarded_nodes(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                    names = [module] + [f"{module}.{alias.name}" for alias in node.names]
                else:
                    names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top == "musicrec":
                    parts = name.split(".")
                    module_file = package_root.joinpath(*parts).with_suffix(".py")
                    package_init = package_root.joinpath(*parts, "__init__.py")
                    for candidate, pkg in ((module_file, ".".join(parts[:-1])), (package_init, name)):
                        visit(candidate, pkg)
                elif top not in STDLIB and top != "snakemake":
                    found.add(top)

    visit(script, "musicrec")
    return found


def env_packages(env_file: Path) -> set[str]:
    env = yaml.safe_load(env_file.read_text())
    names = set()
    for dep in env.get("dependencies", []):
        entries = dep["pip"] if isinstance(dep, dict) else [dep]
        for entry in entries:
            names.add(re.split(r"[=<>\[ ]", entry.strip())[0].lower())
    return names


def test_every_rule_has_a_conda_env_listing_its_imports():
    rules = rule_blocks()
    assert rules, "no rules found"
    problems = []
    for name, rule in rules.items():
        if "script" not in rule:
            continue
        if "conda" not in rule:
            problems.append(f"{name}: no conda env")
            continue
        env_file = (rule["file"].parent / rule["conda"]).resolve()
        if not env_file.exists():
            problems.append(f"{name}: {env_file} missing")
            continue
        listed = env_packages(env_file)
        script = (rule["file"].parent / rule["script"]).resolve()
        for module in third_party_imports(script):
            packages = IMPORT_TO_PACKAGES.get(module, (module,))
            if not listed & {p.lower() for p in (*packages, module)}:
                problems.append(f"{name}: {env_file.name} lacks {packages[0]} (imported as {module})")
    assert not problems, "\n".join(problems)


def test_every_job_rule_declares_log_benchmark_threads_resources_and_conda():
    required = {"log", "benchmark", "threads", "resources", "conda", "script"}
    missing = {
        name: sorted(required - rule["directives"])
        for name, rule in rule_blocks().items()
        if "script" in rule["directives"] and required - rule["directives"]
    }
    assert not missing, missing
