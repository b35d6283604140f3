"""Provider exposure of the Last.fm recommenders: artist genders in their top-K lists, aggregated over seeds.

Definitions (also written to ``tables.json`` next to the tables):
* lists: the first K rows (K = fairness.top_k) of each model's top-K file, for the warm test users
  (cold users are left out: not every model serves them);
* candidates: what the Last.fm recommenders rank, the full catalogue minus the user's training artists;
* catalogue: every artist of artists.dat (each artist counts once);
* listening: the training split's play counts (user_artists.dat weight; each artist counts its plays);
  the share among the training user-artist pairs (each pair counts once) is given too.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import polars as pl

from ..datasets import lastfm
from ..errors import ConfigError, InputDataError
from ..io import write_csv, write_json, write_parquet
from ..schema import read_topk
from ..summaries import over_seeds
from . import exposure
from .groups import read_artist_genders
from .provider import provider_tables

log = logging.getLogger(__name__)

LISTS = "the first K artists of each model's top-K list, for the warm test users (cold users left out)"
CANDIDATES = "full catalogue (all artists of artists.dat) minus the user's training artists"
CATALOGUE = "every artist of artists.dat, counted once"
LISTENING = "training play counts (user_artists.dat weight of the training pairs): each artist counts its plays"
PAIRS = "training user-artist pairs: each pair counts once"


@dataclass(frozen=True)
class LastfmExposureSettings:
    top_k: int = 10
    focus_group: str = "female"
    list_length: int = 20


def artist_groups(artists_path, demographics_path) -> pl.DataFrame:
    """item (artist id), provider (name), group (artist gender; "unknown" when not in the table)."""
    artists = lastfm.read_table(artists_path, "artists")
    genders = read_artist_genders(demographics_path)
    items = artists.join(genders, left_on="name", right_on="artist_name", how="left").select(
        pl.col("id").alias("item"), pl.col("name").alias("provider"),
        pl.col("artist_gender").fill_null(exposure.UNKNOWN).alias("group"),
    )
    known = items.filter(pl.col("group") != exposure.UNKNOWN).height
    log.info("%d artists, %d of them with a known gender in %s", items.height, known, demographics_path)
    return items


def baselines(items: pl.DataFrame, train: pl.DataFrame) -> pl.DataFrame:
    """group, catalogue_share, listening_share (play weight), pair_share (training pairs)."""
    pairs = train.select(pl.col("item_id").alias("item"), "weight")
    shares = {
        "catalogue_share": exposure.group_shares(items, items),
        "listening_share": exposure.group_shares(pairs, items, weight="weight"),
        "pair_share": exposure.group_shares(pairs, items),
    }
    table = items.select("group").unique()
    for name, share in shares.items():
        table = table.join(share.select("group", pl.col("share").alias(name)), on="group", how="left")
    return table.with_columns(pl.col(*shares).fill_null(0.0)).sort("group")


def seed_tables(lists: pl.DataFrame, items: pl.DataFrame, settings: LastfmExposureSettings) -> dict[str, pl.DataFrame]:
    """exposure (group shares of the top-K slots) and first_rank (first focus-group artist) of one list file."""
    tables = provider_tables(lists, items, settings.top_k, settings.focus_group, complete_candidates=False)
    return {name: tables[name] for name in ("exposure", "first_rank")}


def exposure_against_baselines(per_seed: pl.DataFrame, base: pl.DataFrame) -> pl.DataFrame:
    """Mean/std over seeds of each model's group shares, next to the catalogue and listening shares."""
    summary = over_seeds(per_seed, ["model", "group"], ["slot_share", "weighted_share"])
    return (
        summary.join(base, on="group", how="left")
        .with_columns(
            (pl.col("slot_share_mean") / pl.col("catalogue_share")).alias("ratio_to_catalogue"),
            (pl.col("slot_share_mean") / pl.col("listening_share")).alias("ratio_to_listening"),
        )
        .fill_nan(None)
        .sort(["model", "group"])
    )


def summarise(topk_paths: list[str], paths: dict[str, str], settings: LastfmExposureSettings,
              description: dict, outputs: dict[str, str]) -> dict[str, pl.DataFrame]:
    """Rule fairness_lastfm: every top-K file -> exposure and first-rank tables (CSV + parquet) and tables.json.

    ``paths`` holds artists (artists.dat), demographics, train and cold_users; ``outputs`` maps exposure,
    first_female_rank and their ``_by_seed`` versions to path stems, and ``tables`` to the JSON.
    """
    if settings.top_k > settings.list_length:
        raise ConfigError(f"fairness.top_k ({settings.top_k}) exceeds the Last.fm list length lastfm.topk "
                          f"({settings.list_length})")
    items = artist_groups(paths["artists"], paths["demographics"])
    train = pl.read_parquet(paths["train"])
    cold = pl.read_parquet(paths["cold_users"])["user_id"]
    per_seed: dict[str, list[pl.DataFrame]] = {"exposure": [], "first_rank": []}
    for i, path in enumerate(topk_paths, 1):
        lists = read_topk(path).filter(~pl.col("user").is_in(cold.implode()))
        if lists.is_empty():
            raise InputDataError(path, "no list for a warm test user")
        labels = lists.select("model", "seed").unique()
        if labels.height != 1:
            raise InputDataError(path, f"rows of several models or seeds {labels.rows()}", column="model")
        model, seed = labels.row(0)
        for name, table in seed_tables(lists, items, settings).items():
            per_seed[name].append(table.with_columns(pl.lit(model).alias("model"), pl.lit(seed, pl.Int64).alias("seed")))
        log.info("%d/%d %s seed %d: lists of %d users", i, len(topk_paths), model, seed, lists["user"].n_unique())
    exposure_by_seed = pl.concat(per_seed["exposure"])
    first_by_seed = pl.concat(per_seed["first_rank"])
    tables = {
        "exposure": exposure_against_baselines(exposure_by_seed, baselines(items, train)),
        "exposure_by_seed": exposure_by_seed,
        "first_female_rank": over_seeds(first_by_seed, ["model"],
                                        ["users", "users_with_group", "share_with_group", "mean_first_rank"]),
        "first_female_rank_by_seed": first_by_seed,
    }
    for name, table in tables.items():
        write_parquet(table, f"{outputs[name]}.parquet")
        write_csv(table, f"{outputs[name]}.csv")
    write_json({
        **description, "k": settings.top_k, "focus_group": settings.focus_group, "lists": LISTS,
        "candidates": CANDIDATES, "catalogue": CATALOGUE, "listening": LISTENING, "pairs": PAIRS,
        "first_female_rank": (f"rank (1..K) of the first {settings.focus_group} artist in each top-K list; "
                              "share_with_group: share of users whose list has one; mean_first_rank over those"),
        "settings": asdict(settings),
        "seeds": {m: sorted(s) for m, s in exposure_by_seed.group_by("model").agg(pl.col("seed").unique()).iter_rows()},
    }, outputs["tables"])
    return tables
