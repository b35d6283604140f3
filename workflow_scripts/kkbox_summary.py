"""Rule kkbox_summary: mean and spread over seeds of each model's validation metrics."""

from musicrec.pipelines.kkbox import summarise
from musicrec.scripting import run_script


def main(smk):
    summarise(list(smk.input), smk.output[0])


run_script(main, snakemake)  # noqa: F821
