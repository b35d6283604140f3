"""The Yambda and Yandex Music stages of the tiny end-to-end build (tiny demo data, 2 seeds): the preparation in 2
user shards, every configured model's lists, metrics and per-user metrics under the paper's protocol (Listen+
and Like at 10/50/100, Dislike-FPR), the significance test, the similar-tracks table, and the Yandex Music
rules as a second dataset key."""

from __future__ import annotations

import json

import polars as pl
import pytest
import yaml

from per_user_checks import check_per_user_files, check_significance
from profile_checks import check_profile

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def built(tiny_build):
    """The whole workflow's tiny build (tests/conftest.py TINY_CONFIG: Yambda in 2 user shards, 2 seeds)."""
    return tiny_build


def test_yambda_models_are_scored_under_the_paper_protocol(built):
    results = built / "results/yambda"
    config = yaml.safe_load((built / "config.yaml").read_text())["yambda"]
    summary = pl.read_csv(results / "summary.csv")
    assert list(dict.fromkeys(summary["model"])) == list(config["models"])
    metrics = json.loads((results / "metrics/als/seed0.json").read_text())
    expected = {f"{target}/{name}@{k}" for target in ("listen_plus", "like")
                for name in ("ndcg", "recall", "coverage", "hit_rate", "map") for k in (10, 50, 100)}
    assert expected | {f"dislike_fpr@{k}" for k in (10, 50, 100)} <= set(metrics["metrics"])
    for target in ("listen_plus", "like"):
        auc = metrics["metrics"][f"{target}/auc_vs_dislikes"]
        assert auc is None or 0.0 <= auc <= 1.0, "null only when no user has both positives and dislikes"
    protocol = metrics["protocol"]
    assert "history not masked" in protocol["candidates"] and "25913600" in protocol["split"]
    assert protocol["listen_plus_users_evaluated"] > 0
    topk = pl.read_parquet(results / "topk/als/seed0.parquet")
    assert topk.group_by("user").len()["len"].max() == 100
    train_users = pl.read_parquet(results / "split/test/train.parquet")["user_id"].unique()
    assert topk["user"].is_in(train_users.implode()).all(), "only users seen in train are scored"


def test_yambda_sharded_preparation_and_graph(built):
    results = built / "results/yambda"
    summary = json.loads((results / "split/test/summary.json").read_text())
    assert summary["shards"] == 2 and summary["train_pairs"] > 0
    assert (results / "shards/1-of-2/test/train.parquet").exists()
    import numpy as np

    graph = np.load(results / "split/test/graph.npz")
    assert graph["edge_index"].shape == (2, summary["train_pairs"])
    similar = pl.read_parquet(results / "similar_items/als/seed0.parquet")
    assert similar.columns == ["item_id", "similar_item_id", "score", "rank"]


def test_yambda_reranker_and_served_lightgcn_with_cold_items(built):
    results = built / "results/yambda"
    reranker = json.loads((results / "training/catboost_yetirank/seed0.json").read_text())
    assert reranker["loss"] == "YetiRank" and 0 <= reranker["validation_ndcg@10"] <= 1
    assert set(reranker["generators"]) == {"most_pop", "decay_pop", "als", "item_knn", "content"}
    held_out = pl.read_parquet(results / "models/lightgcn_cold/seed0/held_out_items.parquet")["item_id"]
    served = json.loads((results / "training/lightgcn_cold_ann/seed0.json").read_text())
    assert served["source"] == "lightgcn_cold" and served["cold_items"] >= held_out.len() > 0
    assert served["index"]["index_type"] == "IndexIVFFlat"
    assert served["cold_start"]["cold_items"] == served["cold_items"]
    lists = pl.read_parquet(results / "topk/lightgcn_cold_ann/seed0.parquet")
    assert lists["item"].is_in(held_out.implode()).any(), "held-out items are served from their audio"


def test_yambda_provider_fairness_from_the_planted_demo_genders(built):
    genders = pl.read_csv(built / "resources/yambda/demo/artist_demographics.csv")
    mapping = pl.read_parquet(built / "resources/yambda/demo/artist_item_mapping.parquet")
    assert genders.columns == ["artist_id", "gender"] and genders.height == mapping["artist_id"].n_unique()
    fairness = built / "results/fairness/yambda"
    tables = json.loads((fairness / "tables.json").read_text())
    config = yaml.safe_load((built / "config.yaml").read_text())["yambda"]
    assert tables["models"] == list(config["models"]) and "history not masked" in tables["candidates"]
    exposure = pl.read_csv(fairness / "exposure.csv")
    # full-catalogue candidates: each group's candidate share is its catalogue share
    assert exposure["candidate_share"].to_list() == pytest.approx(exposure["catalogue_share"].to_list())
    first = pl.read_csv(fairness / "first_rank_in_top_k.csv")
    assert set(first["model"]) == set(config["models"]) and first["users_with_group_mean"].min() > 0
    assert pl.read_csv(fairness / "artist_exposure.csv")["artist"].str.starts_with("artist ").all()


def test_yandex_music_rules_run_as_a_second_dataset(built):
    results = built / "results/yandex_music"
    summary = pl.read_csv(results / "summary.csv")
    assert set(summary["model"]) == {"most_pop", "decay_pop", "item_knn", "als", "catboost_yetirank",
                                     "catboost_logloss"}
    assert summary.filter(pl.col("metric") == "ndcg@10")["mean"].min() >= 0
    assert (results / "similar_items/als/seed0.parquet").exists()


def test_data_profiles_count_every_event(built):
    values, extras, _ = check_profile(built, "yambda")
    events = pl.read_parquet(built / "resources/yambda/demo/multi_event.parquet")
    assert (values["rows"], values["users"]) == (events.height, events["uid"].n_unique())
    kinds = ("listen", "like", "dislike", "unlike", "undislike")
    assert sum(values[f"events_{kind}"] for kind in kinds) == events.height
    assert {"pc1", "pc2", "pc3", "embed_norm", "played_ratio_pct"} <= set(extras["group"])
    values, _, _ = check_profile(built, "yandex_music")
    plays = pl.read_parquet(built / "resources/yandex_music/demo/interactions.parquet")
    assert values["rows"] <= plays.height and values["users"] <= plays["user_id"].n_unique()
    assert values["artists"] > 0


@pytest.mark.parametrize("dataset", ["yambda", "yandex_music"])
def test_per_user_metrics_average_to_the_metrics_and_the_best_model_is_tested(built, dataset):
    results = built / "results" / dataset
    check_per_user_files(results, means_are_the_metrics=True)
    table = check_significance(built, dataset)
    assert table["users"].min() > 0 and table["seeds"].is_not_null().all()
    if dataset == "yambda":
        metrics = set(pl.read_parquet(results / "per_user/als/seed0.parquet")["metric"])
        assert {"listen_plus/ndcg@10", "like/recall@100", "dislike_fpr@10"} <= metrics
        assert not any(name.endswith(("coverage@10", "coverage@100")) for name in metrics)
