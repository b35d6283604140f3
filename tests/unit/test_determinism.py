"""Same seed, same result: LightGBM (built through the model registry) predicts bit-identically across runs."""

import numpy as np
import polars as pl
import pytest

from musicrec import models
from musicrec.datasets import kkbox_demo
from musicrec.features import kkbox as features
from musicrec.models.base import FeatureSpec

HYPERPARAMETERS = {"num_boost_round": 40, "learning_rate": 0.1, "num_leaves": 15, "feature_fraction": 0.7,
                   "bagging_fraction": 0.8, "bagging_freq": 1}


@pytest.fixture(scope="module")
def feature_tables():
    size = kkbox_demo.KKBoxDemoSize(n_members=100, n_artists=40, n_songs=300, n_train=4000, n_test=500)
    tables = {k: pl.from_pandas(v) for k, v in kkbox_demo.generate(size, seed=11).items()
              if k != "artist_demographics"}
    return features.build(tables, features.FeatureConfig())


def fit_predict(tables, seed):
    model = models.build("lightgbm", HYPERPARAMETERS, seed, threads=2)
    model.fit(tables.train, tables.train["target"].to_numpy(), FeatureSpec.from_json(tables.spec))
    return model.score(tables.valid)


def test_lightgbm_same_seed_bit_identical(feature_tables):
    first = fit_predict(feature_tables, seed=5)
    second = fit_predict(feature_tables, seed=5)
    assert first.shape == (feature_tables.valid.height,)
    assert np.array_equal(first, second)


def test_lightgbm_seed_changes_the_model(feature_tables):
    assert not np.array_equal(fit_predict(feature_tables, seed=5), fit_predict(feature_tables, seed=6))
