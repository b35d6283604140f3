"""Rules classify, classify_gpu: fit one registered classifier for one seed; write validation predictions,
the test submission, the metrics and the per-user metrics of the validation rows."""

from musicrec.io import write_csv, write_json
from musicrec.schema import write_per_user
from musicrec.scripting import run_script
from musicrec.training import Run, fit_and_score


def main(smk):
    run = Run(**smk.params.run, seed=int(smk.wildcards.seed), threads=smk.threads)
    predictions, submission, metrics, per_user = fit_and_score(run, dict(smk.input.items()))
    write_csv(predictions, smk.output.validation)
    write_csv(submission, smk.output.submission)
    write_json(metrics, smk.output.metrics)
    write_per_user(per_user, smk.output.per_user)


run_script(main, snakemake)  # noqa: F821
