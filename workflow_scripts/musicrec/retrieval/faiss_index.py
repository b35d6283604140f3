"""A FAISS inner-product index over item embeddings, sized to the catalogue and checked against exact search.

Small catalogues get an exact flat index. Large ones get an inverted-file index (IVF-Flat, Jegou, Douze
and Schmid, "Product quantization for nearest neighbor search", TPAMI 2011) with
``nlist ~ nlist_factor * sqrt(n)`` cells (at most n / 39, the fewest training points per cell
FAISS accepts), whose ``nprobe`` is tuned upwards (1, 2, 4, ...) until the
share of queries whose top-k equals the exact flat search's (up to ties) reaches ``same_top_k_target``
(which implies recall@k of at least as much), or, when ``recall_target`` is set, until recall@k reaches it.
``kind="hnsw"`` builds a graph index instead (IndexHNSWFlat, Malkov and Yashunin, "Efficient and robust
approximate nearest neighbor search using Hierarchical Navigable Small World graphs", TPAMI 2018) with
``hnsw_m`` links per node and ``ef_construction``, whose ``efSearch`` is tuned the same way (from k up).
The queries of the tuning are the items themselves, or the query vectors given to :meth:`ItemIndex.build`
(e.g. user embeddings), all of them or a seeded sample of ``max_tuning_queries``.

``metric="ip"`` searches by inner product directly. ``metric="l2_reduced"`` uses the reduction of maximum
inner-product search to nearest-neighbour search of Bachrach et al. ("Speeding up the Xbox recommender
system using a Euclidean transformation for inner-product spaces", RecSys 2014): with M the largest item
norm, item x becomes [x, sqrt(M^2 - ||x||^2)] and query q becomes [q, 0], so that
||q' - x'||^2 = ||q||^2 + M^2 - 2 q.x and the L2-nearest items are the inner-product best. The index (IVF
with an L2 quantizer, HNSW or flat, all L2) then sees vectors of one norm M, which k-means cells and graph
links partition well; an inner-product quantizer over vectors of varying norm instead sends most queries to
the cells of the few longest centroids. The answers are re-scored by q.x on the original vectors, so
:meth:`ItemIndex.search` returns inner products under both metrics.

When FAISS was built with GPU support and sees a GPU, a flat or IVF index lives on it
(``StandardGpuResources``; FAISS has no GPU HNSW, so that one stays on the CPU); the saved file is always the
CPU form, so it loads anywhere.
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

INDEX_KINDS = ("auto", "flat", "ivf", "hnsw")
INDEX_METRICS = ("ip", "l2_reduced")
INDEX_TYPES = {"flat": "IndexFlat", "ivf": "IndexIVFFlat", "hnsw": "IndexHNSWFlat"}
METRIC_NAMES = {"ip": "inner product", "l2_reduced": "inner product as L2 on [x, sqrt(M^2 - |x|^2)] and [q, 0] "
                                                     "(Bachrach et al., RecSys 2014), answers re-scored by q.x"}
LOWEST_SCORE = -np.finfo(np.float32).max  # FAISS's score of a missing answer under the inner product


@dataclass(frozen=True)
class IndexSettings:
    """How to index: ``auto`` is flat below ``ivf_min_items`` items and IVF from there on; ``metric`` ``ip`` or
    ``l2_reduced``; IVF cells ``nlist`` (None: :func:`default_nlist` of ``nlist_factor``), their k-means trained
    on at most ``max_points_per_centroid`` x nlist seeded sample points (FAISS's default 256)."""

    kind: str = "auto"
    metric: str = "ip"
    ivf_min_items: int = 10_000
    nlist_factor: float = 4.0
    nlist: int | None = None
    max_points_per_centroid: int = 256
    same_top_k_target: float = 0.95
    recall_target: float | None = None
    hnsw_m: int = 32
    ef_construction: int = 80
    k: int = 10
    max_tuning_queries: int = 20_000

    def __post_init__(self):
        if self.kind not in INDEX_KINDS:
            raise ValueError(f"index kind must be one of {INDEX_KINDS}, not {self.kind!r}")
        if self.metric not in INDEX_METRICS:
            raise ValueError(f"index metric must be one of {INDEX_METRICS}, not {self.metric!r}")


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


def timed_search(search, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, float]:
    """(scores, ids, seconds) of ``search(queries, k)``."""
    started = time.perf_counter()
    scores, ids = search(queries, k)
    return scores, ids, time.perf_counter() - started


def mips_to_l2(vectors: np.ndarray, max_norm: float) -> np.ndarray:
    """Items (n x d) as [x, sqrt(max_norm^2 - ||x||^2)] (n x d+1, float32; Bachrach et al., RecSys 2014)."""
    squared = np.square(vectors, dtype=np.float64).sum(axis=1)
    extra = np.sqrt(np.maximum(float(max_norm) ** 2 - squared, 0.0))
    return np.hstack([vectors, extra[:, None]]).astype(np.float32)


def queries_to_l2(queries: np.ndarray) -> np.ndarray:
    """Queries (n x d) as [q, 0] (n x d+1, float32), the other half of :func:`mips_to_l2`."""
    return np.hstack([queries, np.zeros((len(queries), 1), dtype=queries.dtype)]).astype(np.float32)


def inner_products(queries: np.ndarray, vectors: np.ndarray, ids: np.ndarray, block: int = 1 << 22) -> np.ndarray:
    """q.x of each query (n x d) with its answers ``vectors[ids]`` (ids n x k; -1 scores LOWEST_SCORE), in
    blocks of about ``block`` floats."""
    scores = np.full(ids.shape, LOWEST_SCORE, dtype=np.float32)
    rows = max(1, block // max(1, ids.shape[1] * vectors.shape[1]))
    for start in range(0, len(ids), rows):
        part = ids[start:start + rows]
        found = np.einsum("qd,qkd->qk", queries[start:start + rows], vectors[np.maximum(part, 0)])
        scores[start:start + rows] = np.where(part >= 0, found, LOWEST_SCORE)
    return scores


def default_nlist(n_items: int, nlist_factor: float) -> int:
    """IVF cells: ~ nlist_factor * sqrt(n), at most n / 39 (FAISS's fewest training points per cell)."""
    return max(1, min(n_items // 39, round(nlist_factor * math.sqrt(n_items))))


def ivf_index(dim: int, nlist: int, seed: int, metric: int, max_points_per_centroid: int):
    """An empty, untrained CPU IVF-Flat index of FAISS ``metric`` (its quantizer's too; seeded k-means)."""
    quantizer = faiss.IndexFlat(dim, metric)
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, metric)
    index.cp.seed = int(seed)
    index.cp.max_points_per_centroid = int(max_points_per_centroid)
    return index


def hnsw_index(vectors: np.ndarray, m: int, ef_construction: int, metric: int):
    """A CPU HNSW index of FAISS ``metric`` holding ``vectors``."""
    index = faiss.IndexHNSWFlat(vectors.shape[1], int(m), metric)
    index.hnsw.efConstruction = int(ef_construction)
    index.add(vectors)
    return index


def set_search_parameter(index, name: str, value: int, gpu: bool = False) -> None:
    """Set ``nprobe`` (IVF) or ``efSearch`` (HNSW) of a CPU or GPU index."""
    space = faiss.GpuParameterSpace() if gpu else faiss.ParameterSpace()
    space.set_index_parameter(index, name, int(value))


def _describe_queries(n_tuning: int, n_items: int, given: np.ndarray | None) -> str:
    if given is None:
        whole = n_tuning == n_items
        return f"{n_tuning} item embeddings " + ("(all items)" if whole else "(seeded sample of the items)")
    return f"{n_tuning} query vectors " + ("(all given)" if n_tuning == len(given) else "(seeded sample of them)")


class ItemIndex:
    """Build with :meth:`build` (or only fill it, untuned, with :meth:`add`); then :meth:`search`,
    :meth:`save`, and the build facts in ``report``."""

    def __init__(self, settings: IndexSettings, seed: int, threads: int = 1, use_gpu: bool | None = None):
        self.settings = settings
        self.seed = int(seed)
        self.threads = int(threads)
        self.use_gpu = gpu_available() if use_gpu is None else bool(use_gpu)
        self.index = None
        self.report: dict = {}
        self._gpu_resources = None
        self._vectors = None
        self._max_norm = None

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

    @property
    def reduced(self) -> bool:
        return self.settings.metric == "l2_reduced"

    def _flat(self, vectors: np.ndarray, metric: int):
        index = faiss.IndexFlat(vectors.shape[1], metric)
        index.add(vectors)
        return self._to_device(index)

    def _ivf(self, vectors: np.ndarray, nlist: int, metric: int):
        index = self._to_device(ivf_index(vectors.shape[1], nlist, self.seed, metric,
                                          self.settings.max_points_per_centroid))
        index.train(vectors)
        index.add(vectors)
        return index

    def add(self, vectors: np.ndarray) -> dict:
        """Fill the index of the chosen kind and metric with ``vectors`` (rows are items; ids are row numbers),
        its search parameter at FAISS's default; returns the build parameters (nlist, or M and efConstruction)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        faiss.omp_set_num_threads(self.threads)
        kind = self._chosen_kind(len(vectors))
        self._vectors = vectors
        metric = faiss.METRIC_L2 if self.reduced else faiss.METRIC_INNER_PRODUCT
        if self.reduced:
            self._max_norm = float(np.sqrt(np.square(vectors, dtype=np.float64).sum(axis=1).max()))
            vectors = mips_to_l2(vectors, self._max_norm)
        if kind == "flat":
            self.index, parameters = self._flat(vectors, metric), {}
        elif kind == "ivf":
            nlist = self.settings.nlist or default_nlist(len(vectors), self.settings.nlist_factor)
            self.index, parameters = self._ivf(vectors, nlist, metric), {"nlist": nlist}
        else:
            self.index = hnsw_index(vectors, self.settings.hnsw_m, self.settings.ef_construction, metric)
            parameters = {"M": self.settings.hnsw_m, "efConstruction": self.settings.ef_construction}
        self.report = {"index_type": INDEX_TYPES[kind] + ("L2" if self.reduced else "IP") * (kind == "flat"),
                       "metric": METRIC_NAMES[self.settings.metric],
                       **({"max_norm": round(self._max_norm, 6)} if self.reduced else {}),
                       "device": "gpu" if self.use_gpu and kind != "hnsw" else "cpu"}
        return parameters

    def _tuning_queries(self, queries: np.ndarray) -> np.ndarray:
        n = queries.shape[0]
        if n <= self.settings.max_tuning_queries:
            return queries
        rows = np.random.default_rng(self.seed).choice(n, self.settings.max_tuning_queries, replace=False)
        return queries[np.sort(rows)]

    def build(self, vectors: np.ndarray, queries: np.ndarray | None = None) -> "ItemIndex":
        """Index ``vectors`` (rows are items; ids are row numbers) and measure it against exact search on
        ``queries`` (rows of the same dimension, e.g. user embeddings; the items themselves when None)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n_items, dim = vectors.shape
        faiss.omp_set_num_threads(self.threads)
        k = min(self.settings.k, n_items)
        given = None if queries is None else np.ascontiguousarray(queries, dtype=np.float32)
        queries = self._tuning_queries(vectors if given is None else given)
        started = time.perf_counter()
        exact_scores, _, exact_seconds = timed_search(self._flat(vectors, faiss.METRIC_INNER_PRODUCT).search,
                                                       queries, k)
        parameters = self.add(vectors)
        if "nlist" in parameters:
            parameters.update(self._tune("nprobe", 1, parameters["nlist"], queries, exact_scores, k))
        elif "M" in parameters:
            parameters.update(self._tune("efSearch", k, max(k, n_items), queries, exact_scores, k))
        build_seconds = time.perf_counter() - started
        found_scores, _, ann_seconds = timed_search(self.search, queries, k)
        self.report = {
            **self.report,
            "n_items": n_items,
            "dimension": dim,
            "parameters": parameters,
            "build_seconds": round(build_seconds, 4),
            "k": k,
            "queries": _describe_queries(len(queries), n_items, given),
            "recall_at_k_vs_exact": recall_at_k(found_scores, exact_scores),
            "identical_top_k_share_vs_exact": identical_share(found_scores, exact_scores),
            "recall_definition": "share of the index's top-k answers scoring at least the exact k-th best "
                                 "score (ties count: identical vectors make several top-k sets exact)",
            "exact_query_seconds": round(exact_seconds, 4),
            "index_query_seconds": round(ann_seconds, 4),
            "query_time_ratio": round(ann_seconds / exact_seconds, 4) if exact_seconds > 0 else None,
            "exact_qps": round(len(queries) / exact_seconds, 1) if exact_seconds > 0 else None,
            "index_qps": round(len(queries) / ann_seconds, 1) if ann_seconds > 0 else None,
        }
        log.info("FAISS %s over %d items (dim %d): recall@%d vs exact %.4f, query time %.3fs vs exact %.3fs",
                 self.report["index_type"], n_items, dim, k, self.report["recall_at_k_vs_exact"],
                 ann_seconds, exact_seconds)
        return self

    def set_search_parameter(self, name: str, value: int) -> None:
        """Set ``nprobe`` (IVF) or ``efSearch`` (HNSW) of the built index."""
        set_search_parameter(self.index, name, value, gpu=self.use_gpu and name == "nprobe")

    def _tune(self, name: str, lowest: int, highest: int, queries: np.ndarray, exact_scores: np.ndarray,
              k: int) -> dict:
        """Smallest value of search parameter ``name`` (to within 1/8) at which at least ``same_top_k_target``
        of the queries get an exact top-k (so recall@k reaches the target too), or recall@k reaches
        ``recall_target`` when that is set: doubling from ``lowest`` up to ``highest``, then bisection."""
        tried: dict[int, tuple[float, float]] = {}
        by_recall = self.settings.recall_target is not None
        target = self.settings.recall_target if by_recall else self.settings.same_top_k_target

        def reached(value: int) -> bool:
            self.set_search_parameter(name, value)
            found_scores, _, _ = timed_search(self.search, queries, k)
            tried[value] = (identical_share(found_scores, exact_scores), recall_at_k(found_scores, exact_scores))
            log.info("%s %d: exact top-%d for %.4f of queries, recall@%d %.4f", name, value, k, tried[value][0], k,
                     tried[value][1])
            return tried[value][1 if by_recall else 0] >= target

        failing, passing = lowest - 1, lowest
        while not reached(passing) and passing < highest:
            failing, passing = passing, min(highest, passing * 2)
        while tried[passing][1 if by_recall else 0] >= target and passing - failing > max(1, passing // 8):
            middle = (failing + passing) // 2
            if reached(middle):
                passing = middle
            else:
                failing = middle
        self.set_search_parameter(name, passing)
        return {name: passing, ("recall_target" if by_recall else "same_top_k_target"): target,
                f"by_{name}": {str(p): {"identical_top_k_share": round(a, 5), "recall_at_k": round(r, 5)}
                               for p, (a, r) in sorted(tried.items())}}

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Inner-product scores and item row ids of the top ``k`` items per query (-1 where fewer exist)."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if not self.reduced:
            return self.index.search(queries, int(k))
        _, ids = self.index.search(queries_to_l2(queries), int(k))
        return inner_products(queries, self._vectors, ids), ids

    def save(self, path) -> None:
        """Write the CPU form of the index atomically (under ``l2_reduced`` it indexes :func:`mips_to_l2`
        vectors with the report's ``max_norm``: query it with :func:`queries_to_l2`)."""
        cpu_index = faiss.index_gpu_to_cpu(self.index) if self.report["device"] == "gpu" else self.index
        with atomic_path(path) as tmp:
            faiss.write_index(cpu_index, str(tmp))
