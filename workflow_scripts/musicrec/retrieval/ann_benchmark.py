"""The ANN benchmark at catalogue scale: recall@k against exact search and queries per second of FAISS
indexes (Douze et al., "The Faiss library", 2024) over one million and more vectors, next to the same curves
on uniform vectors on the sphere. Each variant is an :class:`~musicrec.retrieval.faiss_index.ItemIndex` kind
and metric: IVF-Flat (Jegou et al., TPAMI 2011) over nprobe, or HNSW (Malkov and Yashunin, TPAMI 2018) over
efSearch, searching by inner product (``ip``) or through the MIPS-to-L2 reduction of Bachrach et al.
(RecSys 2014, ``l2_reduced``).

The stage's own vectors: a factor model's item vectors of the Yambda demo plus the audio embeddings of the
50m-shaped demo catalogue (about 1.7M items), mapped into the factor space by the
:class:`~musicrec.retrieval.projection.RidgeProjection` fitted on the demo's warm items; the queries are the
demo's user vectors (every user with training pairs). The baseline draws as many item vectors and queries
uniformly on the unit sphere of the same dimension. Per vector set, exact search (IndexFlatIP) runs once
and every point of every variant is timed against it in the same process with the same thread count
(:meth:`ItemIndex.search`, the re-scoring of ``l2_reduced`` included). Recall@k is
:func:`~musicrec.retrieval.faiss_index.recall_at_k` (ties count). Where the stage's vectors fall:
``norm_quantiles`` (of the warm items', the projected items' and the queries' norms) and the share of the
exact top-k that are warm items (:func:`where_vectors_fall`): a ridge map explaining part of the variance
shrinks the projected vectors towards the mean, so their norms, and their inner products with the users,
are smaller than the warm ones'. ``effective_dimension`` (the participation ratio (sum l)^2 / sum l^2 of the
covariance eigenvalues l) says how many directions the vectors really use: an IVF partition separates vectors
that occupy a few directions, or clusters, far better than isotropic ones, whose neighbours are spread over
many cells.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import faiss
import numpy as np
import polars as pl
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .faiss_index import IndexSettings, ItemIndex, default_nlist, recall_at_k, timed_search
from .projection import RidgeProjection
from .serving import SourceModel, audio_embeddings

log = logging.getLogger(__name__)


def uniform_sphere(n: int, dim: int, seed: int) -> np.ndarray:
    """``n`` float32 vectors uniform on the unit sphere of ``dim`` dimensions (normalised Gaussians)."""
    vectors = np.random.default_rng(seed).standard_normal((n, dim), dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def effective_dimension(vectors: np.ndarray, sample: int = 100_000, seed: int = 0) -> float:
    """Participation ratio of the covariance eigenvalues of (a seeded sample of) ``vectors``."""
    rows = np.random.default_rng(seed).choice(len(vectors), min(sample, len(vectors)), replace=False)
    eigenvalues = np.linalg.eigvalsh(np.cov(vectors[rows].astype(np.float64), rowvar=False))
    return float(eigenvalues.sum() ** 2 / np.square(eigenvalues).sum())


def _timed(search, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, float]:
    """(scores, ids, queries per second) of ``search(queries, k)``."""
    scores, ids, seconds = timed_search(search, queries, k)
    return scores, ids, len(queries) / max(seconds, 1e-9)


@dataclass(frozen=True)
class Variant:
    """One curve: an index ``kind`` (ivf: over ``nprobe``; hnsw: over ``efSearch``) and ``metric``."""

    kind: str
    metric: str

    @property
    def parameter(self) -> str:
        return "nprobe" if self.kind == "ivf" else "efSearch"


def variant_curve(vectors: np.ndarray, queries: np.ndarray, exact_scores: np.ndarray, exact_qps: float,
                  label: str, variant: Variant, settings: IndexSettings, values, seed: int,
                  threads: int) -> tuple[list[dict], float]:
    """Build ``variant``'s index (CPU) over ``vectors`` and time its search at each of ``values`` of its
    parameter: rows (vectors, index, metric, parameter, value, recall@k, qps, exact qps, speed-up) and the
    build seconds."""
    k = exact_scores.shape[1]
    index = ItemIndex(replace(settings, kind=variant.kind, metric=variant.metric), seed, threads, use_gpu=False)
    started = time.perf_counter()
    built = index.add(vectors)
    build_seconds = time.perf_counter() - started
    name = f"IVF{built['nlist']},Flat" if variant.kind == "ivf" else f"HNSW{built['M']},Flat"
    log.info("%s %s %s built in %.1f s", label, name, variant.metric, build_seconds)
    rows = []
    for value in values:
        value = min(int(value), built["nlist"]) if variant.kind == "ivf" else int(value)
        index.set_search_parameter(variant.parameter, value)
        scores, _, qps = _timed(index.search, queries, k)
        rows.append({"vectors": label, "index": name, "metric": variant.metric, "parameter": variant.parameter,
                     "value": value, f"recall@{k}": recall_at_k(scores, exact_scores), "qps": round(qps, 1),
                     "exact_qps": round(exact_qps, 1), "speedup_vs_exact": round(qps / exact_qps, 3)})
        log.info("%s %s %s %s %d: recall@%d %.4f, %.1f queries/s (%.1fx exact)", label, name, variant.metric,
                 variant.parameter, value, k, rows[-1][f"recall@{k}"], qps, qps / exact_qps)
    return rows, build_seconds


def where_vectors_fall(vectors: np.ndarray, queries: np.ndarray, warm_items: int, exact_ids: np.ndarray) -> dict:
    """Norm quantiles (0, 5, 50, 95, 100 %) of the first ``warm_items`` vectors, the rest (projected) and the
    queries, and the share of the exact top-k answers that are warm items."""
    def quantiles(rows: np.ndarray) -> list[float]:
        norms = np.linalg.norm(rows, axis=1)
        return [round(float(v), 3) for v in np.percentile(norms, [0, 5, 50, 95, 100])] if len(norms) else []

    return {"norm_quantiles": {"percent": [0, 5, 50, 95, 100], "warm_items": quantiles(vectors[:warm_items]),
                               "projected_items": quantiles(vectors[warm_items:]), "queries": quantiles(queries)},
            "exact_top_k_warm_share": round(float((exact_ids[exact_ids >= 0] < warm_items).mean()), 5)}


def projected_embeddings(path, projection: RidgeProjection, column: str = "normalized_embed",
                         batch_rows: int = 100_000) -> np.ndarray:
    """The rows of an embeddings parquet file (a list column of equal-length floats; null rows skipped)
    mapped through ``projection``, read ``batch_rows`` at a time."""
    parts = []
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows, columns=[column]):
        values = batch.column(0).filter(pc.is_valid(batch.column(0)))
        flat = values.flatten().to_numpy(zero_copy_only=False)
        parts.append(projection.map(flat.reshape(len(values), -1)))
    return np.concatenate(parts)


def stage_vectors(source_folder, train: pl.DataFrame, item_features: pl.DataFrame, embeddings_path,
                  alpha: float, seed: int, feature_prefix: str = "embed_") -> tuple[np.ndarray, np.ndarray, dict]:
    """(item vectors: the source's (``source_folder``: its models folder) warm item vectors then the projected
    50m-shaped embeddings; user queries; the projection's report)."""
    source = SourceModel.load(source_folder)
    item_ids, item_factors, user_ids, user_factors = (source.item_ids, source.item_factors, source.user_ids,
                                                      source.user_factors)
    warm = np.isin(item_ids, train["item_id"].unique().to_numpy())
    audio = audio_embeddings(item_features, item_ids, feature_prefix)
    fitted = warm & ~np.isnan(audio).any(axis=1)
    projection = RidgeProjection(alpha, seed=seed).fit(audio[fitted], item_factors[fitted])
    vectors = np.concatenate([item_factors[warm], projected_embeddings(embeddings_path, projection)])
    queries = user_factors[np.isin(user_ids, train["user_id"].unique().to_numpy())]
    return vectors, queries, {"warm_items": int(warm.sum()), **projection.report()}


def run_benchmark(vectors: np.ndarray, queries: np.ndarray, k: int, variants, nprobes, ef_searches, seed: int,
                  threads: int, nlist: int | None = None, max_points_per_centroid: int = 256, hnsw_m: int = 16,
                  ef_construction: int = 40, recall_target: float = 0.95,
                  warm_items: int | None = None) -> tuple[pl.DataFrame, dict]:
    """The curves (per vector set and variant, a mapping of ``index`` (ivf | hnsw) and ``metric`` (ip |
    l2_reduced), one row per nprobe or efSearch) and the summary: per vector set, the exact search and, per
    variant, the build time and the first point whose recall@k reaches ``recall_target``. The vector sets:
    ``stage`` (all of ``vectors``), with ``warm_items`` (the stage's first rows: the source's own item
    vectors) also ``stage_projected`` (the projected rows alone: the exact top-k of the whole stage is
    mostly warm items, whose long vectors an index separates easily, so this set is the harder half) and
    :func:`where_vectors_fall`; and ``uniform_sphere``, as many vectors and queries uniform on the sphere."""
    faiss.omp_set_num_threads(int(threads))
    variants = [Variant(v["index"], v["metric"]) for v in variants]
    nlist = nlist or default_nlist(len(vectors), 4.0)
    settings = IndexSettings(nlist=nlist, max_points_per_centroid=max_points_per_centroid, hnsw_m=hnsw_m,
                             ef_construction=ef_construction, k=k)
    rows, summary = [], {"threads": int(threads), "k": int(k), "nlist": int(nlist),
                         "max_points_per_centroid": int(max_points_per_centroid), "hnsw_m": int(hnsw_m),
                         "ef_construction": int(ef_construction), "recall_target": recall_target}
    baseline = (uniform_sphere(len(vectors), vectors.shape[1], seed), uniform_sphere(len(queries), queries.shape[1],
                                                                                        seed + 1))
    sets = [("stage", (vectors, queries))]
    if warm_items is not None:
        sets.append(("stage_projected", (vectors[warm_items:], queries)))
    for label, (items, users) in (*sets, ("uniform_sphere", baseline)):
        items = np.ascontiguousarray(items, dtype=np.float32)
        users = np.ascontiguousarray(users, dtype=np.float32)
        exact = faiss.IndexFlatIP(items.shape[1])
        exact.add(items)
        exact_scores, exact_ids, exact_qps = _timed(exact.search, users, k)
        del exact
        log.info("%s: %d x %d vectors, exact search %.1f queries/s", label, *items.shape, exact_qps)
        facts = {"n_items": int(len(items)), "dimension": int(items.shape[1]), "queries": int(len(users)),
                 "exact_qps": round(exact_qps, 1),
                 "effective_dimension": round(effective_dimension(items, seed=seed), 2)}
        if label == "stage" and warm_items is not None:
            facts.update(where_vectors_fall(items, users, warm_items, exact_ids))
        for variant in variants:
            values = nprobes if variant.kind == "ivf" else ef_searches
            curve, build_seconds = variant_curve(items, users, exact_scores, exact_qps, label, variant, settings,
                                                 values, seed, threads)
            reached = [row for row in curve if row[f"recall@{k}"] >= recall_target]
            facts[f"{variant.kind}_{variant.metric}"] = {"build_seconds": round(build_seconds, 2),
                                                         "first_reaching_target": reached[0] if reached else None}
            rows += curve
        summary[label] = facts
    return pl.DataFrame(rows), summary
