"""The arithmetic the recommenders share, against hand computations: top-K selection, weighting schemes,
cosine similarity with shrinkage, neighbour pruning, EASE's closed form, RP3beta's walks, ItemKNN scoring,
factor-model scoring, LightGCN's graph (normalised adjacency, the SciPy propagation against PyG's
LGConv, the mean over layers), time-decayed popularity, the recent-embedding cosines, and the implicit
models (BPR's scores and ALS's factors equal to implicit's own, the device choice)."""

import math

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp

from musicrec import models
from musicrec.data import Interactions
from musicrec.models.base import Recommender, top_k_columns
from musicrec.models.ease import EASERecommender, ease_weights
from musicrec.models.factors import FactorRecommender
from musicrec.models.item_knn import ItemKNNRecommender
from musicrec.models.rp3beta import RP3betaRecommender
from musicrec.models.similarity import cosine, keep_top_per_row
from musicrec.models.weighting import BM25_B, BM25_K1, weighted
from planted_data import planted_interactions


def interactions(dense: list[list[float]]) -> Interactions:
    """Users 0..n-1 x items 0..m-1 with the given weights (zeros are absent pairs)."""
    rows = [(u, i, w) for u, row in enumerate(dense) for i, w in enumerate(row) if w]
    train = pl.DataFrame(rows, schema={"user_id": pl.Int64, "item_id": pl.Int64, "weight": pl.Float64},
                         orient="row")
    return Interactions.from_frames(train, items=pl.DataFrame({"item_id": np.arange(len(dense[0]))}),
                                    extra_users=np.arange(len(dense)))


# --- top-K selection ---------------------------------------------------------------------------------------

def test_top_k_columns_best_first_with_ties_to_the_lower_column():
    columns, values = top_k_columns(np.array([[1.0, 3.0, 3.0, 2.0], [2.0, 2.0, 2.0, 2.0]]), 2)
    assert columns.tolist() == [[1, 2], [0, 1]] and values.tolist() == [[3.0, 3.0], [2.0, 2.0]]
    columns, _ = top_k_columns(np.array([[0.0, 5.0, 1.0, 5.0, 5.0]]), 3)
    assert columns.tolist() == [[1, 3, 4]]


def test_top_k_columns_puts_minus_infinity_and_nan_last():
    columns, values = top_k_columns(np.array([[-np.inf, 5.0, np.nan, -np.inf]]), 3)
    assert columns.tolist() == [[1, 0, 2]]  # NaN counts as -inf; -inf ties go to the lower column
    assert values[0, 0] == 5.0 and np.isneginf(values[0, 1:]).all()


def test_top_k_columns_with_k_beyond_the_row_length_or_zero():
    columns, values = top_k_columns(np.array([[1.0, 3.0, 2.0]]), 10)
    assert columns.tolist() == [[1, 2, 0]] and values.tolist() == [[3.0, 2.0, 1.0]]
    columns, values = top_k_columns(np.ones((2, 3)), 0)
    assert columns.shape == values.shape == (2, 0)


# --- weighting ---------------------------------------------------------------------------------------------

X23 = sp.csr_matrix(np.array([[1.0, 0.0, 3.0], [2.0, 4.0, 0.0]]))


def test_binary_log1p_and_none_weighting_on_a_2x3_example():
    assert weighted(X23, "none").toarray().tolist() == [[1, 0, 3], [2, 4, 0]]
    assert weighted(X23, "binary").toarray().tolist() == [[1, 0, 1], [1, 1, 0]]
    np.testing.assert_allclose(weighted(X23, "log1p").toarray(),
                               [[math.log(2), 0, math.log(4)], [math.log(3), math.log(5), 0]], rtol=1e-6)
    for scheme in ("none", "binary", "log1p", "bm25"):
        out = weighted(X23, scheme)
        assert out.dtype == np.float32 and out.nnz == 4 and (out.indices == X23.indices).all()
    assert X23.toarray().tolist() == [[1, 0, 3], [2, 4, 0]], "the input is not modified"


def test_bm25_on_the_2x3_example_is_zero_because_every_idf_is_floored():
    # idf = max(0, log(2 / (1 + users))): log(2/3) < 0 and log(2/2) = 0 for every item
    out = weighted(X23, "bm25")
    assert out.nnz == 4 and (out.data == 0).all()


def test_bm25_against_the_formula_entry_by_entry():
    matrix = sp.csr_matrix(np.array([[1.0, 0.0, 3.0], [2.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 1.0]]))
    idf = [math.log(4 / 3), math.log(4 / 2), math.log(4 / 3)]  # items held by 2, 1 and 2 of the 4 users
    lengths, mean_length = [4.0, 2.0, 4.0, 1.0], 11 / 4

    def bm25(tf, user, item):
        norm = (1 - BM25_B) + BM25_B * lengths[user] / mean_length
        return tf * (BM25_K1 + 1) / (tf + BM25_K1 * norm) * idf[item]

    expected = [[bm25(1, 0, 0), 0, bm25(3, 0, 2)], [bm25(2, 1, 0), 0, 0], [0, bm25(4, 2, 1), 0], [0, 0, bm25(1, 3, 2)]]
    np.testing.assert_allclose(weighted(matrix, "bm25").toarray(), expected, rtol=1e-5)


def test_unknown_weighting_is_refused():
    with pytest.raises(ValueError, match="unknown weighting 'tfidf'; choose one of none, binary, log1p, bm25"):
        weighted(X23, "tfidf")


# --- similarity --------------------------------------------------------------------------------------------

X33 = sp.csr_matrix(np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]]))


def test_cosine_of_item_columns_with_shrinkage():
    # columns (1,1,1), (1,0,1), (0,1,1): dot products 2, 2, 1; norms sqrt 3, sqrt 2, sqrt 2
    expected = np.array([[0, 2 / (math.sqrt(6) + 1), 2 / (math.sqrt(6) + 1)],
                         [2 / (math.sqrt(6) + 1), 0, 1 / 3],
                         [2 / (math.sqrt(6) + 1), 1 / 3, 0]])
    np.testing.assert_allclose(cosine(X33, shrink=1.0).toarray(), expected, rtol=1e-6)
    plain = cosine(X33).toarray()
    np.testing.assert_allclose(plain[0, 1], 2 / math.sqrt(6), rtol=1e-6)
    np.testing.assert_allclose(plain[1, 2], 0.5, rtol=1e-6)
    assert (np.diag(plain) == 0).all() and cosine(X33).dtype == np.float32


def test_keep_top_per_row_ties_to_the_lower_column():
    similarity = sp.csr_matrix(np.array([[0, 3, 1, 3], [2, 0, 0, 0], [5, 5, 5, 0.0]]))
    assert keep_top_per_row(similarity, 2).toarray().tolist() == [[0, 3, 0, 3], [2, 0, 0, 0], [5, 5, 0, 0]]
    assert keep_top_per_row(similarity, 1).toarray().tolist() == [[0, 3, 0, 0], [2, 0, 0, 0], [5, 0, 0, 0]]
    assert keep_top_per_row(similarity, 0).toarray().tolist() == similarity.toarray().tolist()


# --- EASE --------------------------------------------------------------------------------------------------

X_EASE = [[1, 1, 0, 0], [1, 0, 1, 0], [0, 1, 1, 0], [1, 1, 1, 0], [1, 0, 0, 0]]  # item 3: no training pair


def closed_form_ease(x: np.ndarray, regularization: float) -> np.ndarray:
    inverse = np.linalg.inv(x.T @ x + regularization * np.eye(x.shape[1]))
    weights = -inverse / np.diag(inverse)[None, :]
    np.fill_diagonal(weights, 0.0)
    return weights


def test_ease_weights_equal_the_closed_form_with_a_zero_diagonal():
    x = np.array(X_EASE, dtype=np.float64)[:, :3]
    expected = closed_form_ease(x, 2.0)
    computed = ease_weights((x.T @ x).astype(np.float32), 2.0)
    np.testing.assert_allclose(computed, expected, rtol=1e-5, atol=1e-6)
    assert (np.diag(computed) == 0).all()


def test_ease_recommender_uses_only_active_items_and_scores_x_times_b():
    data = interactions(X_EASE)
    model = EASERecommender(regularization=2.0, weighting="binary").fit(data)
    assert model.active_.tolist() == [0, 1, 2]
    expected = closed_form_ease(np.array(X_EASE, dtype=np.float64)[:, :3], 2.0)
    np.testing.assert_allclose(model.weights_, expected, rtol=1e-5, atol=1e-6)
    scores = model.score(np.array([0, 4, -1]))
    np.testing.assert_allclose(scores[:2, :3], np.array(X_EASE, dtype=np.float64)[[0, 4], :3] @ expected,
                               rtol=1e-5, atol=1e-6)
    assert np.isneginf(scores[:, 3]).all(), "an item without training pairs cannot be scored"
    assert np.isneginf(scores[2]).all(), "an unknown user gets no scores"


def test_ease_log1p_weighting_enters_the_gram_matrix():
    dense = [[3, 1, 0], [1, 0, 2], [0, 5, 1], [2, 2, 2]]
    model = EASERecommender(regularization=1.0, weighting="log1p").fit(interactions(dense))
    np.testing.assert_allclose(model.weights_, closed_form_ease(np.log1p(np.array(dense, dtype=np.float64)), 1.0),
                               rtol=1e-4, atol=1e-6)


def test_ease_refuses_a_matrix_that_is_not_positive_definite():
    with pytest.raises(ValueError, match="not positive definite"):
        ease_weights(np.array([[-5.0, 0.0], [0.0, 1.0]], dtype=np.float32), 0.0)


# --- RP3beta -----------------------------------------------------------------------------------------------

X_RP3 = [[1, 1, 0], [0, 1, 1], [1, 1, 1]]


def test_rp3beta_walks_on_a_3x3_example():
    # P_ui rows: (1/2, 1/2, 0), (0, 1/2, 1/2), (1/3, 1/3, 1/3); P_iu rows: (1/2, 0, 1/2), (1/3, 1/3, 1/3),
    # (0, 1/2, 1/2). P_iu P_ui = [[5/12, 5/12, 1/6], [5/18, 4/9, 5/18], [1/6, 5/12, 5/12]]; popularity
    # (2, 3, 2) ^ 0.5 divides the columns; the diagonal is zeroed.
    expected = np.array([[0, 5 / 12 / math.sqrt(3), 1 / 6 / math.sqrt(2)],
                         [5 / 18 / math.sqrt(2), 0, 5 / 18 / math.sqrt(2)],
                         [1 / 6 / math.sqrt(2), 5 / 12 / math.sqrt(3), 0]])
    model = RP3betaRecommender(alpha=1.0, beta=0.5).fit(interactions(X_RP3))
    np.testing.assert_allclose(model.walks_.toarray(), expected, rtol=1e-6)
    # a user's score is the sum of the walk rows of their items (binary, whatever the weight)
    np.testing.assert_allclose(model.score(np.array([0, 1])), [expected[0] + expected[1], expected[1] + expected[2]],
                               rtol=1e-6)
    pruned = RP3betaRecommender(alpha=1.0, beta=0.5, neighbours=1).fit(interactions(X_RP3)).walks_.toarray()
    assert (pruned > 0).tolist() == [[False, True, False], [True, False, False], [False, True, False]]


def test_rp3beta_alpha_raises_each_transition_probability():
    # alpha = 2: P_ui^2 rows (1/4, 1/4, 0), (0, 1/4, 1/4), (1/9, 1/9, 1/9); P_iu^2 rows (1/4, 0, 1/4),
    # (1/9, 1/9, 1/9), (0, 1/4, 1/4); beta = 0: no popularity penalty.
    p_ui = np.array([[1 / 4, 1 / 4, 0], [0, 1 / 4, 1 / 4], [1 / 9, 1 / 9, 1 / 9]])
    p_iu = np.array([[1 / 4, 0, 1 / 4], [1 / 9, 1 / 9, 1 / 9], [0, 1 / 4, 1 / 4]])
    expected = p_iu @ p_ui
    np.fill_diagonal(expected, 0.0)
    model = RP3betaRecommender(alpha=2.0, beta=0.0).fit(interactions([[1, 5, 0], [0, 1, 1], [2, 1, 1]]))
    np.testing.assert_allclose(model.walks_.toarray(), expected, rtol=1e-6)
    assert np.isneginf(model.score(np.array([-1]))).all()


# --- ItemKNN -----------------------------------------------------------------------------------------------

X_KNN = [[1, 2, 0, 0], [0, 1, 3, 0], [2, 1, 1, 1], [0, 0, 0, 0]]


def dense_cosine(x: np.ndarray, shrink: float) -> np.ndarray:
    norms = np.linalg.norm(x, axis=0)
    similarity = (x.T @ x) / (np.outer(norms, norms) + shrink)
    np.fill_diagonal(similarity, 0.0)
    return similarity


def test_item_knn_scores_are_history_times_similarity():
    x = np.array(X_KNN, dtype=np.float64)
    model = ItemKNNRecommender(weighting="none", shrink=0.5).fit(interactions(X_KNN))
    np.testing.assert_allclose(model.score(np.array([0, 1, 2])), x[:3] @ dense_cosine(x, 0.5), rtol=1e-5)
    assert np.isneginf(model.score(np.array([3, -1]))).all(), "users without training items get no list"
    logged = ItemKNNRecommender(weighting="log1p").fit(interactions(X_KNN))
    np.testing.assert_allclose(logged.score(np.array([0, 2])), np.log1p(x[[0, 2]]) @ dense_cosine(np.log1p(x), 0.0),
                               rtol=1e-5)


def test_item_knn_scores_each_item_from_its_own_nearest_neighbours():
    x = np.array(X_KNN, dtype=np.float64)
    similarity = dense_cosine(x, 0.0)
    nearest = np.zeros_like(similarity)
    best = np.argmax(similarity, axis=1)  # each item's single nearest neighbour (ties: lower column)
    nearest[np.arange(4), best] = similarity[np.arange(4), best]
    model = ItemKNNRecommender(weighting="none", neighbours=1).fit(interactions(X_KNN))
    # score of item j = sum over the user's items i that are j's nearest neighbours of w_ui s_ji
    np.testing.assert_allclose(model.score(np.array([0, 1, 2])), x[:3] @ nearest.T, rtol=1e-5)


# --- factor models -----------------------------------------------------------------------------------------

class FixedFactors(FactorRecommender):
    def _fit(self, data) -> None:
        self.user_factors_ = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], dtype=np.float32)
        self.item_factors_ = np.array([[1.0, 2.0], [3.0, 0.0]], dtype=np.float32)


def test_factor_scores_are_dot_products_and_cold_users_get_none(tmp_path):
    model = FixedFactors().fit(interactions([[1, 0], [0, 1], [0, 0]]))
    scores = model.score(np.array([0, 1, 2, -1]))
    assert scores[:2].tolist() == [[1.0, 3.0], [4.0, 0.0]]
    assert np.isneginf(scores[2:]).all()  # user 2 has no training pair, -1 is unknown
    assert model.save(tmp_path) == ["factors.npz"]
    saved = np.load(tmp_path / "factors.npz")
    assert saved["user_ids"].tolist() == [0, 1, 2] and saved["item_ids"].tolist() == [0, 1]
    np.testing.assert_array_equal(saved["item_factors"], model.item_factors_)


# --- LightGCN's graph ---------------------------------------------------------------------------------------

BIPARTITE = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 1]], dtype=np.float32))  # 2 users x 3 items


def test_normalised_adjacency_on_a_2x3_example():
    from musicrec.models.lightgcn import normalised_adjacency

    # nodes u0, u1, i0, i1, i2 with degrees 2, 2, 1, 2, 1: entry (u, i) = 1 / sqrt(deg u * deg i)
    expected = np.zeros((5, 5), dtype=np.float32)
    for u, i in [(0, 0), (0, 1), (1, 1), (1, 2)]:
        degree_u, degree_i = 2, [1, 2, 1][i]
        expected[u, 2 + i] = expected[2 + i, u] = 1 / math.sqrt(degree_u * degree_i)
    np.testing.assert_allclose(normalised_adjacency(BIPARTITE).toarray(), expected, rtol=1e-6)


def test_scipy_propagation_equals_pyg_lgconv_forward_and_backward():
    import torch
    from torch_geometric.nn import LGConv

    from musicrec.models.lightgcn import ScipyPropagation, normalised_adjacency

    adjacency = normalised_adjacency(BIPARTITE)
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(0), requires_grad=True)
    edges = torch.tensor(np.vstack(adjacency.nonzero()), dtype=torch.long)
    reference = LGConv(normalize=True)(x, edges)
    reference.square().sum().backward()
    reference_gradient = x.grad.clone()
    x.grad = None
    ours = ScipyPropagation(adjacency)(x)
    ours.square().sum().backward()
    torch.testing.assert_close(ours, reference)
    torch.testing.assert_close(x.grad, reference_gradient)


def test_lightgcn_embedding_is_the_mean_of_the_layer_embeddings():
    import torch
    from torch_geometric.nn.models import LightGCN

    from musicrec.models.lightgcn import normalised_adjacency, propagation_graph

    adjacency = normalised_adjacency(BIPARTITE)
    torch.manual_seed(0)
    network = LightGCN(5, 4, 3, normalize=False)
    graph = propagation_graph(adjacency, network, torch.device("cpu"))
    layer0 = network.embedding.weight.detach().numpy()
    dense = adjacency.toarray()
    layers = [layer0, dense @ layer0, dense @ dense @ layer0, dense @ dense @ dense @ layer0]
    with torch.no_grad():
        np.testing.assert_allclose(network.get_embedding(graph).numpy(), np.mean(layers, axis=0), rtol=1e-5,
                                   atol=1e-6)


# --- time-decayed popularity -------------------------------------------------------------------------------

def timed_interactions(events: list[tuple[int, int, int]], n_items: int) -> Interactions:
    """(user, item, timestamp) events over items 0..n_items-1; the timestamps order each user's sequence."""
    train = pl.DataFrame([(u, i, 1.0, t) for u, i, t in events], orient="row",
                         schema={"user_id": pl.Int64, "item_id": pl.Int64, "weight": pl.Float64, "timestamp": pl.Int64})
    return Interactions.from_frames(train, items=pl.DataFrame({"item_id": np.arange(n_items)}))


def test_decay_popularity_halves_an_event_per_half_life_before_the_last_training_timestamp():
    from musicrec.models.decay_popularity import DecayPopularityRecommender

    day = 86_400
    # t_end = 2 days; half-life 1 day: item 0 = 0.5^2 + 0.5^0 (played twice), item 1 = 0.5^1 + 0.5^0,
    # item 2 = 0.5^0, item 3 never played
    events = [(0, 0, 0), (0, 1, day), (1, 1, 2 * day), (1, 2, 2 * day), (1, 0, 2 * day)]
    model = DecayPopularityRecommender(half_life_days=1.0).fit(timed_interactions(events, 4))
    np.testing.assert_allclose(model.item_scores_, [1.25, 1.5, 1.0, 0.0])
    assert np.array_equal(model.score(np.array([0, 1, -1])), np.tile([1.25, 1.5, 1.0, 0.0], (3, 1))), "one list for all"
    assert model.recommend(np.array([-1]), 4, exclude_seen=False)[0].tolist() == [[1, 0, 2, 3]]
    slower = DecayPopularityRecommender(half_life_days=2.0).fit(timed_interactions(events, 4))
    np.testing.assert_allclose(slower.item_scores_, [0.5 + 1, 2 ** -0.5 + 1, 1.0, 0.0])
    assert model.report() == {"latest_training_timestamp": 2 * day, "events": 5}


def test_decay_popularity_without_timestamps_is_a_clear_input_error():
    from musicrec.errors import InputDataError
    from musicrec.models.decay_popularity import DecayPopularityRecommender

    with pytest.raises(InputDataError, match="column 'timestamp': DecayPop weighs events by their age, and the data "
                                             "has no sequences"):
        DecayPopularityRecommender().fit(interactions([[1, 0], [0, 1]]))
    untimed = pl.DataFrame({"user_id": [0, 1], "item_id": [0, 1], "position": [0, 0]})
    data = Interactions.from_frames(pl.DataFrame({"user_id": [0, 1], "item_id": [0, 1], "weight": [1.0, 1.0]}),
                                    sequences=untimed, sources={"sequences": "sequences.parquet"})
    with pytest.raises(InputDataError, match="^sequences.parquet: column 'timestamp': .* without a timestamp column"):
        DecayPopularityRecommender().fit(data)


# --- recent-embedding content baseline ---------------------------------------------------------------------

def embedded_interactions(sequences: dict[int, list[int]], embeddings: list[list[float] | None]) -> Interactions:
    """Users 0.. with the given item sequences; item i has ``embeddings[i]`` in columns embed_0.. (None: null)."""
    rows = [(u, i, p) for u, items in sequences.items() for p, i in enumerate(items)]
    ordered = pl.DataFrame(rows, schema=["user_id", "item_id", "position"], orient="row")
    width = len(next(e for e in embeddings if e is not None))
    columns = {f"embed_{j}": [e[j] if e is not None else None for e in embeddings] for j in range(width)}
    items = pl.DataFrame({"item_id": np.arange(len(embeddings)), "listeners": np.ones(len(embeddings)), **columns})
    train = ordered.group_by("user_id", "item_id").len("weight").with_columns(pl.col("weight").cast(pl.Float64))
    return Interactions.from_frames(train, items, sequences=ordered)


EMBEDDED = embedded_interactions({0: [0, 1, 1], 1: [3]}, [[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], None])


def test_recent_embedding_scores_are_cosines_to_the_mean_of_the_last_entries():
    from musicrec.models.recent_embedding import RecentEmbeddingRecommender

    # recent = 2: user 0's last entries are items 1, 1: mean (0, 1); cosines 0, 1, 1/sqrt 2; item 3 has none
    scores = RecentEmbeddingRecommender(recent=2).fit(EMBEDDED).score(np.array([0]))
    np.testing.assert_allclose(scores[0, :3], [0.0, 1.0, 1 / math.sqrt(2)], atol=1e-6)
    assert np.isneginf(scores[0, 3])
    # recent = 3: mean of (1, 0), (0, 1), (0, 1) = (1/3, 2/3), direction (1, 2) / sqrt 5
    model = RecentEmbeddingRecommender(recent=3).fit(EMBEDDED)
    expected = [1 / math.sqrt(5), 2 / math.sqrt(5), 3 / math.sqrt(10)]
    np.testing.assert_allclose(model.score(np.array([0]))[0, :3], expected, rtol=1e-6)
    assert np.isneginf(model.score(np.array([1, -1]))).all(), "user 1 played only item 3 (no embedding); -1 unknown"
    assert model.report() == {"items_with_embedding": 3, "items": 4, "users_with_vector": 1, "dimensions": 2}


def test_recent_embedding_needs_embedding_columns():
    from musicrec.errors import InputDataError
    from musicrec.models.recent_embedding import RecentEmbeddingRecommender

    with pytest.raises(InputDataError, match="no column starting with 'audio_'"):
        RecentEmbeddingRecommender(feature_prefix="audio_").fit(EMBEDDED)


# --- models of the implicit library ------------------------------------------------------------------------

X_IMPLICIT = [[1, 1, 0, 0, 1], [0, 1, 1, 0, 0], [1, 0, 1, 1, 0], [0, 0, 0, 1, 1], [0, 0, 0, 0, 0]]


def test_implicit_bpr_scores_are_implicits_own_scores_bias_included():
    from implicit.cpu.bpr import BayesianPersonalizedRanking

    from musicrec.models.implicit_bpr import ImplicitBPRRecommender

    data = interactions(X_IMPLICIT)
    model = ImplicitBPRRecommender(factors=4, iterations=30, learning_rate=0.05, seed=3).fit(data)
    assert model.user_factors_.shape == (5, 5) and model.item_factors_.shape == (5, 5)  # factors + 1 (the bias)
    assert (model.user_factors_[:, -1] == 1).all()
    reference = BayesianPersonalizedRanking(factors=4, iterations=30, learning_rate=0.05, random_state=3, num_threads=1)
    reference.fit(data.binary, show_progress=False)
    users = np.arange(4)
    ids, expected = reference.recommend(users, data.binary[users], N=5, filter_already_liked_items=False)
    np.testing.assert_allclose(np.take_along_axis(model.score(users), ids, axis=1), expected, rtol=1e-5)
    assert np.isneginf(model.score(np.array([4]))).all() and model.report() == {"device": "cpu"}


def test_als_on_the_cpu_equals_implicits_cpu_model_and_reports_the_device():
    from implicit.cpu.als import AlternatingLeastSquares

    from musicrec.models.als import ALSRecommender

    data = interactions(X_IMPLICIT)
    model = ALSRecommender(factors=3, iterations=5, regularization=0.1, weighting="none", device="cpu", seed=2)
    model.fit(data)
    reference = AlternatingLeastSquares(factors=3, iterations=5, regularization=0.1, random_state=2, num_threads=1)
    reference.fit(weighted(data.matrix, "none"), show_progress=False)
    np.testing.assert_array_equal(model.user_factors_, reference.user_factors)
    np.testing.assert_array_equal(model.item_factors_, reference.item_factors)
    assert model.report() == {"device": "cpu"}


def test_implicit_device_choice():
    import implicit.gpu

    from musicrec.errors import ConfigError
    from musicrec.models.als import implicit_device

    assert implicit_device("cpu") == "cpu"
    assert implicit_device("auto") == ("gpu" if implicit.gpu.HAS_CUDA else "cpu")
    with pytest.raises(ValueError, match="unknown device 'cuda'; choose one of auto, cpu, gpu"):
        implicit_device("cuda")
    if implicit.gpu.HAS_CUDA:
        assert implicit_device("gpu") == "gpu"
    else:
        with pytest.raises(ConfigError, match="device: gpu was asked for, but implicit has no GPU support"):
            implicit_device("gpu")


def test_popularity_lists_without_masking_equal_the_blockwise_selection():
    """GlobalScoreRecommender picks the top K once when history is kept; the lists are those the
    generic block-by-block selection gives."""
    data, _ = planted_interactions()
    model = models.build("popularity", {"by": "weight"}, seed=0).fit(data)
    rows = np.array([0, 5, 9, -1])
    fast = model.recommend(rows, 10, exclude_seen=False)
    slow = Recommender.recommend(model, rows, 10, exclude_seen=False)
    assert np.array_equal(fast[0], slow[0]) and np.array_equal(fast[1], slow[1])
