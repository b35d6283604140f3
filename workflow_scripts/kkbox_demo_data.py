"""Rule kkbox_demo_data: write the KKBox-shaped demo files (and the demo artist demographics)."""

from dataclasses import dataclass

from musicrec.datasets import kkbox_demo
from musicrec.scripting import run_script, typed_params


@dataclass(frozen=True)
class Params:
    size: str
    seed: int


def main(smk):
    params = typed_params(Params, smk.params)
    tables = kkbox_demo.generate(kkbox_demo.KKBoxDemoSize.named(params.size), params.seed)
    kkbox_demo.write(tables, dict(smk.output.items()))


run_script(main, snakemake)  # noqa: F821
