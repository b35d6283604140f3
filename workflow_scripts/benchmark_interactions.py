"""Rule benchmark_interactions: build Interactions from synthetic events of a named shape, report sizes."""

from musicrec.benchmarks import interactions_scale
from musicrec.io import write_json
from musicrec.scripting import log, run_script


def main(smk):
    report = interactions_scale(smk.wildcards.shape)
    write_json(report, smk.output[0])
    log.info("Interactions at %s: %s", smk.wildcards.shape, report)


run_script(main, snakemake)  # noqa: F821
