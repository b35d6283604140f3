"""The model registry: config names models by these keys; a job imports only its own model's module.

Each entry says where the class lives ("module:Class", imported on first use), the task it serves, whether
its output depends on the seed (unseeded models run once, as seed 0), whether its jobs go to the GPU rule,
which parts of the prepared data it reads besides the training pairs (so a model's jobs depend only on
those files), and which parts it reads only where the dataset prepares them (``optional``: e.g. the
training-window dislikes that Yambda has and Last.fm has not; a model must work without them, see
:func:`data_parts`):

* tasks: ``ranking`` (a :class:`~musicrec.models.base.Recommender` fitted on interactions), ``reranking``
  (a :class:`~musicrec.models.base.BinaryClassifier` over other models' candidate lists), ``serving``
  (top-K lists of another run's factors through an ANN index, :mod:`musicrec.retrieval.serving`; the run's
  ``source`` names that run), ``classification`` (a BinaryClassifier over a dataset's feature tables, e.g. KKBox),
  and the session tasks of the skip challenge (:class:`~musicrec.models.base.SessionModel`s over
  :class:`~musicrec.sessions.Sessions`): ``skip`` (a SkipPredictor), ``next_track`` (a NextTrackRecommender)
  and ``pretraining`` (an encoder whose artefacts other session runs start from);
* data parts: ``item_features``, ``user_features``, ``sequences`` (ordered histories), ``neighbours``
  (a user-user graph such as friends), ``negatives`` (explicit negative user-item pairs, e.g. dislikes),
  ``pretrained`` (a pre-training run's artefact folder; the run's ``pretraining`` key names that run).

This module imports nothing heavy, so the Snakefile can read it at parse time.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

TASKS = ("ranking", "reranking", "serving", "classification", "skip", "next_track", "pretraining")
SESSION_TASKS = ("skip", "next_track", "pretraining")
DATA_PARTS = ("item_features", "user_features", "sequences", "neighbours", "negatives", "pretrained")


@dataclass(frozen=True)
class Entry:
    target: str
    task: str
    seeded: bool
    gpu: bool = False
    data: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


REGISTRY: dict[str, Entry] = {
    "random": Entry("musicrec.models.random_baseline:RandomRecommender", "ranking", seeded=True),
    "popularity": Entry("musicrec.models.popularity:PopularityRecommender", "ranking", seeded=False),
    "decay_popularity": Entry("musicrec.models.decay_popularity:DecayPopularityRecommender", "ranking", seeded=False,
                              data=("sequences",)),
    "item_knn": Entry("musicrec.models.item_knn:ItemKNNRecommender", "ranking", seeded=False),
    "rp3beta": Entry("musicrec.models.rp3beta:RP3betaRecommender", "ranking", seeded=False),
    "ease": Entry("musicrec.models.ease:EASERecommender", "ranking", seeded=False),
    "als": Entry("musicrec.models.als:ALSRecommender", "ranking", seeded=True),
    "bpr": Entry("musicrec.models.lightgcn:BPRRecommender", "ranking", seeded=True, gpu=True),
    "implicit_bpr": Entry("musicrec.models.implicit_bpr:ImplicitBPRRecommender", "ranking", seeded=True),
    "content_knn": Entry("musicrec.models.content_knn:ContentKNNRecommender", "ranking", seeded=False,
                         data=("item_features",)),
    "hybrid": Entry("musicrec.models.hybrid:HybridRecommender", "ranking", seeded=False, data=("item_features",)),
    "recent_embedding": Entry("musicrec.models.recent_embedding:RecentEmbeddingRecommender", "ranking", seeded=False,
                              data=("item_features", "sequences")),
    "lightgcn": Entry("musicrec.models.lightgcn:LightGCNRecommender", "ranking", seeded=True, gpu=True,
                      optional=("item_features", "negatives")),
    "sasrec": Entry("musicrec.models.sasrec:SASRecRecommender", "ranking", seeded=True, gpu=True,
                    data=("sequences",)),
    "two_tower": Entry("musicrec.models.two_tower:TwoTowerRecommender", "ranking", seeded=True, gpu=True,
                       data=("item_features", "user_features", "neighbours")),
    "ann": Entry("musicrec.retrieval.serving:ANNServer", "serving", seeded=True),
    "rf_ranker": Entry("musicrec.models.rf_ranker:RandomForestRanker", "reranking", seeded=True),
    "ltr_ranker": Entry("musicrec.models.ltr_ranker:LambdaRankRanker", "reranking", seeded=True),
    "catboost_ranker": Entry("musicrec.models.catboost_ranker:CatBoostRanker", "reranking", seeded=True),
    "skip_rate": Entry("musicrec.models.skip_rate:SkipRateBaseline", "skip", seeded=False),
    "skip_logistic": Entry("musicrec.models.skip_logistic:LogisticSkipModel", "skip", seeded=False),
    "skip_lstm": Entry("musicrec.models.skip_lstm:LSTMSkipModel", "skip", seeded=True, gpu=True),
    "skip_transformer": Entry("musicrec.models.skip_transformer:TransformerSkipModel", "skip", seeded=True, gpu=True,
                              optional=("pretrained",)),
    "bert_skip": Entry("musicrec.models.bert_skip:BERTSkipModel", "skip", seeded=True, gpu=True,
                       optional=("pretrained",)),
    "skip_policy": Entry("musicrec.models.skip_policy:SkipPolicyModel", "skip", seeded=True, gpu=True),
    "bert_pretrain": Entry("musicrec.models.bert:MaskedTrackBERT", "pretraining", seeded=True, gpu=True),
    "next_popularity": Entry("musicrec.models.next_popularity:NextTrackPopularity", "next_track", seeded=False),
    "cooccurrence": Entry("musicrec.models.cooccurrence:SessionCooccurrence", "next_track", seeded=False),
    "next_transformer": Entry("musicrec.models.next_transformer:NextTrackTransformer", "next_track", seeded=True,
                              gpu=True),
    "bert_next": Entry("musicrec.models.bert_next:BERTNextTrack", "next_track", seeded=True, gpu=True,
                       optional=("pretrained",)),
    "next_policy": Entry("musicrec.models.next_policy:NextTrackPolicy", "next_track", seeded=True, gpu=True),
    "lightgbm": Entry("musicrec.models.lightgbm_model:LightGBMClassifier", "classification", seeded=True),
    "keras_nn": Entry("musicrec.models.keras_nn:KerasNNClassifier", "classification", seeded=True, gpu=True),
}


def entry(name: str) -> Entry:
    """The registry entry of ``name`` (KeyError naming the registered models otherwise)."""
    if name not in REGISTRY:
        raise KeyError(f"unknown model {name!r}; registered: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name]


def data_parts(name: str, prepared) -> tuple[str, ...]:
    """The data parts a job of model ``name`` reads from a dataset that prepares the parts ``prepared``
    (names): its entry's ``data``, then those of its ``optional`` parts that the dataset has."""
    found = entry(name)
    return (*found.data, *(part for part in found.optional if part in prepared))


def load(name: str) -> type:
    """Import and return the class of registered model ``name``."""
    module, _, cls = entry(name).target.partition(":")
    return getattr(importlib.import_module(module), cls)


def build(name: str, hyperparameters: dict, seed: int, threads: int = 1):
    """An unfitted instance of model ``name`` with config ``hyperparameters``, ``seed`` and ``threads``."""
    return load(name)(**hyperparameters, seed=int(seed), threads=int(threads))
