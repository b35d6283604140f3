"""Rule similar_items: the "similar tracks" table of a factor model (item-item cosine of its item factors)."""

from pathlib import Path

from musicrec.io import write_parquet
from musicrec.retrieval.similar_items import from_factors_file
from musicrec.scripting import log, run_script


def main(smk):
    table = from_factors_file(Path(smk.input.models) / "factors.npz", int(smk.params.neighbours))
    log.info("%d items, %d similar items each", table["item_id"].n_unique(), int(smk.params.neighbours))
    write_parquet(table, smk.output[0])


run_script(main, snakemake)  # noqa: F821
