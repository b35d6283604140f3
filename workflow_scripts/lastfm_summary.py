"""Rule lastfm_summary: mean and spread over seeds per model and metric, and the comparison figure."""

from musicrec.pipelines.lastfm import summarise
from musicrec.scripting import run_script


def main(smk):
    summarise(list(smk.input), list(smk.params.models), smk.output.summary, smk.output.figure)


run_script(main, snakemake)  # noqa: F821
