import numpy as np
import pytest
from sklearn.metrics import log_loss as sk_log_loss
from sklearn.metrics import roc_auc_score

from musicrec.metrics.classification import log_loss, per_user_classification_metrics, roc_auc


def test_auc_hand_computed():
    # positives 0.8, 0.4; negatives 0.6, 0.2: pairs (0.8>0.6, 0.8>0.2, 0.4<0.6, 0.4>0.2) -> 3/4
    assert roc_auc([1, 1, 0, 0], [0.8, 0.4, 0.6, 0.2]) == pytest.approx(0.75)


def test_auc_ties_count_half():
    # one positive and one negative with the same score: 1/2
    assert roc_auc([1, 0], [0.5, 0.5]) == pytest.approx(0.5)
    # positive 0.5 vs negatives 0.5 and 0.1: (0.5 + 1) / 2
    assert roc_auc([1, 0, 0], [0.5, 0.5, 0.1]) == pytest.approx(0.75)


def test_auc_perfect_and_reversed():
    assert roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert roc_auc([0, 0, 1, 1], [0.4, 0.3, 0.2, 0.1]) == 0.0


def test_auc_single_class_is_nan():
    assert np.isnan(roc_auc([1, 1], [0.2, 0.3]))


def test_auc_matches_sklearn_with_many_ties():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 5000)
    s = rng.integers(0, 20, 5000) / 20 + 0.1 * y
    assert roc_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_log_loss_hand_computed():
    # -(log 0.8 + log 0.75) / 2
    expected = -(np.log(0.8) + np.log(0.75)) / 2
    assert log_loss([1, 0], [0.8, 0.25]) == pytest.approx(expected)


def test_log_loss_matches_sklearn_and_clips():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 1000)
    p = rng.random(1000)
    assert log_loss(y, p) == pytest.approx(sk_log_loss(y, p), rel=1e-9)
    assert np.isfinite(log_loss([1, 0], [0.0, 1.0]))


def test_bad_labels_and_lengths_rejected():
    with pytest.raises(ValueError, match="0 or 1"):
        roc_auc([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="differ in length"):
        log_loss([0, 1], [0.1])


def test_per_user_auc_and_log_loss_by_hand():
    # a: positive 0.9 above negative 0.2 -> AUC 1; b: positives 0.3, 0.6 vs negative 0.5 -> 1 of 2 pairs;
    # c: one class only -> no AUC, but a log-loss.
    users = ["a", "a", "b", "b", "b", "c"]
    labels = [1, 0, 1, 1, 0, 1]
    scores = [0.9, 0.2, 0.3, 0.6, 0.5, 0.8]
    table = per_user_classification_metrics(users, labels, scores)
    assert table.columns == ["user", "metric", "value"]
    values = {(user, metric): value for user, metric, value in table.iter_rows()}
    assert values[("a", "auc")] == 1.0 and values[("b", "auc")] == 0.5 and ("c", "auc") not in values
    assert values[("a", "log_loss")] == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2)
    assert values[("b", "log_loss")] == pytest.approx(-(np.log(0.3) + np.log(0.6) + np.log(0.5)) / 3)
    assert values[("c", "log_loss")] == pytest.approx(-np.log(0.8))
    # the mean of per-user AUC, (1 + 1/2) / 2, is not the AUC of all rows: positives 0.9, 0.3, 0.6, 0.8 against
    # negatives 0.2, 0.5 order 7 of 8 pairs right (0.3 < 0.5 the only miss)
    assert roc_auc(labels, scores) == pytest.approx(7 / 8)


def test_per_user_metrics_need_one_user_per_row():
    with pytest.raises(ValueError, match="differ in length"):
        per_user_classification_metrics(["a"], [1, 0], [0.5, 0.5])
