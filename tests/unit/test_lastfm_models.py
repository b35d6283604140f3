"""Last.fm recommenders on small hand-made data: exclusion of training artists, scores, determinism."""

import numpy as np
import polars as pl
import pytest

from musicrec.features.lastfm import AUDIO_PROFILE
from musicrec.models.content_knn import ContentKNNRecommender, similar_songs
from musicrec.models.hybrid import HybridRecommender
from musicrec.models.popularity import PopularityRecommender
from musicrec.models.random_baseline import RandomRecommender
from musicrec.models.rf_ranker import RandomForestRanker, holdout_split, item_similarity
from musicrec.models.topk import Catalogue, top_k

TRAIN = pl.DataFrame({"user_id": [1, 1, 2, 2, 3], "artist_id": [10, 11, 10, 12, 13], "weight": [100, 1, 5, 5, 1]})
ARTIST_IDS = np.array([10, 11, 12, 13, 14])


def artists_table(profiles: dict[int, list[float]]) -> pl.DataFrame:
    rows = {"artist_id": ARTIST_IDS}
    for j, column in enumerate(AUDIO_PROFILE):
        rows[column] = [profiles[a][j % len(profiles[a])] if a in profiles else float("nan") for a in ARTIST_IDS]
    return pl.DataFrame(rows)


def test_popularity_variants_and_exclusion():
    catalogue = Catalogue(ARTIST_IDS, TRAIN)
    plays = PopularityRecommender("plays").fit(catalogue)
    assert plays.item_scores.tolist() == [105, 1, 5, 1, 0]
    users = PopularityRecommender("users").fit(catalogue)
    assert users.item_scores.tolist() == [2, 1, 1, 1, 0]
    table = top_k(catalogue, np.array([1, 99]), 3, plays.score, "popularity_plays", 0)
    assert table.filter(pl.col("user") == 1)["item"].to_list() == [12, 13, 14]  # 10, 11 are training artists
    assert table.filter(pl.col("user") == 99)["item"].to_list() == [10, 12, 11]  # unknown user: pure popularity
    assert table["rank"].to_list() == [1, 2, 3, 1, 2, 3]
    assert set(table.columns) == {"user", "item", "score", "rank", "model", "seed"}


def test_random_is_seeded():
    catalogue = Catalogue(ARTIST_IDS, TRAIN)
    a = top_k(catalogue, np.array([1, 2]), 2, RandomRecommender(4).fit(catalogue).score, "random", 4)
    b = top_k(catalogue, np.array([1, 2]), 2, RandomRecommender(4).fit(catalogue).score, "random", 4)
    assert a.equals(b)


def test_content_knn_prefers_audio_neighbours_of_top_artists():
    # 10 and 14 sound alike; 12 is the opposite. User 1's top artist is 10.
    profiles = {10: [1.0, 0.0], 11: [0.0, 1.0], 12: [-1.0, 0.0], 14: [0.9, 0.1], 13: [0.0, -1.0]}
    catalogue = Catalogue(ARTIST_IDS, TRAIN)
    model = ContentKNNRecommender(seed_artists=1, neighbours=2).fit(catalogue, artists_table(profiles))
    table = top_k(catalogue, np.array([1]), 1, model.score, "content_knn", 0)
    assert table["item"].to_list() == [14]


def test_hybrid_weight_zero_is_popularity():
    profiles = {10: [1.0, 0.0], 11: [0.0, 1.0], 12: [-1.0, 0.0], 14: [0.9, 0.1], 13: [0.0, -1.0]}
    catalogue = Catalogue(ARTIST_IDS, TRAIN)
    hybrid = HybridRecommender(weight=0.0, seed_artists=1, neighbours=2).fit(catalogue, artists_table(profiles))
    users = np.array([3])
    assert np.allclose(hybrid.score(users)[0], np.array([2, 1, 1, 1, 0]) / 2)


def test_item_similarity_is_cosine_of_listeners():
    catalogue = Catalogue(ARTIST_IDS, TRAIN)
    sim = item_similarity(catalogue).toarray()
    # 10 is heard by users 1, 2; 11 by user 1: cosine 1 / sqrt(2).
    assert sim[0, 1] == pytest.approx(1 / np.sqrt(2)) and sim[0, 0] == 0.0


def test_holdout_split_keeps_small_users_whole():
    rng = np.random.default_rng(0)
    train = pl.DataFrame({"user_id": [1] * 10 + [2] * 2, "artist_id": list(range(12)), "weight": 1})
    fit, held = holdout_split(train, 0.2, rng)
    assert held["user_id"].to_list() == [1, 1] and fit.height == 10


def test_similar_songs_table():
    from musicrec.datasets.spotify import AUDIO_FEATURES

    rng = np.random.default_rng(0)
    base = rng.normal(size=(6, len(AUDIO_FEATURES)))
    base[1] = base[0] + 0.01
    songs = pl.DataFrame({"track_id": [f"t{i}" for i in range(6)], **{c: base[:, j] for j, c in enumerate(AUDIO_FEATURES)}})
    table = similar_songs(songs, 2, chunk=4)
    assert table.filter(pl.col("track_id") == "t0")["similar_track_id"][0] == "t1"
    assert table.height == 12 and not (table["track_id"] == table["similar_track_id"]).any()


def test_rf_ranker_end_to_end_on_demo(tmp_path):
    from musicrec.datasets import lastfm, lastfm_demo, spotify
    from musicrec.features.lastfm import build_artist_table
    from musicrec.pipelines.lastfm import SplitParams, split_interactions

    tables = lastfm_demo.generate(lastfm_demo.LastfmDemoSize.named("tiny"), seed=1)
    pairs = lastfm.interactions(tables["user_artists"])
    parts = split_interactions(pairs, SplitParams(cold_users=0))
    songs_path = tmp_path / "s.csv"
    tables["spotify"].write_csv(songs_path, null_value="NA")
    artists, _ = build_artist_table(tables["artists"], spotify.load(songs_path), tables["user_taggedartists"],
                                    tables["tags"], parts["train"], parts["test"])
    ranker = RandomForestRanker(seed=0, n_estimators=10, candidates=40).fit(parts["train"], artists)
    users = parts["test"]["user_id"].unique().sort().to_numpy()
    lists = ranker.recommend(parts["train"], artists, users, 5)
    assert lists.join(parts["train"].rename({"user_id": "user", "artist_id": "item"}), on=["user", "item"],
                      how="semi").height == 0
    assert lists.group_by("user").len()["len"].max() == 5
    assert ranker.importances()["importance"].sum() == pytest.approx(1.0)
    again = RandomForestRanker(seed=0, n_estimators=10, candidates=40).fit(parts["train"], artists)
    assert again.recommend(parts["train"], artists, users, 5).equals(lists)
