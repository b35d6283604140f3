"""Rule yandex_music_split: the chronological test split and the validation split before it (train,
targets, cold users, training sequences, summary each), the catalogue and the item features."""

from musicrec.datasets import yandex_music
from musicrec.io import write_tables
from musicrec.scripting import run_script, typed_params


def main(smk):
    tables = yandex_music.load({name: smk.input[name] for name in yandex_music.TABLE_NAMES})
    splits = yandex_music.prepare_splits(tables, typed_params(yandex_music.SplitParams, smk.params.split))
    for split in ("test", "valid"):
        write_tables(splits[split], smk.output, f"{split}_")
    write_tables({name: splits[name] for name in ("catalogue", "item_features")}, smk.output)


run_script(main, snakemake)  # noqa: F821
