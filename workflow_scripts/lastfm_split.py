"""Rule lastfm_split: the test split and the validation split inside it (train, targets, cold users, ordered
training sequences, summary each), the friendship graph and the catalogue."""

from musicrec.datasets import lastfm
from musicrec.io import write_tables
from musicrec.scripting import run_script, typed_params


def main(smk):
    tables = lastfm.load({name: smk.input[name] for name in lastfm.TABLE_NAMES})
    splits = lastfm.prepare_splits(tables, typed_params(lastfm.SplitParams, smk.params.split))
    for split in ("test", "valid"):
        write_tables(splits[split], smk.output, f"{split}_")
    write_tables({name: splits[name] for name in ("neighbours", "catalogue")}, smk.output)


run_script(main, snakemake)  # noqa: F821
