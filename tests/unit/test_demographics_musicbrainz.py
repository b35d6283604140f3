"""MusicBrainz look-ups with the real musicbrainzngs client against recorded ws/2 XML on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import json
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from musicrec.demographics.lookup import client_settings, musicbrainz_table
from musicrec.demographics.musicbrainz import MusicBrainzClient, QueryFailed, RateLimiter, ResponseCache
from musicrec.demographics.tables import DemographicsSettings, write_table
from musicrec.errors import MusicrecError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "musicbrainz"
sys.path.insert(0, str(FIXTURES))
from mb_server import RecordedMusicBrainz  # noqa: E402

SHARED_XML = Path(__file__).resolve().parents[3] / "shared" / "data" / "musicbrainz" / "ws2_xml_musicbrainzngs_testdata"
EXO = "b3785a55-2cf6-497d-b8e3-cfa21a36f997"
EXO_MEMBERS = [
    "143472cb-de19-4da3-b8ac-8a7d01b6638d", "1fed07c6-adf1-4668-b34b-434ae9741763",
    "2e675c4a-396c-49e8-96b7-a8a72361df84", "36af49c3-7edf-44bf-b040-cf5d9b21ebe7",
    "439c9247-9291-47a8-8282-7f80bc3f369d", "53be8ba6-8be8-4e3b-8b20-f83c08ecf124",
    "5d7686b2-90d5-44c6-ab70-693e98506fb6", "6afff86d-fc4a-4446-a41e-f88e1322a5be",
    "7100af1a-1224-4636-83ad-7f7fcf0973d7", "7593e0e2-fc1c-4855-a645-731c7504e16b",
    "9892db11-4c1b-4029-bed5-6aae508e7fce", "9aba1d1e-c460-400d-88a7-35f08721d311",
]
ROUTES = {
    "artist:taylor swift": [FIXTURES / "search-artist-taylor-swift.xml"],
    "artist:ed sheeran": [FIXTURES / "search-artist-ed-sheeran.xml"],
    "artist:lous": [FIXTURES / "search-artist-low-score.xml"],
    "artist:john williams": [FIXTURES / "search-artist-john-williams.xml"],
    "artist:jeff chang": [FIXTURES / "search-artist-jeff-chang.xml"],
    "artist:exo": [FIXTURES / "search-artist-exo.xml"],
    "arid:" + ",".join(EXO_MEMBERS): [FIXTURES / "search-artist-exo-members.xml"],
    "artist:flaky": [503, 503, FIXTURES / "search-artist-ed-sheeran.xml"],
    "artist:broken": [FIXTURES / "malformed.xml"],
    "artist:slow": [("sleep", 1.0, FIXTURES / "search-artist-ed-sheeran.xml")],
    "artist:down": [503],
}


@pytest.fixture
def shared_xml() -> Path:
    """The musicbrainzngs project's recorded ws/2 responses (../shared/data), or a skip."""
    if not SHARED_XML.is_dir():
        pytest.skip(f"recorded musicbrainzngs test data {SHARED_XML} is absent")
    return SHARED_XML


@pytest.fixture
def server():
    with RecordedMusicBrainz(ROUTES) as recorded:
        yield recorded


def settings_for(server, tmp_path, **overrides) -> DemographicsSettings:
    base = dict(
        source="musicbrainz", hostname=server.hostname, use_https=False,
        user_agent={"app": "musicrec-tests", "version": "1.0", "contact": "tests@example.org"},
        min_score=90, rate_limit_seconds=0.001, max_retries=2, backoff_seconds=0.0, timeout_seconds=0.3,
        cache=str(tmp_path / "cache.jsonl"),
    )
    return DemographicsSettings(**{**base, **overrides})


def lookup(names, settings):
    return {row["artist_name"]: row for row in musicbrainz_table(names, settings).iter_rows(named=True)}


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_rate_limiter_spaces_requests_with_a_fake_clock():
    clock = FakeClock()
    limiter = RateLimiter(1.0, clock=clock, sleep=clock.sleep)
    limiter.wait()
    clock.now += 0.25
    limiter.wait()
    limiter.wait()
    clock.now += 3.0
    limiter.wait()
    assert clock.sleeps == [pytest.approx(0.75), pytest.approx(1.0)]


def test_cache_survives_a_truncated_last_line(tmp_path):
    path = tmp_path / "cache.jsonl"
    cache = ResponseCache(path)
    cache.put("artist:a", [{"id": "1"}])
    cache.close()
    with path.open("a") as handle:
        handle.write('{"key": "artist:b", "val')  # killed while writing
    cache = ResponseCache(path)
    assert "artist:a" in cache and "artist:b" not in cache
    cache.put("artist:c", [])
    cache.close()
    assert "artist:c" in ResponseCache(path)


def test_found_person_with_user_agent(server, tmp_path):
    rows = lookup(["Taylor Swift"], settings_for(server, tmp_path))
    assert rows["Taylor Swift"] == {
        "artist_name": "Taylor Swift", "mbid": "20244d07-534f-4eff-b4d4-930878889970", "gender": "female",
        "type": "person", "country": "US", "score": 100.0, "status": "found",
    }
    assert server.requests == [{"key": "artist:taylor swift", "user_agent": server.requests[0]["user_agent"]}]
    assert server.requests[0]["user_agent"].startswith("musicrec-tests/1.0 python-musicbrainzngs/")
    assert "tests@example.org" in server.requests[0]["user_agent"]


def test_not_found_and_below_threshold(server, tmp_path):
    rows = lookup(["Nobody At All", "Lous"], settings_for(server, tmp_path))
    assert rows["Nobody At All"]["status"] == "not_found" and rows["Nobody At All"]["score"] is None
    assert (rows["Lous"]["status"], rows["Lous"]["score"], rows["Lous"]["mbid"]) == ("below_threshold", 62.0, "")
    assert rows["Lous"]["gender"] == "unknown"
    rows = lookup(["Lous"], settings_for(server, tmp_path, min_score=60))
    assert (rows["Lous"]["status"], rows["Lous"]["gender"]) == ("found", "male")
    assert server.keys().count("artist:lous") == 1  # the second run answered from the cache


def test_ambiguous_name_takes_the_first_exact_namesake(server, tmp_path):
    row = lookup(["John Williams"], settings_for(server, tmp_path))["John Williams"]
    assert (row["mbid"], row["country"], row["status"]) == ("53b106e7-0cc6-42cc-ac95-ed8d30a3a98e", "US", "found")


def test_bracketed_alias_is_tried_after_the_name(server, tmp_path):
    row = lookup(["張信哲 (Jeff Chang)"], settings_for(server, tmp_path))["張信哲 (Jeff Chang)"]
    assert (row["gender"], row["country"], row["status"]) == ("male", "TW", "found")
    assert server.keys() == ["artist:張信哲", "artist:jeff chang"]


def test_multi_artist_credit_is_a_mixed_group_and_names_are_never_queried_twice(server, tmp_path):
    names = ["Taylor Swift| Ed Sheeran", "Ed Sheeran feat. Taylor Swift", "Taylor Swift", "Taylor Swift & Nobody"]
    rows = lookup(names, settings_for(server, tmp_path))
    duet = rows["Taylor Swift| Ed Sheeran"]
    assert (duet["gender"], duet["type"], duet["status"], duet["score"]) == ("mixed", "group", "found", 100.0)
    assert duet["mbid"] == "20244d07-534f-4eff-b4d4-930878889970|b8a7c51f-362c-4dcb-a259-bc6e0095f0a6"
    assert duet["country"] == ""
    assert rows["Ed Sheeran feat. Taylor Swift"]["gender"] == "mixed"
    partial = rows["Taylor Swift & Nobody"]
    assert (partial["status"], partial["gender"], partial["type"]) == ("not_found", "unknown", "group")
    counts = Counter(server.keys())
    assert max(counts.values()) == 1, counts
    assert set(counts) == {"artist:taylor swift", "artist:ed sheeran", "artist:taylor swift & nobody", "artist:nobody"}


def test_group_gender_from_its_members(server, shared_xml, tmp_path):
    server.routes[f"lookup:{EXO}"] = [shared_xml / "artist" / f"{EXO}-artist-rels.xml"]
    row = lookup(["EXO"], settings_for(server, tmp_path))["EXO"]
    assert (row["gender"], row["type"], row["country"], row["status"]) == ("male", "group", "KR", "found")
    assert server.keys() == ["artist:exo", f"lookup:{EXO}", "arid:" + ",".join(EXO_MEMBERS)]


def test_group_without_member_lookup_has_unknown_gender(server, shared_xml, tmp_path):
    server.routes["artist:dynamo go"] = [shared_xml / "search-artist.xml"]
    row = lookup(["Dynamo Go"], settings_for(server, tmp_path, group_members=False))["Dynamo Go"]
    assert (row["mbid"], row["gender"], row["type"], row["country"]) == (
        "952a4205-023d-4235-897c-6fdb6f58dfaa", "unknown", "group", "NZ")
    assert server.keys() == ["artist:dynamo go"]


def test_503_then_success_is_retried(server, tmp_path):
    row = lookup(["Flaky"], settings_for(server, tmp_path))["Flaky"]
    assert (row["status"], row["gender"]) == ("found", "male")
    assert server.keys() == ["artist:flaky"] * 3


def test_retries_back_off_exponentially_then_give_up(server, tmp_path):
    clock = FakeClock()
    settings = settings_for(server, tmp_path, max_retries=3, backoff_seconds=0.5)
    cache = ResponseCache(settings.cache)
    client = MusicBrainzClient(client_settings(settings), cache, sleep=clock.sleep)
    with pytest.raises(QueryFailed, match="gave up after 3 retries"):
        client.search_artist("Down")
    cache.close()
    assert clock.sleeps == [0.5, 1.0, 2.0]
    assert server.keys() == ["artist:down"] * 4


def test_malformed_xml_is_an_error_and_not_cached(server, tmp_path):
    settings = settings_for(server, tmp_path)
    assert lookup(["Broken"], settings)["Broken"]["status"] == "error"
    assert server.keys() == ["artist:broken"]  # a parse error is not retried
    assert lookup(["Broken"], settings)["Broken"]["status"] == "error"
    assert server.keys() == ["artist:broken"] * 2  # the next run asks again


def test_timeout_is_retried_then_an_error(server, tmp_path):
    row = lookup(["Slow"], settings_for(server, tmp_path, max_retries=1, timeout_seconds=0.2))["Slow"]
    assert row["status"] == "error"
    assert server.keys() == ["artist:slow"] * 2
    row = lookup(["Slow"], settings_for(server, tmp_path, timeout_seconds=5.0))["Slow"]
    assert row["status"] == "found"


def test_many_failures_in_a_row_stop_the_run(server, tmp_path):
    from musicrec.demographics import lookup as lookup_module
    from musicrec.errors import MusicrecError

    settings = settings_for(server, tmp_path, max_retries=0)
    names = [f"Broken {i}" for i in range(lookup_module.MAX_CONSECUTIVE_ERRORS + 5)]
    server.routes.update({f"artist:broken {i}": [FIXTURES / "malformed.xml"] for i in range(len(names))})
    with pytest.raises(MusicrecError, match="in a row failed"):
        musicbrainz_table(names, settings)
    assert len(server.requests) == lookup_module.MAX_CONSECUTIVE_ERRORS


def closed_port_host() -> str:
    """host:port of a local port that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


UNREACHABLE_HOSTS = {
    "closed port": (closed_port_host, "connection refused: [Errno 111] Connection refused"),
    "unresolvable name": (lambda: "musicbrainz.invalid", "the host name does not resolve: [Errno -2]"),
}


def offline_client(hostname, tmp_path, clock, **overrides):
    """Settings and a client for ``hostname``: back-off sleeps go to ``clock``, the rate limit to a clock of its own."""
    settings = DemographicsSettings(
        source="musicbrainz", hostname=hostname, use_https=False,
        user_agent={"app": "musicrec-tests", "version": "1.0", "contact": "tests@example.org"},
        cache=str(tmp_path / "cache.jsonl"), **overrides,
    )
    cache = ResponseCache(settings.cache)
    limiter_clock = FakeClock()
    limiter = RateLimiter(settings.rate_limit_seconds, clock=limiter_clock, sleep=limiter_clock.sleep)
    return settings, MusicBrainzClient(client_settings(settings), cache, limiter, sleep=clock.sleep)


@pytest.mark.parametrize("host", UNREACHABLE_HOSTS, ids=list(UNREACHABLE_HOSTS))
def test_unreachable_host_stops_at_the_first_artist_without_retrying(host, tmp_path):
    make_hostname, reason = UNREACHABLE_HOSTS[host]
    hostname = make_hostname()
    clock = FakeClock()
    settings, client = offline_client(hostname, tmp_path, clock)  # default retries: 4, back-off from 2 s
    with pytest.raises(MusicrecError) as raised:
        musicbrainz_table(["Taylor Swift", "Ed Sheeran", "Nobody"], settings, client=client)
    client.cache.close()
    message = str(raised.value)
    assert message.startswith(f"MusicBrainz at http://{hostname} cannot be reached ({reason}")
    assert "stopped at artist 1 of 3, without retrying" in message
    assert "demographics.source: name_table (a CSV artist_name,gender) or mbid_table" in message
    assert "\n" not in message
    assert client.requests == 1 and clock.sleeps == []


def test_unreachable_host_after_cached_answers_still_stops_at_once(tmp_path):
    cache = ResponseCache(tmp_path / "cache.jsonl")
    cache.put("artist:taylor swift", [])
    cache.close()
    clock = FakeClock()
    settings, client = offline_client(closed_port_host(), tmp_path, clock)
    with pytest.raises(MusicrecError, match=r"stopped at artist 2 of 2, without retrying.*every answer so far, 1 "):
        musicbrainz_table(["Taylor Swift", "Ed Sheeran"], settings, client=client)
    client.cache.close()
    assert (client.cache_hits, client.requests, clock.sleeps) == (1, 1, [])


@pytest.mark.parametrize("first_answer", ["Taylor Swift", "Down"], ids=["found", "503"])
def test_connection_lost_after_an_answer_is_retried(first_answer, tmp_path):
    clock = FakeClock()
    with RecordedMusicBrainz(ROUTES) as recorded:
        settings, client = offline_client(recorded.hostname, tmp_path, clock, max_retries=2, backoff_seconds=0.5)
        try:
            client.search_artist(first_answer)
        except QueryFailed:
            pass  # 503 three times: the service answered, with an error
    answered_sleeps = list(clock.sleeps)
    with pytest.raises(QueryFailed, match="Connection refused.*gave up after 2 retries"):
        client.search_artist("Ed Sheeran")  # the server is gone now: connection refused
    client.cache.close()
    assert clock.sleeps[len(answered_sleeps):] == [0.5, 1.0]
    assert client.answered


def test_killed_run_resumes_without_asking_twice(server, tmp_path):
    names = [f"Artist {i}" for i in range(8)] + ["Taylor Swift"]
    settings = settings_for(server, tmp_path)
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps(dataclasses.asdict(settings)))
    names_file = tmp_path / "names.txt"
    names_file.write_text("\n".join(names), encoding="utf-8")
    output = tmp_path / "out.csv"
    command = [sys.executable, str(FIXTURES / "run_lookup.py"), str(settings_file), str(names_file), str(output)]

    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    server.kill_pid, server.kill_at_request = child.pid, 5
    child.communicate("go\n", timeout=60)
    assert child.returncode == -9 and not output.exists()
    assert server.keys() == [f"artist:artist {i}" for i in range(5)]

    server.kill_at_request = None
    resumed = subprocess.run(command, input="go\n", capture_output=True, text=True, timeout=60)
    assert resumed.returncode == 0, resumed.stderr
    counts = Counter(server.keys())
    assert counts.pop("artist:artist 4") == 2  # the request in flight when the first run died
    assert set(counts.values()) == {1} and len(counts) == len(names) - 1
    table = pl.read_csv(output, infer_schema=False)
    assert table["artist_name"].to_list() == names
    assert table.filter(pl.col("artist_name") == "Taylor Swift")["gender"].to_list() == ["female"]


def test_written_table_follows_the_contract(server, tmp_path):
    table = musicbrainz_table(["Taylor Swift", "Nobody"], settings_for(server, tmp_path))
    write_table(table, tmp_path / "artist_demographics.csv")
    lines = (tmp_path / "artist_demographics.csv").read_text().splitlines()
    assert lines == [
        "artist_name,mbid,gender,type,country,score,status",
        "Taylor Swift,20244d07-534f-4eff-b4d4-930878889970,female,person,US,100.0,found",
        "Nobody,,unknown,unknown,,,not_found",
    ]


def test_client_takes_over_musicbrainzngs_rate_limit_and_retries(server, tmp_path):
    from musicbrainzngs import musicbrainz as internals

    cache = ResponseCache(tmp_path / "cache.jsonl")
    MusicBrainzClient(client_settings(settings_for(server, tmp_path)), cache)
    cache.close()
    assert internals._version == "0.7.1"
    assert internals.do_rate_limit is False
    assert internals._safe_read.__defaults__ == (None, 1, 0.0)  # one attempt: our retry loop decides
