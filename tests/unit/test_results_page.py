"""The results page: metric tables per target set and K with the best of each column marked, the significance
sentences, the overview across datasets, every section present, and every data string escaped."""

import html
import json
from pathlib import Path

import polars as pl
import pytest

from musicrec.io import write_csv
from musicrec.metrics.direction import better
from musicrec.reports.figures import model_comparison
from musicrec.reports.results_page import (
    DatasetResults, RunCosts, RunInfo, best_rows, fairness_rows, mean_std, metric_tables,
    number,
    overview_rows, read_dataset, significance_sentence, split_metric, write_results_page,
)
from musicrec.reports.rulegraph import render_svg, rule_names

XSS_MODEL = "<img src=x onerror=alert(1)>"
SECTION_IDS = ("overview", "dataset-yambda", "dataset-mssd", "costs", "workflow", "run", "yambda-profile",
               "yambda-metrics", "yambda-significance", "mssd-profile", "mssd-metrics", "mssd-significance")
SPLIT, CANDIDATES = "global temporal, last day", "full catalogue, history kept"


def summary_rows(model: str, seeds: int, values: dict[str, float], split=SPLIT, candidates=CANDIDATES) -> list[dict]:
    return [{"model": model, "metric": metric, "n_seeds": seeds, "mean": value, "std": 0.01 if seeds > 1 else 0.0,
             "min": value, "max": value, "split": split, "candidates": candidates}
            for metric, value in values.items()]


def ranking_summary() -> pl.DataFrame:
    rows = (summary_rows("most_pop", 1, {"listen_plus/ndcg@10": 0.03, "listen_plus/coverage@10": 0.01,
                                         "like/ndcg@10": 0.02, "dislike_fpr@10": 0.0})
            + summary_rows("als", 3, {"listen_plus/ndcg@10": 0.13, "listen_plus/coverage@10": 0.2,
                                      "like/ndcg@10": 0.05, "dislike_fpr@10": 0.1})
            + summary_rows(XSS_MODEL, 3, {"listen_plus/ndcg@10": 0.13, "listen_plus/coverage@10": 0.5,
                                          "like/ndcg@10": 0.04, "dislike_fpr@10": 0.05}))
    return pl.DataFrame(rows)


def session_summary() -> pl.DataFrame:
    return pl.DataFrame(
        summary_rows("skip_rate", 1, {"mean_average_accuracy": 0.47, "first_prediction_accuracy": 0.62},
                     split="last 15% of sessions", candidates="the second half's tracks")
        + summary_rows("bert_augmented", 2, {"mean_average_accuracy": 0.55, "first_prediction_accuracy": 0.71},
                       split="last 15% of sessions", candidates="the second half's tracks")
        + summary_rows("cooccurrence", 1, {"ndcg@10": 0.08}, split="last 15% of sessions",
                       candidates="full vocabulary"))


def significance(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema_overrides={"p_value": pl.Float64, "runner_up_mean": pl.Float64})


def test_metric_names_split_into_target_set_family_and_k():
    assert split_metric("listen_plus/ndcg@10") == ("listen_plus", "ndcg", 10)
    assert split_metric("auc") == ("", "auc", None)
    assert split_metric("hit_rate@20") == ("", "hit_rate", 20)


def test_direction_of_each_metric_family():
    assert better("listen_plus/ndcg@10") == "higher"
    assert better("log_loss") == "lower"
    assert better("dislike_fpr@100") == "lower"
    assert better("coverage@10") is None
    assert better("oov_target_share") is None


def test_best_rows_follow_the_direction_and_mark_ties():
    assert best_rows([0.1, 0.3, 0.3, None], "higher") == {1, 2}
    assert best_rows([0.1, 0.3, float("nan")], "lower") == {0}
    assert best_rows([0.1, 0.3], None) == set()
    assert best_rows([None], "higher") == set()


def test_numbers_and_spread_over_seeds():
    assert number(0.123456) == "0.1235"
    assert number(None) == "–"
    assert number(float("nan")) == "–"
    assert number(12345) == "12,345"
    assert mean_std(0.5, 0.01, 1) == "0.5000"
    assert mean_std(0.5, 0.01, 3) == "0.5000 ± 0.0100"


def test_one_table_per_target_set_and_k_with_the_best_marked():
    tables = {t.title: t for t in metric_tables(ranking_summary())}
    assert set(tables) == {"K = 10", "Like targets, K = 10", "Listen+ targets, K = 10"}
    listen = tables["Listen+ targets, K = 10"]
    assert listen.headers == ["model", "seeds", "ndcg", "coverage"]
    assert [row[0] for row in listen.rows] == ["most_pop", "als", XSS_MODEL]
    # ndcg: als and the third model tie at 0.13 (both marked); coverage is descriptive (never marked)
    assert listen.marked == {(1, 2), (2, 2)}
    assert listen.rows[1][2] == "0.1300 ± 0.0100" and listen.rows[0][1] == "1"
    assert SPLIT in listen.protocol and CANDIDATES in listen.protocol
    # Dislike-FPR: lower is better, most_pop's 0 wins
    assert tables["K = 10"].marked == {(0, 2)}


def test_models_without_a_value_in_a_table_are_left_out_of_it():
    tables = {t.title: t for t in metric_tables(session_summary())}
    assert [row[0] for row in tables["no cut-off"].rows] == ["skip_rate", "bert_augmented"]
    assert [row[0] for row in tables["K = 10"].rows] == ["cooccurrence"]
    assert "the second half's tracks" in tables["no cut-off"].protocol


def test_significance_sentences():
    row = {"metric": "ndcg@10", "best": "als", "runner_up": "ease", "best_mean": 0.25, "runner_up_mean": 0.23,
           "users": 1827, "wins": 900, "losses": 700, "ties": 227, "p_value": 0.0001, "significant": True,
           "test": "two-sided Wilcoxon signed-rank test over the 1827 users", "note": None}
    sentence = significance_sentence(row, 0.05)
    assert "als (0.2500) leads ease (0.2300) by 0.0200" in sentence
    assert "better for 900 users, worse for 700, tied for 227" in sentence
    assert "p = 0.0001, significant at 0.05" in sentence and "Note" not in sentence
    assert "not significant" in significance_sentence({**row, "p_value": 0.3, "significant": False}, 0.05)
    untested = significance_sentence({**row, "p_value": None, "note": "only als has ndcg@10: no runner-up"}, 0.05)
    assert untested == "ndcg@10: not tested: only als has ndcg@10: no runner-up."
    assert "Note: a single seed." in significance_sentence({**row, "note": "a single seed"}, 0.05)


def test_overview_names_the_best_and_the_runner_up_per_main_metric():
    data = DatasetResults("yambda", ranking_summary(), b"", significance([{
        "metric": "listen_plus/ndcg@10", "best": "als", "runner_up": XSS_MODEL, "best_mean": 0.13,
        "runner_up_mean": 0.13, "users": 10, "p_value": 1.0, "significant": False, "test": "Wilcoxon"}]), {},
        ("listen_plus/ndcg@10", "like/ndcg@10"))
    rows = overview_rows([data])
    assert rows[0][1] == "listen_plus/ndcg@10" and "not significant" in rows[0][5]
    assert rows[1][2].startswith("als (0.0500") and rows[1][3].startswith(XSS_MODEL) and rows[1][4] == "0.0100"
    assert rows[1][5] == "–"


def tiny_png(summary: pl.DataFrame) -> bytes:
    return model_comparison(summary, list(dict.fromkeys(summary["model"])), "comparison")


def dataset_files(folder: Path, name: str, summary: pl.DataFrame, tests: list[dict]) -> dict[str, str]:
    """The files the rule reads for one dataset, profile included."""
    folder.mkdir(parents=True)
    paths = {part: str(folder / file) for part, file in (("summary", "summary.csv"), ("comparison", "comparison.png"),
                                                        ("significance", "significance.csv"),
                                                        ("profile", "profile.json"))}
    write_csv(summary, paths["summary"])
    Path(paths["comparison"]).write_bytes(tiny_png(summary))
    write_csv(significance(tests), paths["significance"])
    statistics = folder / "statistics.csv"
    write_csv(pl.DataFrame({"statistic": ["users", "items", "density"], "value": [10.0, 20.0, 0.25],
                            "description": ["users with events", "items with events", f"<b>{XSS_MODEL}</b>"]}),
              statistics)
    figure = folder / "long_tail.png"
    figure.write_bytes(tiny_png(summary))
    Path(paths["profile"]).write_text(json.dumps({
        "dataset": name, "source": "demo data", "events": "listens",
        "tables": [{"file": str(statistics), "title": "Statistics", "caption": "Rows, users and items."}],
        "figures": [{"file": str(figure), "title": "Long tail", "caption": f"Item popularity {XSS_MODEL}."}],
    }), encoding="utf-8")
    return paths


def fairness_summary() -> pl.DataFrame:
    """Two rows of the fairness report's summary across datasets: one analysed, one not configured."""
    return pl.DataFrame({
        "dataset": ["Yambda", "Yandex Music"], "status": ["analysed", "not configured"], "n_models": [3, None],
        "seeds": ["0, 1", None], "artists_known_share": [0.9, None], "focus_catalogue_share": [0.2, None],
        "focus_exposure_lowest": [0.01, None], "focus_exposure_lowest_model": ["most_pop", None],
        "focus_exposure_highest": [0.18, None], "focus_exposure_highest_model": [XSS_MODEL, None],
        "focus_in_top_k_lowest": [0.1, None], "focus_in_top_k_lowest_model": ["most_pop", None],
        "focus_in_top_k_highest": [0.8, None], "focus_in_top_k_highest_model": ["als", None],
        "focus_in_top_k_random": [0.9, None], "note": [None, "no artist demographics are configured"]})


def test_fairness_summary_in_a_few_columns():
    rows = fairness_rows(fairness_summary())
    assert rows[0][:6] == ["Yambda", "analysed", "3", "0, 1", "90.0%", "20.0%"]
    assert rows[0][6] == f"1.0% (most_pop) .. 18.0% ({XSS_MODEL})"
    assert rows[0][7] == "10.0% (most_pop) .. 80.0% (als) (90.0%)"
    assert rows[1][1:] == ["not configured", *["–"] * 6, "no artist demographics are configured"]


def build_synthetic_results_page(folder: Path) -> Path:
    """A results page of a ranking dataset (target sets, one untrusted model name) and the skip challenge (two
    tasks), with costs, a rule graph and a fairness summary, through the functions the rule calls."""
    test = {"users": 10, "wins": 6, "losses": 2, "ties": 2, "p_value": 0.02, "significant": True,
            "test": "two-sided Wilcoxon signed-rank test", "note": None}
    datasets = [
        read_dataset("yambda", dataset_files(folder / "yambda", "yambda", ranking_summary(), [
            {**test, "metric": "listen_plus/ndcg@10", "best": "als", "runner_up": XSS_MODEL, "best_mean": 0.13,
             "runner_up_mean": 0.13}]), ["listen_plus/ndcg@10"]),
        read_dataset("mssd", dataset_files(folder / "mssd", "mssd", session_summary(), [
            {**test, "metric": "mean_average_accuracy", "best": "bert_augmented", "runner_up": "skip_rate",
             "best_mean": 0.55, "runner_up_mean": 0.47},
            {**test, "metric": "ndcg@10", "best": "cooccurrence", "runner_up": None, "best_mean": 0.08,
             "runner_up_mean": None, "users": 0, "p_value": None, "significant": False,
             "note": "only cooccurrence has ndcg@10: no runner-up to test against"}]),
            ["mean_average_accuracy", "ndcg@10"]),
    ]
    by_model = pl.DataFrame({"dataset": ["yambda", "mssd"], "model": [XSS_MODEL, "skip_rate"], "jobs": [3, 1],
                             "wall_seconds": [12.5, 1.0], "device": ["CPU", "GPU rule"]})
    by_rule = pl.DataFrame({"rule": ["recommend", "session_skip"], "jobs": [3, 1], "wall_seconds": [12.5, 1.0]})
    costs = RunCosts({"jobs": 4, "wall_seconds": 13.5, "cpu_seconds": 20.0, "peak_rss_mb": 512.0}, by_model, by_rule,
                     tiny_png(ranking_summary()), tiny_png(session_summary()))
    info = RunInfo(seeds=[0, 1, 2], sources={"yambda": "demo data (tiny)", "mssd": f"folder {XSS_MODEL}"},
                   significance_level=0.05, rulegraph_svg=render_svg('digraph g { "all" -> "report" }'),
                   fairness_summary=fairness_summary())
    out = folder / "report.html"
    write_results_page(datasets, costs, info, out)
    return out


def test_the_page_has_every_section_and_escapes_data_strings(tmp_path):
    page = build_synthetic_results_page(tmp_path).read_text(encoding="utf-8")
    for anchor in SECTION_IDS:
        assert f'id="{anchor}"' in page
    assert XSS_MODEL not in page and html.escape(XSS_MODEL) in page
    assert "<script" not in page
    assert 'href="fairness_report.html"' in page
    assert "data:image/svg+xml;base64," in page and page.count("data:image/png;base64,") >= 6
    assert 'class="best"' in page
    assert "p = 0.0200" in page


def test_rule_graph_is_drawn_as_svg_with_its_rules():
    svg = render_svg('digraph snakemake_dag { node[fontname=sans]; 0[label = "all"]; 1[label = "report"]; 1 -> 0 }')
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    assert rule_names(svg.decode()) == ["all", "report"]


@pytest.mark.parametrize("dot", ['digraph { 0[label = "b"]; 1[label = "a"]; 2[label = "a"] }'])
def test_rule_names_of_dot_text(dot):
    assert rule_names(dot) == ["a", "b"]
