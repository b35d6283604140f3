"""The paired test of a dataset's best model against the runner-up: the Wilcoxon signed-rank test against
hand-computed null distributions, choosing the two models, pairing users over seeds, and the edge cases."""

import math

import polars as pl
import pytest

from musicrec.schema import write_per_user
from musicrec.significance import (COLUMNS, compare, metric_k, paired_values, ranked_models, seeds_to_average,
                                   signed_rank_test, significance_files)


def test_signed_rank_statistic_and_exact_p_by_hand():
    # |d| ranks 1..5, the negative one is 4: W- = 4, W+ = 11, statistic min = 4. Under the null each of the
    # 2^5 = 32 sign patterns is equally likely; W- <= 4 for the subsets {}, {1}, {2}, {3}, {4}, {1,2}, {1,3}:
    # 7 of 32 on each side, so p = 14 / 32.
    statistic, p = signed_rank_test([1.0, 2.0, 3.0, -4.0, 5.0])
    assert statistic == 4.0 and p == pytest.approx(14 / 32)


def test_zero_differences_are_dropped_and_ties_share_ranks():
    # The 0 is dropped; |d| = 1, 1, 2, 3 rank 1.5, 1.5, 3, 4; W- = 3 (the -2). Of the 16 sign patterns,
    # W- <= 3 for {}, {1.5}, {1.5'}, {1.5, 1.5'}, {3}: 5, and as many with W+ <= 3: p = 10 / 16.
    statistic, p = signed_rank_test([1.0, 1.0, -2.0, 3.0, 0.0])
    assert statistic == 3.0 and p == pytest.approx(10 / 16)


def test_a_large_sample_uses_the_normal_approximation():
    # d = ±1..±60, negative for 1, 4, ..., 58: W- = 20 * (1 + 58) / 2 = 590; mean n(n+1)/4 = 915,
    # variance n(n+1)(2n+1)/24 = 18452.5; two-sided p = erfc(|z| / sqrt 2).
    d = [-k if k % 3 == 1 else k for k in range(1, 61)]
    statistic, p = signed_rank_test(d)
    z = (590 - 915) / math.sqrt(18452.5)
    assert statistic == 590.0 and p == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-9)


def test_all_differences_zero_is_p_one():
    assert signed_rank_test([0.0, 0.0, 1e-15]) == (0.0, 1.0)


def test_the_k_of_a_metric_name():
    assert metric_k("like/recall@100") == 100 and metric_k("auc") is None and metric_k("ndcg@10") == 10


def summary(rows):
    """Summary rows (model, metric, mean) with a fixed split and candidates."""
    return pl.DataFrame(rows, schema=["model", "metric", "mean"], orient="row").with_columns(
        pl.lit("test split").alias("split"), pl.lit("full catalogue").alias("candidates"))


SUMMARY = summary([("pop", "ndcg@10", 0.20), ("als", "ndcg@10", 0.30), ("ease", "ndcg@10", 0.30),
                   ("als", "log_loss", 0.6), ("pop", "log_loss", 0.5), ("knn", "ndcg@10", None),
                   ("als", "coverage@10", 0.1), ("pop", "coverage@10", 0.2)])


def test_best_and_runner_up_by_mean_equal_means_keep_the_summary_order():
    assert ranked_models(SUMMARY, "ndcg@10")["model"].to_list() == ["als", "ease", "pop"], "knn has no value"
    assert ranked_models(SUMMARY, "log_loss")["model"].to_list() == ["pop", "als"], "lower log-loss is better"


def test_seeds_both_models_share_and_a_single_run_stands_for_every_seed():
    assert seeds_to_average([0, 1, 2], [1, 2, 3]) == ([1, 2], [1, 2])
    assert seeds_to_average([0, 1], [0]) == ([0, 1], [0])
    assert seeds_to_average([0], [0]) == ([0], [0])


def values(rows):
    return pl.DataFrame(rows, schema=["seed", "user", "value"], orient="row")


def test_a_deterministic_model_pairs_with_the_seeded_models_mean_over_seeds():
    seeded = values([(0, "u1", 0.4), (1, "u1", 0.6), (0, "u2", 0.0), (1, "u2", 0.2), (0, "u3", 1.0), (1, "u3", 1.0)])
    deterministic = values([(0, "u1", 0.3), (0, "u2", 0.1), (0, "u4", 0.9)])
    pairs, seeds = paired_values(seeded, deterministic)
    assert pairs.rows() == [("u1", pytest.approx(0.5), 0.3), ("u2", pytest.approx(0.1), 0.1)], "u3, u4 unpaired"
    assert seeds == "best: 0,1; runner-up: 0"


def loader(frames):
    return lambda model, metric: frames.get((model, metric), values([]).cast({"seed": pl.Int64, "value": pl.Float64,
                                                                              "user": pl.String}))


def test_compare_by_hand():
    # als - ease per user (mean over seeds 0 and 1): 1, 2, 3, -4, 5 and a tie: the test of
    # test_signed_rank_statistic_and_exact_p_by_hand.
    als = values([(s, f"u{i}", v) for s in (0, 1) for i, v in enumerate([1.0, 2.0, 3.0, 0.0, 5.0, 0.5])])
    ease = values([(s, f"u{i}", v) for s in (0, 1) for i, v in enumerate([0.0, 0.0, 0.0, 4.0, 0.0, 0.5])])
    row = compare(SUMMARY, "ndcg@10", loader({("als", "ndcg@10"): als, ("ease", "ndcg@10"): ease}), 0.05)
    assert list(row) == list(COLUMNS)
    assert (row["best"], row["runner_up"], row["best_mean"], row["runner_up_mean"]) == ("als", "ease", 0.3, 0.3)
    assert (row["users"], row["wins"], row["losses"], row["ties"]) == (6, 4, 1, 1)
    assert row["mean_difference"] == pytest.approx(7 / 6) and row["median_difference"] == pytest.approx(1.5)
    assert row["statistic"] == 4.0 and row["p_value"] == pytest.approx(14 / 32) and row["significant"] is False
    assert row["K"] == 10 and row["seeds"] == "0,1" and row["split"] == "test split" and row["note"] is None
    assert "Wilcoxon" in row["test"] and "6 users" in row["test"]


def test_a_lower_is_better_metric_counts_a_lower_value_as_a_win():
    pop = values([(0, f"u{i}", 0.1) for i in range(8)])
    als = values([(0, f"u{i}", 0.5) for i in range(8)])
    row = compare(SUMMARY, "log_loss", loader({("pop", "log_loss"): pop, ("als", "log_loss"): als}), 0.05)
    # 8 differences of -0.4, all tied in |d|: permutation p = 2 / 2^8
    assert (row["best"], row["wins"], row["losses"]) == ("pop", 8, 0)
    assert row["mean_difference"] == pytest.approx(-0.4) and row["p_value"] == pytest.approx(2 / 256)
    assert row["significant"] is True
    assert "single seed" in row["note"] and "not the log_loss of all rows" in row["note"]


def test_edge_cases_get_a_note_instead_of_a_test():
    one = compare(summary([("als", "ndcg@10", 0.3)]), "ndcg@10", loader({}), 0.05)
    assert one["best"] == "als" and one["runner_up"] is None and "no runner-up" in one["note"]
    assert one["p_value"] is None and one["significant"] is False
    assert "no model" in compare(SUMMARY, "recall@10", loader({}), 0.05)["note"]
    coverage = compare(SUMMARY, "coverage@10", loader({}), 0.05)
    assert coverage["best"] is None and "descriptive" in coverage["note"]
    no_values = compare(SUMMARY, "ndcg@10", loader({}), 0.05)
    assert no_values["users"] == 0 and "no per-user values of ndcg@10 for als, ease" in no_values["note"]
    same = values([(0, "u1", 0.2), (0, "u2", 0.4), (1, "u1", 0.2), (1, "u2", 0.4)])
    zero = compare(SUMMARY, "ndcg@10", loader({("als", "ndcg@10"): same, ("ease", "ndcg@10"): same}), 0.05)
    assert (zero["p_value"], zero["statistic"], zero["significant"], zero["ties"]) == (1.0, 0.0, False, 2)
    assert "every paired difference is zero" in zero["note"]
    apart = compare(SUMMARY, "ndcg@10", loader({("als", "ndcg@10"): values([(0, "u1", 0.2)]),
                                                ("ease", "ndcg@10"): values([(0, "u2", 0.2)])}), 0.05)
    assert apart["users"] == 0 and "no user" in apart["note"]


def test_significance_files_reads_the_summary_and_the_per_user_files(tmp_path):
    summary_path = tmp_path / "summary.csv"
    SUMMARY.write_csv(summary_path)
    runs, paths = [], []
    for model, seeds, shift in (("als", (0, 1), 1.0), ("ease", (0, 1), 0.0), ("pop", (0,), 0.0)):
        for seed in seeds:
            path = tmp_path / f"{model}_seed{seed}.parquet"
            write_per_user(pl.DataFrame({"user": [1, 2, 3], "metric": ["ndcg@10"] * 3,
                                         "value": [shift + 0.1 * u for u in (1, 2, 3)]}), path)
            runs.append({"model": model, "seed": seed})
            paths.append(str(path))
    table, description = significance_files(str(summary_path), paths, runs, ["ndcg@10", "log_loss"], 0.05, "demo")
    assert table.columns == list(COLUMNS) and table["metric"].to_list() == ["ndcg@10", "log_loss"]
    first = table.row(0, named=True)
    assert (first["best"], first["runner_up"], first["users"], first["wins"]) == ("als", "ease", 3, 3)
    assert first["p_value"] == pytest.approx(2 / 8)  # three equal positive differences: 2 of 8 sign patterns
    assert "no per-user values" in table.row(1, named=True)["note"]
    assert description["significance_level"] == 0.05 and set(description["columns"]) == set(COLUMNS)
