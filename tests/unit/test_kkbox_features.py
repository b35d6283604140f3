"""KKBox features: time-ordered split, no target leakage, hand-checked target statistics."""

import numpy as np
import polars as pl
import pytest

from musicrec.datasets import kkbox_demo
from musicrec.features import kkbox as features


def tables_from(tables_pd):
    return {name: pl.from_pandas(df) for name, df in tables_pd.items() if name != "artist_demographics"}


@pytest.fixture(scope="module")
def demo_tables():
    size = kkbox_demo.KKBoxDemoSize(n_members=80, n_artists=30, n_songs=200, n_train=3000, n_test=500)
    return kkbox_demo.generate(size, seed=3)


def feature_frame(tables, fraction=0.2):
    built = features.build(tables_from(tables), features.FeatureConfig(validation_fraction=fraction))
    return built, pl.concat([built.train, built.valid, built.test]).sort("row_id")


def test_split_is_time_ordered(demo_tables):
    built, _ = feature_frame(demo_tables, 0.25)
    assert built.train.height == 2250 and built.valid.height == 750 and built.test.height == 500
    assert built.train["row_id"].max() < built.valid["row_id"].min()
    assert built.valid["row_id"].max() < built.test["row_id"].min()
    assert built.spec["split"]["validation_fraction"] == 0.25


def test_no_row_sees_its_own_or_later_targets(demo_tables):
    """Flipping the targets of late training rows and of all validation rows must leave unchanged
    every feature of the earlier training rows, and every validation and test feature must not
    depend on validation targets."""
    built, before = feature_frame(demo_tables)
    cut = 1200
    changed = {k: v.copy() for k, v in demo_tables.items()}
    flip = changed["train"].index >= cut
    changed["train"].loc[flip, "target"] = 1 - changed["train"].loc[flip, "target"]
    _, after = feature_frame(changed)
    feature_cols = [c for c in before.columns if c != "target"]
    early = pl.col("row_id") < cut
    assert before.filter(early).select(feature_cols).equals(after.filter(early).select(feature_cols))
    # Validation rows only see training-split targets, which changed for rows cut..2399: so
    # validation features may change, but flipping only validation targets must change nothing.
    only_valid = {k: v.copy() for k, v in demo_tables.items()}
    valid_rows = only_valid["train"].index >= built.train.height
    only_valid["train"].loc[valid_rows, "target"] = 1 - only_valid["train"].loc[valid_rows, "target"]
    _, valid_flipped = feature_frame(only_valid)
    not_test = pl.col("row_id") < len(demo_tables["train"])
    assert before.filter(not_test).select(feature_cols).equals(valid_flipped.filter(not_test).select(feature_cols))


def test_expanding_target_mean_hand_computed():
    train = pl.DataFrame(
        {
            "msno": ["a", "a", "a", "b", "a"],
            "song_id": ["s1", "s2", "s1", "s1", "s2"],
            "source_system_tab": ["x"] * 5,
            "source_screen_name": ["y"] * 5,
            "source_type": ["z"] * 5,
            "target": pl.Series([1, 0, 1, 1, 1], dtype=pl.Int8),
        }
    )
    test = train.drop("target").head(1).with_columns(pl.lit(0, dtype=pl.Int64).alias("id"))
    songs = pl.DataFrame({"song_id": ["s1", "s2"], "song_length": [1, 2], "genre_ids": ["1", "2|3"],
                          "artist_name": ["A", "B"], "composer": [None, "c1| c2"], "lyricist": [None, None],
                          "language": [3.0, -1.0]})
    members = pl.DataFrame({"msno": ["a", "b"], "city": [1, 2], "bd": [25, 0], "gender": [None, "female"],
                            "registered_via": [7, 9], "registration_init_time": [20100101, 20120101],
                            "expiration_date": [20110101, 19700101]})
    extra = pl.DataFrame({"song_id": ["s1"], "name": ["n"], "isrc": ["TWA011200001"]})
    tables = {"train": train, "test": test, "songs": songs, "members": members, "song_extra_info": extra}
    # 5 train rows, validation fraction 0.2 -> rows 0..3 train, row 4 valid.
    built = features.build(tables, features.FeatureConfig(validation_fraction=0.2))
    w = features.PRIOR_WEIGHT
    # user a: rows 0, 1, 2 are training rows with targets 1, 0, 1. The prior of a training row is
    # the target rate of all earlier training rows: 0.5 (none yet), 1/1, 1/2.
    user_a = built.train.filter(pl.col("msno") == "a").sort("row_id")
    assert user_a["tcnt_user"].to_list() == [0.0, 1.0, 2.0]
    expected = [(0 + w * 0.5) / w, (1 + w * 1.0) / (1 + w), (1 + w * 0.5) / (2 + w)]
    assert np.allclose(user_a["tmean_user"].to_numpy(), expected)
    # the validation row (user a) sees all three training rows of a (sum 2, count 3); its prior is
    # the training split's rate 3/4.
    prior = 3 / 4
    valid = built.valid.row(0, named=True)
    assert valid["tcnt_user"] == 3.0
    assert valid["tmean_user"] == pytest.approx((2 + w * prior) / (3 + w))
    # member and song attributes: bd 0 -> unknown age; stray-space multi-valued fields counted.
    row_b = built.train.filter(pl.col("msno") == "b").row(0, named=True)
    assert row_b["member_age"] is None
    assert built.valid.row(0, named=True)["n_composers"] == 2.0
    assert built.train.row(0, named=True)["song_year"] == 2012.0
    # neighbour context: user a's rows 0, 1, 2, 4 (row 3 is user b).
    assert user_a["gap_next_user"].to_list() == [1.0, 1.0, 2.0]
    assert user_a["n_before_user_song"].to_list() == [0.0, 0.0, 1.0]
