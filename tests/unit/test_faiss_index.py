"""FAISS item index: choice of index, recall against exact search, nprobe tuning, saving."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from musicrec.retrieval.faiss_index import IndexSettings, ItemIndex, identical_share, recall_at_k


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


def test_unknown_index_kind_is_refused():
    with pytest.raises(ValueError, match="index kind"):
        IndexSettings(kind="hnsw")
