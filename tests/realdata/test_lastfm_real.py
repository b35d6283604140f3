"""The Last.fm stage on the real HetRec 2011 2k data and the real Spotify songs (one seed).

Asserts what the issue claims of the real data, at settings light enough for CI (REAL_CONFIG: fewer
epochs and factors than config.yaml, whose full settings the README's table was measured with, and without the
models whose training dominates the stage on 2 CPU cores, LightGCN, BPR and SASRec, which the demo builds run
end to end): every model beats random by a wide margin on NDCG@10; the classical baselines reach the
reference figures of this project's split within their tolerance; the lambdarank re-ranker beats the best of
its generators; the FAISS index keeps the exact top-10.
"""

from __future__ import annotations

import json

import polars as pl
import pytest
import yaml

from conftest import TWO_JOBS_AT_A_TIME, make_workdir, run_snakemake

pytestmark = [pytest.mark.realdata, pytest.mark.workflow]

REAL_CONFIG = {
    "seeds": [0],
    # The results page of this build covers Last.fm alone; the fairness report it links to (KKBox always, on
    # the tiny demo here) leaves the ranking datasets out: the real Last.fm's genders need MusicBrainz.
    "report": {"datasets": ["lastfm"]},
    "fairness": {"ranking_datasets": []},
    "kkbox": {"demo": {"size": "tiny"}},
    "lastfm": {
        "models": {
            "als": {"factors": 128, "iterations": 15},
            "two_tower": {"epochs": 4},
            "rf_ranker": {"n_estimators": 60, "negatives_per_user": 30},
        },
    },
}
# Left out of the real-data build (and of the re-ranker's generators): the slowest to train on 2 CPU cores.
LEFT_OUT = ("lightgcn", "bpr", "sasrec")
# NDCG@10 floors on the test split at REAL_CONFIG (the reference figures of the issue on this project's
# split, ALS 0.2433 and EASE 0.2322, less their 0.01 tolerance and the lighter settings' cost).
FLOORS = {"als": 0.22, "ease": 0.222, "item_knn": 0.205, "rp3beta": 0.205, "ltr_ranker": 0.24}


@pytest.fixture(scope="module")
def real_workdir(tmp_path_factory):
    from conftest import SHARED_DATA

    folder, songs = SHARED_DATA / "hetrec2011-lastfm-2k", SHARED_DATA / "spotify_songs" / "spotify_songs.csv"
    if not folder.is_dir() or not songs.is_file():
        pytest.skip(f"real data {folder} or {songs} is absent (it sits beside the repo in CI)")
    config = {**REAL_CONFIG, "lastfm": {**REAL_CONFIG["lastfm"], "data": str(folder), "spotify": str(songs)}}
    workdir = make_workdir(tmp_path_factory.mktemp("lastfm_real"), config)
    settings = yaml.safe_load((workdir / "config.yaml").read_text())
    models = settings["lastfm"]["models"]
    for name in LEFT_OUT:
        del models[name]
    for block in models.values():
        for name in LEFT_OUT:
            block.get("generators", {}).pop(name, None)
    (workdir / "config.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    run_snakemake(workdir, *TWO_JOBS_AT_A_TIME, "lastfm", "results/report.html", timeout=1500)
    return workdir


def ndcg10(workdir) -> dict[str, float]:
    summary = pl.read_csv(workdir / "results/lastfm/summary.csv")
    rows = summary.filter(pl.col("metric") == "ndcg@10")
    return dict(zip(rows["model"], rows["mean"]))


def test_every_model_beats_random_by_a_wide_margin(real_workdir):
    scores = ndcg10(real_workdir)
    floor = scores.pop("random")
    assert floor < 0.01, floor
    for model, value in scores.items():
        assert value > 10 * floor and value > floor + 0.01, (model, value, floor)


def test_classical_baselines_reach_the_reference_figures(real_workdir):
    scores = ndcg10(real_workdir)
    for model, floor in FLOORS.items():
        assert scores[model] >= floor, (model, scores[model], floor)


def test_the_reranker_beats_the_best_of_its_generators(real_workdir):
    scores = ndcg10(real_workdir)
    config = json.loads((real_workdir / "results/lastfm/training/ltr_ranker/seed0.json").read_text())
    best_generator = max(scores[g] for g in config["generators"])
    assert scores["ltr_ranker"] > best_generator, (scores["ltr_ranker"], best_generator)


def test_protocol_and_join_are_documented(real_workdir):
    metrics = json.loads((real_workdir / "results/lastfm/metrics/ltr_ranker/seed0.json").read_text())
    protocol = metrics["protocol"]
    assert protocol["catalogue_size"] == 17632 and protocol["k_values"] == [5, 10, 20]
    assert protocol["candidates"] == "full catalogue minus the user's training items"
    assert protocol["users_evaluated"] > 1800
    coverage = json.loads((real_workdir / "results/lastfm/features/test/join_coverage.json").read_text())
    assert coverage["artist_coverage"] > coverage["artist_coverage_lowercase_only"]
    split = json.loads((real_workdir / "results/lastfm/split/test/summary.json").read_text())
    assert (split["users"], split["items"], split["train_pairs"] + split["target_pairs"]) == (1892, 17632, 92834)
    assert (real_workdir / "results/lastfm/comparison.png").stat().st_size > 10_000


def test_faiss_top10_matches_exact_search_for_the_catalogue(real_workdir):
    report = json.loads((real_workdir / "results/lastfm/training/two_tower/seed0.json").read_text())["index"]
    assert report["n_items"] == 17632 and report["queries"].startswith("17632 item embeddings (all items)")
    assert report["identical_top_k_share_vs_exact"] >= 0.95 and report["recall_at_k_vs_exact"] >= 0.95, report
    assert (real_workdir / "results/lastfm/models/two_tower/seed0/index.faiss").stat().st_size > 0


def test_sequence_order_and_cold_start(real_workdir):
    summary = json.loads((real_workdir / "results/lastfm/split/test/summary.json").read_text())
    assert summary["sequence_order"].startswith("each user's training artists ordered by first tagging date")
    assert set(summary["sequence_rows_by_order_key"]) == {"first_tag_date", "weight"}
    two_tower = json.loads((real_workdir / "results/lastfm/metrics/two_tower/seed0.json").read_text())
    assert two_tower["protocol"]["cold_users_evaluated"] == 50
    assert two_tower["cold_start_metrics"]["ndcg@10"] > 0.05, two_tower["cold_start_metrics"]


def test_the_results_page_shows_the_real_data_profile(real_workdir):
    page = (real_workdir / "results/report.html").read_text(encoding="utf-8")
    assert '<div class="part" id="lastfm-profile">' in page
    profile = page[page.index('id="lastfm-profile"'):page.index('id="lastfm-metrics"')]
    assert "hetrec2011-lastfm-2k" in profile
    assert "92,834 events of 1,892 users on 17,632 artists" in profile, profile[:2000]
    assert profile.count("data:image/png;base64,") == 3
