"""Content kNN over artist audio profiles (mean Spotify audio features of the artist's songs).

Profiles are standardised (z-scores per feature) and compared by cosine similarity. A user's top
``seed_artists`` training artists by weight each vote for their ``neighbours`` most similar artists,
with vote = similarity x log(1 + the user's weight on the seed artist). Only artists with an audio
profile take part; ties, including every artist of a user without any profiled seed artist, are broken
by listener count (so such a user gets popular artists).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import scipy.sparse as sp

from ..features.lastfm import AUDIO_PROFILE
from .popularity import popularity_scores
from .topk import Catalogue


def standardised_profiles(artists: pl.DataFrame, catalogue: Catalogue) -> tuple[np.ndarray, np.ndarray]:
    """(catalogue columns with a profile, their L2-normalised z-scored audio profiles)."""
    table = artists.select("artist_id", *AUDIO_PROFILE).filter(
        ~pl.any_horizontal(pl.col(AUDIO_PROFILE).is_nan()) & pl.col("artist_id").is_in(list(catalogue.column)))
    columns = np.array([catalogue.column[a] for a in table["artist_id"].to_list()], dtype=np.int64)
    values = table.select(AUDIO_PROFILE).to_numpy()
    if len(values) == 0:
        return columns, values.reshape(0, len(AUDIO_PROFILE))
    std = values.std(axis=0)
    z = (values - values.mean(axis=0)) / np.where(std > 0, std, 1.0)
    norms = np.linalg.norm(z, axis=1, keepdims=True)
    return columns, z / np.where(norms > 0, norms, 1.0)


def neighbour_matrix(columns: np.ndarray, unit_profiles: np.ndarray, n_items: int, neighbours: int) -> sp.csr_matrix:
    """Sparse (n_items x n_items): row a holds the cosine of a's ``neighbours`` nearest profiled artists."""
    if len(columns) < 2:
        return sp.csr_matrix((n_items, n_items))
    similarity = unit_profiles @ unit_profiles.T
    np.fill_diagonal(similarity, -np.inf)
    n = min(neighbours, len(columns) - 1)
    nearest = np.argpartition(-similarity, n - 1, axis=1)[:, :n]
    values = np.take_along_axis(similarity, nearest, axis=1)
    rows = np.repeat(columns, n)
    return sp.csr_matrix((values.ravel(), (rows, columns[nearest].ravel())), shape=(n_items, n_items))


def seed_weights(history: sp.csr_matrix, seed_artists: int) -> sp.csr_matrix:
    """Keep each row's ``seed_artists`` heaviest entries, as log(1 + weight)."""
    history = history.tocsr()
    rows, cols, vals = [], [], []
    for r in range(history.shape[0]):
        start, end = history.indptr[r], history.indptr[r + 1]
        idx, w = history.indices[start:end], history.data[start:end]
        keep = np.lexsort((idx, -w))[:seed_artists]
        rows.extend([r] * len(keep))
        cols.extend(idx[keep])
        vals.extend(np.log1p(w[keep]))
    return sp.csr_matrix((vals, (rows, cols)), shape=history.shape)


class ContentKNNRecommender:
    def __init__(self, seed_artists: int = 10, neighbours: int = 50):
        self.seed_artists = seed_artists
        self.neighbours = neighbours

    def fit(self, catalogue: Catalogue, artists: pl.DataFrame) -> "ContentKNNRecommender":
        self.catalogue = catalogue
        columns, profiles = standardised_profiles(artists, catalogue)
        self.similar = neighbour_matrix(columns, profiles, catalogue.n_items, self.neighbours)
        listeners = popularity_scores(catalogue, "users")
        self.tie_break = 1e-6 * listeners / max(listeners.max(), 1.0)
        return self

    def content_scores(self, users: np.ndarray) -> np.ndarray:
        """Similarity votes only (no tie-break); zero where no seed artist points."""
        seeds = seed_weights(self.catalogue.history(users), self.seed_artists)
        return np.asarray((seeds @ self.similar).todense())

    def score(self, users: np.ndarray) -> np.ndarray:
        return self.content_scores(users) + self.tie_break


def similar_songs(songs: pl.DataFrame, neighbours: int, chunk: int = 1024) -> pl.DataFrame:
    """Song-to-song table for the Spotify catalogue: each track's ``neighbours`` most similar tracks.

    Similarity is the cosine of the standardised audio features (the same features as the artist
    profiles, without popularity); columns track_id, similar_track_id, similarity, rank (1-based).
    """
    from ..datasets.spotify import AUDIO_FEATURES

    table = songs.select("track_id", *AUDIO_FEATURES).drop_nulls()
    values = table.select(AUDIO_FEATURES).to_numpy().astype(np.float32)
    std = values.std(axis=0)
    z = (values - values.mean(axis=0)) / np.where(std > 0, std, 1.0)
    unit = z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)
    n = min(neighbours, len(unit) - 1)
    ids = table["track_id"].to_numpy()
    frames = []
    for start in range(0, len(unit), chunk):
        sims = unit[start:start + chunk] @ unit.T
        sims[np.arange(len(sims)), np.arange(start, start + len(sims))] = -np.inf
        nearest = np.argpartition(-sims, n - 1, axis=1)[:, :n]
        values_near = np.take_along_axis(sims, nearest, axis=1)
        order = np.argsort(-values_near, axis=1, kind="stable")
        nearest, values_near = np.take_along_axis(nearest, order, 1), np.take_along_axis(values_near, order, 1)
        frames.append(pl.DataFrame({
            "track_id": np.repeat(ids[start:start + len(sims)], n), "similar_track_id": ids[nearest.ravel()],
            "similarity": values_near.ravel().astype(np.float64), "rank": np.tile(np.arange(1, n + 1), len(sims)),
        }))
    return pl.concat(frames)
