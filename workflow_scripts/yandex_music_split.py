"""Rule yandex_music_split: the chronological test split and the validation split before it (train,
targets, cold users, training sequences, summary each), the catalogue and the item features."""

from musicrec.datasets import yandex_music
from musicrec.io import write_json, write_parquet
from musicrec.scripting import run_script, typed_params


def main(smk):
    tables = yandex_music.load({name: smk.input[name] for name in yandex_music.TABLE_NAMES})
    splits = yandex_music.prepare_splits(tables, typed_params(yandex_music.SplitParams, smk.params.split))
    for split in ("test", "valid"):
        for part in ("train", "targets", "cold_users", "sequences"):
            write_parquet(splits[split][part], smk.output[f"{split}_{part}"])
        write_json(splits[split]["summary"], smk.output[f"{split}_summary"])
    write_parquet(splits["catalogue"], smk.output.catalogue)
    write_parquet(splits["item_features"], smk.output.item_features)


run_script(main, snakemake)  # noqa: F821
