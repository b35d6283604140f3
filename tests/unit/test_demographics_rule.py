"""Rule artist_demographics (KKBox) end to end: demo mode, online mode against the local server, an
unreachable host, and the offline name table."""

from __future__ import annotations

import re
import socket
import sys
from pathlib import Path

import polars as pl
import pytest

from conftest import make_workdir, run_snakemake

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "musicbrainz"
sys.path.insert(0, str(FIXTURES))
from mb_server import RecordedMusicBrainz  # noqa: E402

TARGET = "results/kkbox/artist_demographics.csv"
LOG = "results/logs/kkbox/artist_demographics.log"
SONGS = (
    "song_id,song_length,genre_ids,artist_name,composer,lyricist,language\n"
    "s1,200,465,Taylor Swift,,,52\ns2,210,465,張信哲 (Jeff Chang),,,3\n"
    's3,190,465|1259,"Taylor Swift| Ed Sheeran",,,52\ns4,100,465,Nobody Here,,,-1\n'
)
pytestmark = pytest.mark.workflow


def real_songs(tmp_path) -> Path:
    """A folder holding a KKBox-format songs.csv of four artist credits (the rule reads only that file)."""
    songs = tmp_path / "kkbox_real" / "songs.csv"
    songs.parent.mkdir()
    songs.write_text(SONGS, encoding="utf-8")
    return songs.parent


def closed_port_host() -> str:
    """host:port of a local port that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


def test_demo_mode_copies_the_generator_table(tmp_path):
    workdir = make_workdir(tmp_path, {"kkbox": {"demo": {"size": "tiny"}}})
    run_snakemake(workdir, "--cores", "1", TARGET)
    table = pl.read_csv(workdir / TARGET, infer_schema=False)
    demo = pl.read_csv(workdir / "resources/kkbox/demo/artist_demographics.csv", infer_schema=False)
    assert table.columns == ["artist_name", "mbid", "gender", "type", "country", "score", "status"]
    assert table["artist_name"].to_list() == demo["artist_name"].to_list()
    assert table["gender"].to_list() == demo["gender"].to_list()


def test_musicbrainz_mode_against_the_local_server(tmp_path):
    data = real_songs(tmp_path)
    routes = {
        "artist:taylor swift": [FIXTURES / "search-artist-taylor-swift.xml"],
        "artist:ed sheeran": [FIXTURES / "search-artist-ed-sheeran.xml"],
        "artist:jeff chang": [FIXTURES / "search-artist-jeff-chang.xml"],
    }
    with RecordedMusicBrainz(routes) as server:
        config = {
            "kkbox": {"data": str(data)},
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
    log = (workdir / LOG).read_text(encoding="utf-8")
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


@pytest.mark.parametrize("unreachable", ["closed port", "unresolvable name"])
def test_unreachable_musicbrainz_stops_at_the_first_artist(unreachable, tmp_path):
    hostname = closed_port_host() if unreachable == "closed port" else "musicbrainz.invalid"
    config = {
        "kkbox": {"data": str(real_songs(tmp_path))},
        "demographics": {"source": "musicbrainz", "hostname": hostname, "use_https": False},  # default retries
    }
    workdir = make_workdir(tmp_path, config)
    result = run_snakemake(workdir, "--cores", "1", TARGET, check=False, timeout=300)
    assert result.returncode != 0
    start = f"musicrec error in rule artist_demographics: MusicBrainz at http://{hostname} cannot be reached ("
    line = next(line for line in result.stderr.splitlines() if line.startswith(start))
    assert "): stopped at artist 1 of 4, without retrying. Offline, use demographics.source: name_table" in line
    assert "(the cache resources/musicbrainz/cache.jsonl keeps every answer so far, 0 queries)" in line
    log = (workdir / LOG).read_text(encoding="utf-8")
    assert re.search(r"retry \d+ of \d+", log) is None  # no back-off happened
    assert line.removeprefix("musicrec error in rule artist_demographics: ") in log
    assert not (workdir / TARGET).exists()


def test_name_table_mode_needs_no_network(tmp_path):
    name_genders = tmp_path / "name_gender.csv"
    name_genders.write_text("artist_name,gender\nTaylor Swift,female\nEd Sheeran,male\nJeff Chang,male\n")
    config = {"kkbox": {"data": str(real_songs(tmp_path))},
              "demographics": {"source": "name_table", "name_table": str(name_genders),
                               "hostname": "musicbrainz.invalid"}}
    workdir = make_workdir(tmp_path, config)
    run_snakemake(workdir, "--cores", "1", TARGET)
    rows = {r["artist_name"]: r for r in pl.read_csv(workdir / TARGET, infer_schema=False).iter_rows(named=True)}
    duet = rows["Taylor Swift| Ed Sheeran"]
    assert (duet["gender"], duet["type"], duet["status"]) == ("mixed", "group", "name_table")
    assert rows["張信哲 (Jeff Chang)"]["gender"] == "male"
    assert (rows["Nobody Here"]["gender"], rows["Nobody Here"]["status"]) == ("unknown", "not_found")
    log = (workdir / LOG).read_text(encoding="utf-8")
    assert "name table: 3 of 4 names found, 3 of them with a known gender" in log


def test_name_table_source_needs_its_table(tmp_path):
    config = {"kkbox": {"data": "resources/kkbox/real"}, "demographics": {"source": "name_table"}}
    workdir = make_workdir(tmp_path, config)
    result = run_snakemake(workdir, "-n", TARGET, check=False)
    assert result.returncode != 0
    assert "demographics.source name_table needs demographics.name_table" in result.stdout + result.stderr
