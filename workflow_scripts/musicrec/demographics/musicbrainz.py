"""MusicBrainz web-service access: rate limit, retries with back-off, and a resumable response cache.

The real ``musicbrainzngs`` client does the requests (User-Agent, URL building, XML parsing). Two of
its 0.7.1 defaults do not fit a long batch job, so this module replaces them: its own rate limiter is
switched off in favour of ``RateLimiter`` (testable with a fake clock, and it also spaces retries),
and its internal retry loop (8 tries, fixed 2 s steps, no timeout) is cut to one attempt so that
``MusicBrainzClient`` alone decides: ``max_retries`` retries with exponential back-off after 5xx
answers (503 is MusicBrainz's rate-limit answer), network errors and timeouts. A malformed or 4xx
answer is not retried.

A failure to resolve or connect to the host before the service has answered anything in this run is
not transient (no network, a wrong ``hostname``): it raises ``HostUnreachable`` at once, without
retries. Once any answer has come back (data, an error page, a 503), the same failure counts as a
network error and is retried.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import socket
import time
import urllib.error
from dataclasses import dataclass
from pathlib import Path

import musicbrainzngs
from musicbrainzngs import musicbrainz as _mb

from ..errors import MusicrecError
from .names import normalise

log = logging.getLogger(__name__)

MEMBER_RELATION = "member of band"


class QueryFailed(Exception):
    """A request failed for good (retries spent, or an answer that cannot be parsed)."""


class HostUnreachable(MusicrecError):
    """The host could not be resolved or connected to, and it has answered nothing in this run."""

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"MusicBrainz at {url} cannot be reached ({reason})")


class RateLimiter:
    """At most one request per ``interval`` seconds (measured from the start of the previous one)."""

    def __init__(self, interval: float, clock=time.monotonic, sleep=time.sleep):
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        if self._last is not None:
            remaining = self.interval - (self._clock() - self._last)
            if remaining > 0:
                self._sleep(remaining)
        self._last = self._clock()


class ResponseCache:
    """Answered queries, one JSON line each, appended and fsynced as soon as they arrive.

    A killed run leaves at most a truncated last line, which is skipped on load; the next run
    resumes with every answered query. Failed queries are not cached, so a later run retries them.
    """

    def __init__(self, path):
        self.path = Path(path)
        self._entries: dict[str, object] = {}
        if self.path.is_file():
            self._load()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8")

    def _load(self) -> None:
        text = self.path.read_text(encoding="utf-8", errors="replace")
        lines = text.split("\n")
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                self._entries[entry["key"]] = entry["value"]
            except (ValueError, KeyError, TypeError):
                log.warning("%s: line %d is incomplete or not a cache entry; ignored", self.path, number)
        if text and not text.endswith("\n"):
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write("\n")
        log.info("cache %s: %d answered queries", self.path, len(self._entries))

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str):
        return self._entries[key]

    def put(self, key: str, value) -> None:
        self._file.write(json.dumps({"key": key, "value": value}, ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        self._entries[key] = value

    def close(self) -> None:
        self._file.close()


@dataclass(frozen=True)
class ClientSettings:
    hostname: str
    use_https: bool
    user_agent: dict
    rate_limit_seconds: float
    max_retries: int
    backoff_seconds: float
    timeout_seconds: float
    search_limit: int


def configure_musicbrainzngs(settings: ClientSettings) -> None:
    """Point musicbrainzngs at the host, set the User-Agent, and hand rate limit and retries to us."""
    agent = settings.user_agent or {}
    if not agent.get("app") or not agent.get("version"):
        raise MusicrecError("demographics.user_agent needs app and version (MusicBrainz requires a User-Agent)")
    if not agent.get("contact"):
        log.warning("demographics.user_agent.contact is empty: MusicBrainz asks for a URL or e-mail to reach you")
    musicbrainzngs.set_useragent(agent["app"], str(agent["version"]), agent.get("contact") or None)
    musicbrainzngs.set_hostname(settings.hostname, use_https=settings.use_https)
    musicbrainzngs.set_rate_limit(False)
    parameters = list(inspect.signature(_mb._safe_read).parameters)
    if parameters != ["opener", "req", "body", "max_retries", "retry_delay_delta"]:
        raise MusicrecError(f"unsupported musicbrainzngs {_mb._version}: expected 0.7.1's request internals")
    _mb._safe_read.__defaults__ = (None, 1, 0.0)


class MusicBrainzClient:
    """Cached, rate-limited, retrying MusicBrainz queries; every answered query is cached."""

    def __init__(self, settings: ClientSettings, cache: ResponseCache, limiter: RateLimiter | None = None,
                 sleep=time.sleep):
        configure_musicbrainzngs(settings)
        self.settings = settings
        self.cache = cache
        self.limiter = limiter or RateLimiter(settings.rate_limit_seconds)
        self._sleep = sleep
        self.requests = 0
        self.cache_hits = 0
        self.answered = False  # the service has sent some HTTP answer in this run

    @property
    def url(self) -> str:
        return f"{'https' if self.settings.use_https else 'http'}://{self.settings.hostname}"

    def search_artist(self, name: str) -> list[dict]:
        """Artists matching ``name`` (best first), as ``candidate`` dicts."""
        return self._cached(
            f"artist:{normalise(name)}",
            lambda: [_candidate(a) for a in musicbrainzngs.search_artists(
                artist=name, limit=self.settings.search_limit)["artist-list"]],
        )

    def band_member_ids(self, mbid: str) -> list[str]:
        """MBIDs of the group's members (current and former), from its artist relations."""
        return self._cached(
            f"members:{mbid}",
            lambda: sorted({
                rel["target"]
                for rel in musicbrainzngs.get_artist_by_id(mbid, includes=["artist-rels"])["artist"].get(
                    "artist-relation-list", [])
                if rel.get("type") == MEMBER_RELATION and rel.get("direction") == "backward"
            }),
        )

    def artists_by_ids(self, mbids: list[str]) -> list[dict]:
        """The artists with these MBIDs (one search request), as ``candidate`` dicts."""
        ids = sorted(mbids)
        return self._cached(
            "arid:" + ",".join(ids),
            lambda: [_candidate(a) for a in musicbrainzngs.search_artists(
                query=" OR ".join(f"arid:{i}" for i in ids), limit=100)["artist-list"]],
        )

    def _cached(self, key: str, fetch):
        if key in self.cache:
            self.cache_hits += 1
            return self.cache.get(key)
        value = self._request(key, fetch)
        self.cache.put(key, value)
        return value

    def _request(self, key: str, fetch):
        for attempt in range(self.settings.max_retries + 1):
            self.limiter.wait()
            self.requests += 1
            previous_timeout = socket.getdefaulttimeout()
            socket.setdefaulttimeout(self.settings.timeout_seconds)
            try:
                value = fetch()
            except musicbrainzngs.NetworkError as err:
                unreachable = connect_failure(err)
                if unreachable and not self.answered:
                    raise HostUnreachable(self.url, unreachable) from None
                self.answered = self.answered or isinstance(err.cause, urllib.error.HTTPError)
                problem = _describe(err)
            except musicbrainzngs.ResponseError as err:
                self.answered = True
                raise QueryFailed(f"{key}: bad answer ({_describe(err)})") from None
            else:
                self.answered = True
                return value
            finally:
                socket.setdefaulttimeout(previous_timeout)
            if attempt < self.settings.max_retries:
                delay = self.settings.backoff_seconds * 2**attempt
                log.warning("%s: %s; retry %d of %d in %.1f s", key, problem, attempt + 1,
                            self.settings.max_retries, delay)
                self._sleep(delay)
        raise QueryFailed(f"{key}: {problem} (gave up after {self.settings.max_retries} retries)")


def _candidate(artist: dict) -> dict:
    """The fields of a parsed ws/2 artist that matching needs."""
    return {
        "id": artist["id"],
        "name": artist.get("name", ""),
        "score": int(artist.get("ext:score", 0)),
        "type": artist.get("type"),
        "gender": artist.get("gender"),
        "country": artist.get("country", ""),
        "aliases": [a["alias"] for a in artist.get("alias-list", []) if "alias" in a],
    }


def connect_failure(err: musicbrainzngs.NetworkError) -> str | None:
    """What went wrong when no connection to the host could be made, or None for any other network error.

    urllib wraps a failure to resolve the name or to connect (refused, unreachable, connect timeout,
    TLS handshake) in a ``URLError`` whose reason is the ``OSError``; an HTTP error status (a subclass)
    and a timeout while waiting for the answer are not connect failures.
    """
    cause = getattr(err, "cause", None)
    if not isinstance(cause, urllib.error.URLError) or isinstance(cause, urllib.error.HTTPError):
        return None
    reason = cause.reason
    if not isinstance(reason, OSError):
        return None
    if isinstance(reason, socket.gaierror):
        return f"the host name does not resolve: {reason}"
    if isinstance(reason, ConnectionRefusedError):
        return f"connection refused: {reason}"
    if isinstance(reason, TimeoutError):
        return f"no connection within the timeout: {reason}"
    return f"no connection: {reason}"


def _describe(err: musicbrainzngs.WebServiceError) -> str:
    cause = getattr(err, "cause", None)
    return f"{type(err).__name__}: {cause!r}" if cause is not None else str(err)
