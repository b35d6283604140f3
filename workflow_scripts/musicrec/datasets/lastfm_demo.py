"""Deterministic Last.fm HetRec 2011-shaped demo data with planted structure.

Planted: latent tastes (each artist has one of a few genres; each user a Dirichlet mixture over
genres, and a user's artists are drawn by taste x popularity, with co-listening inside genres, which
item-kNN and the ranker can learn); popularity skew (log-normal artist popularity); artist-gender
popularity bias (female artists and mixed groups get a lower popularity multiplier; their gender is in
artist_demographics.csv); audio profiles that follow the genre (the Spotify demo songs), so content kNN
has signal; tags that name the genre; tagging dates that follow the order in which a user found
artists. Real-file quirks: tab-separated with a header, tags.dat in Latin-1 with non-ASCII tags,
names with quote characters and accents, tag rows pointing at artist ids absent from artists.dat.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from ..io import atomic_path
from . import spotify_demo

log = logging.getLogger(__name__)

GENRES = ("rock", "pop", "rap", "edm", "latin", "r&b")
GENRE_TAGS = {"rock": "rock", "pop": "pop", "rap": "hip-hop", "edm": "electronic", "latin": "música latina",
              "r&b": "rnb"}
EXTRA_TAGS = ("seen live", "favorites", "chillout", "female vocalists", "80s", "café del mar", "beautiful", "indie")
ARTIST_GENDERS = ("male", "female", "mixed", "unknown")
ARTIST_GENDER_P = (0.50, 0.28, 0.12, 0.10)
GENDER_POPULARITY = {"male": 1.0, "female": 0.45, "mixed": 0.7, "unknown": 0.8}
FIRST = ("Blue", "Silver", "Dark", "Electric", "Golden", "Velvet", "Crimson", "Lazy", "Wild", "Quiet", "Neon",
         "Broken", "Sweet", "Iron", "Paper", "Midnight", "Crystal", "Hollow", "Lucky", "Rusty")
SECOND = ("Foxes", "Rivers", "Echoes", "Hearts", "Machines", "Ghosts", "Wolves", "Lights", "Kings", "Sirens",
          "Dreams", "Saints", "Tigers", "Roses", "Waves", "Pilots", "Shadows", "Mirrors", "Engines", "Birds")
PERSONS = ("Zoë", "José", "Dustin", "Beyoncé", "Björn", "Anaïs", "Sean", "Chloé", "Renée", "Tomás")
SURNAMES = ("O'Halloran", "Núñez", "McKay", "Åberg", "D'Angelo", "Smith", "Ortega", "Lefèvre", "Kowalski", "Brandt")


@dataclass(frozen=True)
class LastfmDemoSize:
    users: int
    artists: int
    artists_per_user: int

    @classmethod
    def named(cls, size: str) -> "LastfmDemoSize":
        sizes = {"tiny": cls(80, 300, 20), "default": cls(400, 1500, 40)}
        if size not in sizes:
            raise ValueError(f"unknown demo size {size!r} (tiny or default)")
        return sizes[size]


def _artist_names(rng: np.random.Generator, n: int) -> list[str]:
    """Unique names: bands ('The Blue Foxes', 'Dark & Wild'), persons with accents and quotes."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        kind = rng.random()
        if kind < 0.45:
            name = f"{'The ' if rng.random() < 0.4 else ''}{rng.choice(FIRST)} {rng.choice(SECOND)}"
        elif kind < 0.6:
            name = f"{rng.choice(FIRST)} & {rng.choice(SECOND)}"
        else:
            name = f"{rng.choice(PERSONS)} {rng.choice(SURNAMES)}"
        if name in seen:
            name = f"{name} {len(names)}"
        seen.add(name)
        names.append(name)
    return names


def generate(size: LastfmDemoSize, seed: int) -> dict[str, pl.DataFrame]:
    """The five HetRec tables, the Spotify songs table and the artists' demographics."""
    rng = np.random.default_rng(seed)
    n_genres = len(GENRES)
    artist_ids = np.sort(rng.choice(np.arange(1, size.artists * 3), size=size.artists, replace=False))
    genre = rng.integers(0, n_genres, size.artists)
    gender = rng.choice(ARTIST_GENDERS, p=ARTIST_GENDER_P, size=size.artists)
    popularity = rng.lognormal(0.0, 1.2, size.artists) * np.array([GENDER_POPULARITY[g] for g in gender])
    names = _artist_names(rng, size.artists)
    user_ids = np.arange(2, 2 + size.users)
    taste = rng.dirichlet(np.full(n_genres, 0.3), size.users)

    pairs, tag_rows = [], []
    tag_ids = {tag: i + 1 for i, tag in enumerate([*GENRE_TAGS.values(), *EXTRA_TAGS])}
    for u, user in enumerate(user_ids):
        n = int(np.clip(rng.normal(size.artists_per_user, size.artists_per_user / 4), 3, size.artists_per_user * 2))
        p = taste[u, genre] ** 2 * popularity
        chosen = rng.choice(size.artists, size=min(n, size.artists), replace=False, p=p / p.sum())
        affinity = taste[u, genre[chosen]]
        weights = np.maximum(1, (rng.lognormal(5.0, 1.2, len(chosen)) * (0.3 + affinity)).astype(np.int64))
        pairs.append(pl.DataFrame({"userID": user, "artistID": artist_ids[chosen], "weight": weights}))
        start = np.datetime64("2005-08-01") + rng.integers(0, 1500)
        for step, a in enumerate(chosen):
            if rng.random() < 0.5:
                day = min(start + step * int(rng.integers(5, 30)), np.datetime64("2011-05-31"))
                y, m, d = (int(x) for x in str(day).split("-"))
                tag = GENRE_TAGS[GENRES[genre[a]]] if rng.random() < 0.7 else str(rng.choice(EXTRA_TAGS))
                tag_rows.append((int(user), int(artist_ids[a]), tag_ids[tag], d, m, y))
    # Real quirk: tag assignments of artist ids that artists.dat does not list.
    missing_id = int(artist_ids.max()) + 7
    tag_rows += [(int(user_ids[0]), missing_id, 1, 1, 4, 2009), (int(user_ids[-1]), missing_id + 1, 2, 1, 5, 2010)]
    dominant = taste.argmax(axis=1)
    friends = {(int(a), int(b)) for a in range(size.users) for b in rng.choice(size.users, 3)
               if a != b and (dominant[a] == dominant[b] or rng.random() < 0.2)}
    friend_pairs = sorted({(int(user_ids[a]), int(user_ids[b])) for a, b in friends}
                          | {(int(user_ids[b]), int(user_ids[a])) for a, b in friends})
    artists = pl.DataFrame({
        "id": artist_ids, "name": names,
        "url": [f"http://www.last.fm/music/{n.replace(' ', '+')}" for n in names],
        "pictureURL": [f"http://userserve-ak.last.fm/serve/252/{i}.jpg" for i in artist_ids],
    })
    tables = {
        "user_artists": pl.concat(pairs).sort("userID", "artistID"),
        "artists": artists,
        "tags": pl.DataFrame({"tagID": list(tag_ids.values()), "tagValue": list(tag_ids)}),
        "user_taggedartists": pl.DataFrame(tag_rows, schema=["userID", "artistID", "tagID", "day", "month", "year"],
                                           orient="row").unique(["userID", "artistID", "tagID"]).sort("userID", "artistID", "tagID"),
        "user_friends": pl.DataFrame(friend_pairs, schema=["userID", "friendID"], orient="row"),
        "spotify": spotify_demo.generate(names, [GENRES[g] for g in genre], popularity, rng),
        "artist_demographics": pl.DataFrame({
            "artist_name": names, "mbid": "", "gender": gender,
            "type": np.select([gender == "mixed", gender == "unknown"], ["group", "unknown"], "person"),
            "country": "", "score": None, "status": "demo"}),
    }
    log.info("demo Last.fm: %d users, %d artists, %d pairs, %d tag rows, %d Spotify rows", size.users,
             size.artists, tables["user_artists"].height, len(tag_rows), tables["spotify"].height)
    return tables


def write(tables: dict[str, pl.DataFrame], paths: dict[str, str]) -> None:
    """Write the .dat files as HetRec does (tab, header, no quoting; tags.dat in Latin-1) and the CSVs."""
    for name, frame in tables.items():
        with atomic_path(paths[name]) as tmp:
            if name == "spotify":
                spotify_demo.write(frame, tmp)
            elif name == "artist_demographics":
                frame.write_csv(tmp)
            else:
                lines = ["\t".join(frame.columns)] + ["\t".join(str(v) for v in row) for row in frame.iter_rows()]
                Path(tmp).write_bytes(("\n".join(lines) + "\n").encode("latin-1" if name == "tags" else "utf-8"))
