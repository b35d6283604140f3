"""Provider fairness of a ranking dataset's top-K lists (rule fairness_provider): artist genders of Last.fm
items from artists.dat names and of Yambda tracks from an artist-id table, the baselines (catalogue,
listening, pairs, candidates), and the seed aggregation of exposure, first female artist and most exposed
artists, hand-computed."""

from __future__ import annotations

import json

import polars as pl
import pytest

from musicrec.errors import ConfigError, InputDataError
from musicrec.fairness import exposure, ranking
from musicrec.fairness.ranking import ProviderFairnessSettings

ARTISTS = "id\tname\turl\tpictureURL\n1\tAnna\tu\tp\n2\tBob\tu\tp\n3\tCarl\tu\tp\n4\tDuo\tu\tp\n"
DEMOGRAPHICS = ("artist_name,mbid,gender,type,country,score,status\n"
                "Anna,,female,person,,,demo\nBob,,male,person,,,demo\nCarl,,male,person,,,demo\n")


@pytest.fixture
def files(tmp_path):
    """Last.fm-shaped split: artists 1 Anna (female), 2 Bob, 3 Carl (male), 4 Duo (no gender); users 1, 2
    warm, 9 cold."""
    paths = {name: tmp_path / f"{name}.parquet" for name in ("train", "targets", "cold_users", "catalogue")}
    paths |= {"artists": tmp_path / "artists.dat", "demographics": tmp_path / "demographics.csv",
              "summary": tmp_path / "summary.json"}
    paths["artists"].write_text(ARTISTS, encoding="utf-8")
    paths["demographics"].write_text(DEMOGRAPHICS, encoding="utf-8")
    paths["summary"].write_text(json.dumps({"description": "per-user random split"}), encoding="utf-8")
    # plays: Anna 6, Bob 1 + 1, Duo 2; pairs: Anna 1, Bob 2, Duo 1
    pl.DataFrame({"user_id": [1, 2, 2, 3], "item_id": [1, 2, 4, 2], "weight": [6, 1, 2, 1]}).write_parquet(paths["train"])
    pl.DataFrame({"user_id": [1, 2, 9], "item_id": [2, 1, 3]}).write_parquet(paths["targets"])
    pl.DataFrame({"user_id": [9]}).write_parquet(paths["cold_users"])
    pl.DataFrame({"item_id": [1, 2, 3, 4]}).write_parquet(paths["catalogue"])
    return {name: str(path) for name, path in paths.items()}


def topk(tmp_path, model, seed, rows):
    path = tmp_path / f"{model}{seed}.parquet"
    pl.DataFrame(rows, schema=["user", "item", "score", "rank"], orient="row").with_columns(
        pl.lit(model).alias("model"), pl.lit(seed, pl.Int64).alias("seed")).write_parquet(path)
    return str(path)


def outputs(tmp_path):
    return {**{name: str(tmp_path / "out" / name) for name in ranking.TABLES}, "tables": str(tmp_path / "out/tables.json")}


def test_lastfm_items_get_their_artists_gender_by_name(files):
    items = ranking.item_groups("lastfm", pl.read_parquet(files["catalogue"]), files["artists"], files["demographics"])
    assert items.rows() == [(1, "Anna", "female"), (2, "Bob", "male"), (3, "Carl", "male"), (4, "Duo", "unknown")]


def test_baselines_by_catalogue_listening_pairs_and_candidates(files):
    items = ranking.item_groups("lastfm", pl.read_parquet(files["catalogue"]), files["artists"], files["demographics"])
    train = pl.read_parquet(files["train"]).select(pl.col("user_id").alias("user"), pl.col("item_id").alias("item"),
                                                   pl.col("weight").cast(pl.Float64))
    counts = exposure.candidate_group_counts(pl.DataFrame({"user": [1, 2]}), items, train)
    base = {(r["source"], r["group"]): r["share"] for r in ranking.baselines(items, train, counts).iter_rows(named=True)}
    assert base["catalogue", "female"] == pytest.approx(1 / 4) and base["catalogue", "male"] == pytest.approx(2 / 4)
    assert base["listening", "female"] == pytest.approx(6 / 10) and base["listening", "unknown"] == pytest.approx(2 / 10)
    assert base["pairs", "male"] == pytest.approx(2 / 4)
    # user 1 (saw Anna): 0 female of 3 candidates; user 2 (saw Bob, Duo): 1 female of 2
    assert base["candidates", "female"] == pytest.approx((0 + 1 / 2) / 2)
    assert base["candidates", "male"] == pytest.approx((2 / 3 + 1 / 2) / 2)


def test_summarise_hand_computed(files, tmp_path):
    # K = 1. Seed 0: user 1 gets Carl, user 2 Anna; seed 1: user 1 Duo, user 2 Carl (Anna second). User 9 is
    # cold and left out. Female slot share: seed 0 1/2, seed 1 0 -> mean 1/4, std sqrt(1/8).
    lists = [
        topk(tmp_path, "a", 0, [(1, 3, 0.9, 1), (1, 4, 0.1, 2), (2, 1, 0.9, 1), (2, 3, 0.5, 2), (9, 1, 0.9, 1)]),
        topk(tmp_path, "a", 1, [(1, 4, 0.9, 1), (1, 2, 0.1, 2), (2, 3, 0.9, 1), (2, 1, 0.5, 2)]),
    ]
    settings = ProviderFairnessSettings(top_k=1, focus_group="female", list_length=2, exclude_seen=True)
    tables = ranking.summarise("lastfm", lists, files, settings, {"data": "test"}, outputs(tmp_path))
    female = tables["exposure"].filter((pl.col("model") == "a") & (pl.col("group") == "female")).row(0, named=True)
    assert female["slot_share_mean"] == pytest.approx(0.25)
    assert female["slot_share_std"] == pytest.approx((1 / 8) ** 0.5)
    assert female["ratio_to_catalogue"] == pytest.approx(1.0)
    assert female["ratio_to_listening"] == pytest.approx(0.25 / 0.6)
    assert female["ratio_to_candidates"] == pytest.approx(0.25 / 0.25)
    assert female["pair_share"] == pytest.approx(0.25)
    first = tables["first_rank_in_top_k"].row(0, named=True)
    # only user 2 has a female candidate (n = 2, f = 1): found at rank 1 in seed 0, not in seed 1; a random
    # order puts her first with probability 1/2
    assert first["users_with_group_mean"] == 1 and first["users_mean"] == 2
    assert first["in_top_k_mean"] == pytest.approx(0.5) and first["random_in_top_k_mean"] == pytest.approx(0.5)
    assert first["mean_first_rank_in_top_k_mean"] == 1.0 and first["n_seeds"] == 2
    artists = tables["artist_exposure"].select("artist", "artist_gender", "slots").rows()
    assert artists == [("Carl", "male", 2), ("Anna", "female", 1), ("Duo", "unknown", 1)]
    assert tables["coverage"].select("measure", "known", "total").rows() == [
        ("artists", 3, 4), (ranking.ITEMS, 3, 4), (ranking.PAIRS, 3, 4)]
    description = json.loads((tmp_path / "out/tables.json").read_text())
    assert description["k"] == 1 and "minus the user's training items" in description["candidates"]
    assert description["split"] == "per-user random split" and description["seeds"] == {"a": [0, 1]}
    assert description["models"] == ["a"] and description["data"] == "test"
    assert pl.read_csv(tmp_path / "out/exposure.csv").height == tables["exposure"].height
    assert pl.read_parquet(tmp_path / "out/exposure_by_seed.parquet")["seed"].unique().sort().to_list() == [0, 1]


def test_summarise_checks_k_and_the_lists(files, tmp_path):
    lists = [topk(tmp_path, "a", 0, [(1, 3, 0.9, 1), (1, 4, 0.1, 2)])]
    with pytest.raises(ConfigError, match="exceeds the lastfm list length"):
        ranking.summarise("lastfm", lists, files, ProviderFairnessSettings(top_k=3, list_length=2), {}, outputs(tmp_path))
    cold_only = [topk(tmp_path, "b", 0, [(9, 1, 0.9, 1)])]
    with pytest.raises(InputDataError, match="no list of a warm test user"):
        ranking.summarise("lastfm", cold_only, files, ProviderFairnessSettings(top_k=1, list_length=2), {},
                          outputs(tmp_path))


@pytest.fixture
def yambda_files(tmp_path):
    """Yambda-shaped: tracks 10, 11 by artist 7 (female), 12 by artist 8 (male), 13 without an artist."""
    folder = tmp_path / "yambda"
    folder.mkdir()
    paths = {name: folder / f"{name}.parquet" for name in ("train", "targets", "cold_users", "catalogue", "artists")}
    paths |= {"demographics": folder / "genders.csv", "summary": folder / "summary.json"}
    pl.DataFrame({"artist_id": [7, 7, 8], "item_id": [10, 11, 12]}, schema={"artist_id": pl.UInt32, "item_id": pl.UInt32}
                 ).write_parquet(paths["artists"])
    paths["demographics"].write_text("artist_id,gender\n7,Female\n8,male\n9,mixed\n", encoding="utf-8")
    paths["summary"].write_text(json.dumps({"description": "global temporal split"}), encoding="utf-8")
    pl.DataFrame({"item_id": [10, 11, 12, 13]}, schema={"item_id": pl.UInt32}).write_parquet(paths["catalogue"])
    pl.DataFrame({"user_id": [1, 2], "item_id": [10, 12], "weight": [1.0, 3.0]},
                 schema={"user_id": pl.UInt32, "item_id": pl.UInt32, "weight": pl.Float64}).write_parquet(paths["train"])
    pl.DataFrame({"user_id": [1, 2], "item_id": [11, 13]}, schema={"user_id": pl.UInt32, "item_id": pl.UInt32}
                 ).write_parquet(paths["targets"])
    pl.DataFrame({"user_id": []}, schema={"user_id": pl.UInt32}).write_parquet(paths["cold_users"])
    return {name: str(path) for name, path in paths.items()}


def test_yambda_tracks_get_their_artists_gender_by_artist_id(yambda_files):
    items = ranking.item_groups("yambda", pl.read_parquet(yambda_files["catalogue"]), yambda_files["artists"],
                                yambda_files["demographics"])
    assert items.rows() == [(10, "artist 7", "female"), (11, "artist 7", "female"), (12, "artist 8", "male"),
                            (13, None, "unknown")]


def test_yambda_candidates_are_the_full_catalogue_with_history(yambda_files, tmp_path):
    # exclude_seen false: every user ranks all 4 tracks, 2 of them female: P(first female at rank 1) = 1/2
    lists = [topk(tmp_path, "pop", 0, [(1, 12, 0.9, 1), (1, 10, 0.5, 2), (2, 11, 0.9, 1), (2, 13, 0.5, 2)])]
    settings = ProviderFairnessSettings(top_k=1, list_length=2, exclude_seen=False)
    tables = ranking.summarise("yambda", lists, yambda_files, settings, {}, outputs(tmp_path))
    female = tables["exposure"].filter(pl.col("group") == "female").row(0, named=True)
    assert female["candidate_share"] == female["catalogue_share"] == 0.5
    assert female["slot_share_mean"] == 0.5 and female["listening_share"] == pytest.approx(1 / 4)
    first = tables["first_rank_in_top_k"].row(0, named=True)
    assert first["users_with_group_mean"] == 2 and first["in_top_k_mean"] == 0.5
    assert first["random_in_top_k_mean"] == pytest.approx(0.5)
    assert tables["artist_exposure"]["artist"].to_list() == ["artist 7", "artist 8"]
    description = json.loads((tmp_path / "out/tables.json").read_text())
    assert "history not masked" in description["candidates"]


def test_a_gender_table_without_the_key_column_is_one_clear_error(yambda_files, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("artist,gender\n7,female\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="column 'artist_id'"):
        ranking.item_groups("yambda", pl.read_parquet(yambda_files["catalogue"]), yambda_files["artists"], bad)
