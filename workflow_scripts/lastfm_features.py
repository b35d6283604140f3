"""Rule lastfm_features: item table (popularity, Spotify audio profile, tags), user table and the Spotify
join coverage of one split."""

import polars as pl

from musicrec.datasets import lastfm, spotify
from musicrec.features.lastfm import build_tables
from musicrec.io import write_json, write_parquet
from musicrec.scripting import run_script


def main(smk):
    tables = lastfm.load({name: smk.input[name] for name in lastfm.TABLE_NAMES})
    items, users, coverage = build_tables(tables, spotify.load(smk.input.spotify), pl.read_parquet(smk.input.train))
    write_parquet(items, smk.output.item_features)
    write_parquet(users, smk.output.user_features)
    write_json(coverage, smk.output.join_coverage)


run_script(main, snakemake)  # noqa: F821
