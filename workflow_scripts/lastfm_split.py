"""Rule lastfm_split: per-user train/test split, cold users, and the ordered training sequences."""

from musicrec.pipelines.lastfm import SplitParams, build_split
from musicrec.scripting import run_script, typed_params


def main(smk):
    inputs = dict(smk.input.items())
    build_split(inputs, typed_params(SplitParams, smk.params.split), dict(smk.output.items()))


run_script(main, snakemake)  # noqa: F821
