"""The CatBoost re-ranker on a planted candidate table: one feature separates the positives, both losses rank
them first, a seed fixes the result, and the report names the loss, best iteration and validation NDCG@10."""

import numpy as np
import polars as pl
import pytest

from musicrec import models
from musicrec.models.base import FeatureSpec

COLUMNS = ["signal", "noise_a", "noise_b"]
SMALL = {"iterations": 40, "learning_rate": 0.1, "depth": 3, "early_stopping_rounds": 20}


def planted(users: int, per_user: int, seed: int) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    """Rows of ``users`` users in shuffled order (not grouped), 2 positives each; ``signal`` is higher for
    the positives (overlapping a little), the noise columns are pure noise."""
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(users), per_user)
    labels = np.tile(np.r_[np.ones(2, dtype=np.int8), np.zeros(per_user - 2, dtype=np.int8)], users)
    signal = rng.normal(size=groups.size) + 3.0 * labels
    order = rng.permutation(groups.size)
    features = pl.DataFrame({"signal": signal, "noise_a": rng.normal(size=groups.size),
                             "noise_b": rng.integers(0, 5, size=groups.size).astype(float)})[order]
    return features, labels[order], groups[order]


def fitted(loss: str, seed: int = 0, **overrides):
    features, labels, groups = planted(60, 20, seed=1)
    model = models.build("catboost_ranker", {**SMALL, "loss": loss, **overrides}, seed=seed, threads=1)
    return model.fit(features, labels, FeatureSpec.numeric_only(COLUMNS), groups)


@pytest.mark.parametrize("loss", ["YetiRank", "Logloss"])
def test_both_losses_rank_the_planted_positives_first(loss):
    model = fitted(loss)
    features, labels, groups = planted(30, 20, seed=2)
    frame = pl.DataFrame({"group": groups, "label": labels, "model": model.score(features),
                          "oracle": features["signal"]})

    def precision_at_2(column: str) -> float:
        top = frame.filter(pl.col(column).rank("ordinal", descending=True).over("group") <= 2)
        return top["label"].mean()

    assert precision_at_2("model") >= precision_at_2("oracle") - 0.05 > 0.8
    report = model.report()
    assert report["loss"] == loss
    assert next(iter(report["feature_importances"])) == "signal"
    assert 0.9 < report["validation_ndcg@10"] <= 1.0


def test_report_keys_and_held_out_users():
    report = fitted("YetiRank").report()
    assert set(report) >= {"loss", "best_iteration", "trees", "training_rows", "validation_users",
                           "validation_rows", "validation_ndcg@10", "feature_importances"}
    assert report["validation_users"] == 12  # 20% of the 60 users
    assert report["training_rows"] == 48 * 20
    assert 0 <= report["best_iteration"] < SMALL["iterations"]
    assert set(report["feature_importances"]) == set(COLUMNS)


@pytest.mark.parametrize("loss", ["YetiRank", "Logloss"])
def test_same_seed_same_scores_other_seed_other_model(loss):
    features, _, _ = planted(10, 20, seed=3)
    first = fitted(loss, seed=4).score(features)
    assert np.array_equal(first, fitted(loss, seed=4).score(features))
    assert not np.array_equal(first, fitted(loss, seed=5).score(features))


def test_without_a_validation_share_all_users_train_and_no_ndcg_is_claimed():
    report = fitted("YetiRank", validation_share=0.0).report()
    assert report["validation_users"] == 0 and report["validation_ndcg@10"] is None
    assert report["best_iteration"] is None and report["trees"] == SMALL["iterations"]


def test_users_without_a_positive_and_extra_negatives_are_left_out():
    features, labels, groups = planted(20, 20, seed=6)
    labels = np.where(groups < 5, 0, labels)  # users 0..4 have no positive
    model = models.build("catboost_ranker", {**SMALL, "negatives_per_user": 3, "validation_share": 0.0}, seed=0)
    model.fit(features, labels, FeatureSpec.numeric_only(COLUMNS), groups)
    assert model.report()["training_rows"] == 15 * (2 + 3)


def test_held_out_users_keep_every_candidate_when_negatives_are_sampled():
    report = fitted("Logloss", negatives_per_user=3).report()
    assert report["validation_rows"] == 12 * 20 and report["training_rows"] == 48 * (2 + 3)


def test_bad_loss_and_missing_groups_are_clear_errors():
    features, labels, groups = planted(5, 10, seed=7)
    spec = FeatureSpec.numeric_only(COLUMNS)
    with pytest.raises(ValueError, match="loss must be one of YetiRank, Logloss"):
        models.build("catboost_ranker", {"loss": "RMSE"}, seed=0).fit(features, labels, spec, groups)
    with pytest.raises(ValueError, match="needs a query"):
        models.build("catboost_ranker", {}, seed=0).fit(features, labels, spec)
    with pytest.raises(ValueError, match="no training candidate is a positive"):
        models.build("catboost_ranker", {}, seed=0).fit(features, np.zeros_like(labels), spec, groups)
