"""Rule benchmark_summary: per-step totals of a stage's Snakemake benchmark files."""

import logging

from musicrec.benchmarks import summarise_benchmarks
from musicrec.scripting import run_script


def main(smk):
    summary = summarise_benchmarks(list(smk.input), smk.output[0])
    logging.getLogger("musicrec").info("benchmarks:\n%s", summary)


run_script(main, snakemake)  # noqa: F821
