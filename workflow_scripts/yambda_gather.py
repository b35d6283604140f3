"""Rule yambda_gather: one split's prepared tables from every user shard (train, sequences, targets, the
target sets, dislikes, cold users, summary) and its user-item graph."""

import numpy as np
import polars as pl

from musicrec.features.yambda import SHARD_PARTS, ProtocolParams, gather, graph_arrays
from musicrec.io import atomic_path, write_tables
from musicrec.scripting import run_script, typed_params


def main(smk):
    params = typed_params(ProtocolParams, smk.params.protocol)
    shards = [{part: pl.read_parquet(smk.input[f"shard{i}_{part}"]) for part in SHARD_PARTS}
              for i in range(int(smk.params.shards))]
    catalogue = pl.read_parquet(smk.input.catalogue)
    tables = gather(shards, params, smk.wildcards.split, catalogue)
    write_tables(tables, smk.output)
    with atomic_path(smk.output.graph) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **graph_arrays(tables["train"], catalogue))


run_script(main, snakemake)  # noqa: F821
