"""End to end on the tiny demo: snakemake builds results/fairness_report.html and the tables beside it,
and the planted artist-gender popularity bias shows up as an exposure gap."""

import polars as pl
import pytest
import yaml

pytestmark = pytest.mark.workflow


@pytest.fixture
def built(tiny_build):
    return tiny_build


def test_report_and_tables_are_built(built):
    html = (built / "results/fairness_report.html").read_text(encoding="utf-8")
    for section in ("findings", "exposure", "first-rank", "quality", "artists", "run"):
        assert f'<section id="{section}">' in html
    assert "seeds 0, 1" in html and "threshold 0.5" in html and "top-10" in html
    for name in ("group_metrics", "disparities", "exposure", "first_rank_distribution", "artist_exposure"):
        assert (built / f"results/fairness/kkbox/{name}.csv").stat().st_size > 0
        assert (built / f"results/fairness/kkbox/{name}_by_seed.parquet").exists()


def test_summary_across_datasets_covers_every_dataset_with_demographics(built):
    summary = pl.read_csv(built / "results/fairness/summary.csv")
    assert summary.select("dataset", "status").rows() == [
        ("KKBox", "analysed"), ("Last.fm", "analysed"), ("Yambda", "analysed"), ("Yandex Music", "not configured")]
    config = yaml.safe_load((built / "config.yaml").read_text())
    assert summary["k"][0] == 10 and summary["n_models"].to_list()[:3] == [
        3, len(config["lastfm"]["models"]), len(config["yambda"]["models"])]
    html = (built / "results/fairness_report.html").read_text(encoding="utf-8")
    for section in ("datasets", "lastfm", "yambda"):
        assert f'<section id="{section}">' in html


def test_group_metrics_cover_every_model_seed_and_grouping(built):
    by_seed = pl.read_parquet(built / "results/fairness/kkbox/group_metrics_by_seed.parquet")
    assert set(by_seed["model"]) == {"lgb", "nn", "blend"}
    assert set(by_seed["seed"]) == {0, 1}
    assert set(by_seed["attribute"]) == {"artist_gender", "user_gender", "age_band", "all"}
    assert "missing" in set(by_seed.filter(pl.col("attribute") == "user_gender")["group"])
    auc = by_seed.filter((pl.col("attribute") == "all") & (pl.col("metric") == "auc"))["value"]
    assert auc.min() > 0.6


def test_planted_popularity_bias_shows_as_exposure_gap(built):
    exposure = pl.read_parquet(built / "results/fairness/kkbox/exposure.parquet").filter(pl.col("group") == "female")
    assert exposure.height == 3
    # female artists' popularity was scaled by 0.45 in the generator: their top-K share falls below the catalogue's
    assert (exposure["slot_share_mean"] < exposure["catalogue_share"]).all()
    assert (exposure["ratio_to_catalogue"] < 0.9).all()
