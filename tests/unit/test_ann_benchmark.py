"""The ANN benchmark module on tiny vectors: uniform vectors on the sphere, the effective dimension, the
curves of each variant (IVF inner product / L2-reduced, HNSW) against one exact search, where the vectors fall
(norms, warm share of the exact top-k), and the stage vectors (warm items + projected embeddings, user queries)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from musicrec.retrieval.ann_benchmark import (effective_dimension, projected_embeddings, run_benchmark,
                                              stage_vectors, uniform_sphere, where_vectors_fall)
from musicrec.retrieval.projection import RidgeProjection


def test_uniform_vectors_are_unit_and_isotropic():
    vectors = uniform_sphere(20_000, 8, seed=0)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert effective_dimension(vectors) == pytest.approx(8, rel=0.05)
    flat = np.zeros((1000, 8))
    flat[:, 0] = np.random.default_rng(0).normal(size=1000)
    assert effective_dimension(flat) == pytest.approx(1.0)


VARIANTS = [{"index": "ivf", "metric": "ip"}, {"index": "ivf", "metric": "l2_reduced"},
            {"index": "hnsw", "metric": "ip"}]


def test_curves_per_variant_rise_to_one_against_one_exact_search():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(4000, 8)).astype(np.float32)
    queries = rng.normal(size=(50, 8)).astype(np.float32)
    curve, summary = run_benchmark(vectors, queries, k=10, variants=VARIANTS, nprobes=[1, 4, 64],
                                   ef_searches=[10, 4000], seed=0, threads=1, nlist=64, max_points_per_centroid=39,
                                   hnsw_m=8, ef_construction=20, warm_items=1000)
    assert set(curve["vectors"]) == {"stage", "stage_projected", "uniform_sphere"}
    assert curve.height == 3 * (3 + 3 + 2)
    for (_, index, _), rows in curve.group_by("vectors", "index", "metric", maintain_order=True):
        recalls = rows["recall@10"].to_list()
        assert recalls == sorted(recalls)
        assert recalls[-1] == 1.0 if index.startswith("IVF") else recalls[-1] >= 0.99  # all cells probed: exact
        assert rows["exact_qps"].n_unique() == 1  # one exact search per vector set
    hnsw = curve.filter(pl.col("index") == "HNSW8,Flat")
    assert set(hnsw["parameter"]) == {"efSearch"} and hnsw["value"].to_list() == [10, 4000] * 3
    ivf = curve.filter(pl.col("metric") == "l2_reduced")
    assert set(ivf["index"]) == {"IVF64,Flat"} and set(ivf["parameter"]) == {"nprobe"}
    assert summary["threads"] == 1 and summary["nlist"] == 64 and summary["hnsw_m"] == 8
    stage = summary["stage"]
    assert stage["ivf_l2_reduced"]["first_reaching_target"]["value"] <= 64 and stage["n_items"] == 4000
    assert stage["hnsw_ip"]["build_seconds"] >= 0 and "norm_quantiles" not in summary["uniform_sphere"]
    assert summary["stage_projected"]["n_items"] == 3000, "the projected rows alone: the stage less its warm items"


def test_where_vectors_fall_reports_norms_and_the_warm_share_of_the_exact_top_k():
    rng = np.random.default_rng(2)
    vectors = np.vstack([3 * rng.normal(size=(100, 4)), 0.1 * rng.normal(size=(900, 4))]).astype(np.float32)
    queries = rng.normal(size=(20, 4)).astype(np.float32)
    exact = (queries @ vectors.T).argsort(axis=1)[:, ::-1][:, :10]
    facts = where_vectors_fall(vectors, queries, 100, exact)
    assert facts["exact_top_k_warm_share"] == 1.0  # the long warm vectors win every inner product
    quantiles = facts["norm_quantiles"]
    assert quantiles["warm_items"][2] > 10 * quantiles["projected_items"][2] and len(quantiles["queries"]) == 5


def test_stage_vectors_are_warm_items_then_projected_embeddings(tmp_path):
    rng = np.random.default_rng(1)
    audio = rng.normal(size=(100, 6))
    mapping = rng.normal(size=(6, 3))
    item_ids = np.arange(100)
    np.savez(tmp_path / "factors.npz", item_ids=item_ids, item_factors=audio @ mapping, user_ids=np.arange(5),
             user_factors=rng.normal(size=(5, 3)))
    train = pl.DataFrame({"user_id": [0, 1, 2] * 30, "item_id": np.arange(90)})  # items 90.. and users 3, 4: none
    features = pl.DataFrame({"item_id": item_ids, **{f"embed_{j}": audio[:, j] for j in range(6)}})
    other = rng.normal(size=(7, 6))
    path = tmp_path / "embeddings.parquet"
    pq.write_table(pa.table({"normalized_embed": [list(row) for row in other] + [None]}), path)
    vectors, queries, report = stage_vectors(tmp_path, train, features, path, alpha=1e-6, seed=0)
    assert vectors.shape == (97, 3) and queries.shape == (3, 3) and report["warm_items"] == 90
    np.testing.assert_allclose(vectors[90:], other @ mapping, atol=1e-3)  # the planted map, recovered
    projection = RidgeProjection(1e-6).fit(audio, audio @ mapping)
    np.testing.assert_allclose(projected_embeddings(path, projection, batch_rows=3), other @ mapping, atol=1e-3)
