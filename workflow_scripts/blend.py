"""Rule blend: weighted blend of the configured classifiers' predictions for one seed."""

from musicrec.blending import blend
from musicrec.io import write_csv, write_json
from musicrec.scripting import run_script


def main(smk):
    weights = dict(smk.params.weights)
    predictions, submission, metrics = blend(
        weights, {m: smk.input[f"{m}_validation"] for m in weights}, {m: smk.input[f"{m}_submission"] for m in weights},
        smk.wildcards.dataset, int(smk.wildcards.seed))
    write_csv(predictions, smk.output.validation)
    write_csv(submission, smk.output.submission)
    write_json(metrics, smk.output.metrics)


run_script(main, snakemake)  # noqa: F821
