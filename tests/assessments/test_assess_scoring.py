"""Scoring: worked vectors, every band edge, missing items, validation, explanations."""

from __future__ import annotations

import json

import pytest
from assess_helpers import SUICIDE_ITEM, vector_for_total

from trdcare.assessments.domain import score
from trdcare.core.errors import InvalidInput


def _items(values: list[int]) -> dict[str, int]:
    return {str(i): v for i, v in enumerate(values, start=1)}


# DERIVED PHQ-9 vectors of the reference note (section 2b), plus boundary pairs.
PHQ9_VECTORS = [
    ([0] * 9, 0, "minimal"),
    ([1] * 9, 9, "mild"),
    ([2, 2, 2, 2, 2, 0, 0, 0, 0], 10, "moderate"),
    ([3, 3, 3, 3, 3, 0, 0, 0, 0], 15, "moderately_severe"),
    ([3] * 9, 27, "severe"),
    ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, "minimal"),
    ([1, 1, 1, 1, 1, 0, 0, 0, 0], 5, "mild"),
    ([3, 3, 3, 0, 0, 0, 0, 0, 0], 9, "mild"),
    ([3, 3, 3, 1, 0, 0, 0, 0, 0], 10, "moderate"),
    ([3, 3, 3, 3, 2, 0, 0, 0, 0], 14, "moderate"),
    ([3, 3, 3, 3, 3, 3, 1, 0, 0], 19, "moderately_severe"),
    ([3, 3, 3, 3, 3, 3, 2, 0, 0], 20, "severe"),
]


@pytest.mark.parametrize(("values", "total", "severity"), PHQ9_VECTORS)
def test_phq9_reference_vectors(values, total, severity):
    """PHQ-9 DERIVED vectors and boundaries 4/5, 9/10, 14/15, 19/20."""
    result = score("phq9", _items(values))
    assert (result.total, result.severity, result.complete) == (total, severity, True)


def test_phq9_all_ones_raises_item9_flag():
    """All 1 -> 9 mild with the item-9 flag (reference DERIVED vector)."""
    result = score("phq9", _items([1] * 9))
    assert [f.item for f in result.flags] == ["9"]


def test_qids_reference_vector_is_15_moderate_not_20():
    """QIDS vector [1,3,0,2,2,0,2,0,1,1,1,0,2,1,1,3] -> 15 moderate (naive sum 20)."""
    values = [1, 3, 0, 2, 2, 0, 2, 0, 1, 1, 1, 0, 2, 1, 1, 3]
    result = score("qids_sr16", _items(values))
    assert sum(values) == 20
    assert (result.total, result.severity) == (15, "moderate")
    assert dict(result.domain_scores)["sleep"] == 3
    assert dict(result.domain_scores)["psychomotor slowing/agitation"] == 3
    assert "max(1,2,3,4)=3" in result.explanation[0]


@pytest.mark.parametrize(
    ("values", "total"),
    [
        ([3, 3, 3, 3] + [0] * 12, 3),  # sleep domain counts once
        ([0] * 5 + [1, 2, 3, 0] + [0] * 7, 3),  # appetite/weight takes the max
        ([0] * 14 + [2, 1], 2),  # psychomotor takes the max
        ([3] * 16, 27),
    ],
)
def test_qids_max_of_groups(values, total):
    """QIDS-SR16 grouped domains score their highest item [S31]."""
    assert score("qids_sr16", _items(values)).total == total


# Every band edge of every convention, from the reference tables (not from the code).
BAND_EDGES = {
    ("phq9", "kroenke_2001"): [
        (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
        (14, "moderate"), (15, "moderately_severe"), (19, "moderately_severe"),
        (20, "severe"), (27, "severe"),
    ],
    ("gad7", "spitzer_2006"): [
        (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
        (14, "moderate"), (15, "severe"), (21, "severe"),
    ],
    ("qids_sr16", "rush_2003"): [
        (0, "none"), (5, "none"), (6, "mild"), (10, "mild"), (11, "moderate"),
        (15, "moderate"), (16, "severe"), (20, "severe"), (21, "very_severe"),
        (27, "very_severe"),
    ],
    ("hamd17", "zimmerman_2013"): [
        (0, "none"), (7, "none"), (8, "mild"), (16, "mild"), (17, "moderate"),
        (23, "moderate"), (24, "severe"), (52, "severe"),
    ],
    ("hamd17", "camcops"): [
        (0, "none"), (7, "none"), (8, "mild"), (13, "mild"), (14, "moderate"),
        (18, "moderate"), (19, "severe"), (22, "severe"), (23, "very_severe"),
        (52, "very_severe"),
    ],
    ("hamd17", "rush_2003_crosswalk"): [
        (0, "none"), (7, "none"), (8, "mild"), (13, "mild"), (14, "moderate"),
        (19, "moderate"), (20, "severe"), (25, "severe"), (26, "very_severe"),
        (52, "very_severe"),
    ],
    ("madrs", "snaith_1986"): [
        (0, "absent"), (6, "absent"), (7, "mild"), (19, "mild"), (20, "moderate"),
        (34, "moderate"), (35, "severe"), (60, "severe"),
    ],
    ("madrs", "alternative_12_24_35"): [
        (0, "absent"), (11, "absent"), (12, "mild"), (23, "mild"), (24, "moderate"),
        (34, "moderate"), (35, "severe"), (60, "severe"),
    ],
}  # fmt: skip

EDGE_CASES = [
    (scale_id, convention, total, label)
    for (scale_id, convention), edges in BAND_EDGES.items()
    for total, label in edges
]


@pytest.mark.parametrize(("scale_id", "convention", "total", "severity"), EDGE_CASES)
def test_every_band_edge(scale_id, convention, total, severity):
    """Each band's lowest and highest total gets that band's label."""
    answers = vector_for_total(scale_id, total, avoid=(SUICIDE_ITEM.get(scale_id, ""),))
    result = score(scale_id, answers, band_convention=convention)
    assert result.total == total
    assert result.severity == severity
    assert result.band_convention == convention
    assert any(severity in line for line in result.explanation)


@pytest.mark.parametrize(
    ("scale_id", "default"),
    [("hamd17", "zimmerman_2013"), ("madrs", "snaith_1986"), ("phq9", "kroenke_2001")],
)
def test_default_convention_used_when_none_given(scale_id, default):
    """Without band_convention the documented default is used."""
    result = score(scale_id, vector_for_total(scale_id, 0))
    assert result.band_convention == default


def test_hamd_conventions_disagree_where_published_sets_differ():
    """HAM-D17 total 15: mild (Zimmerman), moderate (CamCOPS and Rush crosswalk)."""
    answers = vector_for_total("hamd17", 15, avoid=("3",))
    assert score("hamd17", answers).severity == "mild"
    assert score("hamd17", answers, band_convention="camcops").severity == "moderate"
    assert score("hamd17", answers, band_convention="rush_2003_crosswalk").severity == "moderate"


def test_unknown_band_convention():
    """An unknown convention is InvalidInput on 'band_convention' listing the options."""
    with pytest.raises(InvalidInput) as info:
        score("hamd17", vector_for_total("hamd17", 0), band_convention="snaith_1986")
    issue = info.value.issues[0]
    assert issue.path == "band_convention"
    assert "zimmerman_2013" in (issue.allowed or "")


@pytest.mark.parametrize("scale_id", ["phq9", "gad7", "qids_sr16", "hamd17", "madrs"])
def test_incomplete_form_is_not_scored(scale_id):
    """Missing-item rule: incomplete -> total and severity None, complete False."""
    answers = vector_for_total(scale_id, 5)
    del answers["2"]
    result = score(scale_id, answers)
    assert (result.total, result.severity, result.complete) == (None, None, False)
    assert result.missing == ("2",)
    assert result.explanation[0].startswith("incomplete: not scored")


def test_empty_form_lists_every_item_missing():
    """No answers: every item missing, suicide item noted as not assessed."""
    result = score("phq9", {})
    assert result.missing == tuple(str(i) for i in range(1, 10))
    assert result.flags == ()
    assert any("suicidal ideation not assessed" in line for line in result.explanation)


def test_hamd17_item16_not_assessed_counts_as_missing():
    """HAM-D17 item 16 = 3 (not assessed): kept in answers, item missing, no total."""
    answers = vector_for_total("hamd17", 10, avoid=("3", "16"))
    answers["16"] = 3
    result = score("hamd17", answers)
    assert result.answers["16"] == 3
    assert result.missing == ("16",)
    assert result.total is None
    assert "16 (not assessed)" in result.explanation[0]


def test_hamd17_item16_scored_0_to_2():
    """Item 16 answers 0-2 are scored."""
    answers = dict.fromkeys((str(i) for i in range(1, 18)), 0)
    answers["16"] = 2
    assert score("hamd17", answers).total == 2


@pytest.mark.parametrize(
    ("scale_id", "answers", "paths"),
    [
        ("phq9", {"10": 1}, ["items.10"]),
        ("phq9", {"1": 4}, ["items.1"]),
        ("phq9", {"1": -1, "2": 9, "x": 0}, ["items.1", "items.2", "items.x"]),
        ("phq9", {"1": True}, ["items.1"]),
        ("hamd17", {"4": 3}, ["items.4"]),
        ("hamd17", {"1": 5}, ["items.1"]),
        ("hamd17", {"17": 3}, ["items.17"]),
        ("madrs", {"10": 7}, ["items.10"]),
        ("cssrs_screener", {"1": 2, "7": 1}, ["items.1", "items.7"]),
    ],
)
def test_validation_collects_every_issue(scale_id, answers, paths):
    """Unknown keys and out-of-range answers are all reported at once, by path."""
    with pytest.raises(InvalidInput) as info:
        score(scale_id, answers)
    assert [issue.path for issue in info.value.issues] == paths
    for issue in info.value.issues:
        assert issue.allowed
        assert issue.given is not None


def test_validation_message_names_allowed_values():
    """The message says what is allowed and what was given."""
    with pytest.raises(InvalidInput) as info:
        score("hamd17", {"16": 4})
    assert info.value.render() == (
        "items.16: not an allowed answer (allowed: one of 0, 1, 2 or 3 (= not assessed); given: 4)"
    )


def test_unknown_scale_in_score():
    """score() names the field 'scale'."""
    with pytest.raises(InvalidInput) as info:
        score("bdi2", {})
    assert info.value.issues[0].path == "scale"


def test_result_to_dict_is_json_ready():
    """to_dict has the documented keys and serialises to JSON."""
    result = score("phq9", _items([1, 2, 3, 0, 1, 2, 3, 0, 1]))
    document = result.to_dict()
    json.dumps(document)
    for key in ("scale", "total", "severity", "complete", "missing", "flags", "triage"):
        assert key in document
    assert document["explanation"]
    assert document["total"] == 13
    assert document["answers"] == _items([1, 2, 3, 0, 1, 2, 3, 0, 1])


def test_answers_returned_in_item_order():
    """Answers come back ordered by item, whatever the input order."""
    answers = {str(i): 0 for i in range(9, 0, -1)}
    assert list(score("phq9", answers).answers) == [str(i) for i in range(1, 10)]


def test_non_text_item_key_is_reported():
    """An integer key (9 instead of "9") is an issue naming the item path."""
    with pytest.raises(InvalidInput) as info:
        score("phq9", {9: 1})  # type: ignore[dict-item]
    issue = info.value.issues[0]
    assert (issue.path, issue.message, issue.given) == ("items.9", "item key must be text", "9")
