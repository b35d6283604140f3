"""Yandex Music re-ranker features on a 3-user toy split, against hand-computed values: genre popularity
and affinity next to the track, artist and album ones; the -1 of item_features ("no album") is no album."""

import polars as pl
import pytest

from musicrec.features import yandex_music

DAY = 86_400


@pytest.fixture(scope="module")
def features() -> dict[tuple[int, int], dict]:
    items = pl.DataFrame({"item_id": [1, 2, 3], "artist_id": [10, 10, 11], "album_id": [100, -1, -1],
                          "genre_id": [5, 5, 6], "n_artists": [1, 1, 1], "n_genres": [1, 2, 1]})
    train = pl.DataFrame({"user_id": [1, 1, 2, 3], "item_id": [1, 2, 3, 2], "weight": [2.0, 1.0, 1.0, 1.0]},
                         schema_overrides={"weight": pl.Float32})
    sequences = pl.DataFrame({"user_id": [1, 1, 1, 2, 3], "item_id": [1, 1, 2, 3, 2],
                              "position": [0, 1, 2, 0, 0], "timestamp": [0, DAY, 2 * DAY, 2 * DAY, DAY]})
    candidates = pl.DataFrame({"user_id": [1, 2, 3], "item_id": [3, 2, 1], "item_knn_rank": [1, 2, 3]})
    table = yandex_music.candidate_features(candidates, train, items, sequences, half_life_days=1.0)
    assert table.null_count().sum_horizontal().item() == 0
    assert not {"artist_id", "album_id", "genre_id"} & set(table.columns)
    assert not any(c.startswith("audio_") for c in table.columns)
    return {(row["user_id"], row["item_id"]): row for row in table.iter_rows(named=True)}


def test_genre_popularity_and_affinity(features):
    row = features[(2, 2)]  # genre 5 = items 1 and 2: users 1 and 3, plays 2 + 1 + 1
    assert (row["genre_users"], row["genre_weight"], row["genre_listens"]) == (2, 4.0, 4)
    assert row["genre_decayed"] == pytest.approx(0.25 + 0.5 + 1.0 + 0.5)
    assert (row["user_genre_share"], row["user_genre_age_days"]) == (0.0, -1.0)
    row = features[(3, 1)]  # user 3 plays genre 5 through item 2, a day before t_end
    assert (row["user_genre_share"], row["user_genre_listens"], row["user_genre_age_days"]) == (1.0, 1, 1.0)
    assert row["user_genre_decayed"] == pytest.approx(0.5)
    assert row["n_genres"] == 1 and features[(2, 2)]["n_genres"] == 2


def test_track_artist_and_album_features(features):
    row = features[(3, 1)]
    assert (row["track_users"], row["track_weight"], row["track_listens"]) == (1, 2.0, 2)
    assert row["track_decayed"] == pytest.approx(0.75)
    assert (row["album_users"], row["album_weight"], row["user_album_share"], row["user_album_age_days"]) == (
        1, 2.0, 0.0, -1.0)
    assert (row["artist_users"], row["user_artist_share"]) == (2, 1.0)
    assert (row["user_pairs"], row["user_weight"], row["user_listens"]) == (1, 1.0, 1)


def test_minus_one_album_is_unknown_not_a_shared_album(features):
    for pair in ((1, 3), (2, 2)):
        assert features[pair]["album_users"] == -1 and features[pair]["user_album_share"] == -1
    assert features[(1, 3)]["genre_users"] == 1 and features[(1, 3)]["user_genre_share"] == 0.0
