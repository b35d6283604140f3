"""The Last.fm neural rules' package calls on tiny synthetic split files: top-K contract, FAISS, cold start."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from musicrec.errors import InputDataError
from musicrec.pipelines.lastfm import TOPK_COLUMNS, evaluate_topk
from musicrec.pipelines.lastfm_neural import NeuralRun, run_sasrec, run_two_tower, topk_frame

N_USERS, N_ARTISTS, COLD = 30, 60, (28, 29)


@pytest.fixture
def split_files(tmp_path):
    """Two taste groups (parity of ids); users 28 and 29 are cold (all pairs in test), friends of group mates."""
    rng = np.random.default_rng(0)
    rows = []
    for user in range(N_USERS):
        for artist in rng.choice(np.arange(user % 2, N_ARTISTS, 2), 10, replace=False):
            rows.append((user, int(artist) + 100, int(rng.integers(1, 500))))
    pairs = pl.DataFrame(rows, schema=["user_id", "artist_id", "weight"], orient="row")
    is_test = pl.col("user_id").is_in(list(COLD)) | (pl.int_range(pl.len()).over("user_id") < 2)
    train, test = pairs.filter(~is_test), pairs.filter(is_test)
    sequences = train.sort("user_id", "weight", descending=[False, True]).with_columns(
        pl.int_range(pl.len()).over("user_id").alias("position"), pl.lit("weight").alias("ordered_by"))
    stats = train.group_by("artist_id").agg(pl.len().alias("listeners"), pl.col("weight").sum().alias("plays"),
                                            pl.col("weight").log1p().mean().alias("mean_log_weight"),
                                            pl.len().alias("tag_users"), pl.len().alias("tag_assignments"),
                                            pl.len().alias("tag_distinct"), pl.lit(1).alias("spotify_songs"))
    artists = (pl.DataFrame({"artist_id": np.arange(100, 100 + N_ARTISTS)})
               .join(stats, on="artist_id", how="left").fill_null(0)
               .with_columns((pl.col("artist_id") % 2).cast(pl.Float64).alias("tag_rock"),
                             pl.when(pl.col("artist_id") % 3 == 0).then(None).otherwise(pl.col("artist_id") * 0.1)
                             .cast(pl.Float64).alias("audio_energy")))
    users = train.group_by("user_id").agg(
        pl.len().alias("user_artists"), pl.col("weight").sum().alias("user_plays"),
        pl.col("weight").log1p().mean().alias("user_mean_log_weight"), pl.col("weight").std().alias("user_entropy"),
        pl.col("weight").mean().log().alias("user_mainstream"), pl.len().alias("friends"),
        pl.col("weight").max().alias("tags_applied"))
    paths = {name: str(tmp_path / f"{name}.parquet") for name in
             ("train", "test", "cold_users", "sequences", "artists", "users")}
    for name, frame in (("train", train), ("test", test), ("sequences", sequences), ("artists", artists),
                        ("users", users), ("cold_users", pl.DataFrame({"user_id": list(COLD)}))):
        frame.write_parquet(paths[name])
    paths["friends"] = str(tmp_path / "user_friends.dat")
    (tmp_path / "user_friends.dat").write_text("userID\tfriendID\n28\t0\n28\t2\n28\t29\n29\t28\n")
    summary = {"description": "synthetic", "split": {"seed": 0}, "artists": N_ARTISTS}
    paths["summary"] = str(tmp_path / "summary.json")
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    return paths


def _outputs(tmp_path, model):
    return {"topk": str(tmp_path / f"{model}.parquet"), "report": str(tmp_path / f"{model}.json"),
            "index": str(tmp_path / f"{model}.index"), "index_report": str(tmp_path / f"{model}_index.json"),
            "cold_metrics": str(tmp_path / f"{model}_cold.json")}


def _check_contract(topk: pl.DataFrame, paths: dict) -> None:
    assert topk.schema == pl.Schema(TOPK_COLUMNS)
    train = pl.read_parquet(paths["train"]).rename({"user_id": "user", "artist_id": "item"})
    assert topk.join(train, on=["user", "item"], how="semi").height == 0, "a training artist was recommended"
    ranks = topk.group_by("user").agg(pl.col("rank").sort())
    assert all(r.to_list() == list(range(1, len(r) + 1)) for r in ranks["rank"])
    for _, part in topk.sort("user", "rank").group_by("user"):
        assert np.all(np.diff(part["score"].to_numpy()) <= 0), "scores must fall with rank"
    model, seed = topk["model"][0], int(topk["seed"][0])
    evaluation = evaluate_topk(paths["topk"], model, seed, {k: paths[k] for k in ("train", "test", "cold_users")},
                               paths["summary"], [5, 10], paths["metrics"])
    assert evaluation["metrics"]["ndcg@10"] > 0


def test_two_tower_writes_lists_index_and_cold_start_metrics(split_files, tmp_path):
    out = _outputs(tmp_path, "two_tower")
    hyperparameters = {"embedding_dim": 8, "hidden_size": 16, "output_dim": 8, "epochs": 5, "batch_size": 64,
                       "index": {"kind": "ivf"}}
    run_two_tower(NeuralRun("two_tower", 0, 10, hyperparameters, k_values=(5, 10)), split_files, out)
    topk = pl.read_parquet(out["topk"])
    assert set(COLD) <= set(topk["user"].to_list()), "cold users get fallback lists"
    _check_contract(topk, {**split_files, "topk": out["topk"], "metrics": str(tmp_path / "m.json")})
    index_report = json.loads(open(out["index_report"]).read())
    assert index_report["index_type"] == "IndexIVFFlat" and index_report["n_items"] == N_ARTISTS
    assert 0 <= index_report["recall_at_k_vs_exact"] <= 1
    cold = json.loads(open(out["cold_metrics"]).read())
    assert cold["protocol"]["users_evaluated"] == len(COLD)
    assert cold["users_with_friend_fallback"] == 1 and cold["users_with_population_average"] == 1
    assert set(cold["metrics"]) == set(cold["population_average_only_metrics"])
    assert "friends" in json.loads(open(out["report"]).read())["cold_start_fallback"]


def test_sasrec_writes_lists_for_users_with_a_sequence_and_names_the_order(split_files, tmp_path):
    out = _outputs(tmp_path, "sasrec")
    hyperparameters = {"hidden_size": 8, "heads": 2, "layers": 1, "max_length": 10, "epochs": 2, "negatives": 0}
    run_sasrec(NeuralRun("sasrec", 1, 10, hyperparameters), split_files, out)
    topk = pl.read_parquet(out["topk"])
    assert not set(COLD) & set(topk["user"].to_list())
    assert topk["seed"].unique().to_list() == [1]
    _check_contract(topk, {**split_files, "topk": out["topk"], "metrics": str(tmp_path / "m.json")})
    report = json.loads(open(out["report"]).read())
    assert "first tagging date" in report["training_order"] and report["training_rows_by_order_key"] == {"weight": (N_USERS - len(COLD)) * 8}
    assert report["test_users_without_sequence"] == len(COLD)


def test_missing_feature_column_is_named(split_files, tmp_path):
    pl.read_parquet(split_files["users"]).drop("friends").write_parquet(split_files["users"])
    with pytest.raises(InputDataError, match="users.parquet: column 'friends'"):
        run_two_tower(NeuralRun("two_tower", 0, 10, {"epochs": 1}), split_files, _outputs(tmp_path, "two_tower"))


def test_sequences_with_unknown_artists_are_refused(split_files, tmp_path):
    sequences = pl.read_parquet(split_files["sequences"])
    sequences.with_columns(pl.lit(9999).alias("artist_id")).write_parquet(split_files["sequences"])
    with pytest.raises(InputDataError, match="artist_id.*absent from artists.parquet"):
        run_sasrec(NeuralRun("sasrec", 0, 10, {"epochs": 1}), split_files, _outputs(tmp_path, "sasrec"))


def test_topk_frame_ranks_and_drops_missing_entries():
    frame = topk_frame(np.array([7, 8]), np.array([[2, 0, -1], [1, 2, 0]]),
                       np.array([[0.9, 0.5, -np.inf], [0.8, 0.7, -np.inf]]), np.array([10, 20, 30]), "m", 3)
    assert frame.select("user", "item", "rank").rows() == [(7, 30, 1), (7, 10, 2), (8, 20, 1), (8, 30, 2)]
