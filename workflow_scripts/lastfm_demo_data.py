"""Rule lastfm_demo_data: HetRec-shaped .dat files, the Spotify demo songs and the demo artist demographics."""

from dataclasses import dataclass

from musicrec.datasets import lastfm_demo
from musicrec.scripting import run_script, typed_params


@dataclass(frozen=True)
class Params:
    size: str
    seed: int


def main(smk):
    params = typed_params(Params, smk.params)
    tables = lastfm_demo.generate(lastfm_demo.LastfmDemoSize.named(params.size), params.seed)
    lastfm_demo.write(tables, dict(smk.output.items()))


run_script(main, snakemake)  # noqa: F821
