"""RandomForest ranker (scikit-learn) that re-ranks candidates from the baselines.

Candidates per user (never a training artist): the top ``candidates`` of item-kNN (cosine co-occurrence
of artists over users' log weights), plus the top ``candidates // 4`` of popularity and of content kNN.
Each (user, candidate) gets features: the three generators' scores and ranks (among the user's candidates); artist popularity,
weight statistics, audio profile and tag shares; user activity, diversity (play entropy) and
mainstreaminess; and interaction features (weight ratios, the user's tag affinity and audio similarity
to the artist).

Training never sees the test split: the training pairs are split again per user (``holdout_fraction``,
drawn from the model seed); generators and statistics are fitted on the rest, and a candidate is a
positive when it is in the user's holdout. Negatives are subsampled (``negatives_per_user``). For
recommendation, generators and statistics are refitted on all training pairs.
"""

from __future__ import annotations

import logging

import numpy as np
import polars as pl
import scipy.sparse as sp
from sklearn.ensemble import RandomForestClassifier

from ..features.lastfm import AUDIO_PROFILE, artist_interaction_stats, user_stats
from .content_knn import ContentKNNRecommender
from .popularity import popularity_scores
from .topk import Catalogue

log = logging.getLogger(__name__)

ID_COLUMNS = ("user_id", "artist_id")


def item_similarity(catalogue: Catalogue) -> sp.csr_matrix:
    """Artist-artist cosine similarity of their (binary) listener vectors, diagonal zeroed."""
    listened = (catalogue.weights > 0).astype(np.float64)
    norms = np.sqrt(np.asarray(listened.sum(axis=0)).ravel())
    scaled = listened @ sp.diags(1.0 / np.where(norms > 0, norms, 1.0))
    similarity = (scaled.T @ scaled).tocsr()
    similarity.setdiag(0.0)
    similarity.eliminate_zeros()
    return similarity


def holdout_split(train: pl.DataFrame, fraction: float, rng: np.random.Generator) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per user with at least 3 artists, hold out max(1, round(fraction x n)) random artists."""
    marked = (
        train.sort("user_id", "artist_id").with_columns(pl.Series("draw", rng.random(train.height)))
        .with_columns(pl.col("draw").rank("ordinal").over("user_id").alias("r"), pl.len().over("user_id").alias("n"))
        .with_columns(((pl.col("n") >= 3) & (pl.col("r") <= pl.max_horizontal(
            pl.lit(1), (pl.col("n") * fraction).round().cast(pl.Int64)))).alias("held"))
    )
    keep = ["user_id", "artist_id", "weight"]
    return marked.filter(~pl.col("held")).select(keep), marked.filter(pl.col("held")).select(keep)


def _in_top(scores: np.ndarray, n: int) -> np.ndarray:
    """Boolean mask of each row's n highest finite scores (ties at the n-th value included)."""
    n = min(n, scores.shape[1])
    threshold = -np.partition(-scores, n - 1, axis=1)[:, n - 1:n]
    return (scores >= threshold) & np.isfinite(scores)


def candidate_table(interactions: pl.DataFrame, artists: pl.DataFrame, n_candidates: int,
                    seed_artists: int, neighbours: int, chunk: int = 256) -> pl.DataFrame:
    """Candidates and generator features for every user of ``interactions``."""
    catalogue = Catalogue(artists["artist_id"].to_numpy(), interactions)
    popularity = np.log1p(popularity_scores(catalogue, "users"))
    similarity = item_similarity(catalogue)
    content = ContentKNNRecommender(seed_artists, neighbours).fit(catalogue, artists)
    n_side = max(n_candidates // 4, 1)
    frames = []
    for start in range(0, len(catalogue.user_ids), chunk):
        users = catalogue.user_ids[start:start + chunk]
        history = catalogue.history(users)
        knn = np.asarray((history.log1p() @ similarity).todense())
        cbf = content.content_scores(users)
        pop = np.broadcast_to(popularity, knn.shape)
        seen = history.toarray() > 0
        raw = {"knn": knn, "pop": pop, "content": cbf}
        chosen = (_in_top(np.where(seen, -np.inf, knn), n_candidates) | _in_top(np.where(seen, -np.inf, pop), n_side)
                  | _in_top(np.where(seen, -np.inf, cbf), n_side)) & ~seen
        rows, cols = np.nonzero(chosen)
        frames.append(pl.DataFrame({
            "user_id": users[rows].astype(np.int64), "artist_id": catalogue.artist_ids[cols],
            **{f"{name}_score": scores[rows, cols] for name, scores in raw.items()},
        }))
        log.info("candidates: %d/%d users", min(start + chunk, len(catalogue.user_ids)), len(catalogue.user_ids))
    return pl.concat(frames).with_columns(
        pl.col(f"{name}_score").rank("min", descending=True).over("user_id").alias(f"{name}_rank")
        for name in ("knn", "pop", "content"))


def _user_tag_and_audio_affinity(interactions: pl.DataFrame, artists: pl.DataFrame) -> pl.DataFrame:
    """Per user: log-weighted mean of their artists' tag shares and (unit, z-scored) audio profiles."""
    tag_columns = [c for c in artists.columns if c.startswith("tag_") and c not in ("tag_users", "tag_assignments",
                                                                                     "tag_distinct")]
    z = artists.select("artist_id", *[((pl.col(c) - pl.col(c).mean()) / pl.col(c).std()).alias(c) for c in AUDIO_PROFILE])
    weighted = interactions.with_columns(pl.col("weight").log1p().alias("w")).join(
        artists.select("artist_id", *tag_columns), on="artist_id").join(z, on="artist_id")
    return weighted.group_by("user_id").agg(
        *[((pl.col(c) * pl.col("w")).sum() / pl.col("w").sum()).alias(f"user_{c}") for c in tag_columns],
        *[(pl.col(c) * pl.col("w")).filter(pl.col(c).is_not_nan()).sum().alias(f"user_{c}") for c in AUDIO_PROFILE])


def feature_table(candidates: pl.DataFrame, interactions: pl.DataFrame, artists: pl.DataFrame) -> pl.DataFrame:
    """Candidates joined with artist, user and user-artist interaction features."""
    tag_columns = [c for c in artists.columns if c.startswith("tag_") and c not in ("tag_users", "tag_assignments",
                                                                                     "tag_distinct")]
    static = artists.drop("name", "name_normalised", "listeners", "plays", "mean_log_weight", strict=False)
    z = artists.select("artist_id", *[((pl.col(c) - pl.col(c).mean()) / pl.col(c).std()).alias(f"z_{c}")
                                      for c in AUDIO_PROFILE])
    a_stats = artist_interaction_stats(interactions)
    u_stats = user_stats(interactions, a_stats)
    affinity = _user_tag_and_audio_affinity(interactions, artists)
    audio_dot = sum(pl.col(f"z_{c}").fill_nan(0.0) * pl.col(f"user_{c}").fill_null(0.0) for c in AUDIO_PROFILE)
    audio_norm = sum(pl.col(f"user_{c}").fill_null(0.0) ** 2 for c in AUDIO_PROFILE).sqrt()
    return (
        candidates.join(a_stats, on="artist_id", how="left")
        .with_columns(pl.col("listeners", "plays").fill_null(0), pl.col("mean_log_weight").fill_null(0.0))
        .join(static, on="artist_id", how="left").join(z, on="artist_id", how="left")
        .join(u_stats, on="user_id", how="left").join(affinity, on="user_id", how="left")
        .with_columns(
            (pl.col("mean_log_weight") / pl.col("user_mean_log_weight")).alias("ratio_artist_user_log_weight"),
            (pl.col("listeners").log1p() - pl.col("user_mainstream")).alias("gap_popularity_mainstream"),
            sum(pl.col(c) * pl.col(f"user_{c}") for c in tag_columns).alias("tag_affinity") if tag_columns
            else pl.lit(0.0).alias("tag_affinity"),
            (audio_dot / pl.when(audio_norm > 0).then(audio_norm).otherwise(1.0)).alias("audio_affinity"),
        )
        .drop([f"user_{c}" for c in tag_columns + list(AUDIO_PROFILE)] + [f"z_{c}" for c in AUDIO_PROFILE])
        .with_columns(pl.selectors.float().fill_nan(None))
        .with_columns(pl.all().exclude(ID_COLUMNS).fill_null(-1.0))
        .sort(ID_COLUMNS)
    )


class RandomForestRanker:
    def __init__(self, seed: int, n_estimators: int = 200, max_depth: int = 12, min_samples_leaf: int = 20,
                 candidates: int = 200, holdout_fraction: float = 0.2, negatives_per_user: int = 50,
                 seed_artists: int = 10, neighbours: int = 50, threads: int = 1):
        self.seed = seed
        self.n_candidates = candidates
        self.holdout_fraction = holdout_fraction
        self.negatives_per_user = negatives_per_user
        self.seed_artists = seed_artists
        self.neighbours = neighbours
        self.model = RandomForestClassifier(
            n_estimators=n_estimators, max_depth=max_depth, min_samples_leaf=min_samples_leaf,
            n_jobs=threads, random_state=seed, class_weight="balanced_subsample")

    def _features(self, interactions: pl.DataFrame, artists: pl.DataFrame) -> pl.DataFrame:
        candidates = candidate_table(interactions, artists, self.n_candidates, self.seed_artists, self.neighbours)
        return feature_table(candidates, interactions, artists)

    def fit(self, train: pl.DataFrame, artists: pl.DataFrame) -> "RandomForestRanker":
        rng = np.random.default_rng(self.seed)
        fit_part, holdout = holdout_split(train, self.holdout_fraction, rng)
        table = self._features(fit_part, artists).join(
            holdout.select(*ID_COLUMNS).with_columns(pl.lit(1).alias("label")), on=ID_COLUMNS, how="left"
        ).with_columns(pl.col("label").fill_null(0))
        sampled = table.with_columns(pl.Series("draw", rng.random(table.height))).filter(
            (pl.col("label") == 1) | (pl.col("draw").rank("ordinal").over("user_id", "label") <= self.negatives_per_user))
        self.feature_names = [c for c in table.columns if c not in (*ID_COLUMNS, "label")]
        log.info("ranker training rows: %d (%d positives; candidate recall of the holdout %.3f)",
                 sampled.height, int(sampled["label"].sum()), table["label"].sum() / max(holdout.height, 1))
        self.model.fit(sampled.select(self.feature_names).to_numpy(), sampled["label"].to_numpy())
        return self

    def importances(self) -> pl.DataFrame:
        return pl.DataFrame({"feature": self.feature_names,
                             "importance": self.model.feature_importances_}).sort("importance", descending=True)

    def recommend(self, train: pl.DataFrame, artists: pl.DataFrame, users: np.ndarray, k: int) -> pl.DataFrame:
        """Top-K per user in ``users`` (those with training artists) by predicted P(relevant)."""
        table = self._features(train, artists).filter(pl.col("user_id").is_in(pl.Series(users).implode()))
        scores = self.model.predict_proba(table.select(self.feature_names).to_numpy())[:, 1]
        return (
            table.select(pl.col("user_id").alias("user"), pl.col("artist_id").alias("item"))
            .with_columns(pl.Series("score", scores))
            .sort(["user", "score", "item"], descending=[False, True, False])
            .with_columns(pl.int_range(1, pl.len() + 1).over("user").alias("rank"))
            .filter(pl.col("rank") <= k)
        )
