"""Online mode: look every artist credit up on MusicBrainz, with progress in the log."""

from __future__ import annotations

import logging
import time

import polars as pl

from ..errors import MusicrecError
from .matching import resolve_credit
from .musicbrainz import ClientSettings, HostUnreachable, MusicBrainzClient, ResponseCache
from .tables import DemographicsSettings, empty_table

log = logging.getLogger(__name__)

# This many credits in a row ending in 'error' (the service answered before, then stopped answering):
# stop (the cache keeps everything answered so far) rather than write a table full of errors.
MAX_CONSECUTIVE_ERRORS = 20
PROGRESS_SECONDS = 30.0
# Named in the error when the host cannot be reached: the sources that need no network.
OFFLINE_ROUTES = ("demographics.source: name_table (a CSV artist_name,gender) or mbid_table "
                  "(a CSV artist_name,mbid plus a JSON object MBID -> gender)")


def client_settings(settings: DemographicsSettings) -> ClientSettings:
    return ClientSettings(
        hostname=settings.hostname,
        use_https=settings.use_https,
        user_agent=settings.user_agent or {},
        rate_limit_seconds=settings.rate_limit_seconds,
        max_retries=settings.max_retries,
        backoff_seconds=settings.backoff_seconds,
        timeout_seconds=settings.timeout_seconds,
        search_limit=settings.search_limit,
    )


def musicbrainz_table(names: list[str], settings: DemographicsSettings, client: MusicBrainzClient | None = None
                      ) -> pl.DataFrame:
    """One row per name (status found / not_found / below_threshold / error), in the order given.

    Stops with a ``MusicrecError`` when the host cannot be reached before it has answered anything
    (``musicbrainz.HostUnreachable``), or after ``MAX_CONSECUTIVE_ERRORS`` failed artists in a row.
    """
    cache = None
    if client is None:
        cache = ResponseCache(settings.cache)
        client = MusicBrainzClient(client_settings(settings), cache)
    rows, consecutive_errors, last_report = [], 0, time.monotonic()
    try:
        for done, name in enumerate(names, 1):
            try:
                resolved = resolve_credit(name, client, settings.min_score, settings.group_members)
            except HostUnreachable as err:
                raise MusicrecError(
                    f"{err}: stopped at artist {done} of {len(names)}, without retrying. Offline, use "
                    f"{OFFLINE_ROUTES}; or rerun once the host is reachable (the cache {settings.cache} "
                    f"keeps every answer so far, {len(client.cache)} queries)"
                ) from None
            rows.append({"artist_name": name, **vars(resolved)})
            consecutive_errors = consecutive_errors + 1 if resolved.status == "error" else 0
            if consecutive_errors >= MAX_CONSECUTIVE_ERRORS:
                raise MusicrecError(
                    f"MusicBrainz at {settings.hostname}: {consecutive_errors} artists in a row failed "
                    f"(see the log); the cache {settings.cache} keeps the answers so far, rerun to resume"
                )
            if done == len(names) or time.monotonic() - last_report >= PROGRESS_SECONDS:
                last_report = time.monotonic()
                found = sum(r["status"] == "found" for r in rows)
                log.info("MusicBrainz: %d/%d artists (%d found), %d requests, %d cache hits",
                         done, len(names), found, client.requests, client.cache_hits)
    finally:
        if cache is not None:
            cache.close()
    return pl.DataFrame(rows, schema=empty_table().schema).select(empty_table().columns)
