"""Per-group metrics (fairlearn MetricFrame), disparities, group labels and the seed aggregation."""

import numpy as np
import polars as pl
import pytest

from musicrec.errors import InputDataError
from musicrec.fairness.group_metrics import group_metrics
from musicrec.fairness.groups import age_band, read_artist_genders, user_groups
from musicrec.summaries import over_seeds


def test_group_metrics_hand_computed():
    labels = np.array([1, 0, 1, 0, 1, 1, 0, 0])
    scores = np.array([0.9, 0.2, 0.4, 0.6, 0.8, 0.7, 0.6, 0.1])
    groups = {"g": np.array(["a", "a", "a", "a", "b", "b", "b", "b"])}
    per_group, disparities = group_metrics(labels, scores, groups, threshold=0.5, min_group_size=1)
    value = {(r["group"], r["metric"]): r["value"] for r in per_group.iter_rows(named=True)}
    # group a: predictions 1,0,0,1 -> TP 1, FN 1, FP 1, TN 1
    assert value[("a", "tpr")] == 0.5 and value[("a", "fpr")] == 0.5
    assert value[("a", "selection_rate")] == 0.5 and value[("a", "accuracy")] == 0.5
    assert value[("a", "auc")] == 0.75  # positives 0.9, 0.4 vs negatives 0.2, 0.6: 3 of 4 pairs ordered
    # group b: predictions 1,1,1,0 -> TPR 1, FPR 0.5, selection 0.75
    assert value[("b", "tpr")] == 1.0 and value[("b", "fpr")] == 0.5 and value[("b", "selection_rate")] == 0.75
    assert value[("b", "count")] == 4
    assert value[("all", "count")] == 8
    gaps = dict(zip(disparities["metric"], disparities["value"]))
    assert gaps["demographic_parity_difference"] == pytest.approx(0.25)
    assert gaps["equalized_odds_difference"] == pytest.approx(0.5)


def test_disparities_skip_small_groups():
    labels = np.array([1, 0, 1, 0, 1])
    scores = np.array([0.9, 0.1, 0.9, 0.1, 0.1])
    groups = {"g": np.array(["a", "a", "b", "b", "tiny"])}
    _, disparities = group_metrics(labels, scores, groups, threshold=0.5, min_group_size=2)
    assert set(disparities["groups_compared"]) == {"a, b"}
    assert disparities["value"].to_list() == [0.0, 0.0]


def test_auc_is_nan_for_a_one_class_group():
    per_group, _ = group_metrics(np.array([1, 1, 0, 1]), np.array([0.6, 0.7, 0.2, 0.9]),
                                 {"g": np.array(["a", "a", "b", "b"])}, 0.5, 1)
    auc_a = per_group.filter((pl.col("group") == "a") & (pl.col("metric") == "auc"))["value"].item()
    assert np.isnan(auc_a)


def test_age_bands_and_user_gender_labels():
    rows = pl.DataFrame({"msno": ["u1", "u2", "u3", "u4", "u5"], "member_gender": ["female", None, "", "male", "male"],
                         "member_age": [17.0, 18.0, None, 45.0, 80.0]})
    groups = user_groups(rows, [10, 18, 25, 35, 45])
    assert groups["user_gender"].to_list() == ["female", "missing", "missing", "male", "male"]
    assert groups["age_band"].to_list() == ["10-17", "18-24", "unknown", "45-80", "45-80"]
    assert pl.select(age_band(pl.lit(90.0), [10, 18])).item() == "unknown"


def test_read_artist_genders_validates(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("artist_name,mbid,gender\nA,,female\nB,,\nA,,male\n")
    table = read_artist_genders(good)
    assert table.rows() == [("A", "female"), ("B", "unknown")]
    bad = tmp_path / "bad.csv"
    bad.write_text("artist_name,gender\nA,woman\n")
    with pytest.raises(InputDataError, match="column 'gender'.*'woman'"):
        read_artist_genders(bad)
    with pytest.raises(InputDataError, match="file not found"):
        read_artist_genders(tmp_path / "absent.csv")


def test_over_seeds_mean_std_and_nan_handling():
    per_seed = pl.DataFrame({"model": ["m", "m", "m"], "seed": [0, 1, 2], "value": [1.0, 3.0, float("nan")]})
    row = over_seeds(per_seed, ["model"], ["value"]).row(0, named=True)
    assert row["value_mean"] == 2.0
    assert row["value_std"] == pytest.approx(np.std([1.0, 3.0], ddof=1))
    assert (row["value_min"], row["value_max"], row["n_seeds"]) == (1.0, 3.0, 3)
    single = over_seeds(per_seed.head(1), ["model"], ["value"]).row(0, named=True)
    assert single["value_std"] == 0.0


def test_disparities_equal_fairlearns_functions():
    from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference

    rng = np.random.default_rng(4)
    labels = rng.integers(0, 2, 3000)
    scores = np.clip(0.3 * labels + rng.random(3000) * 0.8, 0, 1)
    groups = rng.choice(np.array(["a", "b", "c"], dtype=object), 3000)
    _, disparities = group_metrics(labels, scores, {"g": groups}, threshold=0.5, min_group_size=1)
    gaps = dict(zip(disparities["metric"], disparities["value"]))
    predicted = (scores >= 0.5).astype(int)
    assert gaps["demographic_parity_difference"] == pytest.approx(
        demographic_parity_difference(labels, predicted, sensitive_features=groups))
    assert gaps["equalized_odds_difference"] == pytest.approx(
        equalized_odds_difference(labels, predicted, sensitive_features=groups))
