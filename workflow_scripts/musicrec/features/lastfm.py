"""Artist and user features of the Last.fm stage: name normalisation, the Spotify join and its coverage,
audio profiles, tag features and interaction statistics.

Interaction statistics are functions of an interactions table (user_id, artist_id, weight), so the
RandomForest ranker recomputes them on its within-train fit split and never sees held-out pairs.
"""

from __future__ import annotations

import logging
import re

import polars as pl

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
    keyed = artists.select(pl.col("id").alias("artist_id"), "name",
                           normalise_name(pl.col("name")).alias("name_normalised"))
    joined = keyed.join(audio_profiles(songs), on="name_normalised", how="left").with_columns(
        pl.col("spotify_songs").fill_null(0))
    matched = joined.filter(pl.col("spotify_songs") > 0)["artist_id"]
    in_matched = interactions.filter(pl.col("artist_id").is_in(matched.implode()))
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
    rows = tagged.rename({"userID": "user_id", "artistID": "artist_id"}).join(
        excluded_pairs.select("user_id", "artist_id"), on=["user_id", "artist_id"], how="anti")
    top = rows.group_by("tagID").len().sort(["len", "tagID"], descending=[True, False]).head(TOP_TAGS)
    top = top.join(tags, on="tagID", how="left").with_columns(
        pl.col("tagValue").fill_null("").map_elements(_tag_column, return_dtype=pl.String).alias("column"))
    columns = list(dict.fromkeys(top["column"]))
    stats = rows.group_by("artist_id").agg(
        pl.col("user_id").n_unique().alias("tag_users"), pl.len().alias("tag_assignments"),
        pl.col("tagID").n_unique().alias("tag_distinct"))
    shares = (
        rows.join(top.select("tagID", "column"), on="tagID", how="inner")
        .group_by("artist_id", "column").len()
        .join(stats.select("artist_id", "tag_assignments"), on="artist_id")
        .with_columns((pl.col("len") / pl.col("tag_assignments")).alias("share"))
        .pivot("column", index="artist_id", values="share", aggregate_function="sum")
    )
    for column in columns:
        if column not in shares.columns:
            shares = shares.with_columns(pl.lit(0.0).alias(column))
    return stats.join(shares.select("artist_id", *columns), on="artist_id", how="left")


def artist_interaction_stats(interactions: pl.DataFrame) -> pl.DataFrame:
    """Per artist in ``interactions``: listeners, total and mean log play weight."""
    return interactions.group_by("artist_id").agg(
        pl.len().alias("listeners"), pl.col("weight").sum().alias("plays"),
        pl.col("weight").log1p().mean().alias("mean_log_weight"))


def user_stats(interactions: pl.DataFrame, artist_stats: pl.DataFrame) -> pl.DataFrame:
    """Per user: activity, play entropy (diversity) and mainstreaminess (mean log listeners of their artists)."""
    return (
        interactions.join(artist_stats.select("artist_id", "listeners"), on="artist_id", how="left")
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
        joined.join(artist_interaction_stats(train), on="artist_id", how="left")
        .join(tag_features(tagged, tags, test), on="artist_id", how="left")
        .with_columns(pl.col("listeners", "plays", "tag_users", "tag_assignments", "tag_distinct").fill_null(0),
                      pl.col("mean_log_weight").fill_null(0.0),
                      pl.col("^tag_.*$").exclude("tag_users", "tag_assignments", "tag_distinct").fill_null(0.0),
                      pl.col(AUDIO_PROFILE).fill_null(float("nan")))
        .sort("artist_id")
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
