"""Rule fairness_kkbox_groups: user groups, song -> artist gender, the exposure baselines and the demographic coverage."""

from musicrec.fairness.kkbox import FairnessSettings, prepare_groups
from musicrec.io import write_csv, write_parquet
from musicrec.scripting import run_script, typed_params


def main(smk):
    settings = typed_params(FairnessSettings, smk.params)
    tables = prepare_groups(smk.input.valid, smk.input.train, smk.input.demographics, settings)
    for name, table in tables.items():
        write_parquet(table, smk.output[name])
    write_csv(tables["coverage"], smk.output.coverage_csv)


run_script(main, snakemake)  # noqa: F821
