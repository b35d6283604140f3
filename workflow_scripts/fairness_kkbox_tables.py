"""Rule fairness_kkbox_tables: the per-seed fairness tables aggregated over seeds (CSV + parquet)."""

from musicrec.fairness.kkbox import SEED_TABLES, FairnessSettings, summarise
from musicrec.scripting import run_script, typed_params


def main(smk):
    settings = typed_params(FairnessSettings, smk.params)
    seed_files = {name: list(smk.input[name]) for name in SEED_TABLES}
    stems = {name: path.removesuffix(".parquet") for name, path in smk.output.items() if path.endswith(".parquet")}
    summarise(seed_files, smk.input.baselines, settings, {**stems, "tables": smk.output.tables})


run_script(main, snakemake)  # noqa: F821
