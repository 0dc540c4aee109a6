"""Hypothesis properties of scoring, safety flags and outcomes."""

from __future__ import annotations

from datetime import date, timedelta

from assess_helpers import SUICIDE_ITEM
from hypothesis import given, settings
from hypothesis import strategies as st

from trdcare.assessments.domain import (
    SCORED_SCALE_IDS,
    ScorePoint,
    course_outcome,
    get_scale,
    judge_change,
    parse_answers,
    score,
)


def _summary(scale_id, baseline_total, latest_total, **kwargs):
    """(percent_change, response, remission) of judge_change."""
    judged = judge_change(scale_id, baseline_total, latest_total, **kwargs)
    return judged.percent_change, judged.response, judged.remission


PROPERTY = settings(max_examples=150, deadline=None)


@st.composite
def complete_answers(draw, scale_id: str | None = None):
    scale_id = scale_id or draw(st.sampled_from(SCORED_SCALE_IDS))
    scale = get_scale(scale_id)
    answers = {item.key: draw(st.sampled_from(item.scored_values)) for item in scale.items}
    return scale_id, answers


@PROPERTY
@given(complete_answers())
def test_total_within_range(case):
    """Complete forms score within the scale's total range and get a band."""
    scale_id, answers = case
    scale = get_scale(scale_id)
    result = score(scale_id, answers)
    assert result.complete
    assert scale.total_min <= result.total <= scale.total_max
    assert result.severity is not None


@PROPERTY
@given(complete_answers(), st.data())
def test_total_monotone_in_each_item(case, data):
    """Raising any one item never lowers the total."""
    scale_id, answers = case
    scale = get_scale(scale_id)
    key = data.draw(st.sampled_from(scale.item_keys))
    higher = [v for v in scale.item(key).scored_values if v > answers[key]]
    if not higher:
        return
    raised = dict(answers, **{key: data.draw(st.sampled_from(higher))})
    assert score(scale_id, raised).total >= score(scale_id, answers).total


@PROPERTY
@given(complete_answers("qids_sr16"))
def test_qids_never_exceeds_naive_sum(case):
    """QIDS-SR16 max-of-groups total <= plain sum of the 16 items."""
    _, answers = case
    assert score("qids_sr16", answers).total <= sum(answers.values())


@PROPERTY
@given(st.sampled_from(sorted(SUICIDE_ITEM)), st.data())
def test_flag_whenever_suicide_item_at_or_above_cut_off(scale_id, data):
    """Flag present iff the suicide item >= cut-off, whatever the other items or gaps."""
    scale = get_scale(scale_id)
    (rule,) = scale.safety_rules
    answers = {}
    for item in scale.items:
        if item.key == rule.item or data.draw(st.booleans()):
            answers[item.key] = data.draw(st.sampled_from(item.scored_values))
    result = score(scale_id, answers)
    flagged = [f for f in result.flags if f.item == rule.item]
    if answers[rule.item] >= rule.min_value:
        assert len(flagged) == 1
        assert flagged[0].code == "suicidal_ideation"
    else:
        assert flagged == []


@PROPERTY
@given(
    st.dictionaries(
        st.sampled_from(["1", "2", "3", "4", "5", "6", "6_recent"]), st.sampled_from([0, 1])
    )
)
def test_cssrs_any_yes_is_flagged_and_triaged(answers):
    """Every yes gives a flag and a triage above none; no yes never gives a flag."""
    result = score("cssrs_screener", answers)
    if any(v == 1 for v in answers.values()):
        assert result.flags
        assert result.triage in ("low", "moderate", "high")
        assert {f.triage for f in result.flags} <= {"low", "moderate", "high"}
    else:
        assert result.flags == ()
        assert result.triage in ("none", None)
        assert (result.triage == "none") == result.complete


@PROPERTY
@given(complete_answers())
def test_parse_round_trip(case):
    """Answers rendered as positional tokens parse back unchanged."""
    scale_id, answers = case
    tokens = [str(answers[key]) for key in get_scale(scale_id).item_keys]
    assert parse_answers(scale_id, tokens) == answers


@st.composite
def two_totals(draw):
    scale_id = draw(st.sampled_from(SCORED_SCALE_IDS))
    top = get_scale(scale_id).total_max
    return scale_id, draw(st.integers(0, top)), draw(st.integers(0, top))


@PROPERTY
@given(two_totals(), st.integers(1, 400))
def test_judge_change_agrees_with_course_outcome(case, days):
    """judge_change == (percent_change, response, remission) of course_outcome."""
    scale_id, baseline, latest = case
    start = date(2024, 3, 1)
    outcome = course_outcome(
        scale_id,
        [ScorePoint(start, baseline), ScorePoint(start + timedelta(days=days), latest)],
    )
    assert _summary(scale_id, baseline, latest) == (
        outcome.percent_change,
        outcome.response,
        outcome.remission,
    )


@PROPERTY
@given(two_totals())
def test_response_matches_percent_change(case):
    """Response iff percent change <= -50 (baseline > 0); partial never with response."""
    scale_id, baseline, latest = case
    outcome = course_outcome(
        scale_id, [ScorePoint(date(2024, 1, 1), baseline), ScorePoint(date(2024, 2, 1), latest)]
    )
    if baseline == 0:
        assert outcome.percent_change is None and not outcome.response
    else:
        assert outcome.response == (outcome.percent_change <= -50.0 + 1e-9)
    assert not (outcome.response and outcome.partial_response)


@st.composite
def course(draw):
    scale_id = draw(st.sampled_from(SCORED_SCALE_IDS))
    top = get_scale(scale_id).total_max
    return scale_id, draw(st.lists(st.integers(0, top), min_size=1, max_size=12))


@PROPERTY
@given(course())
def test_course_events_alternate_sensibly(case):
    """Relapse/recurrence only ever follows a remission event."""
    scale_id, totals = case
    points = [
        ScorePoint(date(2024, 1, 1) + timedelta(days=10 * i), t) for i, t in enumerate(totals)
    ]
    outcome = course_outcome(scale_id, points)
    in_remission = False
    for event in outcome.events:
        if event.kind == "remission":
            assert not in_remission
            in_remission = True
        elif event.kind in ("relapse", "recurrence"):
            assert in_remission
            in_remission = False
    assert outcome.sustained_remission == any(e.kind == "remission" for e in outcome.events)
