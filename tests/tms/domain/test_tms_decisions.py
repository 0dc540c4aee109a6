"""Decision points and retreatment eligibility."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from trdcare.assessments.domain import ScorePoint, course_verdict
from trdcare.core.errors import InvalidInput
from trdcare.tms.domain.decisions import (
    assess_outcome,
    retreatment_eligibility,
    review_decision_point,
    review_moment,
)
from trdcare.tms.domain.protocols import get_protocol


@pytest.mark.parametrize(
    ("scale", "baseline", "current", "category"),
    [
        ("hamd17", 24, 7, "remission"),
        ("hamd17", 24, 8, "response"),
        ("hamd17", 24, 12, "response"),  # exactly 50%
        ("hamd17", 24, 13, "partial_response"),
        ("hamd17", 24, 18, "partial_response"),  # exactly 25%
        ("hamd17", 24, 19, "non_response"),
        ("madrs", 30, 10, "remission"),
        ("madrs", 30, 11, "response"),
        ("phq9", 20, 4, "remission"),
        ("phq9", 20, 5, "response"),
        ("qids_sr16", 16, 5, "remission"),
        ("phq9", 10, 14, "non_response"),  # worse
    ],
)
def test_outcome_categories(scale: str, baseline: int, current: int, category: str) -> None:
    assert assess_outcome(scale, baseline, current).category == category


def test_outcome_refusals() -> None:
    with pytest.raises(InvalidInput) as err:
        assess_outcome("gad7", 10, 5)
    assert err.value.issues[0].path == "scale"
    with pytest.raises(InvalidInput) as err:
        assess_outcome("phq9", 30, 5)
    assert err.value.issues[0].path == "baseline_total"


HF = "hf10-left-dlpfc"
START = date(2025, 1, 6)


def hamd(baseline: int, current: int):
    """A HAM-D17 course verdict: baseline on the start day, ``current`` four weeks later."""
    points = [ScorePoint(START, baseline), ScorePoint(START + timedelta(days=28), current)]
    return course_verdict("hamd17", points, course_start=START)


@pytest.mark.parametrize(
    ("protocol", "delivered", "current", "stage", "primary", "others"),
    [
        (HF, 5, 24, "before_first_decision_point", "continue", []),
        (HF, 10, 6, "early", "continue", []),
        (HF, 12, 23, "early", "continue", []),
        (HF, 20, 6, "within_acute", "begin_taper", ["continue"]),
        (HF, 20, 10, "within_acute", "continue", []),
        (HF, 20, 15, "within_acute", "continue", []),
        (HF, 20, 22, "within_acute", "consider_protocol_change", ["continue"]),
        (HF, 30, 6, "end_of_acute", "begin_taper", []),
        (HF, 30, 12, "end_of_acute", "begin_taper", []),
        (HF, 30, 15, "end_of_acute", "extend", ["begin_taper", "consider_protocol_change"]),
        (HF, 30, 22, "end_of_acute", "stop", ["consider_protocol_change"]),
        ("itbs-left-dlpfc", 30, 10, "end_of_acute", "stop", []),  # no taper: course ends
        ("deep-tms-h1", 20, 10, "end_of_acute", "begin_taper", []),  # continuation phase
        ("accelerated-itbs", 50, 15, "end_of_acute", "stop", ["consider_protocol_change"]),
    ],
)
def test_decision_rules(
    protocol: str, delivered: int, current: int, stage: str, primary: str, others: list[str]
) -> None:
    r = review_decision_point(get_protocol(protocol), delivered, hamd(24, current))
    assert r.stage == stage
    assert r.primary.action == primary
    assert [s.action for s in r.suggestions if not s.primary] == others
    d = r.to_dict()
    assert d["primary_action"] == primary
    for s in d["suggestions"]:  # type: ignore[union-attr]
        assert s["sources"]  # type: ignore[index]
        assert s["rule"]  # type: ignore[index]


def test_extension_notes_the_payer_cap() -> None:
    r = review_decision_point(get_protocol(HF), 30, hamd(24, 15))
    ext = r.primary
    assert ext.numbers["extend_to"] == 36
    assert ext.numbers["extra_sessions"] == 6
    assert "payer cap of 36" in ext.finding
    assert {s.status for s in ext.sources} == {"UNVERIFIED", "VERIFIED"}
    assert r.status == "UNVERIFIED"  # McClintock's recommendations are [R]


def test_decision_uses_the_planned_acute_count() -> None:
    r = review_decision_point(get_protocol(HF), 20, hamd(24, 10), planned_acute_sessions=20)
    assert r.stage == "end_of_acute"
    assert r.primary.action == "begin_taper"


def test_decision_refuses_bad_counts() -> None:
    with pytest.raises(InvalidInput) as err:
        review_decision_point(get_protocol(HF), -1, hamd(24, 10))
    assert err.value.issues[0].path == "sessions_delivered"
    points = [ScorePoint(START, 15), ScorePoint(START + timedelta(days=28), 5)]
    with pytest.raises(InvalidInput) as err:
        review_decision_point(get_protocol(HF), 20, course_verdict("gad7", points))
    assert err.value.issues[0].path == "scale"


@pytest.mark.parametrize(
    ("baseline", "end", "relapsed", "eligible"),
    [
        (24, 11, True, True),  # 54%
        (24, 12, True, False),  # exactly 50% is not "> 50%"
        (24, 4, False, False),  # responded but no relapse
        (24, 20, True, False),
    ],
)
def test_retreatment_l37086(baseline: int, end: int, relapsed: bool, eligible: bool) -> None:
    r = retreatment_eligibility("hamd17", baseline, end, relapsed=relapsed)
    assert r.eligible is eligible
    assert r.reasons[0].sources[0].status == "VERIFIED"
    assert "L37086" in r.reasons[0].sources[0].citation


def test_retreatment_refusals() -> None:
    with pytest.raises(InvalidInput) as err:
        retreatment_eligibility("hamd17", 0, 0, relapsed=True)
    assert err.value.issues[0].path == "prior_baseline_total"
    with pytest.raises(InvalidInput) as err:
        retreatment_eligibility("hamd17", 20, 5, relapsed="yes")  # type: ignore[arg-type]
    assert err.value.issues[0].path == "relapsed"


def test_a_review_before_the_first_decision_point_says_so() -> None:
    """Not "decision point None" (issue 14 #14)."""
    assert review_moment(3, None) == "after session 3, before the first decision point"
    assert review_moment(20, 20) == "after session 20 (decision point 20)"
