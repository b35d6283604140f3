"""The results page, the rule graph and `snakemake --report` on the tiny end-to-end build (tiny_build): the page
shows every dataset with its profile, metric tables, significance and the cost table; the README's rule graph is
the workflow's current one; the report zip holds every registered table and figure."""

from __future__ import annotations

import re
import zipfile

import polars as pl
import pytest

from conftest import REPO, SNAKEMAKE_REPORT
from musicrec.reports.rulegraph import rule_names

pytestmark = pytest.mark.workflow

DATASETS = ("kkbox", "lastfm", "yambda", "yandex_music", "mssd")
README_RULE_GRAPH = "resources/report/rulegraph.svg"


@pytest.fixture(scope="module")
def page(tiny_build) -> str:
    return (tiny_build / "results/report.html").read_text(encoding="utf-8")


def test_the_page_shows_every_dataset_its_best_models_and_the_costs(tiny_build, page):
    for section in ("overview", "costs", "workflow", "run"):
        assert f'<section id="{section}">' in page
    for dataset in DATASETS:
        assert f'<section id="dataset-{dataset}">' in page
        for part in ("profile", "metrics", "significance"):
            assert f'id="{dataset}-{part}"' in page
        for row in pl.read_csv(tiny_build / f"results/{dataset}/significance.csv").iter_rows(named=True):
            assert f"{row['best']} (" in page, (dataset, row["metric"])
    by_model = pl.read_csv(tiny_build / "results/costs/by_model.csv")
    assert all(model in page for model in by_model["model"])
    assert 'href="fairness_report.html"' in page and "<script" not in page
    assert page.count('class="best"') >= len(DATASETS)
    assert page.count("data:image/png;base64,") >= 4 * len(DATASETS) + 2
    assert "data:image/svg+xml;base64," in page


def test_every_metric_table_states_split_and_candidates(page):
    protocols = re.findall(r'<p class="muted">(split: [^<]*)</p>', page)
    assert len(protocols) >= len(DATASETS)
    assert all("candidates: " in protocol for protocol in protocols)


def test_the_readme_rule_graph_is_the_current_one(tiny_build):
    built = rule_names((tiny_build / "results/rulegraph.svg").read_text(encoding="utf-8"))
    drawn = rule_names((REPO / README_RULE_GRAPH).read_text(encoding="utf-8"))
    assert built == drawn, "the README's rule graph is out of date: run `make rulegraph`"
    assert {"results_page", "rulegraph", "cost_table", "data_profile", "significance", "fairness_report"} <= set(built)
    assert README_RULE_GRAPH in (REPO / "README.md").read_text(encoding="utf-8")


def test_snakemake_report_zip_holds_every_registered_result(tiny_build):
    with zipfile.ZipFile(tiny_build / SNAKEMAKE_REPORT) as archive:
        names = archive.namelist()
    assert "snakemake_report/report.html" in names
    files = [name.rsplit("/", 1)[-1] for name in names if name.startswith("snakemake_report/data/raw/")]
    per_dataset = ("statistics.csv", "extras.csv", "long_tail.png", "activity.png", "extras.png", "comparison.png",
                   "significance.csv")
    for name in per_dataset:
        assert files.count(name) == len(DATASETS), name
    assert files.count("summary.csv") == len(DATASETS) + 1, "each dataset's summary and the fairness summary"
    whole_run = ("by_model.csv", "by_rule.csv", "costs.png", "quality_per_cost.png", "report.html",
                 "fairness_report.html", "rulegraph.svg")
    for name in whole_run:
        assert files.count(name) == 1, name
    assert len(files) == (len(per_dataset) + 1) * len(DATASETS) + 1 + len(whole_run)
