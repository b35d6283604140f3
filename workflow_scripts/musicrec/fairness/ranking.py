"""Provider fairness of a ranking dataset's top-K lists (rule fairness_provider; Last.fm, Yambda): artist
genders in every top-K model's lists against the catalogue, listening and each user's candidates, the
first focus-group artist against a random order, the most exposed artists, over seeds.

Definitions (also written to ``tables.json`` next to the tables):
* lists: the first K rows (K = fairness.top_k) of each top-K list file of the test split (every ranking,
  re-ranking and serving run, each seed), for the warm test users (cold users are left out: not every
  model serves them);
* candidates: what the dataset's protocol ranks for a user: the full catalogue minus the user's training
  items (``exclude_seen``), or the full catalogue; a group's candidate share is its share of each warm
  test user's candidates, averaged over those users;
* catalogue: the split's catalogue (every item once);
* listening: the training pairs weighted by their training weight (plays, summed event weights);
  pairs: each training pair once;
* an item's artist and gender: the dataset module's ``item_artists`` (``ITEM_ARTISTS``) joined to the
  artist-demographics table on the module's ``ARTIST_KEY``; items without an artist or without a gender
  in the table are "unknown".

Tables (CSV and parquet): ``exposure``, ``first_rank_in_top_k`` (mean, std, min, max over seeds per model)
and ``artist_exposure`` (slots pooled over seeds, the ``MOST_EXPOSED`` artists of each model), each with
its ``_by_seed`` rows, and ``coverage`` (artists, catalogue items and training pairs with a known gender).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from ..datasets import lastfm, yambda
from ..errors import ConfigError, InputDataError
from ..io import write_csv, write_json, write_parquet
from ..schema import INTERACTION_COLUMNS, read_interactions, read_topk
from ..summaries import over_seeds
from . import coverage, exposure
from .groups import read_artist_genders
from .provider import provider_tables

log = logging.getLogger(__name__)

# Per ranking dataset with artist demographics: the module whose item_artists(path) maps items to artists
# and whose ARTIST_KEY names the artist column of its demographics table.
ITEM_ARTISTS = {"lastfm": lastfm, "yambda": yambda}
SEED_TABLES = ("exposure", "first_rank_in_top_k", "artist_exposure")
TABLES = (*SEED_TABLES, *(f"{name}_by_seed" for name in SEED_TABLES), "coverage")
MOST_EXPOSED = 100  # artists per model (and per model and seed) kept in artist_exposure
FIRST_RANK_VALUES = ["users", "users_with_group", "in_top_k", "random_in_top_k", "mean_first_rank_in_top_k",
                     "random_mean_first_rank_in_top_k"]
ITEMS = "catalogue items"
PAIRS = "training pairs"
COVERAGE_DEFINITIONS = {
    coverage.ARTISTS: "distinct artists of the catalogue items",
    ITEMS: "every item of the split's catalogue, once",
    PAIRS: "every user-item pair of the training split, once",
}


@dataclass(frozen=True)
class ProviderFairnessSettings:
    top_k: int = 10
    focus_group: str = "female"
    list_length: int = 20
    exclude_seen: bool = True
    min_coverage: float = 0.5


def describe(settings: ProviderFairnessSettings) -> dict[str, str]:
    """The definitions of ``tables.json``: lists, candidates, catalogue, listening, pairs, first rank."""
    candidates = ("full catalogue minus the user's training items" if settings.exclude_seen
                  else "full catalogue, the user's training items included (history not masked)")
    focus = settings.focus_group
    return {
        "lists": (f"the first {settings.top_k} items of each top-K list of the test split (every ranking, "
                  "re-ranking and serving run, each seed), for the warm test users (cold users left out)"),
        "candidates": candidates,
        "candidate_shares": "a group's share of each warm test user's candidates, averaged over those users",
        "catalogue": "every item of the split's catalogue, counted once",
        "listening": "training pairs weighted by their training weight (plays, summed event weights)",
        "pairs": "training user-item pairs, each counted once",
        "first_rank": (f"in_top_k: share of the users with a {focus} artist among their candidates whose "
                       f"top {settings.top_k} holds one; mean_first_rank_in_top_k: mean rank of the first one "
                       "over those lists; random_*: the exact expectation under a random order of the same "
                       "candidates (per user n candidates, f of them by the group)"),
    }


def item_groups(dataset: str, catalogue: pl.DataFrame, artists_path, demographics_path) -> pl.DataFrame:
    """item, provider (the artist shown), group (artist gender) of every catalogue item (``catalogue``:
    item_id); "unknown" where the item has no artist or its artist no gender in the demographics table."""
    module = ITEM_ARTISTS[dataset]
    artists = module.item_artists(artists_path)
    genders = read_artist_genders(demographics_path, key=module.ARTIST_KEY)
    items = catalogue.select(pl.col("item_id").alias("item")).unique(maintain_order=True)
    artists = artists.with_columns(pl.col("item").cast(items["item"].dtype, strict=False)).drop_nulls("item")
    table = (
        items.join(artists.unique("item", keep="first", maintain_order=True), on="item", how="left")
        .join(genders, left_on="artist", right_on=module.ARTIST_KEY, how="left")
        .select("item", "provider", pl.col("artist_gender").fill_null(exposure.UNKNOWN).alias("group"))
    )
    known = table.filter(pl.col("group") != exposure.UNKNOWN).height
    log.info("%s: %d catalogue items, %d of them by an artist with a known gender in %s", dataset, table.height,
             known, demographics_path)
    return table


def baselines(items: pl.DataFrame, train: pl.DataFrame, counts: pl.DataFrame) -> pl.DataFrame:
    """source (catalogue, listening, pairs, candidates), group, share: the groups' shares of the
    catalogue, of the training weight, of the training pairs and of the candidates (``counts``:
    ``exposure.candidate_group_counts``)."""
    pairs = train.select("item", "weight")
    parts = {
        "catalogue": exposure.group_shares(items, items),
        "listening": exposure.group_shares(pairs, items, weight="weight"),
        "pairs": exposure.group_shares(pairs, items),
        "candidates": exposure.candidate_shares(counts),
    }
    return pl.concat([share.select(pl.lit(source).alias("source"), "group", pl.col("share").cast(pl.Float64))
                      for source, share in parts.items()])


def _split_description(summary_path) -> str:
    """The split's description from its summary.json (what the evaluation's protocol calls the split)."""
    try:
        return json.loads(Path(summary_path).read_text(encoding="utf-8"))["description"]
    except (FileNotFoundError, KeyError, json.JSONDecodeError) as error:
        raise InputDataError(summary_path, f"no split description ({type(error).__name__})") from None


def _tagged(table: pl.DataFrame, model: str, seed: int) -> pl.DataFrame:
    return table.with_columns(pl.lit(model).alias("model"), pl.lit(seed, pl.Int64).alias("seed"))


def _most_exposed(table: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """The ``MOST_EXPOSED`` rows with the most slots per ``keys`` (ties: provider name), artist columns named."""
    return (
        table.sort([*keys, "slots", "provider"], descending=[*[False] * len(keys), True, False], nulls_last=True)
        .filter(pl.int_range(pl.len()).over(keys) < MOST_EXPOSED)
        .rename({"provider": "artist", "group": "artist_gender"})
    )


def seed_tables(lists: pl.DataFrame, items: pl.DataFrame, counts: pl.DataFrame,
                settings: ProviderFairnessSettings) -> dict[str, pl.DataFrame]:
    """exposure, first_rank_in_top_k and artist_exposure of one model's lists at one seed."""
    tables = provider_tables(lists, items, settings.top_k, settings.focus_group,
                             exposure.candidate_counts(counts, settings.focus_group))
    return {name: tables[name] for name in SEED_TABLES}


def _read_lists(path, warm_users: pl.DataFrame, items: pl.DataFrame) -> tuple[str, int, pl.DataFrame]:
    lists = read_topk(path)
    labels = lists.select("model", "seed").unique()
    if labels.height != 1:
        raise InputDataError(path, f"rows of several models or seeds {sorted(labels.rows())}", column="model")
    model, seed = labels.row(0)
    lists = lists.with_columns(pl.col("user").cast(warm_users["user"].dtype, strict=False),
                               pl.col("item").cast(items["item"].dtype, strict=False))
    lists = lists.join(warm_users, on="user", how="semi")
    if lists.is_empty():
        raise InputDataError(path, "no list of a warm test user", column="user")
    return model, seed, lists


def summarise(dataset: str, topk_paths: list[str], paths: dict[str, str], settings: ProviderFairnessSettings,
              description: dict, outputs: dict[str, str]) -> dict[str, pl.DataFrame]:
    """Rule fairness_provider: every top-K file of ``dataset`` -> the tables of the module docstring.

    ``paths``: catalogue, train, targets, cold_users and summary of the test split, artists (the table
    ``item_artists`` reads) and demographics; ``outputs``: a path stem per table name (``<stem>.csv`` and
    ``<stem>.parquet`` are written) and ``tables`` for the JSON describing them.
    """
    if settings.top_k > settings.list_length:
        raise ConfigError(f"fairness.top_k ({settings.top_k}) exceeds the {dataset} list length "
                          f"{dataset}.evaluation.topk ({settings.list_length})")
    items = item_groups(dataset, pl.read_parquet(paths["catalogue"]), paths["artists"], paths["demographics"])
    cold = pl.read_parquet(paths["cold_users"])["user_id"]
    targets = read_interactions(paths["targets"], ("user_id", "item_id"), "targets")
    warm = targets.select(pl.col("user_id").alias("user")).unique().filter(~pl.col("user").is_in(cold.implode()))
    train = read_interactions(paths["train"], INTERACTION_COLUMNS).select(
        pl.col("user_id").cast(warm["user"].dtype).alias("user"),
        pl.col("item_id").cast(items["item"].dtype).alias("item"), pl.col("weight").cast(pl.Float64))
    counts = exposure.candidate_group_counts(warm, items, train if settings.exclude_seen else None)
    per_seed: dict[str, list[pl.DataFrame]] = {name: [] for name in SEED_TABLES}
    models: list[str] = []
    for i, path in enumerate(topk_paths, 1):
        model, seed, lists = _read_lists(path, warm, items)
        models += [model] if model not in models else []
        for name, table in seed_tables(lists, items, counts, settings).items():
            per_seed[name].append(_tagged(table, model, seed))
        log.info("%d/%d %s seed %d: top-%d lists of %d users", i, len(topk_paths), model, seed, settings.top_k,
                 lists["user"].n_unique())
    by_seed = {name: pl.concat(tables, how="vertical_relaxed") for name, tables in per_seed.items()}
    tables = {
        "exposure": exposure.exposure_against_baselines(
            over_seeds(by_seed["exposure"], ["model", "group"], ["slot_share", "weighted_share"]),
            baselines(items, train, counts)),
        "exposure_by_seed": by_seed["exposure"],
        "first_rank_in_top_k": over_seeds(by_seed["first_rank_in_top_k"], ["model"], FIRST_RANK_VALUES),
        "first_rank_in_top_k_by_seed": by_seed["first_rank_in_top_k"],
        "artist_exposure": _most_exposed(exposure.pooled_provider_exposure(by_seed["artist_exposure"]), ["model"]),
        "artist_exposure_by_seed": _most_exposed(by_seed["artist_exposure"], ["model", "seed"]),
        "coverage": coverage.demographic_coverage(items, {PAIRS: train.select("item")}, COVERAGE_DEFINITIONS,
                                                  items_measure=ITEMS),
    }
    coverage.log_coverage(tables["coverage"], settings.min_coverage)
    for name, table in tables.items():
        write_parquet(table, f"{outputs[name]}.parquet")
        write_csv(table, f"{outputs[name]}.csv")
    write_json({
        **description, "dataset": dataset, "split": _split_description(paths["summary"]), "k": settings.top_k,
        "focus_group": settings.focus_group, **describe(settings), "settings": asdict(settings),
        "models": models,
        "seeds": {m: sorted(s) for m, s in
                  by_seed["exposure"].group_by("model").agg(pl.col("seed").unique()).iter_rows()},
        "users": warm.height,
    }, outputs["tables"])
    return tables
