"""One contract test for every registered recommender (musicrec.models.REGISTRY, task "ranking").

fit returns self; k distinct items per user; training items excluded when asked, and only then; users the
model knows nothing about are handled (no list, or a full valid one); the same seed gives identical
lists; and the model beats a random order on a small matrix with planted taste clusters.
"""

import numpy as np
import pytest

from musicrec import models
from musicrec.metrics.ranking import ranking_metrics
from musicrec.schema import topk_from_arrays
from planted_data import planted_interactions

RANKING = sorted(name for name, e in models.REGISTRY.items() if e.task == "ranking")
# Small settings so that every model trains in seconds on the planted matrix.
SMALL = {
    "als": {"factors": 16, "iterations": 10, "regularization": 1.0},
    "implicit_bpr": {"factors": 16, "iterations": 100},
    "recent_embedding": {"recent": 5},
    "bpr": {"epochs": 40, "batch_size": 256, "learning_rate": 0.01, "embedding_dim": 16},
    "ease": {"regularization": 10.0},
    "lightgcn": {"epochs": 40, "batch_size": 256, "learning_rate": 0.01, "embedding_dim": 16},
    "sasrec": {"epochs": 40, "hidden_size": 16, "heads": 1, "layers": 1, "max_length": 12, "negatives": 0,
               "batch_size": 16, "learning_rate": 0.01},
    "two_tower": {"epochs": 20, "batch_size": 64, "embedding_dim": 16, "hidden_size": 32, "output_dim": 16},
    "content_knn": {"seed_items": 5, "neighbours": 10},
    "hybrid": {"seed_items": 5, "neighbours": 10, "weight": 0.7},
}
K = 10
COLD_USER = 9999  # has a row but no training pair


def build(name, seed=0):
    return models.build(name, SMALL.get(name, {}), seed=seed, threads=1)


@pytest.fixture(scope="module")
def planted():
    return planted_interactions(extra_users=[COLD_USER])


@pytest.fixture(scope="module", params=RANKING)
def fitted(request, planted):
    data, _ = planted
    model = build(request.param)
    return request.param, model, model.fit(data)


def warm_rows(data):
    return np.flatnonzero(np.diff(data.matrix.indptr) > 0)


def ndcg10(name, columns, scores, data, targets):
    users = data.user_ids[warm_rows(data)]
    lists = topk_from_arrays(users, np.where(columns >= 0, data.item_ids[np.maximum(columns, 0)], -1),
                             np.where(columns >= 0, scores, -np.inf), name, 0)
    relevant = targets.rename({"user_id": "user", "item_id": "item"})
    return ranking_metrics(lists, relevant, [10], data.n_items)["ndcg@10"]


def test_fit_returns_self(fitted):
    _, model, returned = fitted
    assert returned is model


def test_k_distinct_items_per_user(fitted, planted):
    name, model, _ = fitted
    data, _ = planted
    columns, scores = model.recommend(warm_rows(data), K, exclude_seen=True)
    assert columns.shape == scores.shape == (len(warm_rows(data)), K)
    assert (columns >= 0).all() and np.isfinite(scores).all(), name
    assert all(len(set(row)) == K for row in columns)
    assert (np.diff(scores, axis=1) <= 1e-9).all(), "lists are best first"


def test_training_items_are_excluded_when_asked_and_only_then(fitted, planted):
    name, model, _ = fitted
    data, _ = planted
    rows = warm_rows(data)
    history = data.history(rows)
    seen = [set(history.indices[history.indptr[r]:history.indptr[r + 1]]) for r in range(len(rows))]
    masked, _ = model.recommend(rows, K, exclude_seen=True)
    assert not any(set(row) & s for row, s in zip(masked, seen)), name
    kept, _ = model.recommend(rows, K, exclude_seen=False)
    assert any(set(row) & s for row, s in zip(kept, seen)), f"{name} never recommends a training item unmasked"


def test_users_without_history_are_handled(fitted, planted):
    name, model, _ = fitted
    data, _ = planted
    columns, scores = model.recommend(np.array([data.rows([COLD_USER])[0], -1]), K, exclude_seen=True)
    for row, values in zip(columns, scores):
        valid = row >= 0
        assert valid.sum() in (0, K), (name, row)
        assert len(set(row[valid])) == valid.sum() and np.isfinite(values[valid]).all()


def test_same_seed_gives_identical_lists(planted, request):
    data, _ = planted
    rows = warm_rows(data)
    for name in RANKING:
        first = build(name, seed=7).fit(data).recommend(rows, K)
        second = build(name, seed=7).fit(data).recommend(rows, K)
        assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1]), name


def test_beats_random_on_planted_tastes(fitted, planted):
    name, model, _ = fitted
    data, targets = planted
    rows = warm_rows(data)
    chance = ndcg10("random", *build("random", seed=1).fit(data).recommend(rows, K), data, targets)
    if name == "random":
        pytest.skip("random is the floor the others must clear")
    score = ndcg10(name, *model.recommend(rows, K), data, targets)
    assert score > 2 * chance and score > chance + 0.05, (name, score, chance)
