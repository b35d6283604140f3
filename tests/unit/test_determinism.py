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


def test_a_validation_split_of_one_class_stops_with_auc_undefined(feature_tables, tmp_path):
    from musicrec.errors import InputDataError
    from musicrec.io import write_json
    from musicrec.training import Run, fit_and_score

    paths = {name: str(tmp_path / f"{name}.parquet") for name in ("train", "valid", "test")}
    feature_tables.train.write_parquet(paths["train"])
    feature_tables.valid.with_columns(pl.lit(1, pl.Int8).alias("target")).write_parquet(paths["valid"])
    feature_tables.test.write_parquet(paths["test"])
    paths["spec"] = str(tmp_path / "spec.json")
    write_json(feature_tables.spec, paths["spec"])
    with pytest.raises(InputDataError, match=r"valid.parquet: column 'target': every row has target 1, so AUC is "
                                             r"undefined"):
        fit_and_score(Run("kkbox", "lgb", "lightgbm", 0, {"num_boost_round": 5}), paths)
