"""Deterministic spotify_songs.csv-shaped demo songs for the demo Last.fm artists.

Each covered artist gets a few songs whose audio features scatter around its genre's centroid (so
artist audio profiles carry taste signal). Quirks of the real file: the artist name is written in a
different surface form for some artists (case, 'The ' dropped, '&' as 'and', accents dropped, a
featured artist appended), tracks repeat across playlists, and a few rows have NA names.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import polars as pl

from .spotify import AUDIO_FEATURES, COLUMNS

COVERED_SHARE = 0.7


def _surface_form(name: str, rng: np.random.Generator) -> str:
    variant = rng.integers(0, 6)
    if variant == 1:
        return name.upper()
    if variant == 2:
        return name.removeprefix("The ") if name.startswith("The ") else f"The {name}"
    if variant == 3:
        return name.replace("&", "and")
    if variant == 4:
        return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    if variant == 5:
        return f"{name} feat. Lil Demo"
    return name


def generate(artist_names: list[str], artist_genres: list[str], popularity: np.ndarray,
             rng: np.random.Generator) -> pl.DataFrame:
    """Songs of about COVERED_SHARE of the artists, 23 columns of the real file, numeric as floats/ints."""
    genres = sorted(set(artist_genres))
    centroids = {g: rng.normal(0, 1, len(AUDIO_FEATURES)) for g in genres}
    rows = []
    for a, (name, genre) in enumerate(zip(artist_names, artist_genres)):
        if rng.random() > COVERED_SHARE:
            continue
        form = _surface_form(name, rng)
        for s in range(int(rng.integers(1, 5))):
            z = centroids[genre] + rng.normal(0, 0.5, len(AUDIO_FEATURES))
            feature = dict(zip(AUDIO_FEATURES, z))
            track_id = f"demo{a:05d}x{s}"
            values = {
                "danceability": 1 / (1 + np.exp(-feature["danceability"])), "energy": 1 / (1 + np.exp(-feature["energy"])),
                "key": int(abs(feature["key"] * 4)) % 12, "loudness": -8 + 3 * feature["loudness"],
                "mode": int(feature["mode"] > 0), "speechiness": 1 / (1 + np.exp(-feature["speechiness"] - 2)),
                "acousticness": 1 / (1 + np.exp(-feature["acousticness"])),
                "instrumentalness": 1 / (1 + np.exp(-feature["instrumentalness"] - 2)),
                "liveness": 1 / (1 + np.exp(-feature["liveness"] - 1)), "valence": 1 / (1 + np.exp(-feature["valence"])),
                "tempo": 120 + 20 * feature["tempo"], "duration_ms": int(210000 + 30000 * feature["duration_ms"]),
            }
            for playlist in range(int(rng.integers(1, 3))):
                rows.append({
                    "track_id": track_id, "track_name": f"Song {s} of {name}", "track_artist": form,
                    "track_popularity": int(min(100, 20 + 10 * np.log1p(popularity[a]) * 5)),
                    "track_album_id": f"album{a:05d}", "track_album_name": f"Album of {name}",
                    "track_album_release_date": f"{2000 + a % 20}-0{1 + s % 9}-15",
                    "playlist_name": f"{genre} mix {playlist}", "playlist_id": f"pl{genre}{playlist}",
                    "playlist_genre": genre, "playlist_subgenre": f"{genre} sub", **values,
                })
    songs = pl.DataFrame(rows).select(COLUMNS)
    na_rows = rng.choice(songs.height, size=min(3, songs.height), replace=False)
    return songs.with_columns(
        [pl.when(pl.int_range(pl.len()).is_in(na_rows.tolist())).then(None).otherwise(pl.col(c)).alias(c)
         for c in ("track_name", "track_artist", "track_album_name")])


def write(songs: pl.DataFrame, path) -> None:
    """CSV as in the real file: comma-separated, double quotes where needed, NA for missing values."""
    songs.write_csv(path, null_value="NA")
