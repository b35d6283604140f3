"""LightGCN (He et al., "LightGCN: Simplifying and Powering Graph Convolution Network for
Recommendation", SIGIR 2020) with torch-geometric's ``LightGCN``, trained with the BPR loss (Rendle et al.,
"BPR: Bayesian Personalized Ranking from Implicit Feedback", UAI 2009).

Users and items are the nodes of one bipartite graph (users 0..U-1, items U..U+I-1; an edge per
training pair). Each layer multiplies the embeddings by the normalised adjacency D^-1/2 A D^-1/2, where
A = [[0, W], [W^T, 0]] holds the edge weights W (``edge_weights``: ``binary``, 1 per pair as in the paper;
``weight``, the prepared pair weights w_ui of ``data.matrix``; ``log1p``, log(1 + w_ui)) and D the
weighted degrees d_v = sum of v's edge weights, so entry (u, i) is w_ui / sqrt(d_u d_i) (1/sqrt(deg(u)
deg(i)) for binary edges). The final embedding is the mean of the layer-0..``layers`` embeddings.

Training visits every training pair (u, i) once per epoch, in a shuffled order and mini-batches, with
one negative item j, and minimises the BPR loss -ln sigma(e_u.e_i - e_u.e_j) plus ``regularization`` x
the squared norm of the batch's layer-0 embeddings (divided by the batch size). The negative is:

* uniform over the catalogue (the paper's), or, with ``hard_negatives`` = n > 0, the highest-scoring
  under the batch's current embeddings of n items drawn uniformly (dynamic negative sampling, Zhang et
  al., "Optimizing Top-N Collaborative Filtering via Dynamic Negative Item Sampling", SIGIR 2013);
* with ``dislike_negatives``, for a user with training-window dislikes (``data.negatives``), one of those
  dislikes drawn uniformly instead, with probability :data:`DISLIKE_SHARE` per training pair of the user
  (users without dislikes keep the sampler above). Disliked pairs are not positives: they leave the
  training edges.

Audio (``item_init`` = ``audio``): the items' audio embeddings (``data.item_features`` columns starting
with ``feature_prefix``) mapped to ``embedding_dim`` by a seeded Gaussian random projection (the identity
when the sizes agree; Johnson-Lindenstrauss keeps their inner products on average) and scaled to the
standard deviation of the default (Xavier) initialisation set the layer-0 rows of the items that have
one; the others stay random. ``audio_regularization`` = lambda adds lambda x the squared distance of the
batch's items' layer-0 embeddings to their projected audio (divided by the batch size), tying the
collaborative space to the content one as in content-informed factor models (van den Oord et al.,
"Deep content-based music recommendation", NeurIPS 2013).

Cold-start hold-out (``cold_start_share``): that seeded share of the items that have an audio embedding
and training pairs lose all their training edges before fitting; they stay in the catalogue as items
without edges (final embedding = layer-0 embedding / (layers + 1)), and ``save`` lists them in
``held_out_items.parquet`` for the cold-item evaluation and serving.

Propagation is full-batch over the whole graph for every batch, through one precomputed normalised
adjacency. On CUDA (float16 autocast) that is torch-geometric's ``LGConv`` over a sparse CSR tensor; on
the CPU the ``LGConv`` layers are replaced by the same product computed with scipy's CSR kernel (the
adjacency is symmetric, so the backward pass is the same product): on Last.fm HetRec it takes 5 ms per
layer against 32 ms for torch's CPU sparse kernel. CPU runs are float32 and deterministic. Every epoch's
loss and seconds are logged and reported. The embeddings are the artefact (``factors.npz``, and the
state dict ``network.pt``).

With no layer the model is BPR matrix factorisation (:class:`BPRRecommender`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import polars as pl
import scipy.sparse as sp
import torch

from .. import torch_utils
from ..data import prefixed_matrix
from ..errors import InputDataError
from ..io import atomic_path, write_parquet
from .factors import FactorRecommender

log = logging.getLogger(__name__)

EDGE_WEIGHTS = ("binary", "weight", "log1p")
ITEM_INITS = ("random", "audio")
# Probability that a training pair of a user with dislikes takes one of them as its negative.
DISLIKE_SHARE = 0.5


def edge_matrix(matrix: sp.csr_matrix, edge_weights: str) -> sp.csr_matrix:
    """The float32 user x item edge weights of the graph: 1 per stored pair (``binary``), the weights of
    ``matrix`` (``weight``) or log(1 + weight) (``log1p``)."""
    if edge_weights not in EDGE_WEIGHTS:
        raise ValueError(f"edge_weights must be one of {', '.join(EDGE_WEIGHTS)}, not {edge_weights!r}")
    edges = matrix.astype(np.float32, copy=True)
    if edge_weights == "binary":
        edges.data[:] = 1.0
    elif edge_weights == "log1p":
        edges.data = np.log1p(edges.data)
    return edges


def normalised_adjacency(edges: sp.csr_matrix) -> sp.csr_matrix:
    """The (U+I) x (U+I) float32 matrix D^-1/2 A D^-1/2 of the user-item bipartite graph of the user x item
    edge weights ``edges``: entry (u, i) = w_ui / sqrt(d_u d_i), d_v the sum of v's edge weights (0 for a
    node without edges)."""
    adjacency = sp.bmat([[None, edges], [edges.T, None]], format="csr").astype(np.float32)
    degree = np.asarray(adjacency.sum(axis=1), dtype=np.float64).ravel()
    inverse_sqrt = sp.diags(np.where(degree > 0, 1.0 / np.sqrt(np.where(degree > 0, degree, 1.0)), 0.0)
                            .astype(np.float32))
    return (inverse_sqrt @ adjacency @ inverse_sqrt).tocsr()


def audio_projection(features: pl.DataFrame, prefix: str, dim: int, std: float,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(vectors, has): the columns of ``features`` starting with ``prefix`` (n_items x d audio) mapped to
    ``dim`` by a Gaussian random projection N(0, 1/dim) drawn from ``rng`` (none when d == dim) and scaled so
    that the entries of the items that have an embedding have standard deviation ``std``; ``has`` marks
    those items (every column finite), the other rows are 0."""
    found = prefixed_matrix(features, prefix)
    if found is None:
        raise ValueError(f"the item features have no column starting with {prefix!r}")
    audio, has = found
    audio[~has] = 0.0
    if audio.shape[1] != dim:
        audio = audio @ rng.standard_normal((audio.shape[1], dim)) / np.sqrt(dim)
    spread = audio[has].std() if has.any() else 0.0
    return (audio * (std / spread if spread > 0 else 0.0)).astype(np.float32), has


def hold_out_items(edges: sp.csr_matrix, eligible: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted columns of round(``share`` x n) items drawn without replacement from the n ``eligible`` items
    (boolean per column) that have edges."""
    candidates = np.flatnonzero(eligible & (np.diff(edges.tocsc().indptr) > 0))
    count = int(round(share * len(candidates)))
    return np.sort(rng.choice(candidates, size=count, replace=False)) if count else candidates[:0]


def without(edges: sp.csr_matrix, pairs: sp.csr_matrix | None = None,
            columns: np.ndarray | None = None) -> sp.csr_matrix:
    """``edges`` less the stored entries of ``pairs`` (same shape) and every edge of ``columns``."""
    keep = edges.copy()
    if pairs is not None:
        keep = keep - keep.multiply(pairs > 0)
    if columns is not None and len(columns):
        mask = np.ones(edges.shape[1], dtype=np.float32)
        mask[columns] = 0.0
        keep = keep @ sp.diags(mask)
    keep = sp.csr_matrix(keep, dtype=np.float32)
    keep.eliminate_zeros()
    return keep


def hardest_negatives(embedding: torch.Tensor, users: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
    """Per row, the candidate node (``candidates``: batch x n node ids) that scores highest for its user
    node (``users``: batch) under ``embedding`` (nodes x d), without gradient."""
    with torch.no_grad():
        scores = (embedding[users].unsqueeze(1) * embedding[candidates]).sum(dim=-1)
    return candidates.gather(1, scores.argmax(dim=1, keepdim=True)).squeeze(1)


class _SymmetricProduct(torch.autograd.Function):
    """y = A x for a symmetric scipy CSR matrix A; the gradient of x is A times the output gradient."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, matrix: sp.csr_matrix) -> torch.Tensor:
        ctx.matrix = matrix
        return torch.from_numpy(matrix @ x.detach().numpy())

    @staticmethod
    def backward(ctx, gradient: torch.Tensor):
        return torch.from_numpy(ctx.matrix @ gradient.contiguous().numpy()), None


class ScipyPropagation(torch.nn.Module):
    """Stands in for an ``LGConv`` layer on the CPU: one product with the normalised adjacency."""

    def __init__(self, matrix: sp.csr_matrix):
        super().__init__()
        self.matrix = matrix

    def forward(self, x: torch.Tensor, edge_index=None, edge_weight=None) -> torch.Tensor:
        return _SymmetricProduct.apply(x, self.matrix)


def propagation_graph(adjacency: sp.csr_matrix, network, device: torch.device):
    """What ``network.get_embedding`` takes as its graph: a CUDA sparse CSR tensor for ``LGConv``, or
    nothing on the CPU, where its layers become :class:`ScipyPropagation` over ``adjacency``."""
    if device.type == "cpu":
        network.convs = torch.nn.ModuleList(ScipyPropagation(adjacency) for _ in network.convs)
        return None
    return torch.sparse_csr_tensor(torch.from_numpy(adjacency.indptr.astype(np.int64)),
                                   torch.from_numpy(adjacency.indices.astype(np.int64)),
                                   torch.from_numpy(adjacency.data), adjacency.shape).to(device)


class LightGCNRecommender(FactorRecommender):
    name = "LightGCN"

    def __init__(self, embedding_dim: int = 64, layers: int = 3, learning_rate: float = 0.001,
                 regularization: float = 1e-4, batch_size: int = 2048, epochs: int = 300,
                 edge_weights: str = "binary", hard_negatives: int = 0, dislike_negatives: bool = False,
                 item_init: str = "random", feature_prefix: str = "embed_", audio_regularization: float = 0.0,
                 cold_start_share: float = 0.0, seed: int = 0, threads: int = 1, device: str = "auto"):
        self.embedding_dim = embedding_dim
        self.layers = layers
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.batch_size = batch_size
        self.epochs = epochs
        self.edge_weights = edge_weights
        self.hard_negatives = hard_negatives
        self.dislike_negatives = dislike_negatives
        self.item_init = item_init
        self.feature_prefix = feature_prefix
        self.audio_regularization = audio_regularization
        self.cold_start_share = cold_start_share
        self.seed = seed
        self.threads = threads
        self.device = device

    def _audio(self, data, std: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray] | None:
        """(projected audio, has) when a setting reads the audio embeddings, else None."""
        if self.item_init not in ITEM_INITS:
            raise ValueError(f"item_init must be one of {', '.join(ITEM_INITS)}, not {self.item_init!r}")
        if self.item_init == "random" and not self.audio_regularization and not self.cold_start_share:
            return None
        if data.item_features is None:
            raise InputDataError(data.source, "item_init audio, audio_regularization and cold_start_share need "
                                 "the item features (audio embeddings), and the data has none")
        return audio_projection(data.item_features, self.feature_prefix, self.embedding_dim, std, rng)

    def _fit(self, data) -> None:
        from torch_geometric.nn.models import LightGCN

        device = torch_utils.start(self.device, self.threads, self.seed)
        n_users, n_items = data.n_users, data.n_items
        self.network_ = LightGCN(n_users + n_items, self.embedding_dim, self.layers, normalize=False).to(device)
        rng = np.random.default_rng(self.seed)
        audio = self._audio(data, float(self.network_.embedding.weight.detach().std()), rng)
        edges = edge_matrix(data.matrix, self.edge_weights)
        self.held_out_ = (hold_out_items(edges, audio[1], self.cold_start_share, rng) if self.cold_start_share
                          else np.zeros(0, dtype=np.int64))
        dislikes = None
        if self.dislike_negatives:
            if data.negatives is None:
                raise InputDataError(data.source, "dislike_negatives needs the negatives data part (the "
                                     "training-window dislikes), and the data has none")
            dislikes = data.negatives
        pairs_before = edges.nnz
        edges = without(edges, dislikes, self.held_out_)
        pairs = edges.tocoo()
        users = torch.from_numpy(pairs.row.astype(np.int64))
        items = torch.from_numpy(pairs.col.astype(np.int64) + n_users)
        if audio is not None and self.item_init == "audio":
            with torch.no_grad():
                rows = torch.from_numpy(np.flatnonzero(audio[1]) + n_users).to(device)
                self.network_.embedding.weight[rows] = torch.from_numpy(audio[0][audio[1]]).to(device)
        target = torch.from_numpy(audio[0]).to(device) if audio is not None else None
        has_audio = torch.from_numpy(audio[1]).to(device) if audio is not None else None
        adjacency = propagation_graph(normalised_adjacency(edges), self.network_, device) if self.layers else None
        optimiser = torch.optim.Adam(self.network_.parameters(), lr=self.learning_rate)
        generator = torch_utils.seeded_generator(self.seed)
        log.info("%s: %d users, %d items, %d training pairs (%d left out: dislikes and held-out items), %d "
                 "layers, dimension %d, %s edges, on %s", self.name, n_users, n_items, len(users),
                 pairs_before - len(users), self.layers, self.embedding_dim, self.edge_weights, device)
        if self.cold_start_share:
            log.info("%s: %d items held out cold (no training edges)", self.name, len(self.held_out_))
        if dislikes is not None:
            dislike_indptr = torch.from_numpy(dislikes.indptr.astype(np.int64))
            dislike_items = torch.from_numpy(dislikes.indices.astype(np.int64) + n_users)
            dislike_counts = dislike_indptr[1:] - dislike_indptr[:-1]
            log.info("%s: %d dislikes of %d users as negatives", self.name, dislikes.nnz,
                     int((dislike_counts > 0).sum()))

        def negatives():
            """Per training pair, its candidate negatives (pairs x max(1, hard_negatives) node ids)."""
            drawn = torch.randint(n_users, n_users + n_items, (len(users), max(1, self.hard_negatives)),
                                  generator=generator)
            if dislikes is not None:
                counts = dislike_counts[users]
                chosen = (torch.rand(len(users), generator=generator) < DISLIKE_SHARE) & (counts > 0)
                offsets = (torch.rand(len(users), generator=generator) * counts).long()
                drawn[chosen] = dislike_items[(dislike_indptr[users] + offsets)[chosen]].unsqueeze(1)
            return drawn

        def batches(epoch):
            order = torch.randperm(len(users), generator=generator)
            candidates = negatives()
            for start in range(0, len(users), self.batch_size):
                rows = order[start:start + self.batch_size]
                yield users[rows].to(device), items[rows].to(device), candidates[rows].to(device)

        def loss(batch):
            u, i, candidates = batch
            embedding = self.network_.get_embedding(adjacency)
            j = hardest_negatives(embedding, u, candidates) if self.hard_negatives else candidates[:, 0]
            positive = (embedding[u] * embedding[i]).sum(dim=-1)
            negative = (embedding[u] * embedding[j]).sum(dim=-1)
            value = self.network_.recommendation_loss(positive.float(), negative.float(), torch.cat([u, i, j]),
                                                      lambda_reg=self.regularization)
            if self.audio_regularization:
                batch_items = torch.cat([i, j]) - n_users
                gap = self.network_.embedding.weight[batch_items + n_users].float() - target[batch_items]
                distance = (gap.square().sum(dim=1) * has_audio[batch_items]).sum()
                value = value + self.audio_regularization * distance / len(u)
            return value, len(u)

        self.training_ = torch_utils.train_epochs(self.network_, optimiser, self.epochs, batches, loss, device,
                                                  self.name)
        self.network_.eval()
        with torch.no_grad():
            embedding = self.network_.get_embedding(adjacency).float().cpu().numpy()
        self.user_factors_, self.item_factors_ = embedding[:n_users], embedding[n_users:]
        self.device_ = device

    def report(self) -> dict:
        """The training log (loss and seconds per epoch), the device, and the held-out item count."""
        return {**self.training_.report(), "epoch_seconds": [round(x, 3) for x in self.training_.seconds],
                "held_out_items": int(len(self.held_out_)), "device": str(self.device_),
                "mixed_precision": torch_utils.uses_mixed_precision(self.device_)}

    def save(self, folder) -> list[str]:
        """``factors.npz`` (the final embeddings), ``network.pt`` (the state dict) and, with a cold-start
        hold-out, ``held_out_items.parquet`` (item_id of the held-out items)."""
        path = Path(folder) / "network.pt"
        with atomic_path(path) as tmp:
            torch.save(self.network_.state_dict(), tmp)
        saved = [*super().save(folder), path.name]
        if self.cold_start_share:
            held_out = Path(folder) / "held_out_items.parquet"
            write_parquet(pl.DataFrame({"item_id": self.data_.item_ids[self.held_out_]}), held_out)
            saved.append(held_out.name)
        return saved


class BPRRecommender(LightGCNRecommender):
    """Bayesian Personalised Ranking matrix factorisation (Rendle et al., UAI 2009): user and item embeddings
    whose dot products rank each training pair (u, i) above a sampled item j, trained with Adam on
    mini-batches of the BPR loss: LightGCN's trainer without propagation layers (``layers = 0``), with
    uniform negatives and no audio.

    Why not implicit's BPR: its lock-free per-sample SGD tops out below this on Last.fm HetRec (NDCG@10 0.165
    on the test split against 0.21 here, and 0.129 against 0.167 on the validation split, both tuned), as
    the tuned implicit BPR of the reference table (0.1725) and RecBole's Adam-trained BPR (0.1948) show too.
    """

    name = "BPR"

    def __init__(self, embedding_dim: int = 64, learning_rate: float = 0.001, regularization: float = 1e-4,
                 batch_size: int = 2048, epochs: int = 300, seed: int = 0, threads: int = 1, device: str = "auto"):
        super().__init__(embedding_dim=embedding_dim, layers=0, learning_rate=learning_rate,
                         regularization=regularization, batch_size=batch_size, epochs=epochs, seed=seed,
                         threads=threads, device=device)
