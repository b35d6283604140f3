"""The data profile of the real Last.fm HetRec 2011 2k files (and the real Spotify songs) against the
published shape of the data (readme.txt of the GroupLens zip: 1,892 users, 17,632 artists, 92,834
user-artist pairs, on average 49.067 artists per user and 5.265 users per artist)."""

from __future__ import annotations

import pytest

from conftest import SHARED_DATA
from musicrec import profiling
from musicrec.datasets.lastfm import TABLE_NAMES
from musicrec.datasets.profiles import READERS

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def hetrec_profile() -> profiling.Profile:
    folder, spotify = SHARED_DATA / "hetrec2011-lastfm-2k", SHARED_DATA / "spotify_songs" / "spotify_songs.csv"
    if not (folder / "user_artists.dat").is_file() or not spotify.is_file():
        pytest.skip(f"the real HetRec files or spotify_songs.csv are absent under {SHARED_DATA} (it sits beside "
                    "the repo in CI)")
    paths = {name: str(folder / f"{name}.dat") for name in TABLE_NAMES} | {"spotify": str(spotify)}
    return profiling.compute(READERS["lastfm"](paths))


def test_the_profile_has_the_published_shape(hetrec_profile):
    values = hetrec_profile.values
    assert (values["users"], values["items"], values["rows"]) == (1892, 17632, 92834)
    assert values["user_item_pairs"] == 92834, "each user-artist pair is one row of user_artists.dat"
    assert values["density"] == pytest.approx(92834 / (1892 * 17632))
    assert values["events_per_user_mean"] == pytest.approx(49.067, abs=5e-4)
    assert values["events_per_item_mean"] == pytest.approx(5.265, abs=5e-4)
    assert values["events_per_user_max"] == 50, "HetRec lists each user's most listened artists, at most 50"


def test_the_artist_long_tail_and_the_spotify_join_are_reported(hetrec_profile):
    values = hetrec_profile.values
    assert 0 < values["item_top1%_share"] < values["item_top10%_share"] < values["item_top20%_share"] < 1
    assert values["item_weight_top10%_share"] > values["item_top10%_share"], "plays are more concentrated"
    assert 0 < values["spotify_artist_coverage"] < values["spotify_pair_coverage"] < 1
    audio = hetrec_profile.extras.filter(hetrec_profile.extras["table"].str.starts_with("Spotify audio"))
    assert {"danceability", "energy", "valence", "tempo"} <= set(audio["group"])
