"""Rule yambda_items: check the events once, and write the catalogue and the item features (artist, album,
unit-norm audio embedding) of the Yambda files."""

from musicrec.datasets import yambda
from musicrec.features.yambda import prepare_items
from musicrec.io import write_json, write_parquet
from musicrec.scripting import log, run_script


def main(smk):
    events = yambda.scan_events(smk.input.multi_event)
    facts = yambda.check_events(events, smk.input.multi_event)
    log.info("%s: %s", smk.input.multi_event, facts)
    catalogue, features = prepare_items(
        events, yambda.scan_embeddings(smk.input.embeddings),
        yambda.read_mapping(smk.input.artist_item_mapping, "artist_item_mapping"),
        yambda.read_mapping(smk.input.album_item_mapping, "album_item_mapping"))
    write_parquet(catalogue, smk.output.catalogue)
    write_parquet(features, smk.output.item_features)
    write_json({"events": facts, "catalogue": catalogue.height,
                "with_embedding": int(features["embed_0"].count()) if "embed_0" in features.columns else 0},
               smk.output.report)


run_script(main, snakemake)  # noqa: F821
