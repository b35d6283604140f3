"""Each dataset's raw files read through its loader into what its data profile needs
(:class:`musicrec.profiling.ProfileData`): the events, the artist of each item, and the dataset's own
statistics, distributions (audio features, listening counts) and rates (skips, repeat listens).

``READERS[dataset](paths)`` takes the rule's inputs by name (a path, or a list of paths for the MSSD logs
and track-feature tables); demo and real files go through the same reader.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ..features.lastfm import join_audio
from ..profiling import Breakdown, Distribution, ProfileData, Statistic, principal_components, rate_by_group
from . import kkbox, lastfm, mssd, mssd_prepare, spotify, yambda, yandex_music

# Embeddings drawn into the Yambda principal components at most (every k-th catalogue item by id).
EMBEDDING_SAMPLE = 100_000
COMPONENTS = 3
SECONDS_PER_DAY = 86_400
# Spotify audio features averaged per artist (the continuous ones; key and mode are categories).
SPOTIFY_FEATURES = ("danceability", "energy", "loudness", "speechiness", "acousticness", "instrumentalness",
                    "liveness", "valence", "tempo", "duration_ms", "track_popularity")
# MSSD track features whose distributions are shown (the acoustic vectors are left out).
MSSD_FEATURES = tuple(c for c in mssd.TRACK_COLUMNS[1:] if c not in mssd.ACOUSTIC_VECTORS + ("key", "mode"))


def kkbox_profile(paths: dict) -> ProfileData:
    """train.csv rows (msno x song_id) with the artist_name of songs.csv; the repeat-listen (target) rate
    overall and by source_system_tab and source_type; song_length of the played songs."""
    train = kkbox.read_table("train", paths["train"])
    songs = kkbox.read_table("songs", paths["songs"]).unique("song_id", keep="first", maintain_order=True)
    events = train.select(pl.col("msno").alias("user_id"), pl.col("song_id").alias("item_id"))
    played = songs.join(events.select(pl.col("item_id").unique().alias("song_id")), on="song_id", how="semi")
    sources = train.with_columns(pl.col("source_system_tab", "source_type").fill_null("(empty)"))
    return ProfileData(
        events=events.lazy(),
        events_definition="a row of train.csv: a member's (msno) first observed play of a song (song_id); "
                          "target 1 when the member played it again within a month",
        user="member", item="song",
        item_artists=songs.filter(pl.col("artist_name").is_not_null())
        .select(pl.col("song_id").alias("item_id"), pl.col("artist_name").alias("artist_id")).lazy(),
        statistics=(
            Statistic("target_rate", train["target"].mean(), "share of train.csv rows with target 1 (a repeat "
                      "listen within a month)"),
            Statistic("events_without_songs_row_share", 1 - events["item_id"].is_in(songs["song_id"].implode()).mean(),
                      "share of train.csv rows whose song_id is absent from songs.csv"),
        ),
        distributions=(Distribution("song_length of the played songs in seconds (songs.csv)", "song",
                                    played.select((pl.col("song_length") / 1000).alias("song_length_s")),
                                    log_scale=True),),
        breakdowns=tuple(Breakdown(f"target rate by {column}", rate_by_group(sources, column, "target"))
                         for column in ("source_system_tab", "source_type")),
    )


def lastfm_profile(paths: dict) -> ProfileData:
    """user_artists.dat pairs weighted by plays (items are artists); listening counts per pair, user and
    artist; the Spotify audio profiles of the artists matched by normalised name, with the join's coverage."""
    tables = lastfm.load({name: paths[name] for name in lastfm.TABLE_NAMES})
    pairs = lastfm.interactions(tables["user_artists"])
    joined, coverage = join_audio(tables["artists"], spotify.load(paths["spotify"]), pairs)
    audio = joined.filter(pl.col("spotify_songs") > 0).select(
        pl.col(f"audio_{name}").alias(name) for name in SPOTIFY_FEATURES)
    plays = pl.col("weight").sum()
    return ProfileData(
        events=pairs.lazy(),
        events_definition="a row of user_artists.dat: a user's listening to an artist, weighted by its play "
                          "count (weight)",
        user="user", item="artist", weight="plays",
        statistics=(
            Statistic("spotify_artist_coverage", coverage["artist_coverage"],
                      "share of artists.dat artists matched to a Spotify artist by normalised name"),
            Statistic("spotify_pair_coverage", coverage["pair_coverage"],
                      "share of user-artist pairs whose artist is matched to Spotify"),
            Statistic("spotify_weight_coverage", coverage["weight_coverage"],
                      "share of plays whose artist is matched to Spotify"),
            Statistic("tag_assignments", tables["user_taggedartists"].height,
                      "user_taggedartists.dat rows whose artist and tag are known"),
            Statistic("friend_pairs", tables["user_friends"].height, "user_friends.dat rows"),
        ),
        distributions=(
            Distribution("plays per user-artist pair (weight)", "user-artist pair",
                         pairs.select(pl.col("weight").alias("plays")), log_scale=True),
            Distribution("plays per user", "user", pairs.group_by("user_id").agg(plays.alias("plays"))
                         .select("plays"), log_scale=True),
            Distribution("plays per artist", "artist", pairs.group_by("item_id").agg(plays.alias("plays"))
                         .select("plays"), log_scale=True),
            Distribution("Spotify audio features of the matched artists (mean over their songs)", "artist", audio),
        ),
    )


def _embedding_sample(embeddings: pl.LazyFrame, items: pl.Series) -> np.ndarray:
    """The unit-norm embeddings of every k-th of the sorted ``items`` (at most EMBEDDING_SAMPLE of them)."""
    step = -(-items.len() // EMBEDDING_SAMPLE)
    chosen = pl.DataFrame({"item_id": items.sort().gather_every(step)}).lazy()
    sample = embeddings.join(chosen, on="item_id", how="semi").unique("item_id", keep="first").collect(
        engine="streaming")
    return np.asarray(sample["normalized_embed"].to_list(), dtype=np.float64).reshape(sample.height, -1)


def _embedding_parts(path, items: pl.Series) -> tuple[list[Distribution], list[Statistic]]:
    """The first COMPONENTS principal components of the unit-norm embeddings of a sample of ``items`` (with
    the share of the variance each explains), and the L2 norm of the raw ``embed`` of every item (where the
    file has that column)."""
    sample = _embedding_sample(yambda.scan_embeddings(path), items)
    distributions, statistics = [], []
    if len(sample) > 1:
        scores, explained = principal_components(sample, COMPONENTS)
        distributions.append(Distribution(
            f"principal components of the audio embeddings (normalized_embed, {len(sample):,} tracks)", "track",
            pl.DataFrame({f"pc{j + 1}": scores[:, j] for j in range(scores.shape[1])})))
        statistics = [Statistic(f"embedding_pc{j + 1}_explained", share, "share of the unit-norm embeddings' "
                                f"variance along principal axis {j + 1}") for j, share in enumerate(explained)]
    raw = pl.scan_parquet(path)
    if "embed" in raw.collect_schema():
        norms = (raw.join(pl.LazyFrame({"item_id": items}), on="item_id", how="semi").unique("item_id")
                 .select(pl.col("embed").cast(pl.List(pl.Float64)).list.eval(pl.element() ** 2).list.sum().sqrt()
                         .alias("embed_norm")).collect(engine="streaming"))
        distributions.append(Distribution("L2 norm of the raw audio embeddings (embed)", "track", norms))
    return distributions, statistics


def yambda_profile(paths: dict) -> ProfileData:
    """multi_event.parquet rows (uid x item_id, every event type) with artist_item_mapping; counts per event
    type, the Listen+ share, played_ratio_pct of the listens, each track's length, and the audio
    embeddings: the norm of the raw ``embed`` (where the file has it) and the first principal components
    of ``normalized_embed``."""
    path = paths["multi_event"]
    events = yambda.scan_events(path)
    facts = yambda.check_events(events, path)
    artists = yambda.read_mapping(paths["artist_item_mapping"], "artist_item_mapping")
    listens = events.filter(pl.col("event_type") == "listen")
    by_type = dict(events.group_by("event_type").len().collect(engine="streaming").iter_rows())
    summary = listens.select((pl.col("played_ratio_pct") >= 50).mean().alias("listen_plus"),
                             pl.col("is_organic").cast(pl.Float64).mean().alias("organic")).collect(
        engine="streaming").row(0, named=True)
    items = events.select(pl.col("item_id").unique()).collect(engine="streaming")["item_id"]
    embeddings, embedding_statistics = _embedding_parts(paths["embeddings"], items)
    return ProfileData(
        events=events.select(pl.col("uid").alias("user_id"), "item_id"),
        events_definition="a row of multi_event.parquet: one listen, like, dislike, unlike or undislike of a "
                          "track by a user (the rows the published Yambda statistics count as multi_event)",
        user="user", item="track",
        item_artists=artists.lazy(),
        statistics=(
            *(Statistic(f"events_{kind}", by_type.get(kind, 0), f"rows with event_type {kind}")
              for kind in yambda.EVENT_TYPES),
            Statistic("listen_plus_share", summary["listen_plus"], "share of listens with played_ratio_pct >= 50 "
                      "(Listen+)"),
            Statistic("organic_listen_share", summary["organic"], "share of listens with is_organic = 1"),
            Statistic("days", (facts["last_timestamp"] - facts["first_timestamp"]) / SECONDS_PER_DAY,
                      "time span of the events in days"),
            *embedding_statistics,
        ),
        distributions=(
            Distribution("played_ratio_pct of the listens", "listen", listens.select("played_ratio_pct").collect(
                engine="streaming")),
            Distribution("track_length_seconds of the tracks", "track", events.group_by("item_id").agg(
                pl.col("track_length_seconds").first()).select("track_length_seconds").collect(engine="streaming"),
                log_scale=True),
            *embeddings,
        ),
    )


def yandex_music_profile(paths: dict) -> ProfileData:
    """interactions.parquet plays (user_id x track_id, repeats counted) of tracks in tracks.parquet, with each
    track's first artist; repeat plays per (user, track) pair and artists and genres per played track."""
    tables = yandex_music.load({name: paths[name] for name in yandex_music.TABLE_NAMES})
    plays = yandex_music.plays(tables["interactions"])
    features = yandex_music.item_features(tables["tracks"])
    played = features.join(plays.select(pl.col("item_id").unique()), on="item_id", how="semi")
    first, last = plays["timestamp"].min(), plays["timestamp"].max()
    return ProfileData(
        events=plays.select("user_id", "item_id").lazy(),
        events_definition="a row of interactions.parquet: one play of a track by a user (repeat plays count; "
                          "plays of tracks absent from tracks.parquet are dropped by the loader)",
        user="user", item="track",
        item_artists=features.filter(pl.col("artist_id") >= 0).select("item_id", "artist_id").lazy(),
        statistics=(
            Statistic("genres", played.filter(pl.col("genre_id") >= 0)["genre_id"].n_unique(),
                      "distinct first genres of the played tracks"),
            Statistic("days", (last - first) / SECONDS_PER_DAY, "time span of the plays in days (started_at)"),
        ),
        distributions=(
            Distribution("plays per user-track pair", "user-track pair", plays.group_by("user_id", "item_id").len()
                         .select(pl.col("len").alias("plays")), log_scale=True),
            Distribution("artists and genres per played track (tracks.parquet)", "track",
                         played.select(pl.col("n_artists").alias("artists"), pl.col("n_genres").alias("genres"))),
        ),
    )


def mssd_profile(paths: dict) -> ProfileData:
    """The training logs' rows (session x track; a session stands for a user, MSSD has no user ids) with
    the tf_*.csv features of the played tracks; skip rates overall, by session position and by context."""
    logs, _ = mssd_prepare.read_logs(list(paths["logs"]))
    tracks = mssd_prepare.read_tracks(list(paths["track_features"]), logs)
    played = tracks.join(logs.select(pl.col("track_id_clean").unique().alias("track_id")), on="track_id",
                         how="semi")
    rates = logs.select(pl.col("skip_1", "skip_2", "skip_3", "not_skipped", "premium",
                               "hist_user_behavior_is_shuffle").cast(pl.Float64).mean()).row(0, named=True)
    return ProfileData(
        events=logs.select(pl.col("session_id").alias("user_id"), pl.col("track_id_clean").alias("item_id")).lazy(),
        events_definition="a row of the training logs (log_*.csv): one track played in a listening session",
        user="session", item="track",
        statistics=(
            *(Statistic(f"{column}_rate", rates[column], f"share of rows with {column} True")
              for column in ("skip_1", "skip_2", "skip_3", "not_skipped")),
            Statistic("premium_share", rates["premium"], "share of rows played by premium users"),
            Statistic("shuffle_share", rates["hist_user_behavior_is_shuffle"], "share of rows played in shuffle"),
            Statistic("dates", logs["date"].n_unique(), "distinct dates of the logs"),
        ),
        distributions=(Distribution("track features of the played tracks (tf_*.csv)", "track",
                                    played.select(MSSD_FEATURES)),),
        breakdowns=(
            Breakdown("skip_2 rate by session_position", rate_by_group(logs, "session_position", "skip_2"),
                      ordered=True),
            Breakdown("skip_2 rate by context_type", rate_by_group(logs, "context_type", "skip_2")),
        ),
    )


READERS = {
    "kkbox": kkbox_profile,
    "lastfm": lastfm_profile,
    "yambda": yambda_profile,
    "yandex_music": yandex_music_profile,
    "mssd": mssd_profile,
}
