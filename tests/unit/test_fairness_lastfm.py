"""Last.fm provider exposure: artist genders from artists.dat names, baselines and the seed aggregation."""

from __future__ import annotations

import json

import polars as pl
import pytest

from musicrec.errors import ConfigError
from musicrec.fairness import lastfm as fairness_lastfm
from musicrec.fairness.lastfm import LastfmExposureSettings

ARTISTS = "id\tname\turl\tpictureURL\n1\tAnna\tu\tp\n2\tBob\tu\tp\n3\tCarl\tu\tp\n4\tDuo\tu\tp\n"
DEMOGRAPHICS = ("artist_name,mbid,gender,type,country,score,status\n"
                "Anna,,female,person,,,demo\nBob,,male,person,,,demo\nCarl,,male,person,,,demo\n")


@pytest.fixture
def files(tmp_path):
    paths = {"artists": tmp_path / "artists.dat", "demographics": tmp_path / "demographics.csv",
             "train": tmp_path / "train.parquet", "cold_users": tmp_path / "cold.parquet"}
    paths["artists"].write_text(ARTISTS, encoding="utf-8")
    paths["demographics"].write_text(DEMOGRAPHICS, encoding="utf-8")
    # plays: Anna 6, Bob 2, Duo (no gender) 2; pairs: Anna 1, Bob 2, Duo 1
    pl.DataFrame({"user_id": [1, 2, 2, 3], "item_id": [1, 2, 4, 2], "weight": [6, 1, 2, 1]}).write_parquet(paths["train"])
    pl.DataFrame({"user_id": [9]}).write_parquet(paths["cold_users"])
    return {name: str(path) for name, path in paths.items()}


def topk(tmp_path, model, seed, rows):
    path = tmp_path / f"{model}{seed}.parquet"
    pl.DataFrame(rows, schema=["user", "item", "score", "rank"], orient="row").with_columns(
        pl.lit(model).alias("model"), pl.lit(seed, pl.Int64).alias("seed")).write_parquet(path)
    return str(path)


def test_baselines_by_catalogue_plays_and_pairs(files):
    items = fairness_lastfm.artist_groups(files["artists"], files["demographics"])
    assert dict(zip(items["item"], items["group"])) == {1: "female", 2: "male", 3: "male", 4: "unknown"}
    base = {r["group"]: r for r in fairness_lastfm.baselines(items, pl.read_parquet(files["train"])).iter_rows(named=True)}
    assert base["female"]["catalogue_share"] == pytest.approx(1 / 4)
    assert base["male"]["catalogue_share"] == pytest.approx(2 / 4)
    assert base["female"]["listening_share"] == pytest.approx(6 / 10)
    assert base["unknown"]["listening_share"] == pytest.approx(2 / 10)
    assert base["male"]["pair_share"] == pytest.approx(2 / 4)


def test_summarise_hand_computed(files, tmp_path):
    # K = 1: model "a" seed 0 puts Anna first for user 1 and Bob for user 2; seed 1 Bob for both.
    # User 9 is cold and left out. Female slot share: seed 0 1/2, seed 1 0 -> mean 1/4, std sqrt(1/8).
    lists = [
        topk(tmp_path, "a", 0, [(1, 1, 0.9, 1), (1, 2, 0.1, 2), (2, 2, 0.9, 1), (2, 1, 0.5, 2), (9, 1, 0.9, 1)]),
        topk(tmp_path, "a", 1, [(1, 2, 0.9, 1), (1, 1, 0.1, 2), (2, 2, 0.9, 1), (2, 3, 0.5, 2)]),
    ]
    outputs = {name: str(tmp_path / name) for name in ("exposure", "exposure_by_seed", "first_female_rank",
                                                        "first_female_rank_by_seed")}
    settings = LastfmExposureSettings(top_k=1, focus_group="female", list_length=2)
    tables = fairness_lastfm.summarise(lists, files, settings, {"data": "test"},
                                       {**outputs, "tables": str(tmp_path / "tables.json")})
    female = tables["exposure"].filter((pl.col("model") == "a") & (pl.col("group") == "female")).row(0, named=True)
    assert female["slot_share_mean"] == pytest.approx(0.25)
    assert female["slot_share_std"] == pytest.approx((1 / 8) ** 0.5)
    assert female["catalogue_share"] == pytest.approx(0.25)
    assert female["ratio_to_catalogue"] == pytest.approx(1.0)
    assert female["ratio_to_listening"] == pytest.approx(0.25 / 0.6)
    first = tables["first_female_rank"].row(0, named=True)
    # seed 0: 1 of 2 users has a female artist in the top 1 (rank 1); seed 1: none
    assert first["share_with_group_mean"] == pytest.approx(0.25)
    assert first["mean_first_rank_mean"] == pytest.approx(1.0) and first["n_seeds"] == 2
    description = json.loads((tmp_path / "tables.json").read_text())
    assert description["k"] == 1 and "training artists" in description["candidates"]
    assert description["seeds"] == {"a": [0, 1]}
    assert pl.read_csv(tmp_path / "exposure.csv").height == tables["exposure"].height
    with pytest.raises(ConfigError, match="exceeds the Last.fm list length"):
        fairness_lastfm.summarise(lists, files, LastfmExposureSettings(top_k=3, list_length=2), {}, outputs)
