"""SASRec and two-tower as the ranking job runs them (training.fit_and_recommend) on the tiny Last.fm demo's
prepared split files: top-K contract, users with and without sequences, cold users through friends, the
saved FAISS index and its report, and bad feature tables named."""

from __future__ import annotations

import faiss
import numpy as np
import polars as pl
import pytest

from lastfm_demo_splits import model_inputs, write_demo_splits
from musicrec.errors import InputDataError
from musicrec.evaluation import EvaluationSettings, evaluate_files
from musicrec.schema import TOPK_COLUMNS, write_topk
from musicrec.training import Run, fit_and_recommend

LIST_LENGTH = 10
SASREC = {"hidden_size": 8, "heads": 2, "layers": 1, "max_length": 10, "epochs": 2, "negatives": 0}
TWO_TOWER = {"embedding_dim": 8, "hidden_size": 16, "output_dim": 8, "epochs": 5, "batch_size": 64,
             "index": {"kind": "ivf"}}


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    return write_demo_splits(tmp_path_factory.mktemp("lastfm_neural"))["test"]


def cold_users(split) -> set[int]:
    return set(pl.read_parquet(split["cold_users"])["user_id"].to_list())


def recommend(split, name, hyperparameters, seed=0, paths=None):
    run = Run("lastfm", name, name, seed, hyperparameters)
    return fit_and_recommend(run, paths or model_inputs(name, split), LIST_LENGTH, exclude_seen=True)


def check_contract(lists: pl.DataFrame, split, model: str, seed: int, tmp_path) -> None:
    assert lists.columns == list(TOPK_COLUMNS)
    train = pl.read_parquet(split["train"]).select(pl.col("user_id").alias("user"), pl.col("item_id").alias("item"))
    assert lists.join(train, on=["user", "item"], how="semi").height == 0, "a training artist was recommended"
    for ranks in lists.group_by("user").agg(pl.col("rank").sort())["rank"]:
        assert ranks.to_list() == list(range(1, LIST_LENGTH + 1))
    for _, part in lists.group_by("user"):
        assert part.sort("rank")["score"].is_sorted(descending=True), "scores must fall with rank"
    assert lists.select("model", "seed").unique().rows() == [(model, seed)]
    path = tmp_path / f"{model}.parquet"
    write_topk(lists, path)
    evaluation, _ = evaluate_files({**split, "topk": str(path)}, "lastfm", model, seed, EvaluationSettings((5, 10)))
    assert evaluation["metrics"]["ndcg@10"] > 0


@pytest.fixture(scope="module")
def sasrec(split):
    return recommend(split, "sasrec", SASREC, seed=1)


def test_sasrec_lists_only_users_with_a_sequence(sasrec, split, tmp_path):
    lists, report, _ = sasrec
    targets = set(pl.read_parquet(split["targets"])["user_id"].to_list())
    assert cold_users(split) and not cold_users(split) & set(lists["user"].to_list())
    assert set(lists["user"].to_list()) == targets - cold_users(split)
    assert report["users"] == len(targets) and report["users_with_a_list"] == len(targets - cold_users(split))
    check_contract(lists, split, "sasrec", 1, tmp_path)


def test_sasrec_report_states_the_training(sasrec):
    _, report, _ = sasrec
    assert report["registry"] == "sasrec" and report["seed"] == 1 and report["hyperparameters"] == SASREC
    assert report["objective"] == "next-item softmax cross-entropy at every position against the full catalogue"
    assert report["epochs"] == 2 and len(report["epoch_losses"]) == 2
    assert report["device"] in ("cpu", "cuda", "mps") and report["exclude_seen"] is True


@pytest.fixture(scope="module")
def two_tower(split):
    return recommend(split, "two_tower", TWO_TOWER)


def test_two_tower_lists_cold_users_through_their_friends(two_tower, split, tmp_path):
    lists, report, _ = two_tower
    cold = cold_users(split)
    assert cold <= set(lists["user"].to_list()), "cold users get fallback lists"
    assert report["users_with_a_list"] == report["users"]
    fallback = report["cold_users"]
    assert fallback["fallback"] == "neighbours" and fallback["users"] == len(cold)
    assert fallback["with_neighbour_fallback"] + fallback["with_population_average"] == len(cold)
    friends = pl.read_parquet(split["neighbours"])
    train_users = pl.read_parquet(split["train"])["user_id"].unique().implode()
    with_warm_friends = friends.filter(pl.col("user_id").is_in(list(cold)) & pl.col("neighbour_id").is_in(train_users))
    assert fallback["with_neighbour_fallback"] == with_warm_friends["user_id"].n_unique() > 0
    check_contract(lists, split, "two_tower", 0, tmp_path)


def test_two_tower_saves_the_faiss_index_and_vectors_and_reports_the_index(two_tower, split, tmp_path):
    _, report, model = two_tower
    n_artists = pl.read_parquet(split["item_features"]).height
    assert model.save(tmp_path) == ["index.faiss", "vectors.npz"]
    index = faiss.read_index(str(tmp_path / "index.faiss"))
    assert index.ntotal == n_artists and index.d == TWO_TOWER["output_dim"]
    vectors = np.load(tmp_path / "vectors.npz")
    assert vectors["item_vectors"].shape == (n_artists, TWO_TOWER["output_dim"])
    assert vectors["user_ids"].tolist() == model.data_.user_ids.tolist()
    assert np.array_equal(vectors["item_ids"], np.sort(pl.read_parquet(split["item_features"])["item_id"].to_numpy()))
    index_report = report["index"]
    assert index_report == model.report()["index"]
    assert index_report["index_type"] == "IndexIVFFlat" and index_report["n_items"] == n_artists
    assert 0 <= index_report["recall_at_k_vs_exact"] <= 1 and index_report["parameters"]["nprobe"] >= 1


def test_a_training_artist_missing_from_the_catalogue_is_named(split, tmp_path):
    catalogue = tmp_path / "catalogue.parquet"
    listened = pl.read_parquet(split["train"])["item_id"].unique().sort()
    pl.read_parquet(split["catalogue"]).filter(pl.col("item_id") != listened[0]).write_parquet(catalogue)
    paths = {**model_inputs("two_tower", split), "catalogue": str(catalogue)}
    with pytest.raises(InputDataError, match=f"^{split['train']}: column 'item_id': .* item ids absent from the "
                                             f"catalogue \\({catalogue}\\) \\(e.g. {listened[0]}\\)"):
        recommend(split, "two_tower", {**TWO_TOWER, "epochs": 1}, paths=paths)


def test_an_artist_without_a_feature_row_gets_missing_features(split, tmp_path):
    items = tmp_path / "items.parquet"
    listened = pl.read_parquet(split["train"])["item_id"].unique().sort()
    pl.read_parquet(split["item_features"]).filter(pl.col("item_id") != listened[0]).write_parquet(items)
    paths = {**model_inputs("two_tower", split), "item_features": str(items)}
    lists, _, model = recommend(split, "two_tower", {**TWO_TOWER, "epochs": 1}, paths=paths)
    row = model.data_.item_features.filter(pl.col("item_id") == listened[0])
    assert row.height == 1 and row.drop("item_id").null_count().row(0) == tuple([1] * (row.width - 1))
    assert not lists.is_empty()


@pytest.mark.parametrize("part, key", [("user_features", "user_id"), ("item_features", "item_id")])
def test_a_feature_table_without_its_key_column_is_named(split, tmp_path, part, key):
    table = tmp_path / f"{part}.parquet"
    pl.read_parquet(split[part]).drop(key).write_parquet(table)
    paths = {**model_inputs("two_tower", split), part: str(table)}
    with pytest.raises(InputDataError, match=f"{part}.parquet: column '{key}'"):
        recommend(split, "two_tower", {**TWO_TOWER, "epochs": 1}, paths=paths)
