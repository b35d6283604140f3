"""Credit splitting, the gender/type vocabulary and the choice of the best search match."""

import pytest

from musicrec.demographics.matching import best_match
from musicrec.demographics.names import Part, normalise, readings
from musicrec.demographics.vocabulary import combined_gender, gender_from_musicbrainz, type_from_musicbrainz


@pytest.mark.parametrize(
    "credit, expected",
    [
        ("Lous", [(("Lous",),)]),
        ("張信哲 (Jeff Chang)", [(("張信哲", "Jeff Chang"),)]),
        ("孫燕姿（Stefanie Sun）", [(("孫燕姿", "Stefanie Sun"),)]),
        ("A| B", [(("A",), ("B",))]),
        ("周杰倫 (Jay Chou) |費玉清", [(("周杰倫", "Jay Chou"), ("費玉清",))]),
        ("A feat. B", [(("A",), ("B",))]),
        ("A ft. B", [(("A",), ("B",))]),
        ("Earth, Wind & Fire", [(("Earth, Wind & Fire",),), (("Earth",), ("Wind",), ("Fire",))]),
        ("A| B & C", [(("A",), ("B & C",)), (("A",), ("B",), ("C",))]),
        ("孫燕姿 (Stefanie Sun, Yan Zi)", [(("孫燕姿", "Stefanie Sun, Yan Zi"),)]),
    ],
)
def test_readings_split_credits_and_aliases(credit, expected):
    assert readings(credit) == [tuple(Part(alts) for alts in reading) for reading in expected]


def test_normalise_folds_width_case_and_spaces():
    assert normalise("  ＡＢＣ  de ") == normalise("abc DE") == "abc de"


def test_vocabulary_maps_musicbrainz_values():
    assert [gender_from_musicbrainz(g) for g in ("Male", "Female", "Other", "Non-binary", "Not applicable", None)] == [
        "male", "female", "other", "other", "unknown", "unknown"]
    assert [type_from_musicbrainz(t) for t in ("Person", "Group", "Choir", None, "Something new")] == [
        "person", "group", "choir", "unknown", "other"]


@pytest.mark.parametrize(
    "genders, expected",
    [
        (["male", "male"], "male"),
        (["female"], "female"),
        (["male", "female"], "mixed"),
        (["male", "female", "unknown"], "mixed"),
        (["male", "unknown"], "unknown"),
        (["mixed", "male"], "mixed"),
        (["other", "male"], "other"),
        ([], "unknown"),
    ],
)
def test_combined_gender(genders, expected):
    assert combined_gender(genders) == expected


def _candidate(mbid, name, score, aliases=()):
    return {"id": mbid, "name": name, "score": score, "type": "Person", "gender": None, "country": "",
            "aliases": list(aliases)}


def test_best_match_prefers_exact_names_then_score_then_order():
    candidates = [_candidate("fuzzy", "Johnny Williams", 100), _candidate("first", "John Williams", 95),
                  _candidate("second", "John Williams", 95)]
    assert best_match(candidates, "john williams", 90)["id"] == "first"
    assert best_match(candidates, "someone else", 90)["id"] == "fuzzy"


def test_best_match_uses_aliases_and_threshold():
    candidates = [_candidate("x", "張信哲", 92, aliases=["Jeff Chang"]), _candidate("y", "Jeff Chan", 99)]
    assert best_match(candidates, "Jeff Chang", 90)["id"] == "x"
    assert best_match(candidates, "Jeff Chang", 100) is None
    assert best_match([], "anything", 0) is None
