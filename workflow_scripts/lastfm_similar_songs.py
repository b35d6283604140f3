"""Rule lastfm_similar_songs: song-to-song similar-songs table of the Spotify catalogue."""

from musicrec.datasets import spotify
from musicrec.features.lastfm import similar_songs
from musicrec.io import write_parquet
from musicrec.scripting import log, run_script


def main(smk):
    table = similar_songs(spotify.load(smk.input.spotify), int(smk.params.neighbours))
    write_parquet(table, smk.output[0])
    log.info("similar songs: %d rows for %d tracks", table.height, table["track_id"].n_unique())


run_script(main, snakemake)  # noqa: F821
