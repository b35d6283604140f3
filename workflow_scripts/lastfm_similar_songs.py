"""Rule lastfm_similar_songs: song-to-song similar-songs table of the Spotify catalogue."""

from musicrec.pipelines.lastfm import build_similar_songs
from musicrec.scripting import run_script


def main(smk):
    build_similar_songs(smk.input.spotify, int(smk.params.neighbours), smk.output[0])


run_script(main, snakemake)  # noqa: F821
