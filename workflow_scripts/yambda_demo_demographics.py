"""Rule yambda_demo_demographics: the planted artist-gender table (artist_id, gender) of the Yambda demo data."""

from musicrec.datasets.yambda_demo import write_artist_demographics
from musicrec.scripting import run_script


def main(smk):
    write_artist_demographics(smk.input.artist_item_mapping, smk.input.multi_event, int(smk.params.seed), smk.output[0])


run_script(main, snakemake)  # noqa: F821
