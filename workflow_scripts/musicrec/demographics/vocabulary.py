"""The artist demographics table: its columns and the values each column may hold.

This is the contract with the fairness analysis, which joins on ``artist_name``:

* ``gender``: male, female, mixed, other, unknown. A person gets MusicBrainz's gender. A group (or a
  multi-artist credit such as ``A | B``) gets 'male' or 'female' when every member is known and of that
  gender, 'mixed' when it has both male and female members, 'unknown' otherwise (no member
  information, or members of unknown gender); its ``type`` says it is a group.
* ``type``: person, group, orchestra, choir, character, other, unknown.
* ``status``: demo, found, not_found, below_threshold, error, mbid_table, name_table.
"""

from __future__ import annotations

COLUMNS = ("artist_name", "mbid", "gender", "type", "country", "score", "status")
GENDERS = ("male", "female", "mixed", "other", "unknown")
TYPES = ("person", "group", "orchestra", "choir", "character", "other", "unknown")
STATUSES = ("demo", "found", "not_found", "below_threshold", "error", "mbid_table", "name_table")

# MusicBrainz gender names (any case) -> ours. "Not applicable" is what MusicBrainz says of groups.
_MB_GENDERS = {"male": "male", "female": "female", "other": "other", "non-binary": "other"}
_MB_TYPES = {t: t for t in TYPES}


def gender_from_musicbrainz(value: str | None) -> str:
    """Map a MusicBrainz gender ('Male', 'Female', 'Other', 'Non-binary', 'Not applicable', None)."""
    return _MB_GENDERS.get((value or "").strip().lower(), "unknown")


def type_from_musicbrainz(value: str | None) -> str:
    """Map a MusicBrainz artist type ('Person', 'Group', 'Orchestra', ...; None when unset)."""
    return _MB_TYPES.get((value or "").strip().lower(), "unknown" if not value else "other")


def combined_gender(genders: list[str]) -> str:
    """Gender of a group or credit from its members' genders (see the module docstring)."""
    known = set(genders)
    if {"male", "female"} <= known or "mixed" in known:
        return "mixed"
    if not known or "unknown" in known:
        return "unknown"
    if len(known) == 1:
        return known.pop()
    return "other"
