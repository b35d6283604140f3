"""Deterministic Yandex Music-shaped demo data (tracks, catalog_names, interactions) with planted structure.

The three tables have exactly the real schema (see :mod:`musicrec.datasets.yandex_music`): tracks
``track_id`` Int64 and ``albums``, ``artists``, ``genres`` as lists of Int64 ids (lists can be empty);
catalog_names ``id`` Int64, ``type`` (album, artist, genre, track), ``name``; interactions ``user_id``
Int32, ``track_id`` Int32, ``track_seq`` Int16 (1-based, increasing in each user's history) and
``started_at`` (Datetime, microseconds, every play in 2022). Ids of the four kinds are drawn from
overlapping ranges, so an id is only unique within its ``type``, and catalog_names names every album,
artist, genre and track id that tracks.parquet uses (names in Latin and Cyrillic script).

Planted structure (what a model can learn, and why ALS and item-item similarity beat popularity on the
chronological split):

* catalogue: every artist has one primary genre, a log-normal popularity (heavy skew) and one or more
  albums; a track belongs to one artist and one album (its first list entries). Some tracks also carry a
  featured artist, a compilation album or a second genre, and a few have an empty list;
* new releases: an artist's first album is older catalogue, a share of later albums comes out on the
  first day of a month of 2022; a track is never played before its release, and a new release gets a
  popularity boost that fades over the following months (popularity drifts over time);
* taste clusters: each cluster is a sparse Dirichlet mixture over genres; each user belongs to one
  cluster, has a few favourite artists from its genres and discovers tracks by genre taste x artist
  popularity x track popularity (plus a share drawn from the global chart and a share from the favourite
  artists);
* drift: each user's taste moves linearly, over their active period, towards a second cluster (by up
  to 70%), so recent plays predict the test period better than old ones;
* re-listening: about half of the plays replay a track the user discovered earlier: half of those a
  recent discovery, half a "sticky" favourite (a tournament over earlier discoveries weighted by the
  taste affinity), so the test period replays training tracks (history is not masked there);
* activity: log-normal play rates (heavy and light users), most users active all year, some joining
  later and some churning, listening a little more as their active period goes on; plays come in
  listening sessions of 2-6-minute tracks; started_at spreads over 2022 (the default demo has about
  10% of its plays in December, the default test period) and track_seq is each user's play order.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import polars as pl

from ..io import write_parquet

log = logging.getLogger(__name__)

TABLE_NAMES = ("tracks", "catalog_names", "interactions")
YEAR_START = np.datetime64("2022-01-01T00:00:00", "s")
DAY = 86_400
YEAR_SECONDS = 365 * DAY
# Seconds from 2022-01-01 of the first day of each month of 2022.
MONTH_STARTS = ((np.arange("2022-01", "2023-01", dtype="datetime64[M]").astype("datetime64[s]") - YEAR_START)
                .astype(np.int64))

GENRE_NAMES = ("pop", "rock", "rusrap", "электроника", "indie", "джаз", "classical", "metal", "foreignrap",
               "soundtrack", "folk", "dance", "русский рок", "эстрада", "lo-fi", "k-pop", "reggae", "blues",
               "шансон", "ambient")
FIRST = ("Северный", "Blue", "Ночной", "Neon", "Тихий", "Electric", "Летний", "Golden", "Белый", "Velvet",
         "Дикий", "Crystal", "Старый", "Midnight", "Юный", "Silver")
SECOND = ("Ветер", "Foxes", "Город", "Echoes", "Берег", "Machines", "Свет", "Wolves", "Дождь", "Lights",
          "Сад", "Sirens", "Вокзал", "Waves", "Маяк", "Shadows")
PERSONS = ("Алина", "Zoë", "Мирон", "José", "Ксения", "Björn", "Тимур", "Anaïs", "Полина", "Sean")
SURNAMES = ("Смирнова", "Ortega", "Волков", "Åberg", "Орлова", "D'Angelo", "Ким", "Lefèvre", "Белов", "Brandt")
WORDS = ("любовь", "night", "дорога", "fire", "небо", "summer", "сердце", "home", "зима", "dance", "море", "gold",
         "звезда", "rain", "огни", "time", "танцы", "heart", "весна", "city")
COMPILATIONS = ("Хиты 2022", "Best of Indie", "Новогодние песни", "Chill Mix", "Дискотека 90-х", "Workout",
                "Лучшее за год", "Road Trip")


@dataclass(frozen=True)
class YandexMusicDemoSize:
    """Sizes of a demo: users, tracks, artists, genres, taste clusters and the mean number of plays of
    a user active all year (users active for less of the year play proportionally less)."""

    users: int
    tracks: int
    artists: int
    genres: int
    clusters: int
    plays_per_user: float
    favourite_artists: int = 5

    @classmethod
    def named(cls, name: str) -> "YandexMusicDemoSize":
        sizes = {"tiny": cls(50, 300, 40, 6, 3, 70.0, 3), "default": cls(800, 4000, 450, 16, 8, 300.0, 5)}
        if name not in sizes:
            raise ValueError(f"unknown demo size {name!r} (tiny or default)")
        return sizes[name]


def _unique_ids(rng: np.random.Generator, n: int, spread: int) -> np.ndarray:
    """``n`` distinct ids drawn from 1 .. spread * n, in random order."""
    return rng.choice(np.arange(1, spread * n + 1), size=n, replace=False).astype(np.int64)


def _segment_sample(cum: np.ndarray, starts: np.ndarray, ends: np.ndarray, u: np.ndarray) -> np.ndarray:
    """For each draw, an index in [starts, ends) with probability proportional to the weights whose
    inclusive cumulative sum is ``cum`` (every segment must hold a positive weight)."""
    lo = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0.0)
    hi = cum[ends - 1]
    index = np.searchsorted(cum, lo + u * (hi - lo), side="right")
    return np.clip(index, starts, ends - 1)


def _categorical(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One draw per row of ``probabilities`` (rows sum to 1)."""
    cum = np.cumsum(probabilities, axis=1)
    return np.minimum((rng.random(len(probabilities))[:, None] > cum).sum(axis=1), probabilities.shape[1] - 1)


def _names(rng: np.random.Generator, first: tuple[str, ...], second: tuple[str, ...], n: int) -> pl.Series:
    return pl.Series(rng.choice(first, n)) + " " + pl.Series(rng.choice(second, n))


def _artist_names(rng: np.random.Generator, n: int) -> list[str]:
    """Unique names: bands ('Ночной Город', 'The Neon Wolves') and persons ('Алина Смирнова')."""
    bands = _names(rng, FIRST, SECOND, n)
    persons = _names(rng, PERSONS, SURNAMES, n)
    names = pl.Series(np.where(rng.random(n) < 0.55, bands.to_numpy(), persons.to_numpy()))
    the = pl.Series(rng.random(n) < 0.15)
    names = pl.select(pl.when(the).then("The " + names).otherwise(names)).to_series()
    # Repeated names get a number, as "Белый Свет 2".
    ranked = pl.DataFrame({"name": names}).with_columns(pl.int_range(pl.len()).over("name").alias("k"))
    return ranked.select(pl.when(pl.col("k") > 0).then(pl.col("name") + " " + (pl.col("k") + 1).cast(pl.String))
                         .otherwise(pl.col("name"))).to_series().to_list()


def _lists(owner: np.ndarray, values: np.ndarray, n: int) -> pl.Series:
    """A list column of ``n`` rows: row i holds ``values[owner == i]`` in their order (empty when none)."""
    pieces = pl.DataFrame({"row": owner.astype(np.int64), "value": values.astype(np.int64)})
    grouped = pieces.group_by("row", maintain_order=True).agg("value")
    rows = pl.DataFrame({"row": np.arange(n, dtype=np.int64)}).join(grouped, on="row", how="left",
                                                                     maintain_order="left")
    return rows["value"].fill_null(pl.lit([], dtype=pl.List(pl.Int64))).cast(pl.List(pl.Int64))


def _catalogue(size: YandexMusicDemoSize, rng: np.random.Generator) -> dict:
    """Genres, artists, albums and tracks (internal indices) with their popularity and release months."""
    n_genres, n_artists, n_tracks = size.genres, size.artists, size.tracks
    if not (n_genres <= len(GENRE_NAMES) and n_genres <= n_artists <= n_tracks):
        raise ValueError(f"demo size {size}: needs genres <= {len(GENRE_NAMES)} and genres <= artists <= tracks")
    # Every genre has an artist; the rest of the artists fall on genres at random.
    artist_genre = rng.permutation(np.concatenate([np.arange(n_genres),
                                                   rng.integers(0, n_genres, n_artists - n_genres)]))
    artist_pop = rng.lognormal(0.0, 1.3, n_artists)
    # Tracks sorted by artist (internal index order); popular artists have more tracks.
    share = np.sqrt(artist_pop) / np.sqrt(artist_pop).sum()
    per_artist = 1 + rng.multinomial(n_tracks - n_artists, share)
    artist_start = np.concatenate([[0], np.cumsum(per_artist)[:-1]])
    track_artist = np.repeat(np.arange(n_artists), per_artist)
    rank_in_artist = np.arange(n_tracks) - artist_start[track_artist]
    # Albums of about five tracks, contiguous within an artist.
    albums_per_artist = np.maximum(1, np.round(per_artist / rng.uniform(3, 7, n_artists)).astype(np.int64))
    album_offset = np.concatenate([[0], np.cumsum(albums_per_artist)[:-1]])
    track_album = (album_offset[track_artist]
                   + rank_in_artist * albums_per_artist[track_artist] // per_artist[track_artist])
    n_albums = int(albums_per_artist.sum())
    album_artist = np.repeat(np.arange(n_artists), albums_per_artist)
    first_album = np.zeros(n_albums, dtype=bool)
    first_album[album_offset] = True
    # Release month in 2022 (0..11) of new albums, -1 for older catalogue (every artist's first album).
    album_release = np.where(~first_album & (rng.random(n_albums) < 0.35), rng.integers(0, 12, n_albums), -1)
    track_release = album_release[track_album]
    track_pop = rng.lognormal(0.0, 0.8, n_tracks)
    months = np.arange(12)[:, None]
    age = months - track_release[None, :]
    boost = np.where(track_release[None, :] >= 0, 1.0 + 5.0 * np.exp(-np.maximum(age, 0) / 1.5), 1.0)
    month_weights = np.where((track_release[None, :] < 0) | (age >= 0), track_pop[None, :] * boost, 0.0)
    return {
        "artist_genre": artist_genre, "artist_pop": artist_pop, "artist_start": artist_start,
        "artist_end": artist_start + per_artist, "track_artist": track_artist, "track_album": track_album,
        "album_artist": album_artist, "n_albums": n_albums, "track_release": track_release,
        "month_weights": month_weights,
    }


def _plays_in_time(size: YandexMusicDemoSize, rng: np.random.Generator) -> dict:
    """Each user's active period and play times (sessions of consecutive tracks), sorted by user and time."""
    n_users = size.users
    existing = rng.random(n_users) < 0.65
    start = np.where(existing, rng.uniform(0, 14 * DAY, n_users), rng.uniform(0, 320 * DAY, n_users))
    last = YEAR_SECONDS - DAY
    churn = (rng.random(n_users) < 0.15) & (last - start > 60 * DAY)
    end = np.where(churn, start + 30 * DAY + rng.random(n_users) * np.maximum(last - start - 30 * DAY, 0), last)
    sigma = 0.9
    rate = rng.lognormal(np.log(size.plays_per_user / 365) - sigma**2 / 2, sigma, n_users)
    n_plays = np.clip(np.round(rate * (end - start) / DAY), 5, 20_000).astype(np.int64)
    user = np.repeat(np.arange(n_users), n_plays)
    total = int(n_plays.sum())
    first = np.zeros(total, dtype=bool)
    first[np.concatenate([[0], np.cumsum(n_plays)[:-1]])] = True
    session_start = first | (rng.random(total) < 1 / 8)
    session = np.cumsum(session_start) - 1
    session_user = user[session_start]
    # Listening grows slowly over a user's active period (density of session starts ~ x^0.18).
    length = end[session_user] - start[session_user]
    session_time = start[session_user] + rng.random(len(session_user)) ** 0.85 * length
    duration = rng.integers(120, 360, total)
    elapsed = np.cumsum(duration) - duration
    offset = elapsed - elapsed[session_start][session]
    seconds = np.minimum(session_time[session] + offset, YEAR_SECONDS - 1).astype(np.int64)
    order = np.lexsort((seconds, user))
    return {"user": user[order], "seconds": seconds[order], "first": first, "n_plays": n_plays,
            "start": start, "end": end}


def generate(size: YandexMusicDemoSize, seed: int) -> dict[str, pl.DataFrame]:
    """The three tables (tracks, catalog_names, interactions) in the real schema, from ``seed``."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    cat = _catalogue(size, rng)
    n_tracks, n_artists, n_users = size.tracks, size.artists, size.users
    genre_ids = _unique_ids(rng, size.genres, 3)
    artist_ids = _unique_ids(rng, n_artists, 20)
    album_ids = _unique_ids(rng, cat["n_albums"] + len(COMPILATIONS), 20)
    track_ids = _unique_ids(rng, n_tracks, 50)
    user_ids = _unique_ids(rng, n_users, 10).astype(np.int32)

    # Taste: sparse genre mixtures per cluster; each user one cluster, drifting towards a second one.
    theta = rng.dirichlet(np.full(size.genres, 0.25), size.clusters)
    cluster = rng.choice(size.clusters, n_users, p=rng.dirichlet(np.full(size.clusters, 3.0)))
    second = (cluster + rng.integers(1, size.clusters, n_users)) % size.clusters
    drift = rng.uniform(0.0, 0.7, n_users)
    favourite_share = rng.beta(2, 5, n_users)
    relisten = rng.beta(5, 5, n_users)
    chart_share = 0.1

    # Artists by genre, for draws "artist of genre g by popularity".
    by_genre = np.argsort(cat["artist_genre"], kind="stable")
    genre_cum = np.cumsum(cat["artist_pop"][by_genre])
    genre_end = np.cumsum(np.bincount(cat["artist_genre"], minlength=size.genres))
    genre_start = genre_end - np.bincount(cat["artist_genre"], minlength=size.genres)

    def artist_of_genre(genres: np.ndarray) -> np.ndarray:
        return by_genre[_segment_sample(genre_cum, genre_start[genres], genre_end[genres], rng.random(len(genres)))]

    favourites = artist_of_genre(_categorical(rng, np.repeat(theta[cluster], size.favourite_artists, axis=0)))
    favourites = favourites.reshape(n_users, size.favourite_artists)

    plays = _plays_in_time(size, rng)
    user, seconds = plays["user"], plays["seconds"]
    total = len(user)
    month = np.searchsorted(MONTH_STARTS, seconds, side="right") - 1
    span = plays["end"][user] - plays["start"][user]
    progress = np.clip((seconds - plays["start"][user]) / span, 0.0, 1.0)
    first = plays["first"]  # first play of each user (plays stay in user order after sorting by time)
    is_discovery = first | (rng.random(total) >= relisten[user])

    # Discoveries: an artist (favourite, chart or taste), then one of its tracks released by then.
    d_user, d_month = user[is_discovery], month[is_discovery]
    n_disc = len(d_user)
    kind = rng.random(n_disc)
    is_favourite = kind < favourite_share[d_user]
    is_chart = ~is_favourite & (kind < favourite_share[d_user] + chart_share)
    taste_cluster = np.where(rng.random(n_disc) < drift[d_user] * progress[is_discovery], second[d_user],
                             cluster[d_user])
    artist = artist_of_genre(_categorical(rng, theta[taste_cluster]))
    pop_cum = np.cumsum(cat["artist_pop"])
    chart_artist = _segment_sample(pop_cum, np.zeros(n_disc, np.int64), np.full(n_disc, n_artists), rng.random(n_disc))
    artist = np.where(is_chart, chart_artist, artist)
    artist = np.where(is_favourite, favourites[d_user, rng.integers(0, size.favourite_artists, n_disc)], artist)
    track_cum = np.cumsum(cat["month_weights"].ravel())
    base = d_month * n_tracks
    disc_track = _segment_sample(track_cum, base + cat["artist_start"][artist], base + cat["artist_end"][artist],
                                 rng.random(n_disc)) - base
    affinity = theta[cluster[d_user], cat["artist_genre"][cat["track_artist"][disc_track]]]
    stickiness = rng.lognormal(0.0, 1.0, n_disc) * (0.2 + affinity) * np.where(is_favourite, 2.0, 1.0)

    # Re-listens: a recent discovery or the stickiest of three earlier ones.
    seen = np.cumsum(is_discovery)
    disc_offset = (seen - 1)[first]  # index of each user's first discovery
    before = seen - is_discovery - disc_offset[user]  # discoveries earlier in the user's history
    r_before, r_user = before[~is_discovery], user[~is_discovery]
    n_re = len(r_user)
    recent = np.maximum(r_before - 1 - np.floor(rng.exponential(12.0, n_re)).astype(np.int64), 0)
    candidates = np.floor(rng.random((n_re, 3)) * r_before[:, None]).astype(np.int64)
    pick = np.argmax(stickiness[disc_offset[r_user][:, None] + candidates], axis=1)
    sticky = candidates[np.arange(n_re), pick]
    chosen = np.where(rng.random(n_re) < 0.5, recent, sticky)
    track = np.empty(total, dtype=np.int64)
    track[is_discovery] = disc_track
    track[~is_discovery] = disc_track[disc_offset[r_user] + chosen]

    position = np.arange(total) - np.repeat(np.concatenate([[0], np.cumsum(plays["n_plays"])[:-1]]), plays["n_plays"])
    interactions = pl.DataFrame({
        "user_id": pl.Series(user_ids[user], dtype=pl.Int32),
        "track_id": pl.Series(track_ids[track], dtype=pl.Int32),
        "track_seq": pl.Series(position + 1, dtype=pl.Int16),
        "started_at": pl.Series((YEAR_START + seconds.astype("timedelta64[s]")).astype("datetime64[us]"),
                                dtype=pl.Datetime("us")),
    }).sort("user_id", "track_seq")
    tables = {"tracks": _tracks(cat, rng, genre_ids, artist_ids, album_ids, track_ids),
              "interactions": interactions}
    tables["catalog_names"] = _catalog_names(cat, rng, genre_ids, artist_ids, album_ids, track_ids)
    tables = {name: tables[name] for name in TABLE_NAMES}
    log.info("demo Yandex Music: %d users, %d tracks, %d artists, %d albums, %d genres, %d plays (%.0f%% re-listens) "
             "in %.1f s", n_users, n_tracks, n_artists, cat["n_albums"], size.genres, total,
             100 * n_re / total, time.perf_counter() - started)
    return tables


def _tracks(cat: dict, rng: np.random.Generator, genre_ids, artist_ids, album_ids, track_ids) -> pl.DataFrame:
    """tracks.parquet: the primary artist/album/genre first, then featured artists, compilations and second
    genres; a few tracks have an empty list."""
    n = len(track_ids)
    rows = np.arange(n)
    n_compilations = len(album_ids) - cat["n_albums"]
    on_compilation = rng.random(n) < 0.06
    album_owner = np.concatenate([rows, rows[on_compilation]])
    album_value = np.concatenate([album_ids[cat["track_album"]],
                                  album_ids[cat["n_albums"] + rng.integers(0, n_compilations, on_compilation.sum())]])
    featured = (rng.random(n) < 0.10)
    other = (cat["track_artist"] + rng.integers(1, len(artist_ids), n)) % len(artist_ids)
    artist_owner = np.concatenate([rows, rows[featured]])
    artist_value = np.concatenate([artist_ids[cat["track_artist"]], artist_ids[other[featured]]])
    genre = cat["artist_genre"][cat["track_artist"]]
    second_genre = (rng.random(n) < 0.15) & (len(genre_ids) > 1)
    other_genre = (genre + rng.integers(1, max(len(genre_ids), 2), n)) % len(genre_ids)
    genre_owner = np.concatenate([rows, rows[second_genre]])
    genre_value = np.concatenate([genre_ids[genre], genre_ids[other_genre[second_genre]]])

    def drop_some(owner, values, share):
        # Real quirk: some tracks have an empty list.
        empty = rng.random(n) < share
        keep = ~empty[owner]
        return owner[keep], values[keep]

    return pl.DataFrame({
        "track_id": pl.Series(track_ids, dtype=pl.Int64),
        "albums": _lists(*drop_some(album_owner, album_value, 0.02), n),
        "artists": _lists(*drop_some(artist_owner, artist_value, 0.01), n),
        "genres": _lists(*drop_some(genre_owner, genre_value, 0.03), n),
    }).sort("track_id")


def _catalog_names(cat: dict, rng: np.random.Generator, genre_ids, artist_ids, album_ids, track_ids) -> pl.DataFrame:
    """catalog_names.parquet: one name per id of each type (an id is unique only within its type)."""
    n_tracks = len(track_ids)
    artist_names = _artist_names(rng, len(artist_ids))
    album_names = _names(rng, FIRST, WORDS, cat["n_albums"])
    track_names = _names(rng, WORDS, WORDS, n_tracks).str.to_titlecase()
    feat = rng.random(n_tracks) < 0.05
    track_names = pl.select(pl.when(pl.Series(feat)).then(track_names + " (feat. " + pl.Series(
        np.asarray(artist_names, dtype=object)[rng.integers(0, len(artist_ids), n_tracks)]) + ")")
        .otherwise(track_names)).to_series()
    parts = [
        ("genre", genre_ids, list(GENRE_NAMES[: len(genre_ids)])),
        ("artist", artist_ids, artist_names),
        ("album", album_ids, album_names.to_list() + list(COMPILATIONS)),
        ("track", track_ids, track_names.to_list()),
    ]
    return pl.concat([
        pl.DataFrame({"id": pl.Series(ids, dtype=pl.Int64), "type": pl.Series([kind] * len(ids), dtype=pl.String),
                      "name": pl.Series(names, dtype=pl.String)})
        for kind, ids, names in parts
    ]).sort("type", "id")


def write(tables: dict[str, pl.DataFrame], outputs: dict[str, str]) -> None:
    """Write each table to ``outputs[name]`` as parquet, atomically (a file is complete or absent)."""
    for name in TABLE_NAMES:
        write_parquet(tables[name], outputs[name])
