"""Rule fairness_kkbox_seed: per-group metrics, exposure and first-female rank of one model and seed."""

from musicrec.fairness.kkbox import FairnessSettings, write_seed_tables
from musicrec.scripting import run_script, typed_params


def main(smk):
    settings = typed_params(FairnessSettings, smk.params)
    write_seed_tables(smk.wildcards.model, int(smk.wildcards.seed), smk.input.predictions, smk.input.user_groups,
                      smk.input.item_groups, settings, dict(smk.output.items()))


run_script(main, snakemake)  # noqa: F821
