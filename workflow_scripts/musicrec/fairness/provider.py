"""Provider-side fairness of any dataset's ranked lists: the one code path for KKBox and Last.fm (and every
ranking dataset after them).

Input: one model's ranked lists in the top-K contract (user, item, score, rank; from
:func:`musicrec.schema.to_topk`) and the item groups (item, provider, group). Output, per model and seed:
* ``exposure``: each group's share of the top-``k`` slots, plain and position-weighted;
* ``first_rank``: the share of users whose top-``k`` list holds an item of the focus group, and the mean
  rank of the first one (Ferraro, Serra and Bauer, CHIIR 2021);
* ``artist_exposure``: slots per provider;
* when the lists rank each user's whole candidate set (``complete_candidates``, e.g. KKBox's validation
  songs): ``first_rank_distribution`` and ``first_rank_summary``, the first focus-group rank against a
  random order of the same candidates.
"""

from __future__ import annotations

import polars as pl

from . import exposure


def provider_tables(ranked: pl.DataFrame, item_groups: pl.DataFrame, k: int, focus_group: str,
                    complete_candidates: bool) -> dict[str, pl.DataFrame]:
    """The provider-side tables of one model's ranked lists (see the module docstring)."""
    lists = exposure.top_k(ranked, k)
    tables = {
        "exposure": exposure.exposure_shares(lists, item_groups),
        "first_rank": exposure.first_rank_in_lists(exposure.first_group_rank(lists, item_groups, focus_group)),
        "artist_exposure": exposure.item_exposure(lists, item_groups, item_groups),
    }
    if complete_candidates:
        first = exposure.first_group_rank(ranked, item_groups, focus_group)
        tables["first_rank_distribution"] = exposure.first_rank_distribution(first, k)
        tables["first_rank_summary"] = exposure.first_rank_summary(first, k)
    return tables
