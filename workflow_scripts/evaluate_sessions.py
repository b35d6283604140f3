"""Rule evaluate_sessions: the test-split metrics of one skip or next-track model for one seed, with the protocol,
and its per-session values."""

from musicrec.io import write_json
from musicrec.schema import write_per_user
from musicrec.scripting import run_script
from musicrec.session_training import evaluate_session_outputs


def main(smk):
    result, per_session = evaluate_session_outputs(dict(smk.input.items()), smk.params.task, smk.wildcards.dataset,
                                                   smk.wildcards.model, int(smk.wildcards.seed),
                                                   list(smk.params.k_values))
    write_json(result, smk.output.metrics)
    write_per_user(per_session, smk.output.per_user)


run_script(main, snakemake)  # noqa: F821
