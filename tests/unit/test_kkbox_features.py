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


def hand_tables():
    """Five train rows (users a, b; songs s1, s2) and one test row; every id joins."""
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
    return {"train": train, "test": test, "songs": songs, "members": members, "song_extra_info": extra}


def test_expanding_target_mean_hand_computed():
    tables = hand_tables()
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


def test_unjoined_ids_are_counted_logged_and_kept(caplog):
    """A song absent from songs.csv and song_extra_info.csv and a user absent from members.csv do
    not stop the step: their rows are kept with those attributes missing, and counted per file."""
    tables = hand_tables()
    extra_row = {"msno": "c", "song_id": "s9", "source_system_tab": "x", "source_screen_name": "y", "source_type": "z"}
    tables["train"] = pl.concat([tables["train"], pl.DataFrame([{**extra_row, "target": 0}],
                                                                schema=tables["train"].schema)])
    with caplog.at_level("INFO", logger="musicrec.features.kkbox"):
        built = features.build(tables, features.FeatureConfig(validation_fraction=0.2))
    unjoined = built.report["unjoined"]["train.csv"]
    assert unjoined["songs.csv"] == {"column": "song_id", "rows": 1, "of_rows": 6, "distinct_ids": 1,
                                     "of_distinct_ids": 3}
    # s2 has no song_extra_info row either: rows 1, 4 and the new row; distinct s2 and s9.
    assert unjoined["song_extra_info.csv"] == {"column": "song_id", "rows": 3, "of_rows": 6, "distinct_ids": 2,
                                               "of_distinct_ids": 3}
    assert unjoined["members.csv"] == {"column": "msno", "rows": 1, "of_rows": 6, "distinct_ids": 1,
                                       "of_distinct_ids": 3}
    assert built.report["unjoined"]["test.csv"]["songs.csv"]["rows"] == 0
    assert built.report["rows"] == {"train.csv": 6, "test.csv": 1, "songs.csv": 2, "members.csv": 2,
                                    "song_extra_info.csv": 1}
    assert built.report["blank_values"]["songs.csv"] == {"composer": 1, "lyricist": 2}
    assert ("train.csv: 1 of 6 rows (16.67%) have a song_id absent from songs.csv (1 of 3 distinct ids); "
            "kept, with the song attributes missing") in caplog.messages
    assert ("train.csv: 1 of 6 rows (16.67%) have a msno absent from members.csv (1 of 3 distinct ids); "
            "kept, with the member attributes missing") in caplog.messages
    assert "test.csv: every song_id is in songs.csv (1 rows, 1 distinct ids)" in caplog.messages
    unknown = built.valid.filter(pl.col("song_id") == "s9").row(0, named=True)
    assert unknown["msno"] == "c" and unknown["artist_name"] == features.UNKNOWN_ARTIST
    assert unknown["song_unknown"] == 1.0 and unknown["member_age"] is None and unknown["song_length"] is None


def test_feature_dtypes_are_compact(demo_tables):
    built, _ = feature_frame(demo_tables)
    schema = built.train.schema
    assert all(schema[c] == pl.Float32 for c in built.spec["numeric"])
    assert all(schema[c] == pl.Int32 for c in built.spec["categorical"])
    assert all(schema[c] == pl.String for c in ("msno", "song_id", "artist_name", "member_gender"))


@pytest.mark.parametrize("column", ["msno", "artist_name", "member_gender"])
def test_codes_are_ordered_by_row_frequency(demo_tables, column):
    """Code 1 is the value of most rows (song and member attributes are coded per song or member,
    weighted by plays: that must count the same rows), ties in text order, 0 only when missing."""
    _, rows = feature_frame(demo_tables)
    per_code = rows.group_by(f"{column}_code").agg(pl.len(), pl.col(column).unique()).sort(f"{column}_code")
    assert per_code[column].list.len().max() == 1, "one text per code"
    known = per_code.filter(pl.col(f"{column}_code") > 0).with_columns(pl.col(column).list.first())
    expected = known.sort(["len", column], descending=[True, False])
    assert known[f"{column}_code"].to_list() == list(range(1, known.height + 1))
    assert known[column].to_list() == expected[column].to_list()
    missing = per_code.filter(pl.col(f"{column}_code") == 0)
    assert missing.is_empty() or missing[column].list.first().is_null().all()

