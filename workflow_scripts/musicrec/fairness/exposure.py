"""Provider exposure in top-K lists, over generic tables so that every ranking stage can use them.

Tables:
* ranked lists: ``user, item, score, rank`` (1 = best), as made by :func:`musicrec.schema.to_topk`;
* item groups: ``item, group`` (e.g. song -> artist gender); items absent from it are "unknown".
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.special import gammaln

UNKNOWN = "unknown"


def top_k(ranked: pl.DataFrame, k: int) -> pl.DataFrame:
    """The first ``k`` rows of each user's ranked list."""
    return ranked.filter(pl.col("rank") <= k)


def users_with_more_than(ranked: pl.DataFrame, k: int) -> pl.DataFrame:
    """Only the users who have more than ``k`` candidates, so that the ranker really chooses K of them."""
    sizes = ranked.group_by("user").agg(pl.len().alias("n"))
    return ranked.join(sizes.filter(pl.col("n") > k).select("user"), on="user", how="semi")


def with_groups(items: pl.DataFrame, item_groups: pl.DataFrame) -> pl.DataFrame:
    """``items`` with a ``group`` column ("unknown" where the item has no group)."""
    return items.join(item_groups.select("item", "group"), on="item", how="left").with_columns(
        pl.col("group").fill_null(UNKNOWN)
    )


def position_weight(rank: pl.Expr) -> pl.Expr:
    """Attention a list position gets, 1 / log2(rank + 1) (the DCG discount): rank 1 -> 1, rank 3 -> 0.5."""
    return 1.0 / (rank.cast(pl.Float64) + 1.0).log(2)


def exposure_shares(lists: pl.DataFrame, item_groups: pl.DataFrame) -> pl.DataFrame:
    """Share of each group among the slots of the lists (user, item, rank).

    Returns group, slots (count), slot_share (each slot counts 1) and weighted_share (each slot
    weighted by ``position_weight``); both shares sum to 1 over groups. Every group of ``item_groups``
    has a row, with 0 when the lists hold none of its items.
    """
    grouped = with_groups(lists, item_groups).with_columns(position_weight(pl.col("rank")).alias("weight"))
    totals = grouped.group_by("group").agg(pl.len().alias("slots"), pl.col("weight").sum().alias("weight"))
    every_group = pl.concat([item_groups.select("group"), pl.DataFrame({"group": [UNKNOWN]})]).unique()
    return (
        every_group.join(totals, on="group", how="left")
        .with_columns(pl.col("slots").fill_null(0), pl.col("weight").fill_null(0.0))
        .with_columns(
            (pl.col("slots") / pl.col("slots").sum()).alias("slot_share"),
            (pl.col("weight") / pl.col("weight").sum()).alias("weighted_share"),
        )
        .select("group", pl.col("slots").cast(pl.Int64), "slot_share", "weighted_share")
        .sort("group")
    )


def group_shares(items: pl.DataFrame, item_groups: pl.DataFrame, weight: str | None = None) -> pl.DataFrame:
    """Share of each group among the rows of ``items`` (item column): a baseline for exposure.

    Pass the distinct items of the catalogue for the catalogue share, or every interaction for the
    share in listening. With ``weight`` (a column of ``items``, e.g. play counts) each row counts its
    weight instead of 1. Returns group, n (rows, or summed weight), share.
    """
    grouped = with_groups(items.select("item", *([weight] if weight else [])), item_groups)
    amount = pl.col(weight).sum() if weight else pl.len().cast(pl.Int64)
    return (
        grouped.group_by("group")
        .agg(amount.alias("n"))
        .with_columns((pl.col("n") / pl.col("n").sum()).alias("share"))
        .sort("group")
    )


# The baselines of exposure (``source`` of a baselines table) and their columns in ``exposure_against_baselines``.
BASELINE_COLUMNS = {"catalogue": "catalogue_share", "listening": "listening_share", "pairs": "pair_share",
                    "candidates": "candidate_share"}
RATIO_COLUMNS = {"catalogue": "ratio_to_catalogue", "listening": "ratio_to_listening",
                 "candidates": "ratio_to_candidates"}


def exposure_against_baselines(shares: pl.DataFrame, baselines: pl.DataFrame) -> pl.DataFrame:
    """Exposure per model and group next to the group's baseline shares.

    ``shares``: ``exposure_shares`` summarised over seeds (model, group, slot_share_mean,
    weighted_share_mean, ...); ``baselines``: source (keys of ``BASELINE_COLUMNS``), group, share. One row
    per model and group of the baselines (0 exposure where the lists hold none of the group), with a
    ``<source>_share`` column per source and ``ratio_to_<source>`` = slot_share_mean / that share for the
    sources of ``RATIO_COLUMNS`` (null where the share is 0).
    """
    sources = [s for s in BASELINE_COLUMNS if s in set(baselines["source"])]
    wide = baselines.pivot(on="source", index="group", values="share").rename(
        {s: BASELINE_COLUMNS[s] for s in sources})
    grid = shares.select("model").unique().join(wide, how="cross")
    return (
        grid.join(shares, on=["model", "group"], how="left")
        .with_columns(pl.col("slot_share_mean", "weighted_share_mean").fill_null(0.0))
        .with_columns(pl.when(pl.col(BASELINE_COLUMNS[s]) > 0)
                      .then(pl.col("slot_share_mean") / pl.col(BASELINE_COLUMNS[s])).alias(RATIO_COLUMNS[s])
                      for s in sources if s in RATIO_COLUMNS)
        .fill_nan(None)
        .sort(["model", "group"])
    )


def item_exposure(lists: pl.DataFrame, item_groups: pl.DataFrame, item_name: pl.DataFrame) -> pl.DataFrame:
    """Slots per provider: provider, group, slots, slot_share; ``item_name`` maps item -> provider."""
    named = with_groups(lists, item_groups).join(item_name.select("item", "provider"), on="item", how="left")
    return (
        named.group_by("provider", "group")
        .agg(pl.len().cast(pl.Int64).alias("slots"))
        .with_columns((pl.col("slots") / pl.col("slots").sum()).alias("slot_share"))
        .sort(["slots", "provider"], descending=[True, False], nulls_last=True)
    )


def pooled_provider_exposure(per_seed: pl.DataFrame) -> pl.DataFrame:
    """``item_exposure`` rows of every seed (with model, seed columns) pooled: slots of each provider summed
    over seeds, and their share of all slots of the model. Returns model, provider, group, slots, slot_share,
    most slots first within each model."""
    return (
        per_seed.group_by("model", "provider", "group")
        .agg(pl.col("slots").sum())
        .with_columns((pl.col("slots") / pl.col("slots").sum().over("model")).alias("slot_share"))
        .sort(["model", "slots", "provider"], descending=[False, True, False], nulls_last=True)
    )


def candidate_group_counts(users: pl.DataFrame, item_groups: pl.DataFrame, train: pl.DataFrame | None) -> pl.DataFrame:
    """Per user and group, how many of the user's candidates belong to the group: n_ug = N_g - t_ug.

    ``users``: a ``user`` column; ``item_groups``: every catalogue item once (item, group), N_g items per
    group; ``train``: the users' training pairs (user, item), t_ug of them in group g, left out of the
    candidates (a protocol that excludes seen items), or None when every user ranks the whole catalogue.
    Training items outside the catalogue are not counted. Returns user, group, n for every user and every
    group of the catalogue.
    """
    catalogue = item_groups.group_by("group").agg(pl.len().cast(pl.Int64).alias("n_catalogue"))
    grid = users.select("user").unique().join(catalogue, how="cross")
    if train is None:
        return grid.select("user", "group", pl.col("n_catalogue").alias("n")).sort("user", "group")
    seen = (
        train.select("user", "item").unique()
        .join(item_groups.select("item", "group"), on="item", how="inner")
        .group_by("user", "group").agg(pl.len().cast(pl.Int64).alias("n_seen"))
    )
    return (
        grid.join(seen, on=["user", "group"], how="left")
        .select("user", "group", (pl.col("n_catalogue") - pl.col("n_seen").fill_null(0)).alias("n"))
        .sort("user", "group")
    )


def candidate_shares(counts: pl.DataFrame) -> pl.DataFrame:
    """Each group's share of the candidates, per user n_ug / sum_g n_ug, averaged over the users with at
    least one candidate. ``counts``: ``candidate_group_counts``. Returns group, share (summing to 1)."""
    return (
        counts.with_columns((pl.col("n") / pl.col("n").sum().over("user")).alias("share"))
        .filter(pl.col("share").is_not_nan())
        .group_by("group").agg(pl.col("share").sum())
        .with_columns(pl.col("share") / pl.col("share").sum())
        .sort("group")
    )


def candidate_counts(counts: pl.DataFrame, group: str) -> pl.DataFrame:
    """Per user: n_candidates (all candidates) and n_group (those of ``group``), from ``candidate_group_counts``."""
    return counts.group_by("user").agg(
        pl.col("n").sum().alias("n_candidates"),
        pl.col("n").filter(pl.col("group") == group).sum().alias("n_group"),
    ).sort("user")


def first_group_rank(ranked: pl.DataFrame, item_groups: pl.DataFrame, group: str) -> pl.DataFrame:
    """Per user: the rank of the first item of ``group`` in the user's ranked list (null when none).

    Returns user, first_rank, n_candidates (list length), n_group (items of ``group`` in the list),
    as in Ferraro, Serra and Bauer (CHIIR 2021), who report the position of the first female artist.
    """
    grouped = with_groups(ranked, item_groups)
    is_group = pl.col("group") == group
    return (
        grouped.group_by("user")
        .agg(
            pl.col("rank").filter(is_group).min().alias("first_rank"),
            pl.len().cast(pl.Int64).alias("n_candidates"),
            is_group.sum().cast(pl.Int64).alias("n_group"),
        )
        .sort("user")
    )


def first_rank_in_top_k(first_ranks: pl.DataFrame, k: int) -> pl.DataFrame:
    """One row: how often and how early the group's first item comes in top-``k`` lists cut from larger
    candidate sets (a full catalogue), for the ranker and for a random order of the same candidates.

    ``first_ranks``: user, first_rank (rank 1..k of the first group item in the user's top-k list, null when
    it holds none), n_candidates (n, the user's candidate count) and n_group (f, the group's candidates).
    Returns users; users_with_group (f >= 1); in_top_k (share of those users whose top k holds a group item)
    and random_in_top_k (its expectation under a random order, the mean over those users of
    sum_{r<=k} P(first at r), see ``random_first_rank_probabilities``); mean_first_rank_in_top_k (mean first
    rank over the lists that hold one; null when none does) and random_mean_first_rank_in_top_k (the same
    under a random order: sum_u sum_{r<=k} r P_u(r) / sum_u sum_{r<=k} P_u(r)).
    """
    with_group = first_ranks.filter(pl.col("n_group") > 0)
    found = with_group["first_rank"].drop_nulls()
    users = with_group.height
    ranks = np.arange(1, k + 1)
    probabilities = random_first_rank_probabilities(with_group["n_candidates"].to_numpy(),
                                                    with_group["n_group"].to_numpy(), ranks)
    random_mass = probabilities.sum()
    return pl.DataFrame(
        {
            "users": [first_ranks.height],
            "users_with_group": [users],
            "in_top_k": [found.len() / users if users else None],
            "random_in_top_k": [float(random_mass) / users if users else None],
            "mean_first_rank_in_top_k": [float(found.mean()) if found.len() else None],
            "random_mean_first_rank_in_top_k": [float((probabilities * ranks).sum() / random_mass)
                                                if random_mass > 0 else None],
        },
        schema={"users": pl.Int64, "users_with_group": pl.Int64, "in_top_k": pl.Float64,
                "random_in_top_k": pl.Float64, "mean_first_rank_in_top_k": pl.Float64,
                "random_mean_first_rank_in_top_k": pl.Float64},
    )


def random_first_rank_probabilities(n_candidates, n_group, ranks) -> np.ndarray:
    """P(first item of the group sits at each of ``ranks``) when the n candidates are shuffled at random.

    With f items of the group among n, P(first at r) = C(n - r, f - 1) / C(n, f) for 1 <= r <= n - f + 1.
    Returns an array (users x ranks); rows with f = 0 are all zero.
    """
    n = np.asarray(n_candidates, dtype=float)[:, None]
    f = np.asarray(n_group, dtype=float)[:, None]
    r = np.asarray(ranks, dtype=float)[None, :]
    valid = (f >= 1) & (r >= 1) & (r <= n - f + 1)
    safe_f = np.where(f >= 1, f, 1.0)
    top = np.where(valid, n - r, 0.0)
    log_p = (_log_comb(top, safe_f - 1) - _log_comb(n, safe_f))
    return np.where(valid, np.exp(log_p), 0.0)


def _log_comb(n, k):
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)


def first_rank_distribution(first_ranks: pl.DataFrame, k: int) -> pl.DataFrame:
    """Share of users whose first group item sits at rank 1..k, beyond k, or who have none.

    ``first_ranks`` is ``first_group_rank``'s table. Returns bucket ("1".."k", f">{k}", "none"),
    bucket_order, model_share (the ranker's lists) and random_share (expected share under a random
    order of the same candidates).
    """
    n = first_ranks["n_candidates"].to_numpy()
    f = first_ranks["n_group"].to_numpy()
    users = max(first_ranks.height, 1)
    ranks = np.arange(1, k + 1)
    random_at = random_first_rank_probabilities(n, f, ranks).sum(axis=0) / users
    has_group = f > 0
    random_none = float((~has_group).sum()) / users
    random_beyond = float(has_group.sum()) / users - float(random_at.sum())
    first = first_ranks["first_rank"].fill_null(0).to_numpy()
    model_at = np.array([(first == r).sum() for r in ranks]) / users
    model_none = float((first == 0).sum()) / users
    model_beyond = 1.0 - model_none - float(model_at.sum())
    buckets = [str(r) for r in ranks] + [f">{k}", "none"]
    return pl.DataFrame(
        {
            "bucket": buckets,
            "bucket_order": np.arange(len(buckets), dtype=np.int64),
            "model_share": np.concatenate([model_at, [model_beyond, model_none]]),
            "random_share": np.concatenate([random_at, [random_beyond, random_none]]),
        }
    )


def first_rank_summary(first_ranks: pl.DataFrame, k: int) -> pl.DataFrame:
    """One row: how early the group's first item comes, for the ranker and for a random order.

    users; users_with_group (at least one candidate of the group); in_top_k (share of those users
    with a group item in their top k) and its random-order expectation random_in_top_k; mean_first_rank
    over those users and random_mean_first_rank, the expectation (n + 1) / (f + 1) of a random order.
    """
    with_group = first_ranks.filter(pl.col("n_group") > 0)
    n = with_group["n_candidates"].to_numpy().astype(float)
    f = with_group["n_group"].to_numpy().astype(float)
    users = with_group.height
    random_in_top = random_first_rank_probabilities(n, f, np.arange(1, k + 1)).sum() / users if users else np.nan
    return pl.DataFrame(
        {
            "users": [first_ranks.height],
            "users_with_group": [users],
            "in_top_k": [float((with_group["first_rank"] <= k).mean()) if users else np.nan],
            "random_in_top_k": [float(random_in_top)],
            "mean_first_rank": [float(with_group["first_rank"].mean()) if users else np.nan],
            "random_mean_first_rank": [float(np.mean((n + 1) / (f + 1))) if users else np.nan],
        }
    )
