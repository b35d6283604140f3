"""The Last.fm stage of the tiny end-to-end build (tiny demo data, 2 seeds): the contract files, every
configured model's lists, metrics and per-user metrics, the significance test, provider exposure, what an edit
of one model's hyper-parameters reruns, and a bad-input run."""

from __future__ import annotations

import json

import polars as pl
import pytest
import yaml

from conftest import make_workdir, run_snakemake
from per_user_checks import check_per_user_files, check_significance
from profile_checks import check_profile
from test_dag import job_counts

pytestmark = pytest.mark.workflow

@pytest.fixture(scope="module")
def built_workdir(tiny_build):
    """The whole workflow's tiny build (tests/conftest.py TINY_CONFIG: the Last.fm stage with 2 seeds)."""
    return tiny_build


def configured_models(workdir):
    return list(yaml.safe_load((workdir / "config.yaml").read_text())["lastfm"]["models"])


def test_contract_files_and_metrics(built_workdir):
    results = built_workdir / "results/lastfm"
    for split in ("test", "valid"):
        assert pl.read_parquet(results / f"split/{split}/train.parquet").columns == ["user_id", "item_id", "weight"]
        assert pl.read_parquet(results / f"split/{split}/targets.parquet").columns == ["user_id", "item_id", "weight"]
        sequences = pl.read_parquet(results / f"split/{split}/sequences.parquet")
        assert {"user_id", "item_id", "position", "ordered_by"} <= set(sequences.columns)
    test_pairs = pl.read_parquet(results / "split/test/targets.parquet")
    assert pl.read_parquet(results / "split/valid/targets.parquet").join(
        test_pairs, on=["user_id", "item_id"], how="semi").is_empty(), "the validation split never holds a test pair"
    summary = pl.read_csv(results / "summary.csv")
    assert list(dict.fromkeys(summary["model"])) == configured_models(built_workdir)
    for model, seed in (("ltr_ranker", 1), ("random", 0), ("hybrid", 0), ("lightgcn", 1), ("als", 0)):
        topk = pl.read_parquet(results / f"topk/{model}/seed{seed}.parquet")
        assert topk.columns == ["user", "item", "score", "rank", "model", "seed"]
        metrics = json.loads((results / f"metrics/{model}/seed{seed}.json").read_text())
        assert set(metrics["metrics"]) >= {f"{m}@{k}" for m in ("ndcg", "map", "recall") for k in (5, 10, 20)}
        assert metrics["protocol"]["candidates"] == "full catalogue minus the user's training items"
        assert "per-user random split" in metrics["protocol"]["split"]
    assert (built_workdir / "results/benchmarks/lastfm/rerank/ltr_ranker/seed0.tsv").exists()
    ndcg = summary.filter(pl.col("metric") == "ndcg@10")
    scores = dict(zip(ndcg["model"], ndcg["mean"]))
    for model in ("item_knn", "ease", "als", "rf_ranker", "ltr_ranker", "popularity_users"):
        assert scores[model] > scores["random"], (model, scores)


def test_per_user_metrics_average_to_the_metrics_and_the_best_model_is_tested(built_workdir):
    results = built_workdir / "results/lastfm"
    check_per_user_files(results, means_are_the_metrics=True)
    for model in configured_models(built_workdir):
        assert (results / f"per_user/{model}/seed0.parquet").exists()
    run_snakemake(built_workdir, "--cores", "1", "results/lastfm/valid/per_user/als/seed1.parquet")
    valid = pl.read_parquet(results / "valid/per_user/als/seed1.parquet").filter(pl.col("metric") == "ndcg@10")
    valid_metrics = json.loads((results / "valid/metrics/als/seed1.json").read_text())["metrics"]
    assert valid["value"].mean() == pytest.approx(valid_metrics["ndcg@10"])
    table = check_significance(built_workdir, "lastfm")
    row = table.row(0, named=True)
    summary = pl.read_csv(results / "summary.csv").filter(pl.col("metric") == "ndcg@10").sort("mean", descending=True)
    assert (row["best"], row["runner_up"]) == tuple(summary["model"].head(2))
    targets = pl.read_parquet(results / "split/test/targets.parquet")["user_id"].n_unique()
    assert 0 < row["users"] <= targets and row["wins"] + row["losses"] + row["ties"] == row["users"]


def test_generators_write_deeper_lists_and_artefacts(built_workdir):
    results = built_workdir / "results/lastfm"
    depth = yaml.safe_load((built_workdir / "config.yaml").read_text())["lastfm"]["models"]["ltr_ranker"]["generators"]
    assert pl.read_parquet(results / "topk/als/seed0.parquet")["rank"].max() == max(20, depth["als"])
    assert pl.read_parquet(results / "topk/random/seed0.parquet")["rank"].max() == 20
    factors = results / "models/als/seed0/factors.npz"
    assert factors.stat().st_size > 0 and (results / "models/lightgcn/seed0/network.pt").exists()
    assert (results / "models/two_tower/seed0/index.faiss").exists()
    report = json.loads((results / "training/ltr_ranker/seed0.json").read_text())
    assert 0 < report["validation_candidate_recall"] <= 1 and report["feature_importances"]


def test_sequence_order_and_provider_exposure(built_workdir):
    results = built_workdir / "results"
    sasrec = json.loads((results / "lastfm/metrics/sasrec/seed0.json").read_text())
    assert "first tagging date" in sasrec["protocol"]["sequence_order"]
    fairness = results / "fairness/lastfm"
    exposure = pl.read_csv(fairness / "exposure.csv")
    assert set(exposure["model"]) == set(configured_models(built_workdir))
    shares = exposure.group_by("model").agg(pl.col("slot_share_mean", "candidate_share", "catalogue_share").sum())
    for column in ("slot_share_mean", "candidate_share", "catalogue_share"):
        assert shares[column].to_list() == pytest.approx([1.0] * shares.height)
    tables = json.loads((fairness / "tables.json").read_text())
    assert tables["k"] == 10 and "minus the user's training items" in tables["candidates"]
    assert "per-user random split" in tables["split"] and tables["seeds"]["als"] == [0, 1]
    first = pl.read_csv(fairness / "first_rank_in_top_k.csv")
    assert first["n_seeds"].max() == 2 and first["random_in_top_k_mean"].is_between(0, 1).all()
    # the planted bias: female artists are less popular, so popularity puts fewer of them in the top K
    female = exposure.filter(pl.col("group") == "female")
    popular = female.filter(pl.col("model") == "popularity_users").row(0, named=True)
    assert popular["slot_share_mean"] < popular["catalogue_share"]
    artists = pl.read_csv(fairness / "artist_exposure.csv")
    assert artists.group_by("model").len()["len"].max() <= 100 and artists["artist"].null_count() == 0
    assert pl.read_csv(fairness / "coverage.csv")["share_known"].min() > 0.5


def test_data_profile_counts_the_user_artist_pairs_and_their_plays(built_workdir):
    values, extras, _ = check_profile(built_workdir, "lastfm")
    pairs = pl.read_csv(built_workdir / "resources/lastfm/demo/user_artists.dat", separator="\t")
    assert (values["rows"], values["users"], values["items"]) == (
        pairs.height, pairs["userID"].n_unique(), pairs["artistID"].n_unique())
    assert values["weight_total"] == pairs["weight"].sum()
    assert 0 < values["spotify_artist_coverage"] <= 1
    assert {"danceability", "energy", "tempo"} <= set(extras.filter(
        pl.col("table").str.starts_with("Spotify audio features"))["group"])


def test_nothing_left_to_do_after_a_build(built_workdir):
    result = run_snakemake(built_workdir, "-n", "lastfm")
    assert "Nothing to be done" in result.stdout + result.stderr


@pytest.mark.parametrize(("path", "value", "rerun"), [
    # ALS is seeded and a generator of the lambdarank re-ranker: its jobs on both splits, then the re-ranker
    ("models.als.factors", 16, {"recommend": 2, "recommend_valid": 2, "rerank": 2, "evaluate": 4}),
    # content kNN (unseeded) feeds both re-rankers
    ("models.content_knn.seed_items", 8, {"recommend": 1, "recommend_valid": 1, "rerank": 4, "evaluate": 5}),
    # the Spotify similar-songs table is data preparation: no model reruns
    ("similar_songs", 12, {"lastfm_similar_songs": 1}),
    # a model nothing consumes: only its own jobs
    ("models.sasrec.epochs", 4, {"recommend_gpu": 2, "evaluate": 2}),
])
def test_editing_one_model_reruns_only_that_model_and_its_consumers(built_workdir, path, value, rerun):
    config_file = built_workdir / "config.yaml"
    original = config_file.read_text()
    config = yaml.safe_load(original)
    *parents, key = ["lastfm", *path.split(".")]
    block = config
    for name in parents:
        block = block[name]
    block[key] = value
    try:
        config_file.write_text(yaml.safe_dump(config, sort_keys=False))
        counts = job_counts(run_snakemake(built_workdir, "lastfm", "-n", "--quiet", "rules").stdout)
    finally:
        config_file.write_text(original)
    aggregates = {"summary", "benchmark_summary", "fairness_provider", "lastfm", "significance"}
    assert {rule: n for rule, n in counts.items() if rule not in aggregates} == rerun


def test_bad_input_is_one_line(tmp_path):
    folder = tmp_path / "hetrec"
    folder.mkdir()
    for name in ("artists", "tags", "user_taggedartists", "user_friends"):
        (folder / f"{name}.dat").write_text("x\n1\n")
    (folder / "user_artists.dat").write_text("userID\tartistID\tweight\n2\t51\tlots\n")
    workdir = make_workdir(tmp_path, {"seeds": [0], "lastfm": {"data": str(folder), "demo": {"size": "tiny"}}})
    result = run_snakemake(workdir, "--cores", "1", "results/lastfm/split/test/train.parquet", check=False)
    assert result.returncode != 0
    assert "musicrec error in rule lastfm_split" in result.stderr
    assert "user_artists.dat: column 'weight': non-integer values" in result.stderr
    assert not (workdir / "results/lastfm/split/test/train.parquet").exists()
