"""Rule blend: weighted blend of the configured classifiers' predictions for one seed, its metrics and per-user
metrics."""

import json
from pathlib import Path

from musicrec.blending import blend
from musicrec.io import write_csv, write_json
from musicrec.schema import write_per_user
from musicrec.scripting import run_script


def main(smk):
    weights = dict(smk.params.weights)
    split = json.loads(Path(smk.input[f"{next(iter(weights))}_metrics"]).read_text())["protocol"]["split"]
    user_column = json.loads(Path(smk.input.spec).read_text())["user_column"]
    predictions, submission, metrics, per_user = blend(
        weights, {m: smk.input[f"{m}_validation"] for m in weights}, {m: smk.input[f"{m}_submission"] for m in weights},
        split, user_column, smk.wildcards.dataset, int(smk.wildcards.seed))
    write_csv(predictions, smk.output.validation)
    write_csv(submission, smk.output.submission)
    write_json(metrics, smk.output.metrics)
    write_per_user(per_user, smk.output.per_user)


run_script(main, snakemake)  # noqa: F821
