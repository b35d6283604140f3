"""Rule lastfm_features: artist table (popularity, Spotify audio profile, tags), user table, join coverage."""

from musicrec.pipelines.lastfm import build_features
from musicrec.scripting import run_script


def main(smk):
    build_features(dict(smk.input.items()), dict(smk.output.items()))


run_script(main, snakemake)  # noqa: F821
