"""Two-tower: feature scaling, vector shapes, determinism on the CPU, a planted taste structure, the cold-user
fallback (warm friends, else the population average) and cold artists scored from content alone; fitted as
TwoTowerRecommender on Interactions."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from musicrec.data import Interactions
from musicrec.models.two_tower import TwoTowerRecommender, standardised

N_USERS, N_ITEMS, GROUPS = 60, 40, 2
SETTINGS = {"embedding_dim": 16, "hidden_size": 32, "output_dim": 16, "dropout": 0.0, "temperature": 0.1,
            "learning_rate": 0.01, "batch_size": 64, "epochs": 10, "id_dropout": 0.2, "device": "cpu"}


def planted_frames(seed: int = 0):
    """Users and items in two taste groups (id parity); each user has 6 training and 2 held-out items of
    their own group. Item features carry the group; user features are random activity counts."""
    rng = np.random.default_rng(seed)
    rows, held_out = [], []
    for u in range(N_USERS):
        chosen = rng.choice(np.arange(u % GROUPS, N_ITEMS, GROUPS), 8, replace=False)
        rows += [(u, int(i), 1.0) for i in chosen[:6]]
        held_out.append(set(int(i) for i in chosen[6:]))
    train = pl.DataFrame(rows, schema=["user_id", "item_id", "weight"], orient="row")
    activity = rng.integers(1, 1000, (N_USERS, 2))
    users = pl.DataFrame({"user_id": np.arange(N_USERS), "plays": activity[:, 0], "artists": activity[:, 1]})
    items = pl.DataFrame({"item_id": np.arange(N_ITEMS), "group": (np.arange(N_ITEMS) % GROUPS).astype(float),
                          "noise": rng.normal(size=N_ITEMS)})
    return train, users, items, held_out


def planted(**kwargs) -> Interactions:
    train, users, items, _ = planted_frames()
    return Interactions.from_frames(train, items, users, **kwargs)


def fitted(seed: int = 0, data: Interactions | None = None, **settings) -> TwoTowerRecommender:
    return TwoTowerRecommender(**{**SETTINGS, **settings}, seed=seed).fit(data if data is not None else planted())


@pytest.fixture(scope="module")
def model():
    return fitted()


def test_standardised_scales_columns_and_flags_missing_values():
    features = np.array([[1.0, np.nan], [3.0, 2.0], [5.0, 4.0]])
    out = standardised(features)
    assert out.shape == (3, 3)  # two z-scored columns + one missing indicator
    np.testing.assert_allclose(out[:, 0], [-1.224745, 0.0, 1.224745], rtol=1e-5)
    np.testing.assert_allclose(out[:, 1], [0.0, -1.0, 1.0])  # the missing value becomes the mean
    np.testing.assert_array_equal(out[:, 2], [1.0, 0.0, 0.0])


def test_vectors_are_unit_length_with_one_row_per_user_and_item(model):
    users, items = model.user_vectors_, model.item_vectors_
    assert users.shape == (N_USERS, SETTINGS["output_dim"]) and items.shape == (N_ITEMS, SETTINGS["output_dim"])
    np.testing.assert_allclose(np.linalg.norm(users, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(items, axis=1), 1.0, rtol=1e-5)
    losses = model.report()["epoch_losses"]
    assert len(losses) == SETTINGS["epochs"] and losses[-1] < losses[0]
    np.testing.assert_allclose(model.score(np.arange(3)), users[:3] @ items.T, rtol=1e-5)


def test_same_seed_gives_identical_vectors_on_cpu():
    first, second = fitted(1, epochs=3), fitted(1, epochs=3)
    np.testing.assert_array_equal(first.user_vectors_, second.user_vectors_)
    np.testing.assert_array_equal(first.item_vectors_, second.item_vectors_)
    assert not np.array_equal(first.item_vectors_, fitted(2, epochs=3).item_vectors_)


def test_learns_the_planted_taste_groups(model):
    train, _, _, held_out = planted_frames()
    columns, _ = model.recommend(np.arange(N_USERS), 10, exclude_seen=True)
    same_group = np.mean(columns % GROUPS == (np.arange(N_USERS) % GROUPS)[:, None])
    recall = np.mean([len(set(columns[u].tolist()) & held_out[u]) / len(held_out[u]) for u in range(N_USERS)])
    assert same_group > 0.9, same_group  # chance: 0.5
    assert recall > 0.55, recall  # chance: 10 / 34 unseen items = 0.29; a random pick of own-group items 10 / 14


def test_fallback_on_a_hand_example():
    # warm users 1 and 2; cold user 3 has friends 1, 2 (warm) and 4 (cold); cold user 4's only friend is cold
    train = pl.DataFrame({"user_id": [1, 2], "item_id": [10, 10], "weight": [1.0, 1.0]})
    data = Interactions.from_frames(train, extra_users=np.array([3, 4]),
                                    neighbours=pl.DataFrame({"user_id": [3, 3, 3, 4], "neighbour_id": [1, 2, 4, 3]}))
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [5.0, 5.0], [7.0, -7.0]], dtype=np.float32)
    out, used = TwoTowerRecommender(cold_users="neighbours")._with_fallback(vectors, data)
    half = 1 / np.sqrt(2)
    np.testing.assert_allclose(out, [[1, 0], [0, 1], [half, half], [half, half]], rtol=1e-6)
    assert used.tolist() == [-1, -1, 2, 0]  # user 4 gets the population average (mean of 1 and 2 normalised)
    population = TwoTowerRecommender(cold_users="population")
    out, used = population._with_fallback(vectors, data)
    np.testing.assert_allclose(out[2:], [[half, half], [half, half]], rtol=1e-6)
    assert used.tolist() == [-1, -1, 0, 0]
    np.testing.assert_allclose(population.population_, [half, half], rtol=1e-6)


def test_cold_users_take_their_warm_friends_or_the_population_average():
    # cold user 60: friends 0, 2, 4 (group 0) and 61 (cold); cold user 61: no friend
    data = planted(extra_users=np.array([60, 61]),
                   neighbours=pl.DataFrame({"user_id": [60, 60, 60, 60], "neighbour_id": [0, 2, 4, 61]}))
    model = fitted(data=data)
    rows = data.rows([60, 61])
    assert model.fallback_neighbours_[rows].tolist() == [3, 0]
    warm = model.user_vectors_[:N_USERS]
    friends = warm[[0, 2, 4]].mean(axis=0)
    np.testing.assert_allclose(model.user_vectors_[rows[0]], friends / np.linalg.norm(friends), rtol=1e-5)
    population = warm.mean(axis=0)
    np.testing.assert_allclose(model.user_vectors_[rows[1]], population / np.linalg.norm(population), rtol=1e-5)
    np.testing.assert_allclose(model.score(np.array([-1])), model.score(rows[1:]), rtol=1e-6)  # unknown user
    assert model.report()["cold_users"] == {"fallback": "neighbours", "users": 2, "with_neighbour_fallback": 1,
                                            "with_population_average": 1}
    # friends from group 0 steer a cold user to group-0 items
    columns, _ = model.recommend(rows[:1], 10)
    assert np.mean(columns[0] % GROUPS == 0) > 0.9


def test_an_unknown_cold_user_setting_is_refused():
    with pytest.raises(ValueError, match="cold_users must be neighbours or population, not 'friends'"):
        fitted(cold_users="friends", epochs=1)


def test_cold_artists_are_scored_from_content_alone():
    train, users, items, _ = planted_frames()
    cold = np.arange(N_ITEMS - 4, N_ITEMS)  # the last four artists have no training pair
    # cold[0] and cold[2] share a group (parity); give them the same content as well
    noise = items["noise"].to_numpy().copy()
    noise[cold[0]] = noise[cold[2]]
    data = Interactions.from_frames(train.filter(~pl.col("item_id").is_in(cold.tolist())),
                                    items.with_columns(pl.Series("noise", noise)), users)
    model = fitted(data=data)
    vectors = model.item_vectors_
    # with the id dropped, a cold artist's vector is a function of its content features only
    np.testing.assert_allclose(vectors[cold[0]], vectors[cold[2]], rtol=1e-5, atol=1e-6)
    assert not np.allclose(vectors[cold[0]], vectors[cold[1]])
    # and the content path puts each cold artist nearer its own group's users
    group = np.arange(N_USERS) % GROUPS
    for item in cold:
        affinity = model.user_vectors_ @ vectors[item]
        assert affinity[group == item % GROUPS].mean() > affinity[group != item % GROUPS].mean()
