"""Yambda re-ranker features on a 3-user toy split, against hand-computed values: track, artist and album
popularity (users, weight, listens, decayed listens), the user's affinity to each, activity and the audio
cosines; unknown artists, albums and embeddings are -1, never pooled into one entity."""

import math

import polars as pl
import pytest

from musicrec.features import yambda

DAY = 86_400
U32 = pl.UInt32


@pytest.fixture(scope="module")
def features() -> dict[tuple[int, int], dict]:
    items = pl.DataFrame({"item_id": [1, 2, 3, 4], "artist_id": [10, 10, 11, None], "album_id": [100, 101, None, None],
                          "embed_0": [1.0, 0.0, None, 1.0], "embed_1": [0.0, 1.0, None, 1.0]},
                         schema_overrides={"item_id": U32, "artist_id": U32, "album_id": U32, "embed_0": pl.Float32,
                                           "embed_1": pl.Float32})
    train = pl.DataFrame({"user_id": [1, 1, 2, 2, 3], "item_id": [1, 2, 1, 3, 4], "weight": [2.0, 1.0, 1.0, 3.0, 1.0],
                          "events": [2, 1, 1, 4, 1]},
                         schema_overrides={"user_id": U32, "item_id": U32, "weight": pl.Float32, "events": U32})
    sequences = pl.DataFrame({"user_id": [1, 1, 1, 2, 2, 2, 3], "item_id": [1, 1, 2, 3, 1, 3, 4],
                              "timestamp": [0, DAY, 2 * DAY, DAY, 2 * DAY, 2 * DAY, 2 * DAY],
                              "position": [0, 1, 2, 0, 1, 2, 0]},
                             schema_overrides={"user_id": U32, "item_id": U32, "timestamp": U32, "position": pl.Int64})
    candidates = pl.DataFrame({"user_id": [3, 1, 1, 2, 3], "item_id": [1, 3, 1, 2, 4], "als_score": [0.5, 0.4, None,
                               0.3, 0.2]}, schema_overrides={"user_id": U32, "item_id": U32})
    table = yambda.candidate_features(candidates, train, items, sequences, half_life_days=1.0, recent=2)
    assert table.select("user_id", "item_id").rows() == [(1, 1), (1, 3), (2, 2), (3, 1), (3, 4)]
    assert not {"artist_id", "album_id"} & set(table.columns) and table.null_count().sum_horizontal().item() == 0
    return {(row["user_id"], row["item_id"]): row for row in table.iter_rows(named=True)}


def test_track_popularity_counts_every_training_user(features):
    # item 1: users 1 and 2, weight 2 + 1, listens at 0, 1 and 2 days before t_end = 2 days
    row = features[(1, 1)]
    assert (row["track_users"], row["track_weight"], row["track_listens"]) == (2, 3.0, 3)
    assert row["track_decayed"] == pytest.approx(0.25 + 0.5 + 1.0)
    assert features[(3, 1)]["track_decayed"] == pytest.approx(1.75)


def test_artist_and_album_popularity(features):
    row = features[(2, 2)]  # item 2: artist 10 (items 1 and 2), album 101 (item 2 alone)
    assert (row["artist_users"], row["artist_weight"], row["artist_listens"]) == (2, 4.0, 4)
    assert row["artist_decayed"] == pytest.approx(2.75)
    assert (row["album_users"], row["album_weight"], row["album_listens"], row["album_decayed"]) == (1, 1.0, 1, 1.0)


def test_user_affinity_to_track_artist_and_album(features):
    row = features[(1, 1)]
    assert row["user_track_share"] == pytest.approx(2 / 3)
    assert (row["user_track_listens"], row["user_track_age_days"]) == (2, 1.0)
    assert row["user_track_decayed"] == pytest.approx(0.75)
    assert (row["user_artist_share"], row["user_artist_listens"], row["user_artist_age_days"]) == (1.0, 3, 0.0)
    assert row["user_album_share"] == pytest.approx(2 / 3)
    row = features[(2, 2)]  # user 2 never played item 2 but plays its artist (item 1: weight 1 of 4)
    assert (row["user_track_share"], row["user_track_listens"], row["user_track_age_days"]) == (0.0, 0, -1.0)
    assert (row["user_artist_share"], row["user_artist_listens"], row["user_artist_decayed"]) == (0.25, 1, 1.0)


def test_unknown_entities_are_minus_one_not_one_pooled_entity(features):
    row = features[(1, 3)]  # item 3 has artist 11 and no album
    assert (row["artist_users"], row["artist_weight"], row["artist_listens"]) == (1, 3.0, 2)
    assert (row["user_artist_share"], row["user_artist_age_days"]) == (0.0, -1.0)
    assert all(row[c] == -1 for c in ("album_users", "album_weight", "album_decayed", "user_album_share"))
    row = features[(3, 4)]  # item 4 has neither
    assert row["artist_users"] == -1 and row["album_users"] == -1 and row["user_track_share"] == 1.0


def test_user_activity(features):
    assert {k: features[(1, 3)][k] for k in ("user_pairs", "user_weight", "user_listens", "user_events",
                                             "user_age_days")} == {"user_pairs": 2, "user_weight": 3.0,
                                                                   "user_listens": 3, "user_events": 3,
                                                                   "user_age_days": 0.0}
    assert features[(2, 2)]["user_events"] == 5


def test_audio_cosines_to_recent_listens_and_weighted_profile(features):
    # user 1: last two listens items 1 and 2 -> (1, 1)/sqrt 2; weighted profile 2 (1, 0) + (0, 1)
    assert features[(1, 1)]["audio_recent_cosine"] == pytest.approx(1 / math.sqrt(2))
    assert features[(1, 1)]["audio_profile_cosine"] == pytest.approx(2 / math.sqrt(5))
    assert features[(1, 3)]["audio_recent_cosine"] == -1  # item 3 has no embedding
    # user 2: last two listens items 1 and 3 (no embedding, skipped) -> (1, 0), orthogonal to item 2
    assert features[(2, 2)]["audio_recent_cosine"] == pytest.approx(0.0, abs=1e-7)
    assert features[(3, 4)]["audio_recent_cosine"] == pytest.approx(1.0)
    assert features[(3, 1)]["audio_profile_cosine"] == pytest.approx(1 / math.sqrt(2))
