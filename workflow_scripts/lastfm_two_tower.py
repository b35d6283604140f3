"""Rule lastfm_two_tower: two-tower model for one seed; FAISS index, top-K lists, cold-start metrics."""

from musicrec.pipelines.lastfm_neural import NeuralRun, run_two_tower
from musicrec.scripting import run_script


def main(smk):
    run = NeuralRun(
        model="two_tower",
        seed=int(smk.wildcards.seed),
        topk=int(smk.params.topk),
        hyperparameters=dict(smk.params.hyperparameters),
        threads=smk.threads,
        k_values=tuple(smk.params.k_values),
    )
    run_two_tower(run, dict(smk.input.items()), dict(smk.output.items()))


run_script(main, snakemake)  # noqa: F821
