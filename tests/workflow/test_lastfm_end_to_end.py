"""A tiny end-to-end build of the Last.fm stage on the demo data (2 seeds) and a bad-input run."""

from __future__ import annotations

import json

import polars as pl
import pytest

from conftest import make_workdir, run_snakemake

pytestmark = pytest.mark.workflow

TINY_LASTFM = {
    "seeds": [0, 1],
    "lastfm": {"demo": {"size": "tiny"}, "models": {"rf_ranker": {"n_estimators": 20, "candidates": 60}}},
}


@pytest.fixture(scope="module")
def built_workdir(tmp_path_factory):
    workdir = make_workdir(tmp_path_factory.mktemp("lastfm_e2e"), TINY_LASTFM)
    run_snakemake(workdir, "--cores", "2", "lastfm")
    return workdir


def test_contract_files_and_metrics(built_workdir):
    results = built_workdir / "results/lastfm"
    for name, columns in {"train": ["user_id", "artist_id", "weight"], "test": ["user_id", "artist_id", "weight"],
                          "cold_users": ["user_id"]}.items():
        assert pl.read_parquet(results / f"split/{name}.parquet").columns == columns
    sequences = pl.read_parquet(results / "split/sequences.parquet")
    assert {"user_id", "artist_id", "position", "ordered_by"} <= set(sequences.columns)
    summary = pl.read_csv(results / "summary.csv")
    models = set(summary["model"])
    assert {"random", "popularity_plays", "popularity_users", "content_knn", "hybrid", "rf_ranker"} <= models
    for model, seed in (("rf_ranker", 1), ("random", 0), ("hybrid", 0)):
        topk = pl.read_parquet(results / f"topk/{model}/seed{seed}.parquet")
        assert topk.columns == ["user", "item", "score", "rank", "model", "seed"]
        metrics = json.loads((results / f"metrics/{model}/seed{seed}.json").read_text())
        assert set(metrics["metrics"]) >= {f"{m}@{k}" for m in ("ndcg", "map", "recall") for k in (5, 10, 20)}
        assert "training artists" in metrics["protocol"]["candidates"]
    assert (results / "importances/rf_ranker/seed0.csv").exists()
    assert (built_workdir / "results/benchmarks/lastfm/rf_ranker/seed0.tsv").exists()
    ndcg = summary.filter(pl.col("metric") == "ndcg@10")
    scores = dict(zip(ndcg["model"], ndcg["mean"]))
    assert scores["rf_ranker"] > scores["random"] and scores["popularity_users"] > scores["random"]


def test_sequence_metrics_and_provider_exposure(built_workdir):
    results = built_workdir / "results"
    sasrec = json.loads((results / "lastfm/metrics/sasrec/seed0.json").read_text())
    assert "first tagging date" in sasrec["protocol"]["training_order"]
    assert sum(sasrec["protocol"]["training_rows_by_order_key"].values()) > 0
    exposure = pl.read_csv(results / "fairness/lastfm/exposure.csv")
    assert {"random", "rf_ranker", "sasrec"} <= set(exposure["model"])
    shares = exposure.group_by("model").agg(pl.col("slot_share_mean").sum())
    assert shares["slot_share_mean"].to_list() == pytest.approx([1.0] * shares.height)
    tables = json.loads((results / "fairness/lastfm/tables.json").read_text())
    assert tables["k"] == 10 and "training artists" in tables["candidates"]
    assert pl.read_csv(results / "fairness/lastfm/first_female_rank.csv")["n_seeds"].max() == 2


def test_bad_input_is_one_line(tmp_path):
    folder = tmp_path / "hetrec"
    folder.mkdir()
    for name in ("artists", "tags", "user_taggedartists", "user_friends"):
        (folder / f"{name}.dat").write_text("x\n1\n")
    (folder / "user_artists.dat").write_text("userID\tartistID\tweight\n2\t51\tlots\n")
    workdir = make_workdir(tmp_path, {"seeds": [0], "lastfm": {"data": str(folder), "demo": {"size": "tiny"}}})
    result = run_snakemake(workdir, "--cores", "1", "results/lastfm/split/train.parquet", check=False)
    assert result.returncode != 0
    assert "musicrec error in rule lastfm_split" in result.stderr
    assert "user_artists.dat: column 'weight': non-integer values" in result.stderr
    assert not (workdir / "results/lastfm/split/train.parquet").exists()
