"""Rule fairness_lastfm: artist-gender exposure and first-female rank of every Last.fm model and seed."""

from musicrec.fairness.lastfm import LastfmExposureSettings, summarise
from musicrec.scripting import run_script, typed_params


def main(smk):
    settings = typed_params(LastfmExposureSettings, smk.params)
    paths = {name: smk.input[name] for name in ("artists", "demographics", "train", "cold_users")}
    stems = {name: path.removesuffix(".parquet") for name, path in smk.output.items() if path.endswith(".parquet")}
    summarise(list(smk.input.topk), paths, settings, dict(smk.params.description),
              {**stems, "tables": smk.output.tables})


run_script(main, snakemake)  # noqa: F821
