"""Rule artist_demographics (KKBox) end to end: demo mode, and online mode against the local server."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest

from conftest import make_workdir, run_snakemake

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "musicbrainz"
sys.path.insert(0, str(FIXTURES))
from mb_server import RecordedMusicBrainz  # noqa: E402

TARGET = "results/kkbox/artist_demographics.csv"
pytestmark = pytest.mark.workflow


def test_demo_mode_copies_the_generator_table(tmp_path):
    workdir = make_workdir(tmp_path, {"kkbox": {"demo": {"size": "tiny"}}})
    run_snakemake(workdir, "--cores", "1", TARGET)
    table = pl.read_csv(workdir / TARGET, infer_schema=False)
    demo = pl.read_csv(workdir / "resources/kkbox/demo/artist_demographics.csv", infer_schema=False)
    assert table.columns == ["artist_name", "mbid", "gender", "type", "country", "score", "status"]
    assert table["artist_name"].to_list() == demo["artist_name"].to_list()
    assert table["gender"].to_list() == demo["gender"].to_list()


def test_musicbrainz_mode_against_the_local_server(tmp_path):
    songs = tmp_path / "kkbox_real" / "songs.csv"
    songs.parent.mkdir()
    songs.write_text(
        "song_id,song_length,genre_ids,artist_name,composer,lyricist,language\n"
        "s1,200,465,Taylor Swift,,,52\ns2,210,465,張信哲 (Jeff Chang),,,3\n"
        's3,190,465|1259,"Taylor Swift| Ed Sheeran",,,52\ns4,100,465,Nobody Here,,,-1\n',
        encoding="utf-8",
    )
    routes = {
        "artist:taylor swift": [FIXTURES / "search-artist-taylor-swift.xml"],
        "artist:ed sheeran": [FIXTURES / "search-artist-ed-sheeran.xml"],
        "artist:jeff chang": [FIXTURES / "search-artist-jeff-chang.xml"],
    }
    with RecordedMusicBrainz(routes) as server:
        config = {
            "kkbox": {"data": str(songs.parent)},
            "demographics": {
                "source": "musicbrainz", "hostname": server.hostname, "use_https": False,
                "rate_limit_seconds": 0.001, "backoff_seconds": 0.0, "cache": "resources/musicbrainz/cache.jsonl",
                "user_agent": {"app": "musicrec-tests", "version": "1", "contact": "tests@example.org"},
            },
        }
        workdir = make_workdir(tmp_path, config)
        run_snakemake(workdir, "--cores", "1", TARGET)
        first_run = len(server.requests)
        run_snakemake(workdir, "--cores", "1", TARGET, "--forcerun", "artist_demographics")
    rows = {r["artist_name"]: r for r in pl.read_csv(workdir / TARGET, infer_schema=False).iter_rows(named=True)}
    assert (rows["Taylor Swift"]["gender"], rows["Taylor Swift"]["status"]) == ("female", "found")
    assert (rows["張信哲 (Jeff Chang)"]["gender"], rows["張信哲 (Jeff Chang)"]["country"]) == ("male", "TW")
    assert (rows["Taylor Swift| Ed Sheeran"]["gender"], rows["Taylor Swift| Ed Sheeran"]["type"]) == ("mixed", "group")
    assert rows["Nobody Here"]["status"] == "not_found"
    assert first_run == 5 and len(server.requests) == first_run  # the forced rerun asked nothing: all cached
    log = (workdir / "results/logs/kkbox/artist_demographics.log").read_text(encoding="utf-8")
    assert "MusicBrainz: 4/4 artists (3 found), 0 requests, 6 cache hits" in log


def test_demo_source_with_real_data_is_a_config_error(tmp_path):
    workdir = make_workdir(tmp_path, {"kkbox": {"data": "resources/kkbox/real"}, "demographics": {"source": "demo"}})
    result = run_snakemake(workdir, "-n", TARGET, check=False)
    assert result.returncode != 0
    assert "demographics.source is demo but kkbox.data is 'resources/kkbox/real'" in result.stdout + result.stderr


def test_mbid_table_source_needs_both_tables(tmp_path):
    workdir = make_workdir(tmp_path, {"kkbox": {"data": "resources/kkbox/real"}, "demographics": {"source": "mbid_table"}})
    result = run_snakemake(workdir, "-n", TARGET, check=False)
    assert result.returncode != 0
    assert "demographics.source mbid_table needs demographics.mbid_table and name_mbid_table" in (
        result.stdout + result.stderr)
