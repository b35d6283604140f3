"""Last.fm's baseline and content recommenders on small hand-made data (popularity, random, content kNN,
hybrid), the Spotify similar-songs table, and a re-ranker end to end on the tiny demo: candidate lists of
cheap generators written by the ranking job for both splits, then fit on valid and re-rank test."""

import numpy as np
import polars as pl
import pytest

from lastfm_demo_splits import model_inputs, write_demo_splits
from musicrec.data import Interactions
from musicrec.errors import InputDataError
from musicrec.features.lastfm import AUDIO_PROFILE, similar_songs
from musicrec.models.content_knn import ContentKNNRecommender
from musicrec.models.hybrid import HybridRecommender
from musicrec.models.popularity import PopularityRecommender
from musicrec.models.random_baseline import RandomRecommender
from musicrec.schema import read_topk, write_topk
from musicrec.training import Run, fit_and_recommend, fit_and_rerank

TRAIN = pl.DataFrame({"user_id": [1, 1, 2, 2, 3], "item_id": [10, 11, 10, 12, 13], "weight": [100, 1, 5, 5, 1]})
ARTIST_IDS = np.array([10, 11, 12, 13, 14])
# 10 and 14 sound alike; 12 is the opposite of 10. User 1's heaviest artist is 10.
PROFILES = {10: [1.0, 0.0], 11: [0.0, 1.0], 12: [-1.0, 0.0], 14: [0.9, 0.1], 13: [0.0, -1.0]}


def artists_table(profiles: dict[int, list[float]]) -> pl.DataFrame:
    rows = {"item_id": ARTIST_IDS}
    for j, column in enumerate(AUDIO_PROFILE):
        rows[column] = [profiles[a][j % len(profiles[a])] if a in profiles else float("nan") for a in ARTIST_IDS]
    return pl.DataFrame(rows)


def catalogue(profiles=PROFILES, extra_users=(99,)) -> Interactions:
    return Interactions.from_frames(TRAIN, artists_table(profiles), extra_users=np.array(extra_users))


def recommended_ids(model, data, users, k, exclude_seen=True) -> list[list[int]]:
    columns, _ = model.recommend(data.rows(users), k, exclude_seen=exclude_seen)
    return [[int(data.item_ids[c]) for c in row if c >= 0] for row in columns]


def test_popularity_by_weight_or_users_and_exclusion_of_training_artists():
    data = catalogue()
    plays = PopularityRecommender("weight").fit(data)
    assert plays.item_scores_.tolist() == [105, 1, 5, 1, 0]
    assert PopularityRecommender("users").fit(data).item_scores_.tolist() == [2, 1, 1, 1, 0]
    # user 1's 10 and 11 are training artists; user 99 has no history: pure popularity, 11 before 13 (tie)
    assert recommended_ids(plays, data, [1, 99], 3) == [[12, 13, 14], [10, 12, 11]]
    assert recommended_ids(plays, data, [1], 3, exclude_seen=False) == [[10, 12, 11]]
    assert np.array_equal(plays.score(data.rows([1, 2])), np.tile([105, 1, 5, 1, 0], (2, 1)))


def test_popularity_names_an_unknown_variant():
    with pytest.raises(ValueError, match="unknown popularity 'plays'; choose one of users, weight"):
        PopularityRecommender("plays").fit(catalogue())


def test_random_lists_change_with_the_seed_and_with_every_call():
    data = catalogue()
    rows = data.rows([1, 2, 3])
    first = RandomRecommender(seed=4).fit(data)
    a, b = first.score(rows), first.score(rows)
    assert not np.array_equal(a, b), "fresh scores per call"
    assert np.array_equal(a, RandomRecommender(seed=4).fit(data).score(rows))
    assert not np.array_equal(a, RandomRecommender(seed=5).fit(data).score(rows))
    assert ((0 <= a) & (a < 1)).all() and a.shape == (3, 5)


def test_content_knn_prefers_audio_neighbours_of_top_artists():
    data = catalogue()
    model = ContentKNNRecommender(seed_items=1, neighbours=2).fit(data)
    assert recommended_ids(model, data, [1], 1) == [[14]]
    content = model.content_scores(data.rows([1]))[0]
    assert content[4] > 0 and content[2] == 0  # 14 alike; 12, the opposite, is not among 10's 2 nearest
    assert content[4] == pytest.approx(model.similar_[0, 4] * np.log1p(100))


def test_content_knn_without_a_profiled_seed_gives_popular_artists():
    # 13 has no audio profile (a missing value): user 3, whose only artist is 13, gets no content votes, so
    # the listener-count tie-break orders the list (11 before 12: equal listeners, lower id)
    data = catalogue({a: p for a, p in PROFILES.items() if a != 13})
    model = ContentKNNRecommender(seed_items=1, neighbours=2).fit(data)
    assert not model.content_scores(data.rows([3])).any()
    assert model.similar_[:, 3].nnz == 0 and model.similar_[3].nnz == 0, "an unprofiled artist is no neighbour"
    assert recommended_ids(model, data, [3], 3) == [[10, 11, 12]]


def test_content_knn_needs_audio_columns():
    items = pl.DataFrame({"item_id": ARTIST_IDS, "listeners": [1, 2, 3, 4, 5]})
    with pytest.raises(InputDataError, match="^features/items.parquet: the item features have no column starting "
                                             "with 'audio_'"):
        ContentKNNRecommender().fit(Interactions.from_frames(TRAIN, items,
                                                             sources={"item_features": "features/items.parquet"}))
    with pytest.raises(InputDataError, match="content kNN needs item features"):
        ContentKNNRecommender().fit(Interactions.from_frames(TRAIN))


def test_hybrid_weight_zero_is_popularity_and_weight_one_is_normalised_content():
    data = catalogue()
    rows = data.rows([3, 1])
    popular = HybridRecommender(weight=0.0, seed_items=1, neighbours=2).fit(data)
    np.testing.assert_allclose(popular.score(rows), np.tile(np.array([2, 1, 1, 1, 0]) / 2, (2, 1)))
    content = HybridRecommender(weight=1.0, seed_items=1, neighbours=2).fit(data)
    votes = ContentKNNRecommender(seed_items=1, neighbours=2).fit(data).content_scores(data.rows([1]))[0]
    np.testing.assert_allclose(content.score(data.rows([1]))[0], votes / votes.max())
    mixed = HybridRecommender(weight=0.3, seed_items=1, neighbours=2).fit(data).score(data.rows([1]))[0]
    np.testing.assert_allclose(mixed, 0.3 * votes / votes.max() + 0.7 * np.array([2, 1, 1, 1, 0]) / 2)


def test_similar_songs_table():
    from musicrec.datasets.spotify import AUDIO_FEATURES

    rng = np.random.default_rng(0)
    base = rng.normal(size=(6, len(AUDIO_FEATURES)))
    base[1] = base[0] + 0.01
    songs = pl.DataFrame({"track_id": [f"t{i}" for i in range(6)],
                          **{c: base[:, j] for j, c in enumerate(AUDIO_FEATURES)}})
    table = similar_songs(songs, 2, chunk=4)
    assert table.columns == ["track_id", "similar_track_id", "similarity", "rank"]
    assert table.filter(pl.col("track_id") == "t0")["similar_track_id"][0] == "t1"
    assert table.height == 12 and not (table["track_id"] == table["similar_track_id"]).any()
    assert table.group_by("track_id").agg(pl.col("rank").sort())["rank"].to_list() == [[1, 2]] * 6
    for _, part in table.group_by("track_id"):
        assert part.sort("rank")["similarity"].is_sorted(descending=True)


# --- a re-ranker end to end on the tiny demo ---------------------------------------------------------------

GENERATORS = {"popularity_users": ("popularity", {"by": "users"}), "item_knn": ("item_knn", {}),
              "content_knn": ("content_knn", {"seed_items": 5, "neighbours": 20})}
DEPTHS = {"popularity_users": 30, "item_knn": 40, "content_knn": 30}
RERANKERS = {"rf_ranker": {"n_estimators": 20, "max_depth": 6, "min_samples_leaf": 5},
             "ltr_ranker": {"num_boost_round": 20, "num_leaves": 7, "min_data_in_leaf": 5},
             "catboost_ranker": {"iterations": 20, "depth": 4}}
LIST_LENGTH = 10


@pytest.fixture(scope="module")
def candidate_lists(tmp_path_factory):
    """The demo's split files and each generator's top-K file on both splits (as rules recommend and
    recommend_valid write them)."""
    folder = tmp_path_factory.mktemp("lastfm_rerank")
    splits = write_demo_splits(folder)
    for split, paths in splits.items():
        paths["lists"] = {}
        for name, (registry, hyperparameters) in GENERATORS.items():
            run = Run("lastfm", name, registry, 0, hyperparameters)
            lists, _, _ = fit_and_recommend(run, model_inputs(registry, paths), max(DEPTHS.values()), True)
            paths["lists"][name] = str(folder / split / "topk" / f"{name}.parquet")
            write_topk(lists, paths["lists"][name])
    return splits


def rerank(splits, registry, seed=0):
    def inputs(split):
        return {"lists": splits[split]["lists"], "targets": splits[split]["targets"],
                "tables": {p: splits[split][p] for p in ("train", "item_features", "neighbours")}}

    return fit_and_rerank(Run("lastfm", registry, registry, seed, RERANKERS[registry]), DEPTHS, inputs("valid"),
                          inputs("test"), LIST_LENGTH)


@pytest.fixture(scope="module", params=sorted(RERANKERS))
def reranked(request, candidate_lists):
    return request.param, *rerank(candidate_lists, request.param)


def test_reranked_lists_exclude_training_artists_and_have_the_list_length(reranked, candidate_lists, tmp_path):
    name, lists, _ = reranked
    test = candidate_lists["test"]
    train = pl.read_parquet(test["train"]).select(pl.col("user_id").alias("user"), pl.col("item_id").alias("item"))
    assert lists.join(train, on=["user", "item"], how="semi").height == 0
    lengths = lists.group_by("user").len()["len"]
    assert lengths.max() == LIST_LENGTH and lengths.min() == LIST_LENGTH  # every user has >= 30 candidates
    target_users = set(pl.read_parquet(test["targets"])["user_id"].to_list())
    assert set(lists["user"].to_list()) == target_users  # popularity gives even cold users candidates
    path = tmp_path / "reranked.parquet"
    write_topk(lists, path)
    assert read_topk(path, name, 0).height == lists.height


def test_reranked_lists_are_candidates_of_the_generators(reranked, candidate_lists):
    _, lists, _ = reranked
    candidates = pl.concat([read_topk(path).filter(pl.col("rank") <= DEPTHS[name]).select("user", "item")
                            for name, path in candidate_lists["test"]["lists"].items()]).unique()
    assert lists.join(candidates, on=["user", "item"], how="anti").height == 0


def test_rerank_report_states_training_and_importances(reranked):
    name, _, report = reranked
    assert report["generators"] == DEPTHS and report["model"] == name and report["list_length"] == LIST_LENGTH
    assert report["training_positives"] > 0 and report["training_candidates"] > report["training_positives"]
    assert 0 < report["validation_candidate_recall"] <= 1
    importances = report["feature_importances"]
    assert {f"{g}_{part}" for g in DEPTHS for part in ("score", "rank")} <= set(importances)
    assert {"user_id", "item_id", "label"}.isdisjoint(importances)
    assert all(value >= 0 for value in importances.values())
    if name == "rf_ranker":
        assert sum(importances.values()) == pytest.approx(1.0, abs=1e-3)
    assert list(importances.values()) == sorted(importances.values(), reverse=True)


def test_rerank_is_deterministic(reranked, candidate_lists):
    name, lists, _ = reranked
    again, _ = rerank(candidate_lists, name)
    assert again.equals(lists)
