"""Top-K ranking metrics over tidy tables.

Inputs are a recommendations table with one row per (user, item) and a 1-based ``rank`` (1 = top),
and a relevant table with one row per (user, item) the user interacted with in the evaluation split.
Every user in the relevant table is evaluated; a user with no recommendations scores 0. Ranks must be
unique within a user. Per-user values (:func:`per_user_metrics`, a long table user, metric, value) are
averaged over evaluated users (macro average): every metric but coverage is the mean of its per-user rows.

Definitions, for a user u with relevant set R_u and top-K list L_u (rel_i = 1 if the item at rank i
is in R_u):

- HitRate@K  = 1 if |L_u ∩ R_u| > 0 else 0.
- Precision@K = |L_u ∩ R_u| / K   (K, not |L_u|: a short list is penalised).
- Recall@K   = |L_u ∩ R_u| / |R_u|.
- NDCG@K     = DCG@K / IDCG@K with DCG@K = Σ_{i≤K} rel_i / log2(i + 1) and IDCG@K the DCG of an
  ideal list holding min(K, |R_u|) relevant items at the top.
- MAP@K      = mean over users of AP@K = Σ_{i≤K} Precision@i · rel_i / min(K, |R_u|).
- Coverage@K = distinct items in any user's top K / catalogue size (a property of all lists together).
- Dislike-FPR@K = mean over users with test dislikes D_u of |L_u ∩ D_u| / |D_u|: the share of a user's
  test dislikes that land in their top K: a false-positive rate over known negatives (lower is better).
- AUC(positives vs dislikes) = mean over users with both test positives R_u and test dislikes D_u of
  (1 / |R_u||D_u|) Σ_{r∈R_u, d∈D_u} ([rank(r) < rank(d)] + ½ [rank(r) = rank(d)]), where an item outside the
  list has rank |L_u| + 1 (the unlisted tail counts as tied: the expected AUC under a random order of the tail).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .per_user import long_table, macro_average

METRIC_NAMES = ("hit_rate", "precision", "recall", "ndcg", "map")


def check_ranks(recommendations: pl.DataFrame, user: str = "user", rank: str = "rank") -> None:
    """Raise ValueError unless ranks are 1-based integers, unique within each user."""
    if recommendations.height == 0:
        return
    if recommendations[rank].min() < 1:
        raise ValueError("ranks must be 1-based (the top item has rank 1)")
    if recommendations.select(user, rank).is_duplicated().any():
        raise ValueError("ranks must be unique within each user")


def per_user_at_k(recommendations: pl.DataFrame, relevant: pl.DataFrame, k: int,
                  user: str = "user", item: str = "item", rank: str = "rank") -> pl.DataFrame:
    """One row per user of ``relevant`` with hit_rate, precision, recall, ndcg and map (AP) at K."""
    if k < 1:
        raise ValueError("K must be at least 1")
    check_ranks(recommendations, user, rank)
    targets = relevant.select(user, item).unique()
    n_relevant = targets.group_by(user).len("n_relevant")
    hits = (
        recommendations.filter(pl.col(rank) <= k).select(user, item, rank)
        .join(targets, on=[user, item], how="semi")
        .sort(user, rank)
        .with_columns(pl.int_range(1, pl.len() + 1).over(user).alias("hits_so_far"))
        .group_by(user).agg(
            pl.len().alias("hits"),
            (1.0 / (pl.col(rank) + 1).log(2)).sum().alias("dcg"),
            (pl.col("hits_so_far") / pl.col(rank)).sum().alias("sum_precision"))
    )
    prefix = pl.Series(np.concatenate([[0.0], np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))]))
    return (
        n_relevant.join(hits, on=user, how="left")
        .with_columns(pl.col("hits").fill_null(0), pl.col("dcg", "sum_precision").fill_null(0.0),
                      pl.min_horizontal("n_relevant", pl.lit(k)).alias("ideal_n"))
        .with_columns(pl.col("ideal_n").map_batches(lambda n: prefix.gather(n), return_dtype=pl.Float64).alias("idcg"))
        .select(
            user,
            (pl.col("hits") > 0).cast(pl.Float64).alias("hit_rate"),
            (pl.col("hits") / k).alias("precision"),
            (pl.col("hits") / pl.col("n_relevant")).alias("recall"),
            (pl.col("dcg") / pl.col("idcg")).alias("ndcg"),
            (pl.col("sum_precision") / pl.col("ideal_n")).alias("map"),
        )
        .sort(user)
    )


def coverage_at_k(recommendations: pl.DataFrame, k: int, catalogue_size: int,
                  item: str = "item", rank: str = "rank") -> float:
    """Share of the catalogue that appears in at least one top-K list."""
    if catalogue_size < 1:
        raise ValueError("catalogue_size must be positive")
    return recommendations.filter(pl.col(rank) <= k)[item].n_unique() / catalogue_size


def per_user_metrics(recommendations: pl.DataFrame, relevant: pl.DataFrame, k_values,
                     user: str = "user", item: str = "item", rank: str = "rank") -> pl.DataFrame:
    """Every metric of :func:`per_user_at_k` at every K as a long table (user, metric, value), metric names
    like ``ndcg@10``: one row per user of ``relevant`` and metric."""
    return pl.concat([long_table(per_user_at_k(recommendations, relevant, k, user, item, rank), user, f"@{k}")
                      for k in sorted(k_values)])


def ranking_scores(recommendations: pl.DataFrame, relevant: pl.DataFrame, k_values, catalogue_size: int,
                   user: str = "user", item: str = "item", rank: str = "rank") -> tuple[dict[str, float], pl.DataFrame]:
    """(:func:`ranking_metrics`, :func:`per_user_metrics`): the means are those of the per-user table."""
    per_user = per_user_metrics(recommendations, relevant, k_values, user, item, rank)
    result: dict[str, float] = {}
    for k in sorted(k_values):
        result.update(macro_average(per_user, [f"{name}@{k}" for name in METRIC_NAMES]))
        result[f"coverage@{k}"] = coverage_at_k(recommendations, k, catalogue_size, item, rank)
    return result, per_user


def ranking_metrics(recommendations: pl.DataFrame, relevant: pl.DataFrame, k_values, catalogue_size: int,
                    user: str = "user", item: str = "item", rank: str = "rank") -> dict[str, float]:
    """Mean over users of every metric at every K (NaN without users), plus coverage@K: keys like ``ndcg@10``."""
    return ranking_scores(recommendations, relevant, k_values, catalogue_size, user, item, rank)[0]


def per_user_dislike_fpr(recommendations: pl.DataFrame, dislikes: pl.DataFrame, k: int,
                         user: str = "user", item: str = "item", rank: str = "rank") -> pl.DataFrame:
    """One row per user of ``dislikes`` (one row per user and test-disliked item) with ``dislike_fpr``: the
    share of their disliked items in their top-K list (0 for a user without a list)."""
    if k < 1:
        raise ValueError("K must be at least 1")
    check_ranks(recommendations, user, rank)
    disliked = dislikes.select(user, item).unique()
    recommended = (recommendations.filter(pl.col(rank) <= k).select(user, item)
                   .join(disliked, on=[user, item], how="semi").group_by(user).len("recommended"))
    return (disliked.group_by(user).len("disliked").join(recommended, on=user, how="left")
            .select(user, (pl.col("recommended").fill_null(0) / pl.col("disliked")).alias("dislike_fpr"))
            .sort(user))


def dislike_scores(recommendations: pl.DataFrame, dislikes: pl.DataFrame, k_values,
                   user: str = "user", item: str = "item", rank: str = "rank") -> tuple[dict[str, float], pl.DataFrame]:
    """Dislike-FPR@K at every K (keys like ``dislike_fpr@10``): :func:`per_user_dislike_fpr` averaged over the
    users with test dislikes, NaN when nobody has one (lower is better); and the per-user long table."""
    per_user = pl.concat([long_table(per_user_dislike_fpr(recommendations, dislikes, k, user, item, rank), user,
                                     f"@{k}") for k in sorted(k_values)])
    return macro_average(per_user, [f"dislike_fpr@{k}" for k in sorted(k_values)]), per_user


def per_user_positive_dislike_auc(recommendations: pl.DataFrame, relevant: pl.DataFrame, dislikes: pl.DataFrame,
                                  user: str = "user", item: str = "item", rank: str = "rank") -> pl.DataFrame:
    """One row per user with both test positives (``relevant``) and test dislikes, with ``auc``: the AUC of
    their list ordering the positives above the dislikes (see the module docstring; 0.5 = no better than
    chance, 1 = every positive above every dislike), the Mann-Whitney U statistic over the ranks, ties (e.g.
    both unlisted) counting one half."""
    check_ranks(recommendations, user, rank)
    positives = relevant.select(user, item).unique().with_columns(pl.lit(1, pl.Int8).alias("positive"))
    negatives = dislikes.select(user, item).unique().with_columns(pl.lit(0, pl.Int8).alias("positive"))
    both = positives.select(user).unique().join(negatives.select(user).unique(), on=user)
    length = recommendations.group_by(user).agg(pl.col(rank).max().alias("length"))
    pairs = (pl.concat([positives, negatives]).join(both, on=user, how="semi")
             .join(recommendations.select(user, item, rank), on=[user, item], how="left")
             .join(length, on=user, how="left")
             .with_columns(pl.coalesce(rank, pl.col("length").fill_null(0) + 1).alias("position"))
             .with_columns((-pl.col("position")).rank("average").over(user).alias("order")))
    per_user = pairs.group_by(user).agg(
        (pl.col("positive") == 1).sum().alias("n_positive"), (pl.col("positive") == 0).sum().alias("n_negative"),
        pl.col("order").filter(pl.col("positive") == 1).sum().alias("positive_order_sum"))
    auc = ((pl.col("positive_order_sum") - pl.col("n_positive") * (pl.col("n_positive") + 1) / 2)
           / (pl.col("n_positive") * pl.col("n_negative")))
    return per_user.select(user, auc.cast(pl.Float64).alias("auc")).sort(user)


def cold_start_recall(scores: np.ndarray, relevant: np.ndarray, k_values, seed: int = 0) -> dict[str, float]:
    """Recall@K of cold-start items: each user (row) ranks the n cold items (columns) by ``scores`` (users x n;
    ties to the lower column) and Recall@K = |top K ∩ R_u| / |R_u|, R_u the user's relevant cold items
    (``relevant``: users x n booleans), averaged over users with at least one. The same under a uniformly
    random order (numpy generator seeded with ``seed``) gives ``random_recall@K``, whose expectation is
    min(K, n) / n (``expected_random_recall@K``). Keys also hold ``users``, ``pairs`` and ``cold_items``."""
    relevant = np.asarray(relevant, dtype=bool)
    evaluated = relevant.any(axis=1)
    relevant = relevant[evaluated]
    scores = np.asarray(scores, dtype=np.float64)[evaluated]
    n_items = relevant.shape[1]
    result: dict[str, float] = {"users": int(len(relevant)), "pairs": int(relevant.sum()), "cold_items": int(n_items)}
    random_scores = np.random.default_rng(seed).random(scores.shape)
    by_score = np.argsort(-scores, axis=1, kind="stable")
    by_chance = np.argsort(random_scores, axis=1, kind="stable")
    counts = relevant.sum(axis=1)
    for k in sorted(k_values):
        if k < 1:
            raise ValueError("K must be at least 1")
        for name, order in (("recall", by_score), ("random_recall", by_chance)):
            hits = np.take_along_axis(relevant, order[:, :k], axis=1).sum(axis=1)
            result[f"{name}@{k}"] = float(np.mean(hits / counts)) if len(counts) else float("nan")
        result[f"expected_random_recall@{k}"] = min(k, n_items) / n_items if n_items else float("nan")
    return result
