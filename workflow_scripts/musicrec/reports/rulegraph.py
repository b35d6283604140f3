"""The workflow's rule graph: ``snakemake --rulegraph dot`` of a target, drawn as SVG with graphviz.

Drawing uses ``graphviz-pure`` (a port of Graphviz's ``dot`` command installed from PyPI with the project, so
no system package is needed); its output is the same on every platform, so the picture in the README can be
compared with the current one.
"""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import yaml

from ..errors import ConfigError

DOT_PROGRAM = "graphviz-pure"
FONT = "Helvetica"


def rule_graph_dot(target: str, config: dict, workdir: str | Path = ".") -> str:
    """The dot text of ``snakemake --rulegraph dot`` for ``target`` in ``workdir``, with ``config`` (the running
    workflow's whole config, so overrides given on the command line are kept)."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", encoding="utf-8") as configfile:
        yaml.safe_dump(config, configfile, sort_keys=False)
        configfile.flush()
        result = subprocess.run(
            [sys.executable, "-m", "snakemake", "--rulegraph", "dot", "--configfile", configfile.name, "--", target],
            cwd=workdir, capture_output=True, text=True)
    if result.returncode != 0 or "digraph" not in result.stdout:
        raise ConfigError(f"snakemake --rulegraph dot {target} failed: {result.stderr.strip()[-800:]}")
    return result.stdout[result.stdout.index("digraph"):]


def rule_names(dot: str) -> list[str]:
    """The rule names (node labels) of a rule graph's dot text or SVG, sorted."""
    labels = re.findall(r'label\s*=\s*"([^"]+)"', dot) or re.findall(r"<text[^>]*>([^<]+)</text>", dot)
    return sorted(set(labels))


def dot_program() -> str:
    """Path of the graphviz ``dot`` port installed with the project (the environment's scripts folder first)."""
    candidate = Path(sysconfig.get_path("scripts")) / DOT_PROGRAM
    if candidate.exists():
        return str(candidate)
    raise ConfigError(f"{DOT_PROGRAM} is not installed in this environment ({candidate} is missing): "
                      f"pip install {DOT_PROGRAM}, or reinstall the project")


def render_svg(dot: str) -> bytes:
    """The dot text drawn as SVG (Snakemake's generic ``sans`` font named as one the renderer has metrics for)."""
    dot = dot.replace("fontname=sans", f"fontname={FONT}")
    result = subprocess.run([dot_program(), "-Tsvg"], input=dot.encode("utf-8"), capture_output=True)
    if result.returncode != 0 or b"<svg" not in result.stdout:
        message = result.stderr.decode(errors="replace")[-800:]
        raise ConfigError(f"{DOT_PROGRAM} could not draw the rule graph: {message}")
    return result.stdout
