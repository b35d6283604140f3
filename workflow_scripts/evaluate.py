"""Rules evaluate, evaluate_valid: ranking metrics of one model's top-K lists for one seed, with the protocol."""

from musicrec.evaluation import EvaluationSettings, evaluate_files
from musicrec.io import write_json
from musicrec.scripting import run_script, typed_params


def main(smk):
    settings = typed_params(EvaluationSettings, smk.params)
    result = evaluate_files(dict(smk.input.items()), smk.wildcards.dataset, smk.wildcards.model,
                            int(smk.wildcards.seed), settings)
    write_json(result, smk.output[0])


run_script(main, snakemake)  # noqa: F821
