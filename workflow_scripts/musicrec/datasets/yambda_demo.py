"""Deterministic Yandex Yambda-shaped demo data (the flat layout of Hugging Face ``yandex/yambda``) with
planted structure, written in chunks of users so that even the 50m size keeps memory flat.

Files, one parquet file per table, in the real column order and dtypes (``yambda_columns.csv`` of the
shared data): ``multi_event`` (uid, timestamp, item_id, is_organic, played_ratio_pct, track_length_seconds,
event_type; the last two null for everything but listens), ``listens`` (the same without event_type),
``likes``, ``dislikes``, ``unlikes``, ``undislikes`` (uid, timestamp, item_id, is_organic), ``embeddings``
(item_id, embed: 128 float32, normalized_embed: 128 float64 of L2 norm 1; one row per catalogue item) and
``artist_item_mapping`` / ``album_item_mapping`` (one artist and one album per item; albums nest in
artists). ``multi_event`` is exactly the union of the five event tables. Every event file is sorted by
uid, then timestamp; within a timestamp the order is the order of events (a listen, the like or dislike
during it, then an unlike or undislike made at its end). Timestamps are seconds from the dataset start,
multiples of 5, in [0, 26,000,000): about 301 days, the last one [25,913,600, 26,000,000) the paper's test
day. uids and item ids are sparse (the 50m is a sample of a larger population), artist and album ids run
from 1.

Planted structure:

* taste clusters aligned with the audio and the artists: every artist belongs to one cluster, an item's
  embedding is its cluster's centroid + its artist's offset + item noise, and a user's listens come from
  three taste clusters (and from favourite artists of them), so the nearest items to a user's recent
  listens are in taste;
* popularity skew: Zipf-like, (rank + offset) ^ -exponent over the items' popularity ranks, the ranks
  ordered by log-normal artist popularity times log-normal item noise (an artist's tracks are similarly
  popular); within a cluster or an artist, items are drawn in proportion to it;
* re-listening: a share of each user's listens replays an item they heard earlier (and did not skip),
  mostly a recent one, sometimes an old favourite; history matters, and the protocol does not mask it;
* played ratio: a listen is played to the end with a probability that rises with the item's current
  weight in the user's taste, a favourite artist, a replay and organic context; a skip stops early;
* organic (is_organic = 1: the user's own choice) against recommended (0): replays and favourite artists
  are mostly organic, discoveries mostly recommended, and recommended listens are skipped sooner and more;
* likes and dislikes: a user's likes go to distinct items of their listens, drawn in proportion to
  exp(played ratio and taste): likes follow high played ratios, dislikes low ones;
* unlikes follow an earlier like of the same user and item, undislikes an earlier dislike, some listens
  later;
* sessions: listens come in sessions (``session_listens`` on average), and a session mostly keeps to one
  of the user's taste clusters, as a playlist or a radio does;
* drift: a user's weights over their three clusters move linearly from one random mixture to another
  over their active window, and replays favour recent listens, so recent history predicts the test day.

How the 50m size matches the real 50m marginals (``YambdaStats_50m.csv``):

* users: 10,000;
* events per user: each user's multi_event row count is the quantile function through the CSV's min,
  quartiles and max (11, 687, 2,653.5, 6,856.5, 27,699), log-linear between knots, with a 90 % knot
  (12,100) set so that the mean is the CSV's 4,779 (47.8M rows in all), taken at a golden-ratio
  (Kronecker) sequence of quantiles in uid order: every prefix of users, and every chunk, spans the
  distribution evenly (so a 200-user prefix has the CSV's quartiles, and chunks are of equal weight);
* event types: 7.6 % of the users (drawn among the least active fifth) have no listens, as 762 of the real
  users have only likes and other reactions. Every other user has each reaction type with the share of
  users of the CSV's coverage (likes by 8,283 users, dislikes 5,951, unlikes 6,406, undislikes 2,911),
  and then a count round(exp(ln m + b ln(x / x0) + s z)), z standard normal, x the user's events (their
  likes for unlikes, dislikes for undislikes), with a few heavy users of a wider spread; m, b, s are fitted
  to the CSV's per-user quartiles, means and maxima of that type (:data:`REACTION_COUNTS`). The listens
  are the rest. The 50m user table (seed 7) plans 47.78M events, 46.46M listens, 886k likes, 101k
  dislikes, 310k unlikes and 21k undislikes (CSV: 47.79M, 46.47M, 881k, 108k, 313k, 21k);
* items: the real 50m's 934,057 items are the items with an event, so the catalogue is larger (1.7M) and
  its Zipf exponent and offset are set so that about 940,000 items get an event, with 1 / 4 / 15 events
  per item at the quartiles and about 50,000 at most (CSV: 1 / 3 / 12, max 42,960); these figures are
  estimated from every item's expected picks and the (user, item) repeat counts of a 200-user prefix, not
  from a full generation.

At the smaller sizes the same behaviour runs with fewer, shorter users (``events_per_user``).
Randomness: one numpy generator per stream (catalogue, users, each chunk of users, each chunk of
embeddings) from ``SeedSequence(seed, spawn_key=(stream, chunk))``, so the same seed and size give
byte-identical files and a chunk does not depend on the chunks before it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, fields

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from ..io import atomic_path, write_csv
from .lastfm_demo import ARTIST_GENDER_P, ARTIST_GENDERS, GENDER_POPULARITY

log = logging.getLogger(__name__)

DAY = 86_400
SPAN_END = 26_000_000  # timestamps lie in [0, SPAN_END)
TEST_DAY_START = SPAN_END - DAY  # 25,913,600: the Yambda paper's test day
TIME_STEP = 5  # the real timestamps are binned to 5 s
EMBEDDING_DIM = 128

# Event table -> its event_type in multi_event; the type code of an event is its index here.
EVENT_TABLES = {"listens": "listen", "likes": "like", "dislikes": "dislike", "unlikes": "unlike",
                "undislikes": "undislike"}
EVENT_TYPES = tuple(EVENT_TABLES.values())
LISTEN, LIKE, DISLIKE, UNLIKE, UNDISLIKE = range(len(EVENT_TYPES))

_ID = pa.uint32()
_REACTION_FIELDS = [("uid", _ID), ("timestamp", _ID), ("item_id", _ID), ("is_organic", pa.uint8())]
_LISTEN_FIELDS = [*_REACTION_FIELDS, ("played_ratio_pct", pa.uint16()), ("track_length_seconds", pa.uint32())]
SCHEMAS: dict[str, pa.Schema] = {
    "multi_event": pa.schema([*_LISTEN_FIELDS, ("event_type", pa.string())]),
    "listens": pa.schema(_LISTEN_FIELDS),
    **{name: pa.schema(_REACTION_FIELDS) for name in ("likes", "dislikes", "unlikes", "undislikes")},
    "embeddings": pa.schema([("item_id", _ID), ("embed", pa.list_(pa.float32())),
                             ("normalized_embed", pa.list_(pa.float64()))]),
    "artist_item_mapping": pa.schema([("artist_id", _ID), ("item_id", _ID)]),
    "album_item_mapping": pa.schema([("album_id", _ID), ("item_id", _ID)]),
}
TABLES = tuple(SCHEMAS)
EVENT_OUTPUTS = ("multi_event", *EVENT_TABLES)

# Random streams (the first spawn key of each generator).
STREAM_CATALOGUE, STREAM_USERS, STREAM_EVENTS, STREAM_EMBEDDINGS = range(4)

# Catalogue.
CLUSTER_CONCENTRATION = 2.0  # Dirichlet concentration of the clusters' shares of the artists
ARTIST_POPULARITY_SIGMA = 1.5  # log-normal artist popularity ...
ITEM_POPULARITY_SIGMA = 1.2  # ... times log-normal item noise: the popularity order of the items
ALBUM_SIZE_SIGMA = 0.6  # log-normal weight of an album when items are dealt to albums
ITEM_ID_GAP = 5  # mean gap between consecutive item ids (the real 50m ids run past 9 million)
UID_GAP = 100  # mean gap between consecutive uids
TRACK_SECONDS = (200.0, 0.35, 30, 900)  # log-normal median, sigma, and clip range of track lengths
CENTROID_SCALE, ARTIST_SCALE, NOISE_SCALE = 1.5, 1.0, 2.0  # embedding = centroid + artist + noise

# Users.
GOLDEN_STEP = (np.sqrt(5.0) - 1.0) / 2.0  # users' activity quantiles: a Kronecker sequence in uid order
TASTE_CLUSTERS = 3  # clusters of a user's taste
FAVOURITE_ARTISTS = 3  # favourite artists per taste cluster
NON_LISTENER_SHARE = 0.0762  # 762 of the real 10,000 users have no listens ...
NON_LISTENER_QUANTILE = 0.2  # ... drawn among the users below this quantile of events
CHURN_SHARE = 0.15  # users whose window ends before the last day
CHURN_END = (0.35, 0.95)  # their window's end, as a share of the span
WINDOW_DAYS = (60.0, 300.0)  # the length of a user's active window (at least WINDOW_SLACK x its play time)
WINDOW_SLACK = 1.5
REPEAT_BETA = (4.0, 4.0)  # Beta parameters of a user's share of replays among their listens

# Listening.
OFF_TASTE_SHARE = 0.15  # discoveries outside the user's taste clusters (recommendations)
SESSION_COHERENCE = 0.8  # share of fresh picks from their session's taste cluster (the others: drawn alone)
FAVOURITE_SHARE = 0.35  # in-taste picks from a favourite artist of the cluster
FAVOURITE_AFFINITY = 0.5  # affinity bonus of a favourite artist
RECENT_REPLAY_SHARE = 0.7  # replays of a recent listen (the others: any earlier one, uniformly)
RECENT_REPLAY_LAG = 8.0  # mean lag of a recent replay, in earlier kept listens
KEPT_RATIO = 50  # listens played at least this far can be replayed (Listen+)
# Probability that a listen is organic, by how it was picked.
ORGANIC_P = {"replay": 0.8, "favourite": 0.6, "in_taste": 0.3, "off_taste": 0.1}
# Logit of playing a track to the end: base + weights of affinity, organic context and replay.
COMPLETE_LOGIT = {"base": -1.6, "affinity": 2.2, "organic": 0.8, "replay": 1.2}
SKIP_BETA = {True: (1.0, 1.5), False: (0.5, 2.5)}  # played share of a skipped listen, organic / recommended
MAX_PAUSE = 8  # seconds between the end of a listen and the next one (uniform 0..MAX_PAUSE-1)

# Reactions.
LIKE_KEY = {"ratio": 4.0, "affinity": 1.5}  # like weight exp(4 played ratio + 1.5 affinity)
DISLIKE_KEY = {"ratio": -4.0, "affinity": -1.5}
UNDO_LAG_SHARE = 0.1  # mean lag of an unlike / undislike, as a share of the user's listens


@dataclass(frozen=True)
class CountModel:
    """Per-user count of one reaction type: a user has it with probability ``users`` (the CSV's user
    coverage, less the users without listens, who all like), and then
    ``round(exp(log(median) + slope * ln(x / reference) + spread * z))`` with z standard normal, at least 1
    and at most ``cap * x``; x is the user's events (likes, dislikes), likes (unlikes) or dislikes
    (undislikes). ``tail_users`` of the users spread ``tail_spread`` instead: the few heavy reactors
    behind the means and maxima of the CSV."""

    users: float
    median: float
    slope: float
    spread: float
    reference: float
    cap: float
    tail_users: float = 0.0
    tail_spread: float = 0.0

    def draw(self, rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
        has = (rng.random(len(x)) < self.users) & (x > 0)
        spread = np.where(rng.random(len(x)) < self.tail_users, self.tail_spread, self.spread)
        log_count = (np.log(self.median) + self.slope * np.log(np.maximum(x, 1) / self.reference)
                     + spread * rng.standard_normal(len(x)))
        cap = np.maximum(np.floor(self.cap * x), 1)
        return np.where(has, np.clip(np.rint(np.exp(log_count)), 1, cap), 0).astype(np.int64)


# Fitted to the per-user quartiles, means and maxima of YambdaStats_50m.csv; the 50m user table (seed 7)
# has: likes 11/39/110, mean 106, max 6,464 (CSV 10/44/124, 106, 8,697); dislikes 2/4/11, 17, 2,795
# (2/4/10, 18, 2,988); unlikes 4/15/44, 48, 3,187 (5/14/42, 49, 5,647); undislikes 1/2/6, 7.1, 1,213
# (1/3/7, 7.2, 864).
REACTION_COUNTS = {
    "likes": CountModel(users=0.814, median=36.0, slope=1.0, spread=0.95, reference=2653.5, cap=0.3),
    "dislikes": CountModel(users=0.58, median=4.5, slope=0.6, spread=0.9, reference=2653.5, cap=0.12,
                           tail_users=0.08, tail_spread=4.0),
    "unlikes": CountModel(users=0.75, median=0.42, slope=1.0, spread=0.6, reference=1.0, cap=1.0),
    "undislikes": CountModel(users=0.47, median=0.7, slope=0.9, spread=0.4, reference=1.0, cap=1.0),
}
# Reactions of the users without listens, as shares of their events (they like from the catalogue).
NON_LISTENER_SHARES = {"dislikes": 0.05, "undislikes_of_dislikes": 0.3, "unlikes_of_likes": 0.2}


@dataclass(frozen=True)
class YambdaDemoSize:
    """Size knobs of the demo data.

    ``items``: the catalogue (embeddings and mappings); the rarest items may get no event.
    ``events_per_user``: knots (quantile, events) of the quantile function of a user's multi_event rows,
    log-linear between knots. ``session_listens``: mean listens per listening session. An item's
    popularity is (rank + ``zipf_offset`` x items) ^ -``zipf_exponent`` over the popularity ranks.
    ``chunk_users`` / ``chunk_items``: users whose events, and items whose embeddings, are generated and
    written at once. ``max_users``: stop after the first that many users (checks of a large size on a
    prefix); None for all.
    """

    users: int
    items: int
    artists: int
    albums: int
    clusters: int
    events_per_user: tuple[tuple[float, float], ...]
    session_listens: float
    zipf_exponent: float
    zipf_offset: float
    chunk_users: int
    chunk_items: int
    max_users: int | None = None

    @classmethod
    def named(cls, name: str) -> "YambdaDemoSize":
        """``tiny`` (tests: 60 users, 300 items, about 16k events), ``default`` (the demo: 1,000 users,
        5,000 items, about 530k events) and ``50m`` (the real 50m marginals: 10,000 users, about 47.8M
        events over about 940,000 items of a 1.7M-item catalogue; see the module docstring)."""
        sizes = {
            "tiny": cls(users=60, items=300, artists=40, albums=90, clusters=6,
                        events_per_user=((0.0, 100.0), (0.5, 230.0), (1.0, 600.0)), session_listens=5.0,
                        zipf_exponent=1.0, zipf_offset=0.01, chunk_users=25, chunk_items=128),
            "default": cls(users=1_000, items=5_000, artists=400, albums=1_200, clusters=20,
                           events_per_user=((0.0, 30.0), (0.25, 170.0), (0.5, 340.0), (0.75, 620.0),
                                            (1.0, 2_400.0)),
                           session_listens=6.0, zipf_exponent=0.8, zipf_offset=0.002, chunk_users=250,
                           chunk_items=2_500),
            # Catalogue, Zipf exponent and offset set so that about 940,000 items get an event (the CSV's
            # 934,057), with 1 / 4 / 15 events per item at the quartiles (1 / 3 / 12) and about 50,000 at
            # most (42,960).
            "50m": cls(users=10_000, items=1_700_000, artists=210_000, albums=640_000, clusters=200,
                       events_per_user=((0.0, 11.0), (0.25, 687.0), (0.5, 2_653.5), (0.75, 6_856.5),
                                        (0.9, 12_100.0), (1.0, 27_699.0)),
                       session_listens=15.0, zipf_exponent=1.1, zipf_offset=0.0001, chunk_users=250,
                       chunk_items=50_000),
        }
        if name not in sizes:
            raise ValueError(f"unknown Yambda demo size {name!r}; choose one of {sorted(sizes)}")
        return sizes[name]

    @property
    def generated_users(self) -> int:
        """The users actually generated: all, or the first ``max_users``."""
        return self.users if self.max_users is None else min(self.users, self.max_users)


def _rng(seed: int, stream: int, chunk: int = 0) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream, chunk)))


def _nested(rng: np.random.Generator, parents: int, children: int, weights: np.ndarray) -> np.ndarray:
    """The parent of each child, sorted: one child per parent, the others dealt in proportion to ``weights``."""
    extra = rng.choice(parents, size=children - parents, p=weights / weights.sum())
    return np.sort(np.concatenate([np.arange(parents), extra]))


def _boundaries(sorted_parent: np.ndarray, parents: int) -> np.ndarray:
    """(parents + 1) offsets: the children of parent p are sorted_parent's positions [b[p], b[p + 1])."""
    return np.searchsorted(sorted_parent, np.arange(parents + 1))


def _draw_in_ranges(cumulative: np.ndarray, lo: np.ndarray, hi: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """An index in [lo, hi) per draw, in proportion to the weights whose running sum is ``cumulative``
    (length n + 1, starting at 0)."""
    target = cumulative[lo] + uniform * (cumulative[hi] - cumulative[lo])
    return np.clip(np.searchsorted(cumulative, target, side="right") - 1, lo, hi - 1)


def _sparse_ids(rng: np.random.Generator, n: int, mean_gap: int, first: int) -> np.ndarray:
    """n increasing uint32 ids from ``first`` with uniform gaps of mean ``mean_gap``."""
    return (first + np.cumsum(rng.integers(1, 2 * mean_gap, size=n)) - 1).astype(np.uint32)


@dataclass(frozen=True)
class Catalogue:
    """Items in internal order (by cluster, artist, album), with their ids, structure and popularity.

    ``cum_popularity`` is the running sum of the items' pick weights (length items + 1); ``cluster_items``,
    ``artist_items`` and ``cluster_artists`` are the offsets of each cluster's / artist's items and each
    cluster's artists; ``cum_artist_popularity`` the running sum of the artists' total weights.
    """

    item_ids: np.ndarray
    item_artist: np.ndarray
    item_album: np.ndarray
    item_cluster: np.ndarray
    item_length: np.ndarray
    cum_popularity: np.ndarray
    cluster_items: np.ndarray
    artist_items: np.ndarray
    cluster_artists: np.ndarray
    cum_artist_popularity: np.ndarray
    artist_ids: np.ndarray
    album_ids: np.ndarray
    centroids: np.ndarray
    artist_offsets: np.ndarray

    @property
    def cluster_weights(self) -> np.ndarray:
        return np.diff(self.cum_popularity[self.cluster_items])


def build_catalogue(size: YambdaDemoSize, seed: int) -> Catalogue:
    """Clusters, artists (each in one cluster), albums (each of one artist) and items (each on one album),
    log-normal popularity, track lengths, ids and the embedding parts."""
    rng = _rng(seed, STREAM_CATALOGUE)
    artist_cluster = _nested(rng, size.clusters, size.artists,
                             rng.dirichlet(np.full(size.clusters, CLUSTER_CONCENTRATION)))
    artist_popularity = rng.lognormal(0.0, ARTIST_POPULARITY_SIGMA, size.artists)
    album_artist = _nested(rng, size.artists, size.albums, np.sqrt(artist_popularity))
    item_album = _nested(rng, size.albums, size.items, rng.lognormal(0.0, ALBUM_SIZE_SIGMA, size.albums))
    item_artist = album_artist[item_album]
    order = artist_popularity[item_artist] * rng.lognormal(0.0, ITEM_POPULARITY_SIGMA, size.items)
    rank = np.empty(size.items)
    rank[np.argsort(-order, kind="stable")] = np.arange(1, size.items + 1)
    popularity = (rank + size.zipf_offset * size.items) ** -size.zipf_exponent
    cum_popularity = np.concatenate([[0.0], np.cumsum(popularity)])
    artist_items = _boundaries(item_artist, size.artists)
    median, sigma, shortest, longest = TRACK_SECONDS
    return Catalogue(
        item_ids=_sparse_ids(rng, size.items, ITEM_ID_GAP, first=1)[rng.permutation(size.items)],
        item_artist=item_artist, item_album=item_album, item_cluster=artist_cluster[item_artist],
        item_length=np.clip(np.rint(rng.lognormal(np.log(median), sigma, size.items)), shortest,
                            longest).astype(np.uint32),
        cum_popularity=cum_popularity,
        cluster_items=artist_items[_boundaries(artist_cluster, size.clusters)],
        artist_items=artist_items,
        cluster_artists=_boundaries(artist_cluster, size.clusters),
        cum_artist_popularity=cum_popularity[artist_items],
        artist_ids=(1 + rng.permutation(size.artists)).astype(np.uint32),
        album_ids=(1 + rng.permutation(size.albums)).astype(np.uint32),
        centroids=CENTROID_SCALE * rng.standard_normal((size.clusters, EMBEDDING_DIM), dtype=np.float32),
        artist_offsets=ARTIST_SCALE * rng.standard_normal((size.artists, EMBEDDING_DIM), dtype=np.float32),
    )


@dataclass(frozen=True)
class Users:
    """Per-user parameters (arrays over users, in uid order).

    ``slots``: the user's listens (for users without listens, hidden listening slots that only place their
    reactions); ``likes`` .. ``undislikes``: their reaction counts; ``taste``: their clusters, with weights
    moving from ``taste_start`` to ``taste_end``; ``favourites``: (users, clusters, artists) artist indices;
    ``window_end`` / ``window_days``: their active window, before the play time sets its minimum length.
    """

    uid: np.ndarray
    listener: np.ndarray
    slots: np.ndarray
    likes: np.ndarray
    dislikes: np.ndarray
    unlikes: np.ndarray
    undislikes: np.ndarray
    repeat_share: np.ndarray
    taste: np.ndarray
    taste_start: np.ndarray
    taste_end: np.ndarray
    favourites: np.ndarray
    window_end: np.ndarray
    window_days: np.ndarray

    def take(self, lo: int, hi: int) -> "Users":
        return Users(**{f.name: getattr(self, f.name)[lo:hi] for f in fields(self)})


def events_at_quantiles(size: YambdaDemoSize, quantiles: np.ndarray) -> np.ndarray:
    """multi_event rows of users at these quantiles: log-linear interpolation of ``size.events_per_user``."""
    knots, values = zip(*size.events_per_user)
    return np.rint(np.exp(np.interp(quantiles, knots, np.log(values)))).astype(np.int64)


def _reaction_counts(rng: np.random.Generator, events: np.ndarray, listener: np.ndarray) -> dict[str, np.ndarray]:
    """Each user's likes, dislikes, unlikes, undislikes and slots (listens, or hidden slots of users without
    listens): listeners by :data:`REACTION_COUNTS`, the others by :data:`NON_LISTENER_SHARES` of their
    events (all of which are reactions)."""
    likes = REACTION_COUNTS["likes"].draw(rng, events)
    dislikes = REACTION_COUNTS["dislikes"].draw(rng, events)
    unlikes = REACTION_COUNTS["unlikes"].draw(rng, likes)
    undislikes = REACTION_COUNTS["undislikes"].draw(rng, dislikes)
    other_dislikes = rng.binomial(events, NON_LISTENER_SHARES["dislikes"])
    other_undislikes = rng.binomial(other_dislikes, NON_LISTENER_SHARES["undislikes_of_dislikes"])
    other_rest = events - other_dislikes - other_undislikes
    other_unlikes = np.floor(NON_LISTENER_SHARES["unlikes_of_likes"] * other_rest).astype(np.int64)
    counts = {
        "likes": np.where(listener, likes, other_rest - other_unlikes),
        "dislikes": np.where(listener, dislikes, other_dislikes),
        "unlikes": np.where(listener, unlikes, other_unlikes),
        "undislikes": np.where(listener, undislikes, other_undislikes),
    }
    listens = events - sum(counts.values())
    return {**counts, "slots": np.where(listener, listens, events)}


def _tastes(rng: np.random.Generator, catalogue: Catalogue, n: int) -> np.ndarray:
    """(n, TASTE_CLUSTERS) distinct clusters per user, drawn in proportion to the clusters' popularity."""
    keys = np.log(catalogue.cluster_weights)[None, :] + rng.gumbel(size=(n, len(catalogue.cluster_weights)))
    return np.argsort(-keys, axis=1)[:, :TASTE_CLUSTERS]


def _favourites(rng: np.random.Generator, catalogue: Catalogue, taste: np.ndarray) -> np.ndarray:
    """(users, TASTE_CLUSTERS, FAVOURITE_ARTISTS) artists of each taste cluster, by artist popularity."""
    clusters = np.repeat(taste[..., None], FAVOURITE_ARTISTS, axis=2)
    return _draw_in_ranges(catalogue.cum_artist_popularity, catalogue.cluster_artists[clusters],
                           catalogue.cluster_artists[clusters + 1], rng.random(clusters.shape))


def build_users(size: YambdaDemoSize, seed: int, catalogue: Catalogue) -> Users:
    """Every user's parameters (all ``size.users``, whatever ``max_users``, so a prefix is the same users)."""
    rng = _rng(seed, STREAM_USERS)
    n = size.users
    quantiles = np.mod(rng.random() + np.arange(n) * GOLDEN_STEP, 1.0)
    listener = ~((quantiles < NON_LISTENER_QUANTILE) & (rng.random(n) < NON_LISTENER_SHARE / NON_LISTENER_QUANTILE))
    counts = _reaction_counts(rng, events_at_quantiles(size, quantiles), listener)
    taste = _tastes(rng, catalogue, n)
    churn = rng.random(n) < CHURN_SHARE
    return Users(
        uid=_sparse_ids(rng, n, UID_GAP, first=100),
        listener=listener,
        **counts,
        repeat_share=np.where(listener, rng.beta(*REPEAT_BETA, n), 0.0),
        taste=taste,
        taste_start=rng.dirichlet(np.ones(TASTE_CLUSTERS), n),
        taste_end=rng.dirichlet(np.ones(TASTE_CLUSTERS), n),
        favourites=_favourites(rng, catalogue, taste),
        window_end=np.where(churn, rng.uniform(*CHURN_END, n) * SPAN_END, SPAN_END - 1.0),
        window_days=rng.uniform(*WINDOW_DAYS, n),
    )


@dataclass
class Slots:
    """The listening slots of one chunk of users, in user and time order (global over the chunk)."""

    user: np.ndarray  # the chunk-local user of each slot
    first: np.ndarray  # the index of the user's first slot
    last: np.ndarray  # the index of the user's last slot
    position: np.ndarray  # the slot's position in its user's history
    tau: np.ndarray  # its position as a share of the user's history (0..1), the clock of taste drift
    session: np.ndarray  # the index of its listening session over the chunk

    @classmethod
    def of(cls, rng: np.random.Generator, users: Users, session_listens: float) -> "Slots":
        user = np.repeat(np.arange(len(users.slots)), users.slots)
        starts = np.cumsum(users.slots) - users.slots
        position = np.arange(len(user)) - starts[user]
        new_session = (position == 0) | (rng.random(len(user)) < 1.0 / session_listens)
        return cls(user=user, first=starts[user], last=(starts + users.slots - 1)[user], position=position,
                   tau=(position + 0.5) / users.slots[user], session=np.cumsum(new_session) - 1)


def _taste_weights(users: Users, slots: Slots) -> np.ndarray:
    """(slots, TASTE_CLUSTERS) the user's cluster weights at each slot (linear drift)."""
    tau = slots.tau[:, None]
    return (1.0 - tau) * users.taste_start[slots.user] + tau * users.taste_end[slots.user]


def _discoveries(rng: np.random.Generator, catalogue: Catalogue, users: Users, slots: Slots,
                 weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(item, favourite, off_taste) of a fresh pick at every slot: a taste cluster by the current weights,
    mostly one per session (SESSION_COHERENCE), or, for OFF_TASTE_SHARE of the picks, any cluster by
    popularity; then an item of a favourite artist of it (FAVOURITE_SHARE) or of the cluster, by popularity."""
    n = len(slots.user)
    session_draw = rng.random(slots.session[-1] + 1)[slots.session]
    draw = np.where(rng.random(n) < SESSION_COHERENCE, session_draw, rng.random(n))
    which = (draw[:, None] > np.cumsum(weights, axis=1)[:, :-1]).sum(axis=1)
    off_taste = rng.random(n) < OFF_TASTE_SHARE
    cluster_cum = catalogue.cum_popularity[catalogue.cluster_items]
    random_cluster = np.clip(np.searchsorted(cluster_cum, rng.random(n) * cluster_cum[-1], side="right") - 1,
                             0, len(cluster_cum) - 2)
    cluster = np.where(off_taste, random_cluster, users.taste[slots.user, which])
    favourite = ~off_taste & (rng.random(n) < FAVOURITE_SHARE)
    artist = users.favourites[slots.user, which, rng.integers(0, FAVOURITE_ARTISTS, n)]
    lo = np.where(favourite, catalogue.artist_items[artist], catalogue.cluster_items[cluster])
    hi = np.where(favourite, catalogue.artist_items[artist + 1], catalogue.cluster_items[cluster + 1])
    return _draw_in_ranges(catalogue.cum_popularity, lo, hi, rng.random(n)), favourite, off_taste


def _affinity(users: Users, slots: Slots, weights: np.ndarray, cluster: np.ndarray,
              favourite: np.ndarray) -> np.ndarray:
    """The item's cluster weight in the user's current taste (0 outside it), plus a favourite-artist bonus."""
    in_cluster = users.taste[slots.user] == cluster[:, None]
    return (weights * in_cluster).sum(axis=1) + FAVOURITE_AFFINITY * favourite


@dataclass
class PlayDraws:
    """The random numbers of each slot's playing, drawn once (a replay reuses them with its own inputs)."""

    complete: np.ndarray
    skip_organic: np.ndarray
    skip_recommended: np.ndarray
    organic: np.ndarray

    @classmethod
    def draw(cls, rng: np.random.Generator, n: int) -> "PlayDraws":
        return cls(complete=rng.random(n), skip_organic=rng.beta(*SKIP_BETA[True], n),
                   skip_recommended=rng.beta(*SKIP_BETA[False], n), organic=rng.random(n))


def _organic(draws: PlayDraws, replay: np.ndarray, favourite: np.ndarray, off_taste: np.ndarray) -> np.ndarray:
    p = np.select([replay, favourite, off_taste],
                  [ORGANIC_P["replay"], ORGANIC_P["favourite"], ORGANIC_P["off_taste"]], ORGANIC_P["in_taste"])
    return draws.organic < p


def _played_ratio(draws: PlayDraws, affinity: np.ndarray, organic: np.ndarray, replay: np.ndarray) -> np.ndarray:
    """played_ratio_pct: 100 for a listen played to the end (logit :data:`COMPLETE_LOGIT`), else the played
    share of a skip (:data:`SKIP_BETA`, earlier for recommended listens)."""
    logit = (COMPLETE_LOGIT["base"] + COMPLETE_LOGIT["affinity"] * affinity
             + COMPLETE_LOGIT["organic"] * organic + COMPLETE_LOGIT["replay"] * replay)
    complete = draws.complete < 1.0 / (1.0 + np.exp(-logit))
    skipped = np.floor(100.0 * np.where(organic, draws.skip_organic, draws.skip_recommended))
    return np.where(complete, 100, skipped).astype(np.uint16)


def _replay_sources(rng: np.random.Generator, slots: Slots, replay_draw: np.ndarray,
                    kept: np.ndarray) -> np.ndarray:
    """For each slot drawn as a replay, the earlier kept slot of the same user that it replays (a recent
    one for RECENT_REPLAY_SHARE of them, else any, uniformly); -1 where there is none (and elsewhere)."""
    n = len(slots.user)
    kept_before = np.cumsum(kept) - kept
    earlier = kept_before - kept_before[slots.first]
    recent = rng.random(n) < RECENT_REPLAY_SHARE
    lag = np.where(recent, np.floor(rng.exponential(RECENT_REPLAY_LAG, n)), np.floor(rng.random(n) * earlier))
    choice = np.clip(earlier - 1 - lag, 0, None).astype(np.int64)
    kept_slots = np.flatnonzero(kept)
    if not len(kept_slots):
        return np.full(n, -1)
    valid = replay_draw & (earlier > 0)
    return np.where(valid, kept_slots[np.minimum(kept_before[slots.first] + choice, len(kept_slots) - 1)], -1)


@dataclass
class Listening:
    """What happens at each slot of a chunk: item, organic context, played ratio and affinity."""

    item: np.ndarray
    organic: np.ndarray
    played_ratio: np.ndarray
    affinity: np.ndarray


def _listening(rng: np.random.Generator, catalogue: Catalogue, users: Users, slots: Slots) -> Listening:
    """Fresh picks everywhere, then the slots drawn as replays (if the user has kept an earlier listen)
    take the item of an earlier kept slot and play with the replay's inputs."""
    weights = _taste_weights(users, slots)
    item, favourite, off_taste = _discoveries(rng, catalogue, users, slots, weights)
    draws = PlayDraws.draw(rng, len(item))
    replay_draw = (slots.position > 0) & (rng.random(len(item)) < users.repeat_share[slots.user])
    no_replay = np.zeros(len(item), dtype=bool)
    affinity = _affinity(users, slots, weights, catalogue.item_cluster[item], favourite)
    organic = _organic(draws, no_replay, favourite, off_taste)
    played = _played_ratio(draws, affinity, organic, no_replay)
    source = _replay_sources(rng, slots, replay_draw, ~replay_draw & (played >= KEPT_RATIO))
    replay = source >= 0
    item = np.where(replay, item[np.maximum(source, 0)], item)
    favourite = np.where(replay, favourite[np.maximum(source, 0)], favourite)
    affinity = _affinity(users, slots, weights, catalogue.item_cluster[item], favourite)
    organic = _organic(draws, replay, favourite, off_taste)
    return Listening(item=item, organic=organic, played_ratio=_played_ratio(draws, affinity, organic, replay),
                     affinity=affinity)


def _cumsum_within(values: np.ndarray, group_first: np.ndarray) -> np.ndarray:
    """Inclusive running sum of ``values`` restarting at each group (``group_first``: each element's
    group's first index)."""
    total = np.cumsum(values)
    return total - (total[group_first] - values[group_first])


def _slot_times(rng: np.random.Generator, users: Users, slots: Slots, played_seconds: np.ndarray) -> np.ndarray:
    """Start time (float seconds) of each slot: the listens of a session run back to back, and the user's
    sessions spread over their active window with exponential gaps."""
    n_users = len(users.slots)
    duration = played_seconds + rng.integers(0, MAX_PAUSE, len(played_seconds))
    session = slots.session
    session_first_slot = np.flatnonzero(np.diff(session, prepend=-1))
    session_user = slots.user[session_first_slot]
    session_duration = np.bincount(session, duration)
    play_time = np.bincount(slots.user, duration, minlength=n_users)
    window_end = np.minimum(np.maximum(users.window_end, WINDOW_SLACK * play_time), SPAN_END - 1.0)
    start = np.maximum(window_end - np.maximum(users.window_days * DAY, WINDOW_SLACK * play_time), 0.0)
    free = np.maximum(window_end - start - play_time, 0.0)
    gaps = rng.exponential(size=len(session_user))
    scale = free / (np.bincount(session_user, gaps, minlength=n_users) + rng.exponential(size=n_users))
    user_first_session = session[slots.first[session_first_slot]]
    gap_sums = _cumsum_within(gaps * scale[session_user], user_first_session)
    played_before = _cumsum_within(session_duration, user_first_session) - session_duration
    session_start = start[session_user] + gap_sums + played_before
    return session_start[session] + _cumsum_within(duration, session_first_slot[session]) - duration


def _pick_per_user(user: np.ndarray, item: np.ndarray, key: np.ndarray, count: np.ndarray,
                   candidate: np.ndarray) -> np.ndarray:
    """Sorted indices of at most ``count[u]`` candidates of each user u with the largest keys, one per
    (user, item) (Gumbel top-k: sampling in proportion to exp(key) without replacement)."""
    index = np.flatnonzero(candidate)
    index = index[np.lexsort((-key[index], item[index], user[index]))]
    first_of_pair = np.ones(len(index), dtype=bool)
    first_of_pair[1:] = (user[index][1:] != user[index][:-1]) | (item[index][1:] != item[index][:-1])
    index = index[first_of_pair]
    index = index[np.lexsort((-key[index], user[index]))]
    group_start = np.searchsorted(user[index], user[index], side="left")
    rank = np.arange(len(index)) - group_start
    return np.sort(index[rank < count[user[index]]])


def _later_slot(rng: np.random.Generator, slots: Slots, users: Users, slot: np.ndarray) -> np.ndarray:
    """A later slot of the same user (the last one at most) for each slot: an unlike / undislike's time."""
    lag = 1 + np.floor(rng.exponential(UNDO_LAG_SHARE * users.slots[slots.user[slot]]))
    return np.minimum(slot + lag.astype(np.int64), slots.last[slot])


@dataclass
class Rows:
    """Event rows of one chunk in file order; ``slot`` and ``kind`` (0 listen, 1 during it, 2 at its end)
    fix that order."""

    user: np.ndarray
    timestamp: np.ndarray
    item: np.ndarray
    organic: np.ndarray
    played_ratio: np.ndarray
    track_length: np.ndarray
    event_type: np.ndarray

    @classmethod
    def ordered(cls, parts: list[dict[str, np.ndarray]]) -> "Rows":
        columns = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
        order = np.lexsort((columns["event_type"], columns["kind"], columns["slot"]))
        return cls(**{f.name: columns[f.name][order] for f in fields(cls)})


def _reactions(rng: np.random.Generator, users: Users, slots: Slots, listening: Listening,
               n_items: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per reaction type, (slots, items): likes on distinct items by exp(LIKE_KEY), dislikes on other
    items by exp(DISLIKE_KEY); unlikes of some liked items and undislikes of some disliked ones, placed at
    a later slot."""
    n = len(slots.user)
    all_slots = np.ones(n, dtype=bool)
    ratio = listening.played_ratio / 100.0

    def key(weights):
        return weights["ratio"] * ratio + weights["affinity"] * listening.affinity + rng.gumbel(size=n)

    likes = _pick_per_user(slots.user, listening.item, key(LIKE_KEY), users.likes, all_slots)
    pair = slots.user.astype(np.int64) * n_items + listening.item
    dislikes = _pick_per_user(slots.user, listening.item, key(DISLIKE_KEY), users.dislikes,
                              ~np.isin(pair, pair[likes]))

    def undone(done: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        chosen = done[_pick_per_user(slots.user[done], listening.item[done], rng.random(len(done)), count,
                                     np.ones(len(done), dtype=bool))]
        return _later_slot(rng, slots, users, chosen), listening.item[chosen]

    return {LIKE: (likes, listening.item[likes]), DISLIKE: (dislikes, listening.item[dislikes]),
            UNLIKE: undone(likes, users.unlikes), UNDISLIKE: undone(dislikes, users.undislikes)}


def chunk_rows(catalogue: Catalogue, users: Users, rng: np.random.Generator, session_listens: float) -> Rows:
    """Every event of one chunk of users, in file order (uid, then time)."""
    slots = Slots.of(rng, users, session_listens)
    listening = _listening(rng, catalogue, users, slots)
    played_seconds = catalogue.item_length[listening.item] * (listening.played_ratio / 100.0)
    start = _slot_times(rng, users, slots, played_seconds)
    end = start + played_seconds
    moment = {LIKE: start + rng.random(len(start)) * played_seconds, DISLIKE: end, UNLIKE: end, UNDISLIKE: end}
    listens = np.flatnonzero(users.listener[slots.user])
    parts = [_part(slots, listens, LISTEN, 0, start, listening.item[listens], listening,
                   listening.played_ratio[listens], catalogue.item_length[listening.item[listens]])]
    for event_type, (slot, item) in _reactions(rng, users, slots, listening, len(catalogue.item_ids)).items():
        kind = 1 if event_type in (LIKE, DISLIKE) else 2
        parts.append(_part(slots, slot, event_type, kind, moment[event_type], item, listening))
    return Rows.ordered(parts)


def _part(slots: Slots, slot: np.ndarray, event_type: int, kind: int, moment: np.ndarray, item: np.ndarray,
          listening: Listening, played_ratio: np.ndarray | None = None,
          track_length: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Rows of one event type at these slots: the time binned to TIME_STEP, the slot's organic context."""
    n = len(slot)
    return {"slot": slot, "kind": np.full(n, kind, dtype=np.int8), "event_type": np.full(n, event_type, np.int8),
            "user": slots.user[slot], "item": item,
            "timestamp": (np.floor(moment[slot] / TIME_STEP) * TIME_STEP).astype(np.uint32),
            "organic": listening.organic[slot].astype(np.uint8),
            "played_ratio": played_ratio if played_ratio is not None else np.zeros(n, np.uint16),
            "track_length": track_length if track_length is not None else np.zeros(n, np.uint32)}


def _event_tables(rows: Rows, catalogue: Catalogue, users: Users, names) -> Iterator[tuple[str, pa.Table]]:
    """The arrow tables of the requested event outputs for one chunk's rows."""
    uid = users.uid[rows.user]
    item_id = catalogue.item_ids[rows.item]
    listen = rows.event_type == LISTEN
    for name in names:
        if name == "multi_event":
            event_type = pa.DictionaryArray.from_arrays(pa.array(rows.event_type), pa.array(EVENT_TYPES))
            columns = [uid, rows.timestamp, item_id, rows.organic, pa.array(rows.played_ratio, mask=~listen),
                       pa.array(rows.track_length, mask=~listen), event_type.cast(pa.string())]
        else:
            keep = rows.event_type == EVENT_TYPES.index(EVENT_TABLES[name])
            columns = [uid[keep], rows.timestamp[keep], item_id[keep], rows.organic[keep]]
            if name == "listens":
                columns += [rows.played_ratio[keep], rows.track_length[keep]]
        yield name, pa.Table.from_arrays([c if isinstance(c, pa.Array) else pa.array(c) for c in columns],
                                         schema=SCHEMAS[name])


def _embedding_tables(size: YambdaDemoSize, seed: int, catalogue: Catalogue) -> Iterator[pa.Table]:
    """embeddings.parquet in item_id order, ``chunk_items`` items at a time: centroid + artist offset +
    noise (float32), and the same in float64 scaled to unit L2 norm."""
    by_id = np.argsort(catalogue.item_ids, kind="stable")
    for chunk, lo in enumerate(range(0, size.items, size.chunk_items)):
        items = by_id[lo:lo + size.chunk_items]
        rng = _rng(seed, STREAM_EMBEDDINGS, chunk)
        embed = (catalogue.centroids[catalogue.item_cluster[items]]
                 + catalogue.artist_offsets[catalogue.item_artist[items]]
                 + NOISE_SCALE * rng.standard_normal((len(items), EMBEDDING_DIM), dtype=np.float32))
        normalized = embed.astype(np.float64)
        normalized /= np.linalg.norm(normalized, axis=1, keepdims=True)
        offsets = pa.array(np.arange(0, (len(items) + 1) * EMBEDDING_DIM, EMBEDDING_DIM, dtype=np.int32))
        log.info("yambda demo: embeddings of items %d-%d of %d", lo, lo + len(items) - 1, size.items)
        yield pa.Table.from_arrays(
            [pa.array(catalogue.item_ids[items]), pa.ListArray.from_arrays(offsets, pa.array(embed.ravel())),
             pa.ListArray.from_arrays(offsets, pa.array(normalized.ravel()))], schema=SCHEMAS["embeddings"])


def _mapping_table(name: str, catalogue: Catalogue) -> pa.Table:
    """An item mapping sorted by (artist or album id, item_id), as the real files."""
    owner_ids = (catalogue.artist_ids[catalogue.item_artist] if name == "artist_item_mapping"
                 else catalogue.album_ids[catalogue.item_album])
    order = np.lexsort((catalogue.item_ids, owner_ids))
    return pa.Table.from_arrays([pa.array(owner_ids[order]), pa.array(catalogue.item_ids[order])],
                                schema=SCHEMAS[name])


def _tables(size: YambdaDemoSize, seed: int, names) -> Iterator[tuple[str, pa.Table]]:
    """(table name, a chunk of its rows) for every requested table, each table's chunks in file order."""
    catalogue = build_catalogue(size, seed)
    event_names = [name for name in EVENT_OUTPUTS if name in names]
    if event_names:
        users = build_users(size, seed, catalogue)
        total = size.generated_users
        for chunk, lo in enumerate(range(0, total, size.chunk_users)):
            hi = min(lo + size.chunk_users, total)
            chunk_users = users.take(lo, hi)
            rows = chunk_rows(catalogue, chunk_users, _rng(seed, STREAM_EVENTS, chunk), size.session_listens)
            log.info("yambda demo: users %d-%d of %d: %d events", lo, hi - 1, total, len(rows.user))
            yield from _event_tables(rows, catalogue, chunk_users, event_names)
    if "embeddings" in names:
        for table in _embedding_tables(size, seed, catalogue):
            yield "embeddings", table
    for name in ("artist_item_mapping", "album_item_mapping"):
        if name in names:
            yield name, _mapping_table(name, catalogue)


def write(size: YambdaDemoSize, seed: int, outputs: dict[str, str]) -> dict:
    """Generate and write each table of ``outputs`` (table name -> parquet path), one chunk at a time,
    each file atomically (a temporary file in its folder, renamed at the end). Returns the rows per table
    and the numbers of users and items."""
    unknown = sorted(set(outputs) - set(TABLES))
    if unknown:
        raise ValueError(f"unknown Yambda demo table(s) {unknown}; choose among {list(TABLES)}")
    rows = dict.fromkeys(outputs, 0)
    with ExitStack() as stack:
        writers = {name: stack.enter_context(pq.ParquetWriter(stack.enter_context(atomic_path(path)),
                                                              SCHEMAS[name]))
                   for name, path in outputs.items()}
        for name, table in _tables(size, seed, list(outputs)):
            writers[name].write_table(table)
            rows[name] += table.num_rows
    summary = {"rows": rows, "users": size.generated_users, "items": size.items}
    log.info("yambda demo: wrote %s", summary)
    return summary


def generate(size: YambdaDemoSize, seed: int) -> dict[str, pl.DataFrame]:
    """Every table in memory (small sizes): the same data as :func:`write` writes."""
    chunks: dict[str, list[pa.Table]] = {name: [] for name in TABLES}
    for name, table in _tables(size, seed, TABLES):
        chunks[name].append(table)
    return {name: pl.from_arrow(pa.concat_tables(tables)) for name, tables in chunks.items()}


# Artist demographics of the demo data (rule yambda_demo_demographics), derived after the fact from the
# generated artist_item_mapping and events with a random stream of their own, so that the generator's files
# (and everything built from them) stay as they are.
STREAM_DEMOGRAPHICS = 4


def artist_demographics(mapping: pl.DataFrame, item_events: pl.DataFrame, seed: int) -> pl.DataFrame:
    """artist_id, gender (male, female, mixed, unknown) of every artist of ``mapping`` (artist_id, item_id),
    with the artist-gender popularity bias the KKBox and Last.fm generators plant.

    There, an artist's popularity is a log-normal draw times ``GENDER_POPULARITY[gender]`` (female 0.45,
    mixed 0.7, unknown 0.8, male 1), with genders drawn by ``ARTIST_GENDER_P``. Here the popularity is
    given, x = log(1 + the artist's events) (``item_events``: item_id, events), and read as
    x = mu + log m_g + sigma z: each artist's gender is drawn from the posterior
    P(g | x) ∝ p_g exp(-(x - mu - log m_g)^2 / (2 sigma^2)), mu and sigma^2 being the mean and variance of x
    less those of log m_g under p (sigma^2 at least 1e-6). Artists in artist_id order, one uniform draw each
    from ``SeedSequence(seed, spawn_key=(STREAM_DEMOGRAPHICS, 0))``: the same inputs give the same table.
    """
    artists = (
        mapping.select("artist_id", "item_id").join(item_events.select("item_id", "events"), on="item_id", how="left")
        .group_by("artist_id").agg(pl.col("events").fill_null(0).sum()).sort("artist_id")
    )
    x = np.log1p(artists["events"].to_numpy().astype(np.float64))
    prior = np.asarray(ARTIST_GENDER_P, dtype=np.float64)
    log_m = np.log([GENDER_POPULARITY[g] for g in ARTIST_GENDERS])
    mean_m = float(prior @ log_m)
    var_m = float(prior @ (log_m - mean_m) ** 2)
    mu, sigma2 = x.mean() - mean_m, max(x.var() - var_m, 1e-6)
    log_posterior = np.log(prior)[None, :] - (x[:, None] - mu - log_m[None, :]) ** 2 / (2 * sigma2)
    posterior = np.exp(log_posterior - log_posterior.max(axis=1, keepdims=True))
    cumulative = np.cumsum(posterior / posterior.sum(axis=1, keepdims=True), axis=1)
    draw = _rng(seed, STREAM_DEMOGRAPHICS).random(len(x))
    choice = np.minimum((cumulative < draw[:, None]).sum(axis=1), len(ARTIST_GENDERS) - 1)
    return pl.DataFrame({"artist_id": artists["artist_id"], "gender": np.asarray(ARTIST_GENDERS)[choice]})


def write_artist_demographics(mapping_path, events_path, seed: int, out_path) -> pl.DataFrame:
    """Rule yambda_demo_demographics: ``artist_demographics`` of the demo's artist_item_mapping.parquet and
    multi_event.parquet (events per item, one streaming pass), written as CSV (artist_id, gender)."""
    mapping = pl.read_parquet(mapping_path, columns=["artist_id", "item_id"])
    item_events = (pl.scan_parquet(events_path).group_by("item_id").agg(pl.len().alias("events"))
                   .collect(engine="streaming"))
    table = artist_demographics(mapping, item_events, seed)
    write_csv(table, out_path)
    log.info("yambda demo: genders of %d artists %s", table.height,
             dict(table.group_by("gender").len().sort("gender").iter_rows()))
    return table
