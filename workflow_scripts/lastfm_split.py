"""Rule lastfm_split: the test split and the validation split inside it (train, targets, cold users, ordered
training sequences, summary each), the friendship graph and the catalogue."""

from musicrec.datasets import lastfm
from musicrec.io import write_json, write_parquet
from musicrec.scripting import run_script, typed_params


def main(smk):
    tables = lastfm.load({name: smk.input[name] for name in lastfm.TABLE_NAMES})
    splits = lastfm.prepare_splits(tables, typed_params(lastfm.SplitParams, smk.params.split))
    for split in ("test", "valid"):
        for part in ("train", "targets", "cold_users", "sequences"):
            write_parquet(splits[split][part], smk.output[f"{split}_{part}"])
        write_json(splits[split]["summary"], smk.output[f"{split}_summary"])
    write_parquet(splits["neighbours"], smk.output.neighbours)
    write_parquet(splits["catalogue"], smk.output.catalogue)


run_script(main, snakemake)  # noqa: F821
