"""Rule fairness_provider: artist-gender exposure, first focus-group rank and most exposed artists of every
top-K model of one ranking dataset, over seeds (CSV + parquet + tables.json)."""

from musicrec.fairness.ranking import ProviderFairnessSettings, summarise
from musicrec.scripting import run_script, typed_params

PATHS = ("catalogue", "train", "targets", "cold_users", "summary", "artists", "demographics")


def main(smk):
    settings = typed_params(ProviderFairnessSettings, smk.params)
    stems = {name: path.removesuffix(".parquet") for name, path in smk.output.items() if path.endswith(".parquet")}
    summarise(smk.wildcards.dataset, list(smk.input.topk), {name: smk.input[name] for name in PATHS}, settings,
              dict(smk.params.description), {**stems, "tables": smk.output.tables})


run_script(main, snakemake)  # noqa: F821
