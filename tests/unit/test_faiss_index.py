"""FAISS item index: choice of index, recall against exact search, nprobe tuning, saving, and the MIPS-to-L2
reduction (exact inner-product top-k on a flat index, tuned IVF, saved L2 form)."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from musicrec.retrieval.faiss_index import (IndexSettings, ItemIndex, identical_share, mips_to_l2, queries_to_l2,
                                            recall_at_k)


def clustered_vectors(n: int, dim: int = 16, clusters: int = 50, seed: int = 0) -> np.ndarray:
    """Unit vectors around random centres: the shape of learned embeddings (random, but not isotropic)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    vectors = centres[rng.integers(0, clusters, n)] + 0.5 * rng.normal(size=(n, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_recall_and_identical_share_by_hand():
    exact = np.array([[0.9, 0.8, 0.7], [0.9, 0.5, 0.5]])
    found = np.array([[0.9, 0.7, 0.6], [0.9, 0.5, 0.5]])  # query 2: a different item tied at 0.5 is right
    assert recall_at_k(found, exact) == pytest.approx((2 / 3 + 1) / 2)
    assert identical_share(found, exact) == 0.5
    missing = np.array([[0.9, -3.4e38, -3.4e38]])  # FAISS pads missing answers with the lowest float
    assert recall_at_k(missing, exact[:1]) == pytest.approx(1 / 3)


def test_small_catalogue_gets_an_exact_flat_index():
    vectors = clustered_vectors(500)
    index = ItemIndex(IndexSettings(ivf_min_items=1000), seed=0).build(vectors)
    assert index.report["index_type"] == "IndexFlatIP"
    assert index.report["recall_at_k_vs_exact"] == 1.0
    _, ids = index.search(vectors[:3], 1)
    np.testing.assert_array_equal(ids[:, 0], [0, 1, 2])  # each unit vector is its own nearest neighbour


def test_large_catalogue_gets_an_ivf_index_tuned_to_the_target():
    vectors = clustered_vectors(6000)
    settings = IndexSettings(ivf_min_items=5000, same_top_k_target=0.95)
    index = ItemIndex(settings, seed=0).build(vectors)
    report = index.report
    assert report["index_type"] == "IndexIVFFlat"
    nlist = report["parameters"]["nlist"]
    assert nlist == min(6000 // 39, round(4 * np.sqrt(6000)))  # ~4 sqrt(n), at least 39 points per cell
    assert 1 <= report["parameters"]["nprobe"] <= nlist
    assert report["identical_top_k_share_vs_exact"] >= 0.95 and report["recall_at_k_vs_exact"] >= 0.95
    assert report["queries"].startswith("6000 item embeddings (all items)")
    # an independent check of the reported recall, against a fresh exact index
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    exact_scores, exact_ids = exact.search(vectors[:500], 10)
    found_scores, found_ids = index.search(vectors[:500], 10)
    assert recall_at_k(found_scores, exact_scores) >= 0.9
    same_ids = np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found_ids, exact_ids)])
    assert same_ids >= 0.9  # no ties in random vectors: the ids agree as well


def test_tuning_uses_a_seeded_sample_of_queries_when_the_catalogue_is_large():
    vectors = clustered_vectors(3000)
    settings = IndexSettings(kind="ivf", max_tuning_queries=400)
    first = ItemIndex(settings, seed=5).build(vectors).report
    second = ItemIndex(settings, seed=5).build(vectors).report
    assert first["queries"].startswith("400 item embeddings (seeded sample")
    assert first["parameters"] == second["parameters"]


def test_saved_index_answers_like_the_built_one(tmp_path):
    vectors = clustered_vectors(3000)
    index = ItemIndex(IndexSettings(kind="ivf"), seed=0).build(vectors)
    path = tmp_path / "items.index"
    index.save(path)
    loaded = faiss.read_index(str(path))
    faiss.extract_index_ivf(loaded).nprobe = index.report["parameters"]["nprobe"]
    np.testing.assert_array_equal(loaded.search(vectors[:50], 10)[1], index.search(vectors[:50], 10)[1])
    assert not list(tmp_path.glob(".*.tmp"))


def test_unknown_index_kind_or_metric_is_refused():
    with pytest.raises(ValueError, match="index kind"):
        IndexSettings(kind="annoy")
    with pytest.raises(ValueError, match="index metric"):
        IndexSettings(metric="cosine")


def varying_norm_vectors(n: int, seed: int = 0) -> np.ndarray:
    """Clustered directions with norms spread over a factor of ten, as a factor model's item vectors."""
    scales = np.random.default_rng(seed + 100).uniform(0.2, 2.0, size=(n, 1))
    return (clustered_vectors(n, seed=seed) * scales).astype(np.float32)


def test_mips_to_l2_puts_items_on_one_sphere_and_keeps_the_inner_product_order():
    vectors, queries = varying_norm_vectors(300), varying_norm_vectors(5, seed=1)
    max_norm = float(np.linalg.norm(vectors, axis=1).max())
    items, users = mips_to_l2(vectors, max_norm), queries_to_l2(queries)
    np.testing.assert_allclose(np.linalg.norm(items, axis=1), max_norm, rtol=1e-5)
    assert users.shape == (5, 17) and not users[:, -1].any()
    distances = np.square(users[:, None, :] - items[None, :, :]).sum(axis=2)
    expected = np.square(queries).sum(axis=1)[:, None] + max_norm ** 2 - 2 * queries @ vectors.T
    np.testing.assert_allclose(distances, expected, rtol=1e-4, atol=1e-4)  # ||q' - x'||^2 = |q|^2 + M^2 - 2 q.x


def test_l2_reduction_gives_the_exact_inner_product_top_k_on_a_flat_index():
    vectors, queries = varying_norm_vectors(2000), varying_norm_vectors(100, seed=1)
    index = ItemIndex(IndexSettings(kind="flat", metric="l2_reduced"), seed=0).build(vectors, queries)
    assert index.report["index_type"] == "IndexFlatL2" and index.report["recall_at_k_vs_exact"] == 1.0
    assert index.report["max_norm"] == pytest.approx(np.linalg.norm(vectors, axis=1).max(), rel=1e-5)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    exact_scores, exact_ids = exact.search(queries, 10)
    scores, ids = index.search(queries, 10)
    np.testing.assert_array_equal(ids, exact_ids)
    np.testing.assert_allclose(scores, exact_scores, rtol=1e-5)  # answers re-scored by the inner product


def test_l2_reduced_ivf_is_tuned_to_the_target_and_saved_in_its_l2_form(tmp_path):
    vectors, queries = varying_norm_vectors(4000), varying_norm_vectors(300, seed=1)
    index = ItemIndex(IndexSettings(kind="ivf", metric="l2_reduced", recall_target=0.95, nlist=64,
                                    max_points_per_centroid=39), seed=0).build(vectors, queries)
    report = index.report
    assert report["index_type"] == "IndexIVFFlat" and report["parameters"]["nlist"] == 64
    assert report["recall_at_k_vs_exact"] >= 0.95 and report["metric"].startswith("inner product as L2")
    index.save(tmp_path / "items.index")
    loaded = faiss.read_index(str(tmp_path / "items.index"))
    faiss.extract_index_ivf(loaded).nprobe = report["parameters"]["nprobe"]
    np.testing.assert_array_equal(loaded.search(queries_to_l2(queries), 10)[1], index.search(queries, 10)[1])


def test_hnsw_index_is_tuned_on_given_queries_to_a_recall_target():
    vectors, queries = clustered_vectors(3000), clustered_vectors(200, seed=1)
    index = ItemIndex(IndexSettings(kind="hnsw", recall_target=0.9, hnsw_m=16), seed=0).build(vectors, queries)
    report = index.report
    assert report["index_type"] == "IndexHNSWFlat" and report["device"] == "cpu"
    assert report["recall_at_k_vs_exact"] >= 0.9 and report["parameters"]["recall_target"] == 0.9
    assert report["parameters"]["efSearch"] >= 10 and report["parameters"]["M"] == 16
    assert report["queries"] == "200 query vectors (all given)"
    assert report["exact_qps"] > 0 and report["index_qps"] > 0
