"""Rule kkbox_blend: weighted blend of the LightGBM and NN predictions of one seed."""

from musicrec.pipelines.kkbox import PredictionPaths, blend
from musicrec.scripting import run_script


def main(smk):
    weights = dict(smk.params.weights)
    validation = {m: smk.input[f"{m}_validation"] for m in weights}
    submissions = {m: smk.input[f"{m}_submission"] for m in weights}
    paths = PredictionPaths(smk.output.validation, smk.output.submission, smk.output.metrics)
    blend(weights, validation, submissions, int(smk.wildcards.seed), paths)


run_script(main, snakemake)  # noqa: F821
