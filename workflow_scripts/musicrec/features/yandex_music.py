"""Candidate features of the Yandex Music re-rankers, from one split's training plays and the catalogue.

The shared listening features (:mod:`musicrec.features.listening`) over the track, its first artist, album
and genre; the catalogue has no audio embeddings, so there is no audio similarity.
"""

from __future__ import annotations

import polars as pl

from .listening import listening_features

CANDIDATE_ENTITIES = {"item_id": "track", "artist_id": "artist", "album_id": "album", "genre_id": "genre"}
# item_features.parquet marks a track without an artist, album or genre with this id.
NO_ENTITY = -1


def candidate_features(candidates: pl.DataFrame, train: pl.DataFrame, item_features: pl.DataFrame,
                       sequences: pl.DataFrame, half_life_days: float = 7.0) -> pl.DataFrame:
    """The re-rankers' features of one split's candidates (user_id, item_id, the generators' columns), from
    its training pairs (``train``: user_id, item_id, weight = plays), its plays in time order (``sequences``)
    and ``item_features`` (artist_id, album_id, genre_id: a track's first of each, ``NO_ENTITY`` for none;
    n_artists, n_genres): :func:`~musicrec.features.listening.listening_features` for the track, artist,
    album and genre (popularity in training users and plays, plays decayed with a ``half_life_days``
    half-life; the user's play share, plays, decayed plays and days since the last play of each), the user's
    activity, and the track's artist and genre counts. Missing values become -1."""
    entities = [entity for entity in CANDIDATE_ENTITIES if entity != "item_id"]
    items = item_features.with_columns(pl.when(pl.col(entity) != NO_ENTITY).then(pl.col(entity)).alias(entity)
                                       for entity in entities)
    return listening_features(candidates.join(items.select("item_id", "n_artists", "n_genres"), on="item_id",
                                              how="left"),
                              train, sequences, items, CANDIDATE_ENTITIES, half_life_days)
