"""Rule yambda_shard: one user shard (uid % shards == shard) of both splits' training pairs, listen
sequences, Listen+ and Like targets and dislikes, under the Yambda protocol."""

from musicrec.datasets import yambda
from musicrec.features.yambda import SPLITS, ProtocolParams, prepare_shard
from musicrec.io import write_tables
from musicrec.scripting import run_script, typed_params


def main(smk):
    params = typed_params(ProtocolParams, smk.params.protocol)
    events = yambda.scan_events(smk.input.multi_event)
    for split in SPLITS:
        write_tables(prepare_shard(events, params, split, int(smk.wildcards.shard), int(smk.params.shards)),
                     smk.output, f"{split}_")


run_script(main, snakemake)  # noqa: F821
