"""Rules classify, classify_gpu: fit one registered classifier for one seed; write validation predictions,
the test submission and the metrics."""

from musicrec.io import write_csv, write_json
from musicrec.scripting import run_script
from musicrec.training import Run, fit_and_score


def main(smk):
    run = Run(**smk.params.run, seed=int(smk.wildcards.seed), threads=smk.threads)
    predictions, submission, metrics = fit_and_score(run, dict(smk.input.items()))
    write_csv(predictions, smk.output.validation)
    write_csv(submission, smk.output.submission)
    write_json(metrics, smk.output.metrics)


run_script(main, snakemake)  # noqa: F821
