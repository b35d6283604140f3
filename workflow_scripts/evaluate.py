"""Rules evaluate, evaluate_valid: ranking metrics of one model's top-K lists for one seed, with the protocol, and
its per-user values."""

from musicrec.evaluation import EvaluationSettings, evaluate_files
from musicrec.io import write_json
from musicrec.schema import write_per_user
from musicrec.scripting import run_script, typed_params


def main(smk):
    settings = typed_params(EvaluationSettings, smk.params)
    result, per_user = evaluate_files(dict(smk.input.items()), smk.wildcards.dataset, smk.wildcards.model,
                                      int(smk.wildcards.seed), settings)
    write_json(result, smk.output.metrics)
    write_per_user(per_user, smk.output.per_user)


run_script(main, snakemake)  # noqa: F821
