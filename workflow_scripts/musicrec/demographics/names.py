"""Turn a dataset's artist credit into MusicBrainz search queries.

KKBox's ``artist_name`` is a free-text credit: ``A| B`` or ``A feat. B`` (certainly several artists),
``A, B & C`` (several artists, or one such as ``Earth, Wind & Fire``), and CJK names with a bracketed
alias such as ``張信哲 (Jeff Chang)``. A credit becomes one or more *readings*, tried in order: each
reading is a list of parts that must all be found, and each part lists alternative query strings
(the name, then its bracketed alias) tried until one matches.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Separators that always join different artists.
_STRONG = re.compile(r"\s*\|\s*|\s+(?:feat\.?|ft\.|featuring)\s+|\s*、\s*", re.IGNORECASE)
# Separators that may be part of one artist's name; the whole name is tried first.
_WEAK = re.compile(r"\s*,\s*|\s+(?:&|and|with|x|\+)\s+|\s*/\s*", re.IGNORECASE)
# "Name (Alias)" with ASCII or full-width brackets; the alias is an alternative query.
_ALIAS = re.compile(r"^(?P<name>.*?)\s*[(（](?P<alias>[^()（）]+)[)）]\s*$")


@dataclass(frozen=True)
class Part:
    """One artist of a credit: alternative query strings, tried in order."""

    alternatives: tuple[str, ...]


def normalise(text: str) -> str:
    """Comparison and cache key form: NFKC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def part(text: str) -> Part:
    """A part from one artist's text; ``名字 (Alias)`` gives ('名字', 'Alias')."""
    text = text.strip()
    match = _ALIAS.match(text)
    if match and match["name"].strip():
        return Part((match["name"].strip(), match["alias"].strip()))
    return Part((text,))


def readings(credit: str) -> list[tuple[Part, ...]]:
    """The readings of a credit, most literal first (see the module docstring)."""
    pieces = [p for p in _STRONG.split(credit.strip()) if p.strip()]
    literal = tuple(part(p) for p in pieces)
    split = tuple(part(w) for p in pieces for w in _WEAK.split(_strip_alias(p)) if w.strip())
    return [literal] if len(split) == len(literal) else [literal, split]


def _strip_alias(text: str) -> str:
    """Keep the bracketed alias out of the weak split: '孫燕姿 (A, B)' is one artist."""
    match = _ALIAS.match(text.strip())
    return match["name"] if match and match["name"].strip() else text
