"""From MusicBrainz search candidates to one demographics row per artist credit.

Choice of the match for one query: among the candidates scoring at least ``min_score``, those whose
name or an alias equals the query (after ``names.normalise``) come first, then the higher score, then
MusicBrainz's own order. So for an ambiguous name (several artists of that exact name at score 100)
the first one MusicBrainz lists wins; an exact namesake beats a fuzzy match with a higher score.

A credit of several artists (``A| B``) is recorded as an ad-hoc group: type 'group', gender combined
from the artists' genders (``vocabulary.combined_gender``), ``mbid`` the found artists' MBIDs joined
by '|', ``score`` the lowest of their scores, ``country`` theirs when they share one, and status
'found' only when every artist was found (else the least resolved artist's status).
"""

from __future__ import annotations

from dataclasses import dataclass

from .musicbrainz import MusicBrainzClient, QueryFailed
from .names import Part, normalise, readings
from .vocabulary import combined_gender, gender_from_musicbrainz, type_from_musicbrainz

GROUP_TYPES = ("group", "orchestra", "choir")
# Least resolved first: the status of a multi-artist credit is the first of these among its artists.
_STATUS_ORDER = ("error", "not_found", "below_threshold", "found")


@dataclass(frozen=True)
class Resolved:
    """What the search made of one artist (or a whole credit)."""

    status: str
    mbid: str = ""
    gender: str = "unknown"
    type: str = "unknown"
    country: str = ""
    score: float | None = None


def best_match(candidates: list[dict], query: str, min_score: int) -> dict | None:
    """The chosen candidate at or above ``min_score`` (see the module docstring), or None."""
    wanted = normalise(query)
    eligible = [(i, c) for i, c in enumerate(candidates) if c["score"] >= min_score]
    if not eligible:
        return None

    def rank(item):
        order, candidate = item
        exact = wanted in {normalise(n) for n in [candidate["name"], *candidate["aliases"]]}
        return (not exact, -candidate["score"], order)

    return min(eligible, key=rank)[1]


def describe(candidate: dict, client: MusicBrainzClient, group_members: bool) -> Resolved:
    """A found artist's row; a group's gender comes from its members' genders when asked for."""
    kind = type_from_musicbrainz(candidate["type"])
    gender = gender_from_musicbrainz(candidate["gender"])
    status = "found"
    if kind in GROUP_TYPES:
        gender = "unknown"
        if group_members:
            try:
                gender = _members_gender(candidate["id"], client)
            except QueryFailed:
                status = "error"
    return Resolved(status, candidate["id"], gender, kind, candidate["country"] or "", float(candidate["score"]))


def _members_gender(mbid: str, client: MusicBrainzClient) -> str:
    member_ids = client.band_member_ids(mbid)
    if not member_ids:
        return "unknown"
    members = {m["id"]: m for m in client.artists_by_ids(member_ids)}
    return combined_gender(
        [gender_from_musicbrainz(members[i]["gender"]) if i in members else "unknown" for i in member_ids]
    )


def resolve_part(part: Part, client: MusicBrainzClient, min_score: int, group_members: bool) -> Resolved:
    """Try the part's alternatives in order; the first one with a match wins."""
    best_score = None
    for query in part.alternatives:
        try:
            candidates = client.search_artist(query)
        except QueryFailed:
            return Resolved("error")
        match = best_match(candidates, query, min_score)
        if match is not None:
            return describe(match, client, group_members)
        if candidates:
            best_score = max(best_score or 0, max(c["score"] for c in candidates))
    if best_score is None:
        return Resolved("not_found")
    return Resolved("below_threshold", score=float(best_score))


def resolve_credit(credit: str, client: MusicBrainzClient, min_score: int, group_members: bool) -> Resolved:
    """The row for a dataset's artist credit: readings are tried until one has every artist found."""
    for reading in readings(credit):
        parts = [resolve_part(p, client, min_score, group_members) for p in reading]
        if any(p.status == "error" for p in parts) or all(p.status == "found" for p in parts):
            break
    if len(parts) == 1:
        return parts[0]
    countries = {p.country for p in parts}
    scores = [p.score for p in parts]
    return Resolved(
        status=min((p.status for p in parts), key=_STATUS_ORDER.index),
        mbid="|".join(p.mbid for p in parts if p.mbid),
        gender=combined_gender([p.gender for p in parts]),
        type="group",
        country=countries.pop() if len(countries) == 1 else "",
        score=None if None in scores else min(scores),
    )
