"""A FAISS inner-product index over item embeddings, sized to the catalogue and checked against exact search.

Small catalogues get an exact flat index. Large ones get an inverted-file index (IVF-Flat) with
``nlist ~ nlist_factor * sqrt(n)`` cells (at most n / 39, the fewest training points per cell
FAISS accepts), whose ``nprobe`` is tuned upwards (1, 2, 4, ...) until the
share of queries whose top-k equals the exact flat search's (up to ties) reaches ``same_top_k_target``
(which implies recall@k of at least as much); the queries of the tuning
are the items themselves (all of them, or a seeded sample of ``max_tuning_queries``). When FAISS was
built with GPU support and sees a GPU, the index lives on it (``StandardGpuResources``); the saved file
is always the CPU form, so it loads anywhere.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import faiss
import numpy as np

from ..io import atomic_path

log = logging.getLogger(__name__)

INDEX_KINDS = ("auto", "flat", "ivf")


@dataclass(frozen=True)
class IndexSettings:
    """How to index: ``auto`` is flat below ``ivf_min_items`` items and IVF from there on."""

    kind: str = "auto"
    ivf_min_items: int = 10_000
    nlist_factor: float = 4.0
    same_top_k_target: float = 0.95
    k: int = 10
    max_tuning_queries: int = 20_000

    def __post_init__(self):
        if self.kind not in INDEX_KINDS:
            raise ValueError(f"index kind must be one of {INDEX_KINDS}, not {self.kind!r}")


def gpu_available() -> bool:
    """True when this FAISS build has GPU support and sees at least one GPU."""
    return hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0


def _hits(found_scores: np.ndarray, exact_scores: np.ndarray, tolerance: float) -> np.ndarray:
    """Per answer: does it score at least the query's k-th best exact score (within ``tolerance``)?

    Ties at the k-th score make several top-k sets equally right (on learned embeddings, e.g. cold
    artists with identical content get identical vectors), so an answer counts by its score, not its id,
    as in ANN benchmarks' distance-based recall. Missing answers (FAISS's -1 / lowest score) never count.
    """
    kth = exact_scores[:, -1:]
    return found_scores >= kth - tolerance * np.maximum(1.0, np.abs(kth))


def recall_at_k(found_scores: np.ndarray, exact_scores: np.ndarray, tolerance: float = 1e-5) -> float:
    """Mean over queries of the share of the k answers that belong to an exact top-k (ties included)."""
    return float(_hits(found_scores, exact_scores, tolerance).mean()) if len(found_scores) else float("nan")


def identical_share(found_scores: np.ndarray, exact_scores: np.ndarray, tolerance: float = 1e-5) -> float:
    """Share of queries whose k answers are all an exact top-k (the same top-k up to ties)."""
    return float(_hits(found_scores, exact_scores, tolerance).all(axis=1).mean()) if len(found_scores) else float("nan")


def _timed_search(index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, float]:
    started = time.perf_counter()
    scores, ids = index.search(queries, k)
    return scores, ids, time.perf_counter() - started


class ItemIndex:
    """Build with :meth:`build`; then :meth:`search`, :meth:`save`, and the build facts in ``report``."""

    def __init__(self, settings: IndexSettings, seed: int, threads: int = 1, use_gpu: bool | None = None):
        self.settings = settings
        self.seed = int(seed)
        self.threads = int(threads)
        self.use_gpu = gpu_available() if use_gpu is None else bool(use_gpu)
        self.index = None
        self.report: dict = {}
        self._gpu_resources = None

    def _chosen_kind(self, n_items: int) -> str:
        if self.settings.kind != "auto":
            return self.settings.kind
        return "ivf" if n_items >= self.settings.ivf_min_items else "flat"

    def _to_device(self, index):
        if not self.use_gpu:
            return index
        if self._gpu_resources is None:
            self._gpu_resources = faiss.StandardGpuResources()
        return faiss.index_cpu_to_gpu(self._gpu_resources, 0, index)

    def _set_nprobe(self, nprobe: int) -> None:
        space = faiss.GpuParameterSpace() if self.use_gpu else faiss.ParameterSpace()
        space.set_index_parameter(self.index, "nprobe", int(nprobe))

    def _flat(self, vectors: np.ndarray):
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return self._to_device(index)

    def _ivf(self, vectors: np.ndarray, nlist: int):
        quantizer = faiss.IndexFlatIP(vectors.shape[1])
        index = faiss.IndexIVFFlat(quantizer, vectors.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = self.seed
        index = self._to_device(index)
        index.train(vectors)
        index.add(vectors)
        return index

    def _tuning_queries(self, vectors: np.ndarray) -> np.ndarray:
        n = vectors.shape[0]
        if n <= self.settings.max_tuning_queries:
            return vectors
        rows = np.random.default_rng(self.seed).choice(n, self.settings.max_tuning_queries, replace=False)
        return vectors[np.sort(rows)]

    def build(self, vectors: np.ndarray) -> "ItemIndex":
        """Index ``vectors`` (rows are items; ids are row numbers) and measure it against exact search."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n_items, dim = vectors.shape
        faiss.omp_set_num_threads(self.threads)
        kind = self._chosen_kind(n_items)
        k = min(self.settings.k, n_items)
        queries = self._tuning_queries(vectors)
        started = time.perf_counter()
        exact_index = self._flat(vectors)
        exact_scores, _, exact_seconds = _timed_search(exact_index, queries, k)
        parameters: dict = {}
        if kind == "flat":
            self.index = exact_index
        else:
            nlist = max(1, min(n_items // 39, round(self.settings.nlist_factor * math.sqrt(n_items))))
            self.index = self._ivf(vectors, nlist)
            parameters = {"nlist": nlist, **self._tune_nprobe(queries, exact_scores, k, nlist)}
        build_seconds = time.perf_counter() - started
        found_scores, _, ann_seconds = _timed_search(self.index, queries, k)
        self.report = {
            "index_type": "IndexFlatIP" if kind == "flat" else "IndexIVFFlat",
            "metric": "inner product",
            "device": "gpu" if self.use_gpu else "cpu",
            "n_items": n_items,
            "dimension": dim,
            "parameters": parameters,
            "build_seconds": round(build_seconds, 4),
            "k": k,
            "queries": f"{queries.shape[0]} item embeddings "
            + ("(all items)" if queries.shape[0] == n_items else "(seeded sample of the items)"),
            "recall_at_k_vs_exact": recall_at_k(found_scores, exact_scores),
            "identical_top_k_share_vs_exact": identical_share(found_scores, exact_scores),
            "recall_definition": "share of the index's top-k answers scoring at least the exact k-th best "
                                 "score (ties count: identical vectors make several top-k sets exact)",
            "exact_query_seconds": round(exact_seconds, 4),
            "index_query_seconds": round(ann_seconds, 4),
            "query_time_ratio": round(ann_seconds / exact_seconds, 4) if exact_seconds > 0 else None,
        }
        log.info("FAISS %s over %d items (dim %d): recall@%d vs exact %.4f, query time %.3fs vs exact %.3fs",
                 self.report["index_type"], n_items, dim, k, self.report["recall_at_k_vs_exact"],
                 ann_seconds, exact_seconds)
        return self

    def _tune_nprobe(self, queries: np.ndarray, exact_scores: np.ndarray, k: int, nlist: int) -> dict:
        """Smallest nprobe (to within 1/8) at which at least ``same_top_k_target`` of the queries get an exact
        top-k (so recall@k reaches the target too): doubling, then bisection."""
        tried: dict[int, tuple[float, float]] = {}

        def same_share(nprobe: int) -> float:
            self._set_nprobe(nprobe)
            found_scores, _, _ = _timed_search(self.index, queries, k)
            tried[nprobe] = (identical_share(found_scores, exact_scores), recall_at_k(found_scores, exact_scores))
            log.info("IVF nlist %d, nprobe %d: exact top-%d for %.4f of queries, recall@%d %.4f", nlist, nprobe, k,
                     tried[nprobe][0], k, tried[nprobe][1])
            return tried[nprobe][0]

        target = self.settings.same_top_k_target
        failing, passing = 0, 1
        while same_share(passing) < target and passing < nlist:
            failing, passing = passing, min(nlist, passing * 2)
        while tried[passing][0] >= target and passing - failing > max(1, passing // 8):
            middle = (failing + passing) // 2
            if same_share(middle) >= target:
                passing = middle
            else:
                failing = middle
        self._set_nprobe(passing)
        return {"nprobe": passing, "same_top_k_target": target,
                "by_nprobe": {str(p): {"identical_top_k_share": round(a, 5), "recall_at_k": round(r, 5)}
                              for p, (a, r) in sorted(tried.items())}}

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Inner-product scores and item row ids of the top ``k`` items per query (-1 where fewer exist)."""
        return self.index.search(np.ascontiguousarray(queries, dtype=np.float32), int(k))

    def save(self, path) -> None:
        """Write the CPU form of the index atomically."""
        cpu_index = faiss.index_gpu_to_cpu(self.index) if self.use_gpu else self.index
        with atomic_path(path) as tmp:
            faiss.write_index(cpu_index, str(tmp))
