"""Rules summary, summary_valid: mean and spread over seeds per model and metric, and the comparison figure."""

from musicrec.io import atomic_path, write_csv
from musicrec.reports.figures import model_comparison
from musicrec.scripting import log, run_script
from musicrec.summaries import metrics_over_seeds


def main(smk):
    summary = metrics_over_seeds(list(smk.input), list(smk.params.models))
    write_csv(summary, smk.output.summary)
    with atomic_path(smk.output.figure) as tmp:
        tmp.write_bytes(model_comparison(summary, list(smk.params.models), smk.params.title))
    log.info("summary:\n%s", summary)


run_script(main, snakemake)  # noqa: F821
