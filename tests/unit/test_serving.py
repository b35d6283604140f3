"""Serving a factor model through FAISS with cold items projected from audio: the ridge projection recovers a
planted linear map, the index's lists equal exact search on a tiny flat case, cold and held-out items get
projected vectors, the cold-start recall by hand, and the config's ``source`` key."""

from __future__ import annotations

import copy

import numpy as np
import polars as pl
import pytest
import yaml

from conftest import REPO
from musicrec import models
from musicrec.config_check import model_runs
from musicrec.metrics.ranking import cold_start_recall
from musicrec.retrieval.projection import RidgeProjection
from musicrec.retrieval.serving import ANNServer, SourceModel

SCHEMA = REPO / "rules/schemas/config.schema.yaml"
CONFIG = yaml.safe_load((REPO / "config.yaml").read_text())


def test_projection_recovers_a_planted_linear_map():
    rng = np.random.default_rng(0)
    audio = rng.normal(size=(2000, 12))
    weights, offset = rng.normal(size=(12, 5)), rng.normal(size=5)
    factors = audio @ weights + offset + 0.01 * rng.normal(size=(2000, 5))
    projection = RidgeProjection(alpha=1e-3, seed=1).fit(audio, factors)
    np.testing.assert_allclose(projection.coef_, weights, atol=0.01)
    np.testing.assert_allclose(projection.intercept_, offset, atol=0.01)
    assert projection.held_out_items_ == 200 and projection.fitted_items_ == 1800
    assert projection.r2_ > 0.999
    unrelated = RidgeProjection(alpha=1.0, seed=1).fit(audio, rng.normal(size=(2000, 5)))
    assert unrelated.r2_ < 0.05  # audio that explains nothing scores about 0 on the held-out items


def test_cold_start_recall_by_hand():
    scores = np.array([[0.9, 0.1, 0.5, 0.3], [0.2, 0.8, 0.8, 0.1], [1.0, 1.0, 1.0, 1.0]])
    relevant = np.array([[0, 1, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0]], dtype=bool)  # user 3 has no cold target
    # user 1 ranks 0, 2, 3, 1: hits 0 / 1 / 1 of 2 at K = 1 / 2 / 3; user 2 ranks 1, 2 (tie: lower column), 0, 3
    figures = cold_start_recall(scores, relevant, [1, 2, 3, 5], seed=0)
    assert figures["users"] == 2 and figures["pairs"] == 3 and figures["cold_items"] == 4
    assert figures["recall@1"] == pytest.approx((0 + 1) / 2)
    assert figures["recall@2"] == pytest.approx((0.5 + 1) / 2)
    assert figures["recall@3"] == pytest.approx((0.5 + 1) / 2)
    assert figures["recall@5"] == figures["random_recall@5"] == 1.0
    assert figures["expected_random_recall@2"] == 0.5 and figures["expected_random_recall@5"] == 1.0


def test_random_cold_start_recall_is_about_k_over_n():
    rng = np.random.default_rng(3)
    relevant = rng.random((4000, 50)) < 0.1
    figures = cold_start_recall(rng.normal(size=(4000, 50)), relevant, [5], seed=7)
    assert figures["random_recall@5"] == pytest.approx(0.1, abs=0.01)
    other_scores = cold_start_recall(rng.normal(size=(4000, 50)), relevant, [5], seed=7)
    assert other_scores["random_recall@5"] == figures["random_recall@5"]  # the random order depends on the seed only


def source_model(n_users=30, n_items=60, dim=4, seed=0, held_out=()):
    rng = np.random.default_rng(seed)
    return SourceModel(user_ids=np.arange(100, 100 + n_users), user_factors=rng.normal(size=(n_users, dim)),
                       item_ids=np.arange(n_items) * 10, item_factors=rng.normal(size=(n_items, dim)),
                       held_out=np.asarray(held_out, dtype=np.int64))


def train_pairs(source, items):
    users = np.repeat(source.user_ids, len(items))
    return pl.DataFrame({"user_id": users, "item_id": np.tile(items, len(source.user_ids))})


@pytest.mark.parametrize("metric", ["ip", "l2_reduced"])
def test_flat_index_lists_equal_exact_search(metric):
    source = source_model()
    train = train_pairs(source, source.item_ids)
    server = ANNServer(index="flat", metric=metric).fit(source, train, source.item_ids, None, source.user_ids)
    lists = server.recommend(5, train, exclude_seen=False, model="ann")
    exact = np.argsort(-(source.user_factors @ source.item_factors.T), axis=1, kind="stable")[:, :5]
    found = lists.sort("user", "rank")["item"].to_numpy().reshape(-1, 5)
    np.testing.assert_array_equal(found, source.item_ids[exact])
    assert server.report()["cold_items"] == 0 and server.list_recall_ == 1.0
    assert server.report()["index"]["queries"] == "30 query vectors (all given)"


def test_exclude_seen_drops_training_items_and_users_without_training_pairs_get_no_list():
    source = source_model()
    heavy = pl.DataFrame({"user_id": np.full(60, 101), "item_id": source.item_ids})  # 101 has heard every item
    train = pl.concat([train_pairs(source, source.item_ids[:40]), heavy]).filter(
        pl.col("user_id") != 100)  # user 100 has a vector but no training pairs
    server = ANNServer(index="flat").fit(source, train, source.item_ids, None, source.user_ids)
    lists = server.recommend(10, train, exclude_seen=True, model="ann")
    assert not {100, 101} & set(lists["user"].to_list())
    assert lists.group_by("user").len()["len"].to_list() == [10] * 28
    assert set(lists["item"].to_list()) <= set(source.item_ids[40:].tolist())  # the only unseen items


def audio_table(item_ids, audio):
    return pl.DataFrame({"item_id": item_ids, **{f"embed_{j}": audio[:, j] for j in range(audio.shape[1])}})


def test_cold_and_held_out_items_get_projected_vectors(tmp_path):
    rng = np.random.default_rng(1)
    n_items, dim = 200, 4
    audio = rng.normal(size=(n_items, 8))
    mapping = rng.normal(size=(8, dim))
    item_ids = np.arange(n_items) * 10
    folder = tmp_path / "source"
    folder.mkdir()
    user_factors = rng.normal(size=(50, dim))
    np.savez(folder / "factors.npz", user_factors=user_factors, item_factors=audio @ mapping,
             user_ids=np.arange(50), item_ids=item_ids)
    pl.DataFrame({"item_id": item_ids[:20]}).write_parquet(folder / "held_out_items.parquet")  # edges hidden
    source = SourceModel.load(folder)
    np.testing.assert_array_equal(source.held_out, item_ids[:20])
    train = pl.DataFrame({"user_id": np.repeat(np.arange(50), 180), "item_id": np.tile(item_ids[:180], 50)})
    features = audio_table(item_ids[:195], audio[:195])  # the last 5 items: no pairs and no audio
    server = ANNServer(index="flat", alpha=1e-6).fit(source, train, item_ids, features, np.arange(50))
    report = server.report()
    assert report["warm_items"] == 160 and report["cold_items"] == 35  # 20 held out + 15 without pairs
    assert sorted(server.item_ids_[server.cold_].tolist()) == item_ids[list(range(20)) + list(range(180, 195))].tolist()
    assert 1990 not in server.item_ids_.tolist()  # neither warm nor with audio: not served
    # the planted map is linear, so the projection puts each cold item at its true vector
    truth = (audio @ mapping)[np.isin(item_ids, server.item_ids_[server.cold_])]
    np.testing.assert_allclose(server.item_vectors_[server.cold_], truth, atol=1e-3)
    assert report["projection"]["r2_held_out"] > 0.999
    best_cold = server.item_ids_[server.cold_][np.argmax(user_factors @ truth.T, axis=1)]
    targets = pl.DataFrame({"user": np.arange(50), "item": best_cold})
    figures = server.cold_start(targets, [1, 10])
    assert figures["users"] == 50 and figures["cold_items"] == 35
    assert figures["recall@1"] == 1.0 > figures["random_recall@1"]  # each user's best cold item, found


def test_a_source_without_factors_is_one_clear_error(tmp_path):
    with pytest.raises(Exception, match="must be a factor model"):
        SourceModel.load(tmp_path)


def runs(models_block):
    config = copy.deepcopy(CONFIG)
    config["yambda"]["models"] = models_block
    return model_runs(config, SCHEMA)


def test_config_accepts_source_for_serving_runs_only():
    table, problem = runs({"als": {}, "als_ann": {"model": "ann", "source": "als"}})
    assert problem is None and table["yambda"]["als_ann"]["hyperparameters"]["source"] == "als"
    assert models.REGISTRY["ann"].task == "serving"
    _, problem = runs({"als": {"source": "als"}})
    assert problem.startswith("config.yaml is invalid: yambda.models.als: unknown hyper-parameter 'source'")


@pytest.mark.parametrize(("block", "expected"), [
    ({"als": {}, "x_ann": {"model": "ann", "source": "alss"}},
     "config.yaml is invalid: yambda.models.x_ann.source: 'alss' is not a ranking model of yambda (configured: als)"),
    ({"als": {}, "x_ann": {"model": "ann"}}, "config.yaml is invalid: yambda.models.x_ann: 'source' is a required"),
])
def test_a_bad_source_is_one_line(block, expected):
    _, problem = runs(block)
    assert problem is not None and problem.startswith(expected) and "\n" not in problem, problem
