"""Deterministic KKBox-shaped demo data (WSDM Cup 2018 schema) with planted structure.

What is planted, so that models have something to learn and the fairness report something to find:

* latent tastes: users, artists and genres live in one latent space; a song is its artist plus its
  genre plus noise, and both the choice of a song and the chance of a repeat listen rise with the
  user-song affinity;
* popularity skew: artists have log-normal popularity, songs inherit it;
* artist-gender popularity bias: female artists and mixed groups get a lower popularity multiplier,
  so listening (and models trained on it) under-expose them relative to the catalogue;
* source context: replays from "my library" are far more often repeated than radio plays;
* repeat-listen behaviour: users replay songs from their own history, and a song or artist they
  already played raises the chance of a repeat;
* consumer groups: user gender and age band shift the repeat rate a little.

And the quirks of the real files: empty source_* fields; bd of 0, negative and over 1000; gender empty
for more than half of the members; multi-valued genre_ids/composer/lyricist with ``|`` and stray
spaces; language -1 and missing (written as floats, as in the real songs.csv); song ids in train/test
absent from songs.csv and song_extra_info.csv; quoted names with commas and newlines; CJK text;
base64 ids with ``+``, ``/`` and ``=``.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..io import atomic_path

log = logging.getLogger(__name__)

LATENT_DIM = 8
GENRE_IDS = [465, 958, 1259, 2022, 921, 1609, 2122, 359, 1152, 786, 726, 139, 1011, 444, 947, 388]
LANGUAGES = [3.0, 52.0, 31.0, 17.0, 10.0, 24.0, -1.0]
LANGUAGE_P = [0.45, 0.25, 0.08, 0.08, 0.04, 0.05, 0.05]
ARTIST_GENDERS = ["male", "female", "mixed", "unknown"]
ARTIST_GENDER_P = [0.50, 0.28, 0.12, 0.10]
# Listening popularity multiplier per artist gender: the planted provider-side bias.
GENDER_POPULARITY = {"male": 1.0, "female": 0.45, "mixed": 0.7, "unknown": 0.8}

LATIN_SYLLABLES = np.array(["ka", "lo", "mi", "ra", "ne", "so", "ta", "vi", "de", "ju", "an", "el", "or", "is", "us", "ba"])
ISRC_REGISTRANT_CHARS = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
COMPOSER_COUNTS = np.array([0, 1, 1, 1, 2, 3])  # composers of a song, drawn uniformly from these
LYRICIST_COUNTS = np.array([0, 0, 1, 1, 2])
CJK_NAMES = ["周杰倫", "張信哲", "五月天", "田馥甄", "林俊傑", "蔡依林", "陳奕迅", "孫燕姿", "王力宏", "鄧紫棋", "아이유", "宇多田ヒカル"]

# (tab, screen, type, repeat-logit effect); the first three are library replays.
LIBRARY_SOURCES = [
    ("my library", "Local playlist more", "local-library", 1.1),
    ("my library", "My library", "local-playlist", 0.9),
    ("search", "Search", "song", 0.4),
]
DISCOVERY_SOURCES = [
    ("discover", "Online playlist more", "online-playlist", 0.0),
    ("radio", "Radio", "radio", -0.9),
    ("search", "Search", "song", 0.3),
    ("explore", "Explore", "top-hits-for-artist", -0.2),
    ("listen with", "Others profile more", "listen-with", -0.5),
    ("discover", "Discover Feature", "song-based-playlist", -0.1),
    ("notification", "", "album", -0.3),
    ("discover", "Album more", "album", 0.1),
]
DISCOVERY_P = [0.32, 0.2, 0.1, 0.1, 0.08, 0.1, 0.03, 0.07]
LIBRARY_P = [0.6, 0.25, 0.15]
# Every source; an event's source is its index here (library sources first).
SOURCES = LIBRARY_SOURCES + DISCOVERY_SOURCES
SOURCE_EFFECT = np.array([source[3] for source in SOURCES])
REPLAY_P = 0.35  # chance that a member's event (after the first) replays a song of their history
N_CANDIDATES = 24  # popularity-drawn songs a discovery chooses from
EVENT_CHUNK_ROWS = 1 << 16  # events whose candidate vectors are held at once (bounds the memory)


@dataclass(frozen=True)
class KKBoxDemoSize:
    """Size knob of the demo data.

    ``n_songs`` songs (of ``n_artists`` artists) can be played by the ``n_members`` members;
    ``n_train`` plays go to train.csv, the next ``n_test`` to test.csv. ``songs_csv_rows``, when
    set, pads songs.csv (and song_extra_info.csv) with songs nobody plays up to that many rows, as
    the real songs.csv lists 2,296,320 songs of which about 420,000 are played; unset, songs.csv
    holds only the playable songs (minus the 1% missing on purpose).
    """

    n_members: int
    n_artists: int
    n_songs: int
    n_train: int
    n_test: int
    songs_csv_rows: int | None = None

    @classmethod
    def named(cls, name: str) -> "KKBoxDemoSize":
        """``tiny`` (tests), ``default`` (the demo), ``kaggle`` (the row counts of the real files:
        train.csv 7,377,418, test.csv 2,556,790, members.csv 34,403, songs.csv 2,296,320; about
        358,000 distinct songs in train.csv, as the real 359,966)."""
        sizes = {
            "tiny": cls(n_members=300, n_artists=120, n_songs=900, n_train=12_000, n_test=3_000),
            "default": cls(n_members=2_000, n_artists=600, n_songs=6_000, n_train=100_000, n_test=25_000),
            "kaggle": cls(n_members=34_403, n_artists=42_000, n_songs=420_000, n_train=7_377_418,
                          n_test=2_556_790, songs_csv_rows=2_296_320),
        }
        if name not in sizes:
            raise ValueError(f"unknown demo size {name!r}; choose one of {sorted(sizes)}")
        return sizes[name]


def _base64_ids(rng: np.random.Generator, n: int) -> list[str]:
    """Ids shaped like KKBox's: base64 of 32 random bytes (44 chars, with + / and a trailing =)."""
    raw = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    return [base64.b64encode(row.tobytes()).decode("ascii") for row in raw]


def _uniform_pick(rng: np.random.Generator, values: np.ndarray, size=None):
    """``size`` values drawn uniformly with replacement: the same draw as ``rng.choice(values, size)``
    (one bounded integer per value), without its per-call overhead (the songs loop calls it millions
    of times at the kaggle size)."""
    return values[rng.integers(0, len(values), size=size)]


def _latin_name(rng: np.random.Generator, words: int) -> str:
    parts = []
    for _ in range(words):
        syllables = _uniform_pick(rng, LATIN_SYLLABLES, rng.integers(2, 4))
        parts.append("".join(syllables).capitalize())
    return " ".join(parts)


def _artist_names(rng: np.random.Generator, n: int) -> list[str]:
    """Unique artist names: Latin, CJK with a bracketed alias, comma names, multi-artist ``|`` names."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        kind = rng.random()
        if kind < 0.12:
            base = CJK_NAMES[int(rng.integers(len(CJK_NAMES)))]
            name = f"{base} ({_latin_name(rng, 2)})"
        elif kind < 0.17:
            name = f"{_latin_name(rng, 1)}, {_latin_name(rng, 1)} & {_latin_name(rng, 1)}"
        elif kind < 0.22:
            name = f"{_latin_name(rng, 2)}| {_latin_name(rng, 2)}"
        elif kind < 0.25:
            name = f"{_latin_name(rng, 1)} feat. {_latin_name(rng, 2)}"
        else:
            name = _latin_name(rng, int(rng.integers(1, 3)))
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _multi_valued(rng: np.random.Generator, values: list[str]) -> str:
    """Join with '|' and the stray spaces of the real files."""
    sep = "| " if rng.random() < 0.3 else "|"
    return sep.join(values)


def _yyyymmdd(days_since_2004: np.ndarray) -> np.ndarray:
    dates = pd.Timestamp("2004-01-01") + pd.to_timedelta(days_since_2004, unit="D")
    return (dates.year * 10_000 + dates.month * 100 + dates.day).to_numpy().astype(np.int64)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def generate(size: KKBoxDemoSize, seed: int) -> dict[str, pd.DataFrame]:
    """Return the five Kaggle tables plus the artist demographics table, keyed by file stem."""
    rng = np.random.default_rng(seed)
    d = LATENT_DIM

    # Artists: taste vector, genre, language, gender, popularity.
    n_artists = size.n_artists
    artist_names = _artist_names(rng, n_artists)
    artist_vec = rng.normal(size=(n_artists, d))
    artist_genre = rng.integers(0, len(GENRE_IDS), size=n_artists)
    artist_language = rng.choice(LANGUAGES, p=LANGUAGE_P, size=n_artists)
    artist_gender = rng.choice(ARTIST_GENDERS, p=ARTIST_GENDER_P, size=n_artists)
    gender_mult = np.array([GENDER_POPULARITY[g] for g in artist_gender])
    artist_pop = rng.lognormal(0.0, 1.1, size=n_artists) * gender_mult

    # Songs: belong to artists (heavy-tailed catalogue sizes), latent = artist + genre + noise.
    genre_vec = rng.normal(size=(len(GENRE_IDS), d))
    n_songs = size.n_songs
    song_artist = rng.choice(n_artists, size=n_songs, p=_normalise(rng.pareto(1.5, n_artists) + 0.2))
    song_vec = 0.8 * artist_vec[song_artist] + 0.4 * genre_vec[artist_genre[song_artist]]
    song_vec += 0.4 * rng.normal(size=(n_songs, d))
    song_quality = rng.normal(0.0, 0.5, size=n_songs)
    song_pop = artist_pop[song_artist] * rng.lognormal(0.0, 0.8, size=n_songs)
    song_ids = _base64_ids(rng, n_songs)

    # Members: taste, activity, repeat propensity, demographics.
    n_members = size.n_members
    member_ids = _base64_ids(rng, n_members)
    member_vec = rng.normal(size=(n_members, d))
    activity = _normalise(rng.lognormal(0.0, 1.0, size=n_members))
    member_gender = rng.choice(["", "male", "female"], p=[0.56, 0.23, 0.21], size=n_members)
    age = np.clip(rng.normal(28, 8, size=n_members).round(), 14, 70).astype(int)
    bd = np.where(rng.random(n_members) < 0.42, 0, age)
    outlier = rng.random(n_members)
    bd = np.where(outlier < 0.01, -rng.integers(1, 50, n_members), bd)
    bd = np.where((outlier >= 0.01) & (outlier < 0.015), rng.integers(1000, 3000, n_members), bd)
    member_bias = rng.normal(0.0, 0.6, size=n_members)
    member_bias += np.where(member_gender == "female", 0.15, 0.0) + np.where(age < 22, -0.2, 0.0)

    events = _simulate_events(
        rng, size.n_train + size.n_test, member_vec, activity, member_bias, song_vec, song_pop,
        song_quality, song_artist,
    )
    tab, screen, stype = _blank_some(rng, events["source"])
    table = pd.DataFrame(
        {
            "msno": np.asarray(member_ids, dtype=object)[events["member"]],
            "song_id": np.asarray(song_ids, dtype=object)[events["song"]],
            "source_system_tab": tab,
            "source_screen_name": screen,
            "source_type": stype,
        }
    )
    train = table.iloc[: size.n_train].copy()
    train["target"] = events["target"][: size.n_train]
    test = table.iloc[size.n_train :].reset_index(drop=True)
    test.insert(0, "id", np.arange(len(test), dtype=np.int64))

    songs = _songs_table(rng, song_ids, song_artist, artist_names, artist_genre, artist_language)
    extra = _song_extra_table(rng, song_ids)
    # Real quirk: some ids in train/test have no songs.csv row (1%) or song_extra_info row (5%).
    songs = songs[rng.random(len(songs)) >= 0.01].reset_index(drop=True)
    extra = extra[rng.random(len(extra)) >= 0.05].reset_index(drop=True)

    members = _members_table(rng, member_ids, member_gender, bd)
    if size.songs_csv_rows is not None:
        songs, extra = _pad_catalogue(rng, songs, extra, size.songs_csv_rows - len(songs), artist_names,
                                      artist_genre, artist_language)
    demographics = pd.DataFrame(
        {
            "artist_name": artist_names,
            "mbid": "",
            "gender": artist_gender,
            "type": np.select(
                [artist_gender == "mixed", artist_gender == "unknown"], ["group", "unknown"], "person"
            ),
            "country": "",
            "score": np.nan,
            "status": "demo",
        }
    )
    log.info(
        "demo KKBox: %d train rows (target mean %.3f), %d test rows, %d members, %d playable songs "
        "(%d songs.csv rows), %d artists",
        len(train), train["target"].mean(), len(test), n_members, n_songs, len(songs), n_artists,
    )
    return {
        "train": train,
        "test": test,
        "songs": songs,
        "members": members,
        "song_extra_info": extra,
        "artist_demographics": demographics,
    }


def _normalise(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum()


def _simulate_events(rng, n_events, member_vec, activity, member_bias, song_vec, song_pop, song_quality,
                     song_artist, chunk_rows: int = EVENT_CHUNK_ROWS) -> dict[str, np.ndarray]:
    """Listening events in time order: discovery by popularity x taste, or replay from own history.

    A member's first event is a discovery; every later one is a replay with probability
    ``REPLAY_P`` (a song drawn uniformly from the songs the member discovered before, by the
    library sources) and otherwise a discovery (the best of ``N_CANDIDATES`` popularity-drawn songs
    by 1.5 x affinity + Gumbel noise, by the discovery sources). Vectorised; the random numbers are
    drawn in the order of an event-by-event simulation, the large per-candidate draws in chunks of
    ``chunk_rows`` events from the same stream, so the result does not depend on ``chunk_rows``.
    """
    member = rng.choice(len(activity), size=n_events, p=activity)
    discovered = _discoveries(rng, member, member_vec, song_vec, song_pop, chunk_rows)
    replay_draw = rng.random(n_events)
    history_pick = rng.random(n_events)
    discovery_source = rng.choice(len(DISCOVERY_SOURCES), p=DISCOVERY_P, size=n_events)
    library_source = rng.choice(len(LIBRARY_SOURCES), p=LIBRARY_P, size=n_events)

    replay = ~_first_occurrences(member) & (replay_draw < REPLAY_P)
    song = _played_songs(member, discovered, replay, history_pick)
    source = np.where(replay, library_source, len(LIBRARY_SOURCES) + discovery_source)
    prior_artist = _earlier_plays(member, song_artist[song])
    prior_song = _earlier_plays(member, song)

    logit = (
        -1.6
        + 1.3 * _row_affinity(member_vec, member, song_vec, song, chunk_rows)
        + SOURCE_EFFECT[source]
        + member_bias[member]
        + song_quality[song]
        + 0.35 * np.log1p(prior_artist)
        + 0.5 * np.minimum(prior_song, 3)
    )
    target = (rng.random(n_events) < _sigmoid(logit)).astype(np.int64)
    return {"member": member, "song": song, "source": source, "target": target}


def _chunks(n: int, chunk_rows: int):
    """(start, stop) of consecutive chunks of at most ``chunk_rows`` of ``n`` rows."""
    return ((start, min(start + chunk_rows, n)) for start in range(0, n, chunk_rows))


def _discoveries(rng, member, member_vec, song_vec, song_pop, chunk_rows) -> np.ndarray:
    """The song each event would discover: the argmax over its candidates of 1.5 x affinity + Gumbel.

    All candidates are drawn first (as one (events x N_CANDIDATES) draw would), then the Gumbel noise,
    chunk by chunk, so that only one chunk of candidate vectors is in memory at a time.
    """
    n_events = len(member)
    weights = _normalise(song_pop)
    candidates = np.empty((n_events, N_CANDIDATES), dtype=np.int32)
    for start, stop in _chunks(n_events, chunk_rows):
        candidates[start:stop] = rng.choice(len(song_pop), size=(stop - start, N_CANDIDATES), p=weights)
    scale = np.sqrt(member_vec.shape[1])
    discovered = np.empty(n_events, dtype=np.int64)
    for start, stop in _chunks(n_events, chunk_rows):
        chunk = candidates[start:stop]
        affinity = np.einsum("nd,nkd->nk", member_vec[member[start:stop]], song_vec[chunk]) / scale
        best = np.argmax(1.5 * affinity + rng.gumbel(size=affinity.shape), axis=1)
        discovered[start:stop] = chunk[np.arange(stop - start), best]
    return discovered


def _first_occurrences(member: np.ndarray) -> np.ndarray:
    """True at each member's first event."""
    first = np.zeros(len(member), dtype=bool)
    first[np.unique(member, return_index=True)[1]] = True
    return first


def _played_songs(member, discovered, replay, history_pick) -> np.ndarray:
    """The song of every event: the discovered song, or, for a replay, the song at position
    floor(history_pick x n) of the n songs the member discovered before (in discovery order)."""
    order = np.argsort(member, kind="stable")  # events grouped by member, in time order within a member
    is_discovery = ~replay[order]
    discoveries_before = np.cumsum(is_discovery) - is_discovery
    grouped_member = member[order]
    group_start = np.r_[True, grouped_member[1:] != grouped_member[:-1]]
    member_base = np.maximum.accumulate(np.where(group_start, discoveries_before, 0))
    grouped_discovered = discovered[order]
    grouped_song = grouped_discovered.copy()
    replays = ~is_discovery
    position = (history_pick[order][replays] * (discoveries_before - member_base)[replays]).astype(np.int64)
    grouped_song[replays] = grouped_discovered[is_discovery][member_base[replays] + position]
    song = np.empty_like(grouped_song)
    song[order] = grouped_song
    return song


def _earlier_plays(member: np.ndarray, item: np.ndarray) -> np.ndarray:
    """For each event, how many earlier events had the same member and item (as a float)."""
    key = member.astype(np.int64) * (int(item.max()) + 1) + item
    order = np.argsort(key, kind="stable")
    grouped_key = key[order]
    rank = np.arange(len(key))
    group_start = np.r_[True, grouped_key[1:] != grouped_key[:-1]]
    earlier = np.empty(len(key), dtype=np.float64)
    earlier[order] = rank - np.maximum.accumulate(np.where(group_start, rank, 0))
    return earlier


def _row_affinity(member_vec, member, song_vec, song, chunk_rows) -> np.ndarray:
    """Affinity of each event's member and song: their vectors' dot product / sqrt(dimension)."""
    scale = np.sqrt(member_vec.shape[1])
    affinity = np.empty(len(member))
    for start, stop in _chunks(len(member), chunk_rows):
        rows = slice(start, stop)
        affinity[rows] = np.einsum("nd,nd->n", member_vec[member[rows]], song_vec[song[rows]]) / scale
    return affinity


def _blank_some(rng, source: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The three source columns of each event's source, leaving fields empty as in the real files."""
    columns = np.array([s[:3] for s in SOURCES], dtype=object)[source]
    blank = rng.random(columns.shape) < np.array([0.01, 0.05, 0.03])
    columns[blank] = ""
    return columns[:, 0], columns[:, 1], columns[:, 2]


def _songs_table(rng, song_ids, song_artist, artist_names, artist_genre, artist_language) -> pd.DataFrame:
    n = len(song_ids)
    genres = []
    composers = []
    lyricists = []
    composer_pool = np.array([_latin_name(rng, 2) for _ in range(max(20, n // 20))] + CJK_NAMES)
    for i in range(n):
        primary = GENRE_IDS[artist_genre[song_artist[i]]]
        r = rng.random()
        if r < 0.02:
            genres.append("")
        elif r < 0.17:
            genres.append(_multi_valued(rng, [str(primary), str(GENRE_IDS[rng.integers(len(GENRE_IDS))])]))
        else:
            genres.append(str(primary))
        n_comp = int(_uniform_pick(rng, COMPOSER_COUNTS))
        composers.append(_multi_valued(rng, list(rng.choice(composer_pool, size=n_comp, replace=False))))
        n_lyr = int(_uniform_pick(rng, LYRICIST_COUNTS))
        lyricists.append(_multi_valued(rng, list(rng.choice(composer_pool, size=n_lyr, replace=False))))
    language = artist_language[song_artist].astype(float)
    language[rng.random(n) < 0.001] = np.nan
    return pd.DataFrame(
        {
            "song_id": song_ids,
            "song_length": np.clip(rng.normal(240_000, 60_000, n), 20_000, 900_000).astype(np.int64),
            "genre_ids": genres,
            "artist_name": np.asarray(artist_names, dtype=object)[song_artist],
            "composer": composers,
            "lyricist": lyricists,
            "language": language,
        }
    )


def _pad_catalogue(rng, songs, extra, n_unplayed, artist_names, artist_genre, artist_language):
    """songs.csv and song_extra_info.csv rows plus ``n_unplayed`` songs that no play references.

    Drawn after every other table, so that sizes without padding give the same files as before.
    """
    if n_unplayed < 0:
        raise ValueError(f"songs_csv_rows is {-n_unplayed} below the playable songs kept in songs.csv")
    song_ids = _base64_ids(rng, n_unplayed)
    song_artist = rng.integers(0, len(artist_names), size=n_unplayed)
    unplayed = _songs_table(rng, song_ids, song_artist, artist_names, artist_genre, artist_language)
    unplayed_extra = _song_extra_table(rng, song_ids)
    return pd.concat([songs, unplayed], ignore_index=True), pd.concat([extra, unplayed_extra], ignore_index=True)


def _song_extra_table(rng, song_ids) -> pd.DataFrame:
    n = len(song_ids)
    names = []
    for _ in range(n):
        r = rng.random()
        if r < 0.1:
            names.append(CJK_NAMES[int(rng.integers(len(CJK_NAMES)))] + "之歌")
        elif r < 0.13:
            names.append(f"{_latin_name(rng, 2)}, {_latin_name(rng, 1)}")
        elif r < 0.14:
            names.append(f"{_latin_name(rng, 2)}\n(Live)")
        else:
            names.append(_latin_name(rng, int(rng.integers(1, 4))))
    countries = rng.choice(["TW", "US", "GB", "JP", "KR", "HK", "CN"], size=n)
    years = rng.integers(0, 100, size=n)
    isrc = [
        f"{c}{''.join(_uniform_pick(rng, ISRC_REGISTRANT_CHARS, 3))}{y:02d}{rng.integers(0, 99999):05d}"
        for c, y in zip(countries, years)
    ]
    isrc = np.where(rng.random(n) < 0.03, "", np.asarray(isrc, dtype=object))
    return pd.DataFrame({"song_id": song_ids, "name": names, "isrc": isrc})


def _members_table(rng, member_ids, member_gender, bd) -> pd.DataFrame:
    n = len(member_ids)
    registration_days = rng.integers(0, 365 * 13, size=n)
    expiration_days = registration_days + rng.integers(30, 365 * 5, size=n)
    expiration = _yyyymmdd(expiration_days)
    expiration[rng.random(n) < 0.01] = 19700101
    return pd.DataFrame(
        {
            "msno": member_ids,
            "city": np.where(rng.random(n) < 0.5, 1, rng.integers(3, 23, size=n)),
            "bd": bd.astype(np.int64),
            "gender": member_gender,
            "registered_via": rng.choice([3, 4, 7, 9, 13], p=[0.2, 0.25, 0.2, 0.3, 0.05], size=n),
            "registration_init_time": _yyyymmdd(registration_days),
            "expiration_date": expiration,
        }
    )


def write(tables: dict[str, pd.DataFrame], out_paths: dict[str, str]) -> None:
    """Write each table as CSV (UTF-8, quoted where needed, empty string for missing) atomically."""
    for name, path in out_paths.items():
        with atomic_path(path) as tmp:
            tables[name].to_csv(tmp, index=False, encoding="utf-8", na_rep="")
        log.info("wrote %s (%d rows)", Path(path).name, len(tables[name]))
