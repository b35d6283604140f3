"""Rule yambda_prepare_pandas: the Yambda preparation in plain pandas (the benchmark's reference)."""

from musicrec.features import yambda_pandas
from musicrec.features.yambda import ProtocolParams
from musicrec.io import write_tables
from musicrec.scripting import run_script, typed_params


def main(smk):
    parts = yambda_pandas.prepare(smk.input.multi_event, typed_params(ProtocolParams, smk.params.protocol))
    for split, tables in parts.items():
        write_tables(tables, smk.output, f"{split}_")


run_script(main, snakemake)  # noqa: F821
