"""Rule lastfm_sasrec: SASRec for one seed; top-K lists of the test users and a training report."""

from musicrec.pipelines.lastfm_neural import NeuralRun, run_sasrec
from musicrec.scripting import run_script


def main(smk):
    run = NeuralRun(
        model="sasrec",
        seed=int(smk.wildcards.seed),
        topk=int(smk.params.topk),
        hyperparameters=dict(smk.params.hyperparameters),
        threads=smk.threads,
    )
    run_sasrec(run, dict(smk.input.items()), dict(smk.output.items()))


run_script(main, snakemake)  # noqa: F821
