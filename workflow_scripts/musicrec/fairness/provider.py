"""Provider-side fairness of any dataset's ranked lists: the one code path for KKBox and every ranking
dataset (Last.fm, Yambda).

Input: one model's ranked lists in the top-K contract (user, item, score, rank; from
:func:`musicrec.schema.to_topk`) and the item groups (item, provider, group). Output, per model and seed:
* ``exposure``: each group's share of the top-``k`` slots, plain and position-weighted;
* ``artist_exposure``: slots per provider;
* the rank of the first item of the focus group against a random order of the same candidates (Ferraro,
  Serra and Bauer, CHIIR 2021), in one of two settings:
  - the lists rank each user's whole candidate set (``candidate_counts`` None; KKBox's validation songs):
    ``first_rank_distribution`` (rank 1..k, beyond k, none) and ``first_rank_summary``;
  - the lists are the top of a larger candidate set (a full catalogue), whose size and focus-group count
    per user ``candidate_counts`` gives (user, n_candidates, n_group): ``first_rank_in_top_k``.
"""

from __future__ import annotations

import polars as pl

from ..errors import InputDataError
from . import exposure


def provider_tables(ranked: pl.DataFrame, item_groups: pl.DataFrame, k: int, focus_group: str,
                    candidate_counts: pl.DataFrame | None = None) -> dict[str, pl.DataFrame]:
    """The provider-side tables of one model's ranked lists (see the module docstring)."""
    lists = exposure.top_k(ranked, k)
    tables = {
        "exposure": exposure.exposure_shares(lists, item_groups),
        "artist_exposure": exposure.item_exposure(lists, item_groups, item_groups),
    }
    if candidate_counts is None:
        first = exposure.first_group_rank(ranked, item_groups, focus_group)
        tables["first_rank_distribution"] = exposure.first_rank_distribution(first, k)
        tables["first_rank_summary"] = exposure.first_rank_summary(first, k)
        return tables
    first = exposure.first_group_rank(lists, item_groups, focus_group).select("user", "first_rank").join(
        candidate_counts, on="user", how="left")
    missing = first.filter(pl.col("n_candidates").is_null())
    if missing.height:
        raise InputDataError("top-K lists", f"{missing.height} user(s) without a candidate set, e.g. "
                             f"{missing['user'][0]!r} (not among the split's warm test users)", column="user")
    tables["first_rank_in_top_k"] = exposure.first_rank_in_top_k(first, k)
    return tables
