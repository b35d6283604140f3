"""Rule evaluate_sessions: the test-split metrics of one skip or next-track model for one seed, with the protocol."""

from musicrec.io import write_json
from musicrec.scripting import run_script
from musicrec.session_training import evaluate_session_outputs


def main(smk):
    result = evaluate_session_outputs(dict(smk.input.items()), smk.params.task, smk.wildcards.dataset,
                                      smk.wildcards.model, int(smk.wildcards.seed), list(smk.params.k_values))
    write_json(result, smk.output[0])


run_script(main, snakemake)  # noqa: F821
