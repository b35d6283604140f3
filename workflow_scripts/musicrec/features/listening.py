"""Candidate features of the listening datasets (Yambda, Yandex Music) for the re-rankers: the popularity of
the candidate track and of its artist, album or genre (training users, weight, plain and time-decayed
listens), the user's affinity to each of them, the user's activity and, where the catalogue has audio
embeddings, the candidate's audio similarity to the user's recent and overall listening.

Every function reads one split's training tables, so the validation split (that a re-ranker learns on) and
the test split (that it re-ranks) each get the features of their own training window:

* ``train``: user_id, item_id, weight (one row per training pair);
* ``sequences``: user_id, item_id, timestamp (seconds), position (each user's training listens in time order);
* ``items``: item_id and the entity columns (e.g. artist_id, album_id, genre_id; null where unknown).

Time decay is DecayPop's (Ploshkin et al., "Yambda-5B", 2025): a listen at time t counts
0.5 ** ((t_end - t) / h), t_end the latest timestamp of the split's sequences and h the half-life; ages are
days before t_end.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import scipy.sparse as sp

from ..models.recent_embedding import unit_embeddings, unit_rows

TRACK = "item_id"
DAY = 86_400
ID_COLUMNS = ("user_id", "item_id")
COSINE_CHUNK = 1 << 18


def latest_timestamp(sequences: pl.DataFrame) -> int:
    """t_end: the latest timestamp of the split's training listens (0 for none)."""
    return int(sequences["timestamp"].max() or 0)


def decayed(t_end: int, half_life_days: float) -> pl.Expr:
    """Per listen, 0.5 ** ((t_end - timestamp) / (half_life_days days))."""
    age = (pl.lit(t_end, pl.Int64) - pl.col("timestamp").cast(pl.Int64)).cast(pl.Float64)
    return pl.lit(0.5, pl.Float64).pow(age / (half_life_days * DAY))


def _age_days(t_end: int) -> pl.Expr:
    return (pl.lit(t_end, pl.Int64) - pl.col("timestamp").max().cast(pl.Int64)) / DAY


def _keyed(frame: pl.DataFrame, items: pl.DataFrame, entity: str) -> pl.DataFrame:
    """``frame`` (with item_id) with the item's ``entity`` column; rows whose entity is unknown dropped."""
    if entity == TRACK:
        return frame
    return frame.join(items.select("item_id", entity), on="item_id", how="inner").filter(
        pl.col(entity).is_not_null())


def entity_popularity(train: pl.DataFrame, sequences: pl.DataFrame, items: pl.DataFrame, entity: str, name: str,
                      t_end: int, half_life_days: float) -> pl.DataFrame:
    """Per value of ``entity`` (item_id for the track itself): ``{name}_users`` (training users),
    ``{name}_weight`` (their summed training weight), ``{name}_listens`` and ``{name}_decayed`` (plain and
    time-decayed listen counts of the sequences)."""
    pairs = _keyed(train, items, entity).group_by(entity).agg(
        pl.col("user_id").n_unique().cast(pl.Int64).alias(f"{name}_users"),
        pl.col("weight").cast(pl.Float64).sum().alias(f"{name}_weight"))
    listens = _keyed(sequences, items, entity).group_by(entity).agg(
        pl.len().cast(pl.Int64).alias(f"{name}_listens"), decayed(t_end, half_life_days).sum().alias(f"{name}_decayed"))
    return pairs.join(listens, on=entity, how="full", coalesce=True)


def user_entity_affinity(train: pl.DataFrame, sequences: pl.DataFrame, items: pl.DataFrame, entity: str,
                         name: str, t_end: int, half_life_days: float) -> pl.DataFrame:
    """Per (user_id, value of ``entity``) that the user has in train: ``user_{name}_share`` (the share of the
    user's training weight on it), ``user_{name}_listens`` and ``user_{name}_decayed`` (the user's plain and
    time-decayed listens of it) and ``user_{name}_age_days`` (days since the user's last listen of it)."""
    totals = train.group_by("user_id").agg(pl.col("weight").cast(pl.Float64).sum().alias("__total"))
    shares = (_keyed(train, items, entity).group_by("user_id", entity)
              .agg(pl.col("weight").cast(pl.Float64).sum().alias("__weight"))
              .join(totals, on="user_id")
              .select("user_id", entity, (pl.col("__weight") / pl.col("__total")).alias(f"user_{name}_share")))
    listens = _keyed(sequences, items, entity).group_by("user_id", entity).agg(
        pl.len().cast(pl.Int64).alias(f"user_{name}_listens"),
        decayed(t_end, half_life_days).sum().alias(f"user_{name}_decayed"),
        _age_days(t_end).alias(f"user_{name}_age_days"))
    return shares.join(listens, on=["user_id", entity], how="full", coalesce=True)


def user_activity(train: pl.DataFrame, sequences: pl.DataFrame, t_end: int) -> pl.DataFrame:
    """Per user: ``user_pairs`` (training pairs), ``user_weight`` (summed training weight), ``user_listens``
    (sequence entries) and ``user_age_days`` (days since the user's last listen)."""
    pairs = train.group_by("user_id").agg(pl.len().cast(pl.Int64).alias("user_pairs"),
                                          pl.col("weight").cast(pl.Float64).sum().alias("user_weight"))
    listens = sequences.group_by("user_id").agg(pl.len().cast(pl.Int64).alias("user_listens"),
                                                _age_days(t_end).alias("user_age_days"))
    return pairs.join(listens, on="user_id", how="full", coalesce=True)


def audio_similarity(candidates: pl.DataFrame, items: pl.DataFrame, train: pl.DataFrame, sequences: pl.DataFrame,
                     recent: int, prefix: str) -> pl.DataFrame:
    """Per candidate pair (user_id, item_id): ``audio_recent_cosine``, the cosine of the candidate's unit
    embedding (the ``items`` columns starting with ``prefix``) to the mean unit embedding of the user's
    ``recent`` latest listens (as in the content baseline), and ``audio_profile_cosine``, to the mean weighted
    by the user's training weights. Null where the track has no embedding or the user no listened track with one.
    """
    embeddings, has_embedding = unit_embeddings(items, prefix, "item features")
    rows = items.select("item_id").with_row_index("__item")
    users = candidates.select("user_id").unique().sort("user_id").with_row_index("__user")

    def profile(pairs: pl.DataFrame, weight: pl.Expr) -> tuple[np.ndarray, np.ndarray]:
        keyed = pairs.join(users, on="user_id").join(rows, on="item_id").select(
            "__user", "__item", weight.cast(pl.Float32).alias("__w"))
        counts = sp.csr_matrix((keyed["__w"].to_numpy(), (keyed["__user"].to_numpy(), keyed["__item"].to_numpy())),
                               shape=(users.height, items.height))
        return unit_rows(np.asarray(counts @ embeddings))

    latest = sequences.filter(pl.col("position").rank("ordinal", descending=True).over("user_id") <= recent)
    profiles = {"audio_recent_cosine": profile(latest, pl.lit(1.0)),
                "audio_profile_cosine": profile(train, pl.col("weight"))}
    keys = candidates.select(*ID_COLUMNS).join(users, on="user_id").join(rows, on="item_id", how="left")
    user_rows = keys["__user"].to_numpy().astype(np.int64)
    known = keys["__item"].is_not_null().to_numpy()
    item_rows = keys["__item"].fill_null(0).to_numpy().astype(np.int64)
    known &= has_embedding[item_rows]
    out = keys.select(*ID_COLUMNS)
    for column, (vectors, has_vector) in profiles.items():
        cosine = np.empty(len(keys))
        for start in range(0, len(keys), COSINE_CHUNK):
            part = slice(start, start + COSINE_CHUNK)
            cosine[part] = np.einsum("ij,ij->i", vectors[user_rows[part]], embeddings[item_rows[part]])
        valid = known & has_vector[user_rows]
        out = out.with_columns(pl.Series(column, np.where(valid, cosine, np.nan)).fill_nan(None))
    return out


def listening_features(candidates: pl.DataFrame, train: pl.DataFrame, sequences: pl.DataFrame, items: pl.DataFrame,
                       entities: dict[str, str], half_life_days: float, audio_recent: int | None = None,
                       embedding_prefix: str = "embed_") -> pl.DataFrame:
    """``candidates`` (user_id, item_id, the generators' columns) with, per entity of ``entities`` (column ->
    feature name, e.g. {"item_id": "track", "artist_id": "artist"}), its :func:`entity_popularity` and the
    user's :func:`user_entity_affinity`, the :func:`user_activity` and, when ``audio_recent`` is given, the
    :func:`audio_similarity` of the ``embedding_prefix`` columns over the user's ``audio_recent`` latest
    listens. Counts and shares are 0 where the user (or anyone) has no listen of a known entity; every value
    that stays missing (an unknown entity, no listen to date an age, no embedding) becomes -1, as on Last.fm.
    The entity id columns are not features and are dropped. Sorted by user, item."""
    t_end = latest_timestamp(sequences)
    columns = [entity for entity in entities if entity != TRACK]
    frame = candidates.join(items.select("item_id", *columns), on="item_id", how="left")
    users = candidates.select("user_id").unique()
    their_train = train.join(users, on="user_id", how="semi")
    their_listens = sequences.join(users, on="user_id", how="semi")
    counts = []
    for entity, name in entities.items():
        popularity = entity_popularity(train, sequences, items, entity, name, t_end, half_life_days)
        affinity = user_entity_affinity(their_train, their_listens, items, entity, name, t_end, half_life_days)
        frame = frame.join(popularity, on=entity, how="left").join(affinity, on=["user_id", entity], how="left")
        known = pl.col(entity).is_not_null()
        counts += [pl.when(known).then(pl.col(c).fill_null(0)).alias(c)
                   for c in (*popularity.columns, *affinity.columns)
                   if c not in ("user_id", entity) and not c.endswith("_age_days")]
    frame = frame.with_columns(counts).join(user_activity(their_train, their_listens, t_end), on="user_id",
                                            how="left")
    if audio_recent is not None:
        frame = frame.join(audio_similarity(candidates, items, their_train, their_listens, audio_recent,
                                            embedding_prefix), on=list(ID_COLUMNS), how="left")
    return (frame.drop(columns)
            .with_columns(pl.selectors.float().fill_nan(None))
            .with_columns(pl.all().exclude(ID_COLUMNS).fill_null(-1.0))
            .sort(ID_COLUMNS))
