"""Artist and user features of the Last.fm stage: name normalisation, the Spotify join and its coverage,
audio profiles, tag features and interaction statistics.

Interaction statistics are functions of an interactions table (user_id, item_id, weight), so each split
(test, and the validation split carved from train that re-rankers learn on) gets its own, computed from
its own training pairs; the candidate features of the re-rankers are built the same way.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import polars as pl

from ..datasets.lastfm import interactions
from ..datasets.spotify import AUDIO_FEATURES

log = logging.getLogger(__name__)

AUDIO_PROFILE = tuple(f"audio_{name}" for name in AUDIO_FEATURES + ("track_popularity",))
TOP_TAGS = 20


def normalise_name(name: pl.Expr) -> pl.Expr:
    """Artist name key for joining across catalogues.

    Lower case; accents stripped (NFKD, combining marks dropped); featured artists cut
    ("X feat. Y", "X ft. Y", "X featuring Y", "X (with Y)"); '&' and '+' read as 'and'; a leading
    'the ' dropped; punctuation removed (so "AC/DC" -> "acdc", "Guns N' Roses" -> "guns n roses");
    whitespace collapsed.
    """
    return (
        name.str.to_lowercase()
        .str.normalize("NFKD")
        .str.replace_all(r"\p{Mn}", "")
        .str.replace(r"\s*[\(\[]\s*(feat\.?|ft\.?|featuring|with)\s.*$", "")
        .str.replace(r"\s+(feat\.?|ft\.?|featuring)\s.*$", "")
        .str.replace_all(r"\s*[&+]\s*", " and ")
        .str.replace(r"^\s*the\s+", "")
        .str.replace_all(r"[^\p{L}\p{N}\s]", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


def audio_profiles(songs: pl.DataFrame) -> pl.DataFrame:
    """One row per normalised Spotify artist name: mean audio features of its songs, and n_songs."""
    return (
        songs.filter(pl.col("track_artist").is_not_null())
        .with_columns(normalise_name(pl.col("track_artist")).alias("name_normalised"))
        .filter(pl.col("name_normalised") != "")
        .group_by("name_normalised")
        .agg(pl.len().alias("spotify_songs"),
             *[pl.col(c).mean().alias(f"audio_{c}") for c in AUDIO_FEATURES + ("track_popularity",)])
    )


def join_audio(artists: pl.DataFrame, songs: pl.DataFrame, interactions: pl.DataFrame) -> tuple[pl.DataFrame, dict]:
    """Attach audio profiles to Last.fm artists by normalised name; return the table and its coverage.

    Coverage is reported as the share of artists matched, of training pairs and of training play
    weight whose artist is matched, and (for comparison) the artist share a plain lower-case match
    reaches.
    """
    keyed = artists.select(pl.col("id").alias("item_id"), "name",
                           normalise_name(pl.col("name")).alias("name_normalised"))
    joined = keyed.join(audio_profiles(songs), on="name_normalised", how="left").with_columns(
        pl.col("spotify_songs").fill_null(0))
    matched = joined.filter(pl.col("spotify_songs") > 0)["item_id"]
    in_matched = interactions.filter(pl.col("item_id").is_in(matched.implode()))
    spotify_lower = songs["track_artist"].drop_nulls().str.to_lowercase().unique().implode()
    exact = keyed.filter(pl.col("name").str.to_lowercase().is_in(spotify_lower)).height
    coverage = {
        "artists": keyed.height,
        "artists_matched": matched.len(),
        "artist_coverage": matched.len() / keyed.height,
        "artist_coverage_lowercase_only": exact / keyed.height,
        "pair_coverage": in_matched.height / max(interactions.height, 1),
        "weight_coverage": float(in_matched["weight"].sum() / max(interactions["weight"].sum(), 1)),
        "spotify_artists": songs["track_artist"].drop_nulls().n_unique(),
        "normalisation": " ".join(normalise_name.__doc__.split("\n\n")[1].split()),
    }
    log.info("Spotify join: %d of %d artists matched (%.1f%%; lower-case only %.1f%%), %.1f%% of training pairs",
             coverage["artists_matched"], coverage["artists"], 100 * coverage["artist_coverage"],
             100 * coverage["artist_coverage_lowercase_only"], 100 * coverage["pair_coverage"])
    return joined, coverage


def _tag_column(tag: str) -> str:
    return "tag_" + (re.sub(r"[^a-z0-9]+", "_", tag.lower()).strip("_") or "other")


def tag_features(tagged: pl.DataFrame, tags: pl.DataFrame, excluded_pairs: pl.DataFrame) -> pl.DataFrame:
    """Per artist: taggers, tag assignments, distinct tags, and the share of each global top tag.

    Tag rows of (user, artist) pairs in ``excluded_pairs`` (the test split) are left out, so the
    features do not reveal which held-out artists a user knows.
    """
    rows = tagged.rename({"userID": "user_id", "artistID": "item_id"}).join(
        excluded_pairs.select("user_id", "item_id"), on=["user_id", "item_id"], how="anti")
    top = rows.group_by("tagID").len().sort(["len", "tagID"], descending=[True, False]).head(TOP_TAGS)
    top = top.join(tags, on="tagID", how="left").with_columns(
        pl.col("tagValue").fill_null("").map_elements(_tag_column, return_dtype=pl.String).alias("column"))
    columns = list(dict.fromkeys(top["column"]))
    stats = rows.group_by("item_id").agg(
        pl.col("user_id").n_unique().alias("tag_users"), pl.len().alias("tag_assignments"),
        pl.col("tagID").n_unique().alias("tag_distinct"))
    shares = (
        rows.join(top.select("tagID", "column"), on="tagID", how="inner")
        .group_by("item_id", "column").len()
        .join(stats.select("item_id", "tag_assignments"), on="item_id")
        .with_columns((pl.col("len") / pl.col("tag_assignments")).alias("share"))
        .pivot("column", index="item_id", values="share", aggregate_function="sum")
    )
    for column in columns:
        if column not in shares.columns:
            shares = shares.with_columns(pl.lit(0.0).alias(column))
    return stats.join(shares.select("item_id", *columns), on="item_id", how="left")


def artist_interaction_stats(interactions: pl.DataFrame) -> pl.DataFrame:
    """Per artist in ``interactions``: listeners, total and mean log play weight."""
    return interactions.group_by("item_id").agg(
        pl.len().alias("listeners"), pl.col("weight").sum().alias("plays"),
        pl.col("weight").log1p().mean().alias("mean_log_weight"))


def user_stats(interactions: pl.DataFrame, artist_stats: pl.DataFrame) -> pl.DataFrame:
    """Per user: activity, play entropy (diversity) and mainstreaminess (mean log listeners of their artists)."""
    return (
        interactions.join(artist_stats.select("item_id", "listeners"), on="item_id", how="left")
        .with_columns((pl.col("weight") / pl.col("weight").sum().over("user_id")).alias("p"))
        .group_by("user_id").agg(
            pl.len().alias("user_artists"), pl.col("weight").sum().alias("user_plays"),
            pl.col("weight").log1p().mean().alias("user_mean_log_weight"),
            (-(pl.col("p") * pl.col("p").log()).sum()).alias("user_entropy"),
            pl.col("listeners").log1p().mean().alias("user_mainstream"))
    )


def build_artist_table(artists: pl.DataFrame, songs: pl.DataFrame, tagged: pl.DataFrame, tags: pl.DataFrame,
                       train: pl.DataFrame, test: pl.DataFrame) -> tuple[pl.DataFrame, dict]:
    """artists.parquet: id, name, normalised name, train popularity, audio profile (NaN when unmatched), tags."""
    joined, coverage = join_audio(artists, songs, train)
    table = (
        joined.join(artist_interaction_stats(train), on="item_id", how="left")
        .join(tag_features(tagged, tags, test), on="item_id", how="left")
        .with_columns(pl.col("listeners", "plays", "tag_users", "tag_assignments", "tag_distinct").fill_null(0),
                      pl.col("mean_log_weight").fill_null(0.0),
                      pl.col("^tag_.*$").exclude("tag_users", "tag_assignments", "tag_distinct").fill_null(0.0),
                      pl.col(AUDIO_PROFILE).fill_null(float("nan")))
        .sort("item_id")
    )
    return table, coverage


def build_user_table(train: pl.DataFrame, friends: pl.DataFrame, tagged: pl.DataFrame) -> pl.DataFrame:
    """users.parquet: training activity, diversity, mainstreaminess, friends and tagging activity."""
    friends_count = friends.group_by("userID").len("friends").rename({"userID": "user_id"})
    tagging = tagged.group_by("userID").len("tags_applied").rename({"userID": "user_id"})
    return (
        user_stats(train, artist_interaction_stats(train))
        .join(friends_count, on="user_id", how="left").join(tagging, on="user_id", how="left")
        .with_columns(pl.col("friends", "tags_applied").fill_null(0)).sort("user_id")
    )


ID_COLUMNS = ("user_id", "item_id")
ARTIST_COUNTS = ("tag_users", "tag_assignments", "tag_distinct")


def _tag_share_columns(items: pl.DataFrame) -> list[str]:
    return [c for c in items.columns if c.startswith("tag_") and c not in ARTIST_COUNTS]


def _user_tag_and_audio_affinity(interactions: pl.DataFrame, items: pl.DataFrame) -> pl.DataFrame:
    """Per user: log-weighted mean of their artists' tag shares, and the log-weighted sum of their artists'
    z-scored audio profiles."""
    tag_columns = _tag_share_columns(items)
    z = items.select("item_id", *[((pl.col(c) - pl.col(c).mean()) / pl.col(c).std()).alias(c) for c in AUDIO_PROFILE])
    weighted = interactions.with_columns(pl.col("weight").log1p().alias("w")).join(
        items.select("item_id", *tag_columns), on="item_id").join(z, on="item_id")
    return weighted.group_by("user_id").agg(
        *[((pl.col(c) * pl.col("w")).sum() / pl.col("w").sum()).alias(f"user_{c}") for c in tag_columns],
        *[(pl.col(c) * pl.col("w")).filter(pl.col(c).is_not_nan()).sum().alias(f"user_{c}") for c in AUDIO_PROFILE])


def friend_features(candidates: pl.DataFrame, interactions: pl.DataFrame, neighbours: pl.DataFrame) -> pl.DataFrame:
    """Per candidate pair, what the user's friends (``neighbours``: user_id, neighbour_id) do with the
    artist in ``interactions``: ``friends_listening`` (how many friends have it in train),
    ``friends_log_weight`` (their summed log1p weight), ``friends_share`` (friends_listening over the
    user's friend count ``n_friends``): ``candidates`` with these four columns; 0 without friends."""
    listened = neighbours.join(interactions.rename({"user_id": "neighbour_id"}), on="neighbour_id").group_by(
        "user_id", "item_id").agg(pl.len().alias("friends_listening"),
                                  pl.col("weight").log1p().sum().alias("friends_log_weight"))
    friends = neighbours.group_by("user_id").agg(pl.len().alias("n_friends"))
    return (candidates.join(listened, on=ID_COLUMNS, how="left")
            .join(friends, on="user_id", how="left")
            .with_columns(pl.col("friends_listening", "n_friends").fill_null(0).cast(pl.Int32),
                          pl.col("friends_log_weight").fill_null(0.0))
            .with_columns((pl.col("friends_listening") / pl.col("n_friends").clip(1)).alias("friends_share")))


def candidate_features(candidates: pl.DataFrame, train: pl.DataFrame, item_features: pl.DataFrame,
                       neighbours: pl.DataFrame) -> pl.DataFrame:
    """Candidates (user_id, item_id, the generators' columns) joined with artist features (popularity and
    weight statistics of the split's ``train`` interactions, audio profile, tag shares of
    ``item_features``), user features (activity, play entropy, mainstreaminess), user-artist features
    (weight ratio, popularity gap to the user's mainstreaminess, tag affinity, audio affinity) and the
    friends' listening (:func:`friend_features` over ``neighbours``). Missing values become -1."""
    tag_columns = _tag_share_columns(item_features)
    static = item_features.drop("name", "name_normalised", "listeners", "plays", "mean_log_weight", strict=False)
    z = item_features.select("item_id", *[((pl.col(c) - pl.col(c).mean()) / pl.col(c).std()).alias(f"z_{c}")
                                          for c in AUDIO_PROFILE])
    item_stats = artist_interaction_stats(train)
    users = user_stats(train, item_stats)
    affinity = _user_tag_and_audio_affinity(train, item_features)
    audio_dot = sum(pl.col(f"z_{c}").fill_nan(0.0) * pl.col(f"user_{c}").fill_null(0.0) for c in AUDIO_PROFILE)
    audio_norm = sum(pl.col(f"user_{c}").fill_null(0.0) ** 2 for c in AUDIO_PROFILE).sqrt()
    return (
        friend_features(candidates.join(item_stats, on="item_id", how="left"), train, neighbours)
        .with_columns(pl.col("listeners", "plays").fill_null(0), pl.col("mean_log_weight").fill_null(0.0))
        .join(static, on="item_id", how="left").join(z, on="item_id", how="left")
        .join(users, on="user_id", how="left").join(affinity, on="user_id", how="left")
        .with_columns(
            (pl.col("mean_log_weight") / pl.col("user_mean_log_weight")).alias("ratio_artist_user_log_weight"),
            (pl.col("listeners").log1p() - pl.col("user_mainstream")).alias("gap_popularity_mainstream"),
            sum(pl.col(c) * pl.col(f"user_{c}") for c in tag_columns).alias("tag_affinity") if tag_columns
            else pl.lit(0.0).alias("tag_affinity"),
            (audio_dot / pl.when(audio_norm > 0).then(audio_norm).otherwise(1.0)).alias("audio_affinity"),
        )
        .drop([f"user_{c}" for c in tag_columns + list(AUDIO_PROFILE)] + [f"z_{c}" for c in AUDIO_PROFILE])
        .with_columns(pl.selectors.float().fill_nan(None))
        .with_columns(pl.all().exclude(ID_COLUMNS).fill_null(-1.0))
        .sort(ID_COLUMNS)
    )


def build_tables(tables: dict[str, pl.DataFrame], songs: pl.DataFrame, train: pl.DataFrame):
    """Rule lastfm_features, for one split: the item table (artists.dat ids as item_id, name, popularity of
    ``train``, Spotify audio profile with NaN where unmatched, tag features without the held-out pairs'
    tags), the user table and the Spotify join coverage."""
    held_out = interactions(tables["user_artists"]).join(train, on=["user_id", "item_id"], how="anti")
    items, coverage = build_artist_table(tables["artists"], songs, tables["user_taggedartists"], tables["tags"],
                                         train, held_out)
    users = build_user_table(train, tables["user_friends"], tables["user_taggedartists"])
    return items, users, coverage


def similar_songs(songs: pl.DataFrame, neighbours: int, chunk: int = 1024) -> pl.DataFrame:
    """Song-to-song table for the Spotify catalogue: each track's ``neighbours`` most similar tracks.

    Similarity is the cosine of the standardised audio features (the same features as the artist
    profiles, without popularity); columns track_id, similar_track_id, similarity, rank (1-based).
    """
    table = songs.select("track_id", *AUDIO_FEATURES).drop_nulls()
    values = table.select(AUDIO_FEATURES).to_numpy().astype(np.float32)
    std = values.std(axis=0)
    z = (values - values.mean(axis=0)) / np.where(std > 0, std, 1.0)
    unit = z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)
    n = min(neighbours, len(unit) - 1)
    ids = table["track_id"].to_numpy()
    frames = []
    for start in range(0, len(unit), chunk):
        sims = unit[start:start + chunk] @ unit.T
        sims[np.arange(len(sims)), np.arange(start, start + len(sims))] = -np.inf
        nearest = np.argpartition(-sims, n - 1, axis=1)[:, :n]
        values_near = np.take_along_axis(sims, nearest, axis=1)
        order = np.argsort(-values_near, axis=1, kind="stable")
        nearest, values_near = np.take_along_axis(nearest, order, 1), np.take_along_axis(values_near, order, 1)
        frames.append(pl.DataFrame({
            "track_id": np.repeat(ids[start:start + len(sims)], n), "similar_track_id": ids[nearest.ravel()],
            "similarity": values_near.ravel().astype(np.float64), "rank": np.tile(np.arange(1, n + 1), len(sims)),
        }))
    return pl.concat(frames)
