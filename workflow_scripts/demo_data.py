"""Rules kkbox_demo_data and lastfm_demo_data: write a dataset's demo files in the real schema."""

from dataclasses import dataclass

from musicrec.datasets.demo import write_demo
from musicrec.scripting import run_script, typed_params


@dataclass(frozen=True)
class Params:
    dataset: str
    size: str
    seed: int


def main(smk):
    params = typed_params(Params, smk.params)
    write_demo(params.dataset, params.size, params.seed, dict(smk.output.items()))


run_script(main, snakemake)  # noqa: F821
