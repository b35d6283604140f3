"""Rule artist_demographics (KKBox or Last.fm): artist gender/type/country from the demo table, MusicBrainz or an MBID table."""

from musicrec.demographics.sources import build_table
from musicrec.demographics.tables import DemographicsSettings, write_table
from musicrec.scripting import run_script, typed_params


def main(smk):
    settings = typed_params(DemographicsSettings, smk.params.settings)
    write_table(build_table(settings, dict(smk.input.items())), smk.output[0])


run_script(main, snakemake)  # noqa: F821
