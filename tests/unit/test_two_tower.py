"""Two-tower model: feature scaling, vector shapes, determinism, a planted taste structure, cold start."""

from __future__ import annotations

import numpy as np
import pytest

from musicrec.models.two_tower import TwoTowerModel, TwoTowerParams, standardised

N_USERS, N_ITEMS, GROUPS = 60, 40, 2
PARAMS = TwoTowerParams(embedding_dim=16, hidden_size=32, output_dim=16, dropout=0.0, temperature=0.1,
                        learning_rate=0.01, batch_size=64, epochs=10, id_dropout=0.2)


def planted_data(seed: int = 0):
    """Users and items in two taste groups (index parity); each user has 6 training and 2 held-out
    items of their own group. Item features carry the group; user features are random activity counts."""
    rng = np.random.default_rng(seed)
    users, items, held_out = [], [], []
    for u in range(N_USERS):
        chosen = rng.choice(np.arange(u % GROUPS, N_ITEMS, GROUPS), 8, replace=False)
        users += [u] * 6
        items += list(chosen[:6])
        held_out.append(set(chosen[6:]))
    user_features = np.log1p(rng.integers(1, 1000, (N_USERS, 2)).astype(float))
    item_features = np.column_stack([np.arange(N_ITEMS) % GROUPS, rng.normal(size=N_ITEMS)])
    return np.array(users), np.array(items), user_features, item_features, held_out


def fitted(seed: int = 0, params: TwoTowerParams = PARAMS) -> TwoTowerModel:
    users, items, uf, itf, _ = planted_data()
    return TwoTowerModel(N_USERS, N_ITEMS, params, seed=seed).fit(users, items, uf, itf)


def test_standardised_scales_columns_and_flags_missing_values():
    features = np.array([[1.0, np.nan], [3.0, 2.0], [5.0, 4.0]])
    out = standardised(features)
    assert out.shape == (3, 3)  # two z-scored columns + one missing indicator
    np.testing.assert_allclose(out[:, 0], [-1.224745, 0.0, 1.224745], rtol=1e-5)
    np.testing.assert_allclose(out[:, 1], [0.0, -1.0, 1.0])  # the missing value becomes the mean
    np.testing.assert_array_equal(out[:, 2], [1.0, 0.0, 0.0])


def test_vectors_are_unit_length_with_one_row_per_user_and_item():
    model = fitted()
    users, items = model.user_vectors(), model.item_vectors()
    assert users.shape == (N_USERS, PARAMS.output_dim) and items.shape == (N_ITEMS, PARAMS.output_dim)
    np.testing.assert_allclose(np.linalg.norm(users, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(items, axis=1), 1.0, rtol=1e-5)
    assert len(model.epoch_losses) == PARAMS.epochs and model.epoch_losses[-1] < model.epoch_losses[0]


def test_same_seed_gives_identical_vectors_on_cpu():
    params = TwoTowerParams(**{**PARAMS.__dict__, "epochs": 3})
    first, second = fitted(1, params), fitted(1, params)
    np.testing.assert_array_equal(first.user_vectors(), second.user_vectors())
    np.testing.assert_array_equal(first.item_vectors(), second.item_vectors())
    assert not np.array_equal(first.item_vectors(), fitted(2, params).item_vectors())


def test_learns_the_planted_taste_groups():
    model = fitted()
    users, items, _, _, held_out = planted_data()
    scores = model.user_vectors() @ model.item_vectors().T
    scores[users, items] = -np.inf
    top = np.argsort(-scores, axis=1)[:, :10]
    same_group = np.mean(top % GROUPS == (np.arange(N_USERS) % GROUPS)[:, None])
    recall = np.mean([len(set(top[u]) & held_out[u]) / len(held_out[u]) for u in range(N_USERS)])
    assert same_group > 0.9, same_group  # chance: 0.5
    assert recall > 0.55, recall  # chance: 10 / 34 unseen items = 0.29; best possible 10 / 14 = 0.71


def test_cold_users_take_their_warm_friends_or_the_population_average():
    model = fitted()
    warm = model.user_vectors()
    vectors, used = model.fallback_user_vectors([np.array([0, 2, 4]), np.array([], dtype=np.int64)])
    assert list(used) == [3, 0]
    expected_friends = warm[[0, 2, 4]].mean(axis=0)
    np.testing.assert_allclose(vectors[0], expected_friends / np.linalg.norm(expected_friends), rtol=1e-5)
    population = warm.mean(axis=0)
    np.testing.assert_allclose(vectors[1], population / np.linalg.norm(population), rtol=1e-5)
    # friends from group 0 steer a cold user to group-0 items
    top = np.argsort(-(model.item_vectors() @ vectors[0]))[:10]
    assert np.mean(top % GROUPS == 0) > 0.9


def test_cold_artists_are_scored_from_content_alone():
    users, items, uf, itf, _ = planted_data()
    keep = items < N_ITEMS - 4  # the last four artists have no training pair
    model = TwoTowerModel(N_USERS, N_ITEMS, PARAMS, seed=0).fit(users[keep], items[keep], uf, itf)
    cold = np.arange(N_ITEMS - 4, N_ITEMS)
    vectors = model.item_vectors()
    # with the id dropped, a cold artist's vector is a function of its content features only
    twin_features = itf.copy()
    twin_features[cold[0]] = twin_features[cold[2]]  # same group (parity), same content
    twin = TwoTowerModel(N_USERS, N_ITEMS, PARAMS, seed=0).fit(users[keep], items[keep], uf, twin_features)
    twin_vectors = twin.item_vectors()
    np.testing.assert_allclose(twin_vectors[cold[0]], twin_vectors[cold[2]], rtol=1e-5, atol=1e-6)
    # and the content path puts each cold artist nearer its own group's users
    user_vectors = model.user_vectors()
    group = np.arange(N_USERS) % GROUPS
    for item in cold:
        affinity = user_vectors @ vectors[item]
        assert affinity[group == item % GROUPS].mean() > affinity[group != item % GROUPS].mean()


def test_unknown_user_or_item_index_fails():
    users, items, uf, itf, _ = planted_data()
    with pytest.raises(IndexError):
        TwoTowerModel(N_USERS, N_ITEMS - 1, PARAMS, seed=0).fit(users, items, uf, itf[:-1])
