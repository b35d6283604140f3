"""Last.fm stage, neural models: SASRec and the two-tower model with FAISS retrieval, one seed per call.

Both write top-K lists in the stage's contract (``pipelines.lastfm.TOPK_COLUMNS``), ranked over the full
catalogue (every artist of artists.parquet) minus the user's training artists, for the users of the test
split they can score, plus a JSON training report. The two-tower rule also writes the FAISS index with
its measured recall against exact search, and a cold-start metrics file.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import polars as pl
import torch

from .. import torch_utils
from ..datasets import lastfm
from ..errors import InputDataError
from ..io import write_json, write_parquet
from ..metrics.ranking import ranking_metrics
from ..models.sasrec import SASRecModel, SASRecParams
from ..models.two_tower import TwoTowerModel, TwoTowerParams
from ..retrieval.faiss_index import IndexSettings, ItemIndex
from ..seeding import seed_everything
from .lastfm import TOPK_COLUMNS

log = logging.getLogger(__name__)

# Heavy-tailed counts enter the towers as log1p; the other columns are already on a log or share scale.
USER_COUNT_FEATURES = ("user_artists", "user_plays", "friends", "tags_applied")
USER_SCALED_FEATURES = ("user_mean_log_weight", "user_entropy", "user_mainstream")
ITEM_COUNT_FEATURES = ("listeners", "plays", "tag_users", "tag_assignments", "tag_distinct", "spotify_songs")
ITEM_SCALED_FEATURES = ("mean_log_weight",)
ITEM_SCALED_PREFIXES = ("audio_", "tag_")  # audio profile (NaN where unmatched) and tag shares
FALLBACK = ("cold users (no training pairs): the normalised mean two-tower vector of their friends "
            "(user_friends.dat) who have training pairs; users with no such friend get the population "
            "average (normalised mean of all warm users' vectors). Cold artists (no training pairs): "
            "content-only item tower (id embedding dropped; trained with id dropout)")


@dataclass(frozen=True)
class NeuralRun:
    model: str
    seed: int
    topk: int
    hyperparameters: dict
    threads: int = 1
    k_values: tuple[int, ...] = (5, 10, 20)


def _catalogue(artists_path: str) -> np.ndarray:
    ids = pl.read_parquet(artists_path, columns=["artist_id"])["artist_id"].to_numpy()
    if ids.size == 0:
        raise InputDataError(artists_path, "no artists", column="artist_id")
    return np.sort(ids)


def _item_indices(artist_ids: np.ndarray, catalogue: np.ndarray, path: str) -> np.ndarray:
    """Positions of ``artist_ids`` in the sorted catalogue; unknown ids are an input error."""
    positions = np.searchsorted(catalogue, artist_ids)
    positions = np.minimum(positions, len(catalogue) - 1)
    unknown = catalogue[positions] != artist_ids
    if unknown.any():
        raise InputDataError(path, f"{int(unknown.sum())} artist id(s) absent from artists.parquet "
                             f"(e.g. {artist_ids[unknown][0]})", column="artist_id")
    return positions


def topk_frame(users: np.ndarray, items: np.ndarray, scores: np.ndarray, catalogue: np.ndarray,
               model: str, seed: int) -> pl.DataFrame:
    """Rows (user, item, score, rank, model, seed) from per-user item-index and score matrices (best first);
    entries with a non-finite score or an item index of -1 (nothing found) are dropped."""
    k = items.shape[1]
    keep = (np.isfinite(scores) & (items >= 0)).ravel()
    frame = pl.DataFrame({
        "user": np.repeat(users, k),
        "item": catalogue[np.maximum(items, 0)].ravel(),
        "score": scores.astype(np.float64).ravel(),
    }).filter(pl.Series(keep))
    return (frame.with_columns(pl.int_range(1, pl.len() + 1).over("user").alias("rank"),
                               pl.lit(model).alias("model"), pl.lit(seed).alias("seed"))
            .select([pl.col(c).cast(t) for c, t in TOPK_COLUMNS.items()]))


def _device_report(device: torch.device) -> dict:
    return {"device": str(device), "mixed_precision": torch_utils.uses_mixed_precision(device)}


def run_sasrec(run: NeuralRun, paths: dict[str, str], out: dict[str, str]) -> dict:
    """Rule lastfm_sasrec: fit on every user's ordered training artists; top-K for the test users that have
    a training sequence (cold users have none, so SASRec gives them no list)."""
    seed_everything(run.seed)
    catalogue = _catalogue(paths["artists"])
    sequences = pl.read_parquet(paths["sequences"]).sort("user_id", "position")
    missing = [c for c in ("user_id", "artist_id", "position", "ordered_by") if c not in sequences.columns]
    if missing:
        raise InputDataError(paths["sequences"], "missing column of the sequences contract", column=missing[0])
    sequences = sequences.with_columns(
        pl.Series("item", _item_indices(sequences["artist_id"].to_numpy(), catalogue, paths["sequences"])))
    grouped = sequences.group_by("user_id", maintain_order=True).agg("item")
    histories = {u: np.asarray(items, dtype=np.int64) for u, items in grouped.iter_rows()}
    params = SASRecParams(**run.hyperparameters)
    model = SASRecModel(len(catalogue), params, run.seed, run.threads)
    started = time.perf_counter()
    model.fit(list(histories.values()))
    train_seconds = time.perf_counter() - started
    test_users = np.unique(pl.read_parquet(paths["test"])["user_id"].to_numpy())
    scored = np.array([u for u in test_users if u in histories], dtype=np.int64)
    started = time.perf_counter()
    items, scores = model.recommend([histories[u] for u in scored], run.topk)
    lists = topk_frame(scored, items, scores, catalogue, run.model, run.seed)
    order_counts = dict(sequences.group_by("ordered_by").len().iter_rows())
    sampled = 0 < params.negatives < len(catalogue)
    report = {
        "model": run.model, "seed": run.seed, "hyperparameters": run.hyperparameters,
        "training_order": ("each user's training artists ordered by first tagging date (user_taggedartists.dat); "
                           "artists the user never tagged follow, by listening weight (heaviest first)"),
        "training_rows_by_order_key": order_counts,
        "objective": "next-item softmax cross-entropy at every position against "
                     + (f"{params.negatives} uniformly sampled negatives shared per batch" if sampled
                        else "the full catalogue"),
        "candidates": "full catalogue minus the user's training artists",
        "users_scored": int(len(scored)), "test_users_without_sequence": int(len(test_users) - len(scored)),
        "epoch_losses": [round(x, 5) for x in model.epoch_losses],
        "train_seconds": round(train_seconds, 3), "recommend_seconds": round(time.perf_counter() - started, 3),
        **_device_report(model.device),
    }
    write_parquet(lists, out["topk"])
    write_json(report, out["report"])
    log.info("SASRec seed %d: %d users scored in %.1f s of training", run.seed, len(scored), train_seconds)
    return report


def _feature_matrix(table: pl.DataFrame, counts: tuple[str, ...], scaled: list[str], path: str) -> np.ndarray:
    """log1p of the count columns next to the already scaled ones (nulls become NaN)."""
    missing = [c for c in (*counts, *scaled) if c not in table.columns]
    if missing:
        raise InputDataError(path, f"missing feature column(s) {missing}", column=missing[0])
    columns = [pl.col(c).cast(pl.Float64).log1p() for c in counts]
    columns += [pl.col(c).cast(pl.Float64) for c in scaled]
    return table.select(columns).fill_null(float("nan")).to_numpy()


def _friends(path: str, users: np.ndarray, user_index: dict[int, int]) -> list[np.ndarray]:
    """For each of ``users``: the indices of their friends who are in ``user_index``."""
    friends = lastfm.read_table(path, "user_friends")
    by_user = dict(friends.group_by("userID").agg("friendID").iter_rows())
    return [np.array([user_index[f] for f in by_user.get(int(u), []) if f in user_index], dtype=np.int64)
            for u in users]


def _search_unseen(index: ItemIndex, queries: np.ndarray, seen: list[set[int]], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k`` per query from the index, skipping each query's ``seen`` items."""
    depth = k + max((len(s) for s in seen), default=0)
    scores, items = index.search(queries, depth)
    out_items = np.full((len(queries), k), -1, dtype=np.int64)
    out_scores = np.full((len(queries), k), -np.inf, dtype=np.float64)
    for row, (found, found_scores) in enumerate(zip(items, scores)):
        keep = [j for j, item in enumerate(found) if item >= 0 and int(item) not in seen[row]][:k]
        out_items[row, :len(keep)] = found[keep]
        out_scores[row, :len(keep)] = found_scores[keep]
    return out_items, out_scores


def run_two_tower(run: NeuralRun, paths: dict[str, str], out: dict[str, str]) -> dict:
    """Rule lastfm_two_tower: train, index the item vectors in FAISS, retrieve top-K for warm test users
    and (through the fallback) cold users, and evaluate the cold users separately."""
    seed_everything(run.seed)
    hyperparameters = dict(run.hyperparameters)
    settings = IndexSettings(k=10, **hyperparameters.pop("index", {}))
    catalogue = _catalogue(paths["artists"])
    artists = pl.read_parquet(paths["artists"]).sort("artist_id")
    train = pl.read_parquet(paths["train"])
    test = pl.read_parquet(paths["test"])
    cold_users = np.sort(pl.read_parquet(paths["cold_users"])["user_id"].to_numpy())
    warm_ids = np.unique(train["user_id"].to_numpy())
    user_index = {int(u): i for i, u in enumerate(warm_ids)}
    user_table = pl.DataFrame({"user_id": warm_ids}).join(pl.read_parquet(paths["users"]), on="user_id", how="left")
    user_features = _feature_matrix(user_table, USER_COUNT_FEATURES, list(USER_SCALED_FEATURES), paths["users"])
    scaled_items = [*ITEM_SCALED_FEATURES, *(c for c in artists.columns
                                            if c.startswith(ITEM_SCALED_PREFIXES) and c not in ITEM_COUNT_FEATURES)]
    item_features = _feature_matrix(artists, ITEM_COUNT_FEATURES, scaled_items, paths["artists"])
    pair_users = np.array([user_index[u] for u in train["user_id"].to_list()], dtype=np.int64)
    pair_items = _item_indices(train["artist_id"].to_numpy(), catalogue, paths["train"])

    model = TwoTowerModel(len(warm_ids), len(catalogue), TwoTowerParams(**hyperparameters), run.seed, run.threads)
    started = time.perf_counter()
    model.fit(pair_users, pair_items, user_features, item_features)
    train_seconds = time.perf_counter() - started

    index = ItemIndex(settings, run.seed, run.threads).build(model.item_vectors())
    index.save(out["index"])

    test_users = np.unique(test["user_id"].to_numpy())
    warm_test = test_users[np.isin(test_users, warm_ids)]
    seen_by_user: dict[int, set[int]] = {}
    for u, i in zip(pair_users, pair_items):
        seen_by_user.setdefault(int(u), set()).add(int(i))
    warm_rows = np.array([user_index[int(u)] for u in warm_test], dtype=np.int64)
    started = time.perf_counter()
    warm_items, warm_scores = _search_unseen(index, model.user_vectors()[warm_rows],
                                             [seen_by_user[int(r)] for r in warm_rows], run.topk)
    retrieve_seconds = time.perf_counter() - started
    cold_test = test_users[np.isin(test_users, cold_users) & ~np.isin(test_users, warm_ids)]
    cold_vectors, friends_used = model.fallback_user_vectors(_friends(paths["friends"], cold_test, user_index))
    cold_scores, cold_items = index.search(cold_vectors, run.topk)
    warm_lists = topk_frame(warm_test, warm_items, warm_scores, catalogue, run.model, run.seed)
    cold_lists = topk_frame(cold_test, cold_items, cold_scores, catalogue, run.model, run.seed)
    write_parquet(pl.concat([warm_lists, cold_lists]), out["topk"])

    index_report = {**index.report, "seed": run.seed, "item_vectors": "two-tower item tower, L2-normalised",
                    "user_queries_seconds": round(retrieve_seconds, 4)}
    write_json(index_report, out["index_report"])
    cold_report = _cold_start_report(run, test, cold_test, cold_lists, friends_used, model, index, catalogue)
    write_json(cold_report, out["cold_metrics"])
    report = {
        "model": run.model, "seed": run.seed, "hyperparameters": run.hyperparameters,
        "user_features": {"log1p": list(USER_COUNT_FEATURES), "as is": list(USER_SCALED_FEATURES)},
        "item_features": {"log1p": list(ITEM_COUNT_FEATURES), "as is": scaled_items},
        "retrieval": f"FAISS {index.report['index_type']} over item vectors (see the index report)",
        "cold_start_fallback": FALLBACK,
        "candidates": "full catalogue minus the user's training artists",
        "users_scored": int(len(warm_test)), "cold_users_scored": int(len(cold_test)),
        "epoch_losses": [round(x, 5) for x in model.epoch_losses],
        "train_seconds": round(train_seconds, 3), **_device_report(model.device),
    }
    write_json(report, out["report"])
    log.info("two-tower seed %d: %d warm + %d cold users, index recall@10 vs exact %.4f", run.seed, len(warm_test),
             len(cold_test), index.report["recall_at_k_vs_exact"])
    return report


def _cold_start_report(run: NeuralRun, test: pl.DataFrame, cold_test: np.ndarray, cold_lists: pl.DataFrame,
                       friends_used: np.ndarray, model: TwoTowerModel, index: ItemIndex,
                       catalogue: np.ndarray) -> dict:
    """Metrics of the fallback lists on the held-out cold users, next to the population-average-only lists."""
    relevant = (test.filter(pl.col("user_id").is_in(pl.Series(cold_test).implode()))
                .select(pl.col("user_id").alias("user"), pl.col("artist_id").alias("item")))
    population, _ = model.fallback_user_vectors([np.array([], dtype=np.int64)])
    pop_scores, pop_items = index.search(np.repeat(population, len(cold_test), axis=0), run.topk)
    population_lists = topk_frame(cold_test, pop_items, pop_scores, catalogue, run.model, run.seed)
    return {
        "model": f"{run.model}_cold", "seed": run.seed,
        "protocol": {
            "split": "held-out cold users of the split (all their pairs in test, none in train)",
            "k_values": sorted(run.k_values), "relevant": "all the cold user's artists (binary relevance)",
            "candidates": "full catalogue (no training artists to exclude)",
            "users_evaluated": int(len(cold_test)), "catalogue_size": int(len(catalogue)),
            "averaging": "macro over users",
        },
        "fallback": FALLBACK,
        "users_with_friend_fallback": int((friends_used > 0).sum()),
        "users_with_population_average": int((friends_used == 0).sum()),
        "metrics": ranking_metrics(cold_lists, relevant, run.k_values, len(catalogue)) if len(cold_test) else {},
        "population_average_only_metrics": (ranking_metrics(population_lists, relevant, run.k_values, len(catalogue))
                                            if len(cold_test) else {}),
    }
