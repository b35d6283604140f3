"""Serving a factor model's top-K lists through a FAISS index, with cold-start items projected from audio.

The source is another run's artefact folder (``factors.npz`` of :class:`~musicrec.models.factors.FactorRecommender`,
and ``held_out_items.parquet`` (item_id) when the source hid some items' training edges from its fit). Items
are *warm* when they have training pairs in the split and were not held out: they keep the source's item
vectors. Items that are not warm but have an audio embedding (the ``feature_prefix`` columns of the item
features, all non-null) are *cold*: a :class:`~musicrec.retrieval.projection.RidgeProjection` fitted on the
warm items with audio maps them into the factor space (the cold-start recipe of van den Oord et al.,
NeurIPS 2013). Items that are neither are not served. The index (:class:`~musicrec.retrieval.faiss_index.ItemIndex`:
IVF-Flat, HNSW, flat or auto; by inner product, or through the MIPS-to-L2 reduction of Bachrach et al., RecSys 2014,
with ``metric="l2_reduced"``) holds the warm and cold vectors, its ``nprobe`` / ``efSearch`` tuned against
exact search on the vectors of the users served (recall@10 to ``recall_target``); each served user (training
pairs in the split and a source vector) gets the index's top-K by inner product, as the source's own
``score`` would rank them.

Cold-start figures (:func:`~musicrec.metrics.ranking.cold_start_recall`): for the target pairs whose item is
cold, each such user ranks all cold items by user vector . projected vector; recall@K against a seeded random
order and its expectation K / n_cold.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
import polars as pl

from .. import models
from ..data import index_of, prefixed_matrix
from ..errors import InputDataError
from ..metrics.ranking import cold_start_recall
from ..schema import read_interactions, read_targets, topk_from_arrays
from ..training import Run
from .faiss_index import IndexSettings, ItemIndex, recall_at_k
from .projection import RidgeProjection

log = logging.getLogger(__name__)

HELD_OUT_FILE = "held_out_items.parquet"


@dataclass(frozen=True)
class SourceModel:
    """A factor model's vectors: ``user_factors`` (users x d) for ``user_ids``, ``item_factors`` (items x d)
    for ``item_ids``, and the ids of the items whose training edges it did not see (``held_out``)."""

    user_ids: np.ndarray
    user_factors: np.ndarray
    item_ids: np.ndarray
    item_factors: np.ndarray
    held_out: np.ndarray

    @classmethod
    def load(cls, folder) -> "SourceModel":
        folder = Path(folder)
        path = folder / "factors.npz"
        if not path.exists():
            raise InputDataError(path, "file not found: the source of a serving run must be a factor model "
                                 "(one that writes factors.npz)")
        held_path = folder / HELD_OUT_FILE
        held_out = (read_interactions(held_path, ("item_id",), "held-out items")["item_id"].to_numpy()
                    if held_path.exists() else np.zeros(0, dtype=np.int64))
        with np.load(path) as saved:
            return cls(saved["user_ids"], saved["user_factors"].astype(np.float32), saved["item_ids"],
                       saved["item_factors"].astype(np.float32), held_out)


def audio_embeddings(item_features: pl.DataFrame | None, item_ids: np.ndarray, prefix: str) -> np.ndarray | None:
    """The ``prefix`` columns of ``item_features`` aligned to ``item_ids`` (items x a, NaN rows where an item
    has no row or a null), or None when there are no such columns."""
    if item_features is None:
        return None
    aligned = (pl.DataFrame({"item_id": item_ids}).with_columns(pl.col("item_id").cast(item_features["item_id"].dtype))
               .join(item_features.unique("item_id", keep="first"), on="item_id", how="left", maintain_order="left"))
    found = prefixed_matrix(aligned, prefix)
    return None if found is None else found[0]


class ANNServer:
    """Fit with :meth:`fit` (builds the projection and the index); then :meth:`recommend`, :meth:`cold_start`
    and :meth:`report`. Hyper-parameters: the index kind (``ivf`` forces an IVF index even on a small
    catalogue) and metric (``ip`` or ``l2_reduced``), the recall@10 its search depth is tuned to, the IVF and
    HNSW sizes, the ridge ``alpha`` and the audio columns' ``feature_prefix``."""

    def __init__(self, index: str = "ivf", metric: str = "ip", recall_target: float = 0.95, ivf_min_items: int = 10_000,
                 nlist_factor: float = 4.0, hnsw_m: int = 32, ef_construction: int = 80,
                 max_tuning_queries: int = 20_000, alpha: float = 1.0, feature_prefix: str = "embed_",
                 seed: int = 0, threads: int = 1):
        self.index = index
        self.metric = metric
        self.recall_target = recall_target
        self.ivf_min_items = ivf_min_items
        self.nlist_factor = nlist_factor
        self.hnsw_m = hnsw_m
        self.ef_construction = ef_construction
        self.max_tuning_queries = max_tuning_queries
        self.alpha = alpha
        self.feature_prefix = feature_prefix
        self.seed = seed
        self.threads = threads

    def fit(self, source: SourceModel, train: pl.DataFrame, catalogue: np.ndarray,
            item_features: pl.DataFrame | None, users: np.ndarray) -> "ANNServer":
        """Index the ``catalogue``'s warm and cold items (``train``: user_id, item_id pairs of the split) and
        tune it on the vectors of ``users`` (those with training pairs and a source vector)."""
        items = np.unique(np.asarray(catalogue))
        source_rows = index_of(np.asarray(source.item_ids), items)
        warm = (source_rows >= 0) & np.isin(items, train["item_id"].unique().to_numpy()) & ~np.isin(
            items, source.held_out)
        audio = audio_embeddings(item_features, items, self.feature_prefix)
        has_audio = np.zeros(len(items), dtype=bool) if audio is None else ~np.isnan(audio).any(axis=1)
        cold = ~warm & has_audio
        vectors = np.zeros((len(items), source.item_factors.shape[1]), dtype=np.float32)
        vectors[warm] = source.item_factors[source_rows[warm]]
        self.projection_ = None
        if cold.any():
            self.projection_ = RidgeProjection(self.alpha, seed=self.seed).fit(
                audio[warm & has_audio], vectors[warm & has_audio])
            vectors[cold] = self.projection_.map(audio[cold])
        served = warm | cold
        self.item_ids_, self.item_vectors_, self.cold_ = items[served], vectors[served], cold[served]
        self.user_ids_, self.user_vectors_ = self._users(source, train, users)
        settings = IndexSettings(kind=self.index, metric=self.metric, ivf_min_items=self.ivf_min_items,
                                 nlist_factor=self.nlist_factor, recall_target=self.recall_target, hnsw_m=self.hnsw_m,
                                 ef_construction=self.ef_construction, k=10,
                                 max_tuning_queries=self.max_tuning_queries)
        self.index_ = ItemIndex(settings, self.seed, self.threads).build(self.item_vectors_, self.user_vectors_)
        log.info("serving %d warm and %d cold items (%d catalogue items without a vector) to %d users",
                 int((~self.cold_).sum()), int(self.cold_.sum()), int((~served).sum()), len(self.user_ids_))
        return self

    @staticmethod
    def _users(source: SourceModel, train: pl.DataFrame, users: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        users = np.unique(np.asarray(users))
        users = users[np.isin(users, train["user_id"].unique().to_numpy())]
        rows = index_of(np.asarray(source.user_ids), users)
        return users[rows >= 0], source.user_factors[rows[rows >= 0]]

    def recommend(self, k: int, train: pl.DataFrame, exclude_seen: bool, model: str) -> pl.DataFrame:
        """Top-``k`` lists (the top-K contract) of the served users through the index; with ``exclude_seen``
        the index is asked for k + the longest history and each user's training items are dropped.
        ``list_recall_``: recall@k of the index's answers (before that masking) against exact search."""
        k = min(int(k), len(self.item_ids_))
        seen = train.select("user_id", "item_id").unique().filter(pl.col("user_id").is_in(self.user_ids_))
        depth = min(len(self.item_ids_), k + (seen.group_by("user_id").len()["len"].max() or 0)) if exclude_seen else k
        scores, rows = self.index_.search(self.user_vectors_, depth)
        exact = faiss.IndexFlatIP(self.item_vectors_.shape[1])
        exact.add(self.item_vectors_)
        self.list_recall_ = recall_at_k(scores[:, :k], exact.search(self.user_vectors_, k)[0])
        items = np.where(rows >= 0, self.item_ids_[np.maximum(rows, 0)], self.item_ids_[0])
        scores = np.where(rows >= 0, scores, -np.inf)
        if exclude_seen:
            found = pl.DataFrame({"user_id": np.repeat(self.user_ids_, depth), "item_id": items.ravel()}).with_columns(
                pl.col("item_id").cast(seen["item_id"].dtype), pl.col("user_id").cast(seen["user_id"].dtype))
            hidden = found.with_row_index().join(seen, on=["user_id", "item_id"], how="semi")["index"].to_numpy()
            scores.ravel()[hidden] = -np.inf
        lists = topk_from_arrays(self.user_ids_, items, scores, model, self.seed)
        return lists.filter(pl.col("rank") <= k)

    def cold_start(self, targets: pl.DataFrame, k_values) -> dict:
        """:func:`cold_start_recall` of the target (user, item) pairs whose item is cold, over all cold items."""
        cold_ids = self.item_ids_[self.cold_]
        pairs = targets.filter(pl.col("item").is_in(cold_ids) & pl.col("user").is_in(self.user_ids_))
        users = np.unique(pairs["user"].to_numpy())
        rows = index_of(self.user_ids_, users)
        relevant = np.zeros((len(users), len(cold_ids)), dtype=bool)
        relevant[index_of(users, pairs["user"].to_numpy()), index_of(cold_ids, pairs["item"].to_numpy())] = True
        scores = self.user_vectors_[rows] @ self.item_vectors_[self.cold_].T
        figures = cold_start_recall(scores, relevant, k_values, self.seed)
        log.info("cold start: %d target pairs of %d users on %d cold items: %s", figures["pairs"], figures["users"],
                 figures["cold_items"], {k: round(v, 4) for k, v in figures.items() if "recall" in k})
        return figures

    def report(self) -> dict:
        return {"warm_items": int((~self.cold_).sum()), "cold_items": int(self.cold_.sum()),
                "device": self.index_.report["device"],
                "served_users": int(len(self.user_ids_)),
                "projection": None if self.projection_ is None else self.projection_.report(),
                "index": self.index_.report}


def serve(run: Run, source_name: str, source_seed: int, paths: dict[str, str], list_length: int,
          exclude_seen: bool, k_values) -> tuple[pl.DataFrame, dict]:
    """The serve job: fit ``run``'s server on the source run's artefacts (``paths["models"]``) and the split
    (train, targets, catalogue, item_features) and return (top-K lists, report)."""
    train = read_interactions(paths["train"], ("user_id", "item_id"), "interactions")
    targets = read_targets(paths["targets"])
    catalogue = read_interactions(paths["catalogue"], ("item_id",), "catalogue")["item_id"].to_numpy()
    features = read_interactions(paths["item_features"], ("item_id",), "item features") if paths.get(
        "item_features") else None
    server = models.build(run.registry, run.hyperparameters, run.seed, run.threads).fit(
        SourceModel.load(paths["models"]), train, catalogue, features, targets["user"].unique().to_numpy())
    lists = server.recommend(list_length, train, exclude_seen, run.model)
    report = {**run.describe(), "source": source_name, "source_seed": source_seed, "list_length": list_length,
              "exclude_seen": exclude_seen, **server.report(),
              f"list_recall@{list_length}_vs_exact": server.list_recall_,
              "cold_start": {"definition": "target pairs whose item is cold for the source; each user ranks "
                                           "all cold items by user vector . projected vector",
                             **server.cold_start(targets, k_values)}}
    return lists, report
