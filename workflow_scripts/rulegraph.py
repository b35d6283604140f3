"""Rule rulegraph: the workflow's rule graph (snakemake --rulegraph) as dot text and as SVG."""

from musicrec.io import atomic_path
from musicrec.reports.rulegraph import render_svg, rule_graph_dot
from musicrec.scripting import log, run_script


def main(smk):
    dot = rule_graph_dot(smk.params.target, dict(smk.params.config))
    svg = render_svg(dot)
    with atomic_path(smk.output.dot) as tmp:
        tmp.write_text(dot, encoding="utf-8")
    with atomic_path(smk.output.svg) as tmp:
        tmp.write_bytes(svg)
    log.info("rule graph of %s: %d bytes of dot, %d bytes of SVG", smk.params.target, len(dot), len(svg))


run_script(main, snakemake)  # noqa: F821
