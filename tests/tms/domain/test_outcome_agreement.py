"""One rule for "how did this course go": the outcome, the caseload and the decision points.

``course_verdict`` applies the baseline, response, partial-response and remission rules;
``course_outcome`` (the outcome view), ``caseload_figures`` (the caseload read model) and
``review_decision_point`` (the TMS decision points) all read it, so on the same scores and
the same criteria they must agree, and a clinic's own criteria must reach the decision point.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from trdcare.assessments.domain import (
    OutcomeCriteria,
    ScorePoint,
    caseload_figures,
    course_outcome,
    course_verdict,
    get_scale,
)
from trdcare.tms.domain.decisions import DEPRESSION_SCALES, review_decision_point
from trdcare.tms.domain.protocols import get_protocol

D0 = date(2025, 3, 3)
HF = "hf10-left-dlpfc"


@st.composite
def scale_and_criteria(draw: st.DrawFn) -> tuple[str, OutcomeCriteria]:
    """A depression scale and a clinic's criteria (defaults or local overrides)."""
    scale_id = draw(st.sampled_from(DEPRESSION_SCALES))
    scale = get_scale(scale_id)
    assert scale.relapse is not None
    response = draw(st.integers(min_value=30, max_value=90))
    partial = draw(st.integers(min_value=5, max_value=response - 1))
    remission = draw(st.none() | st.integers(min_value=0, max_value=int(scale.relapse.value) - 1))
    criteria = draw(
        st.sampled_from(
            [
                OutcomeCriteria(),
                OutcomeCriteria(
                    response_min_reduction_pct=response,
                    partial_response_min_reduction_pct=partial,
                    remission_max_total={} if remission is None else {scale_id: remission},
                ),
            ]
        )
    )
    return scale_id, criteria


@settings(max_examples=300, deadline=None)
@given(
    chosen=scale_and_criteria(),
    days=st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=8),
    fractions=st.lists(st.floats(min_value=0, max_value=1), min_size=8, max_size=8),
    start_day=st.one_of(st.none(), st.integers(min_value=-10, max_value=130)),
    delivered=st.sampled_from([5, 10, 20, 30]),
)
def test_outcome_caseload_and_decision_point_agree(
    chosen: tuple[str, OutcomeCriteria],
    days: list[int],
    fractions: list[float],
    start_day: int | None,
    delivered: int,
) -> None:
    scale_id, criteria = chosen
    top = get_scale(scale_id).total_max
    assert top is not None
    points = [
        ScorePoint(D0 + timedelta(days=day), round(fraction * top))
        for day, fraction in zip(sorted(days), fractions, strict=False)
    ]
    start = None if start_day is None else D0 + timedelta(days=start_day)

    outcome = course_outcome(scale_id, points, course_start=start, criteria=criteria)
    figures = caseload_figures(
        scale_id, [(p.on, p.total, "band") for p in points], course_start=start, criteria=criteria
    )
    verdict = course_verdict(scale_id, points, course_start=start, criteria=criteria)
    review = review_decision_point(get_protocol(HF), delivered, verdict)

    assert (figures.baseline_total, figures.latest_total) == (
        outcome.baseline.total,
        outcome.latest.total,
    )
    assert (figures.percent_change, figures.response, figures.remission) == (
        outcome.percent_change,
        outcome.response,
        outcome.remission,
    )
    expected = (
        "remission"
        if outcome.remission
        else "response"
        if outcome.response
        else "partial_response"
        if outcome.partial_response
        else "non_response"
    )
    assert review.outcome.category == expected
    assert (review.outcome.baseline_total, review.outcome.current_total) == (
        outcome.baseline.total,
        outcome.latest.total,
    )
    assert review.outcome.percent_change == outcome.percent_change


def _verdict(scale_id: str, baseline: int, latest: int, criteria: OutcomeCriteria | None = None):
    points = [ScorePoint(D0, baseline), ScorePoint(D0 + timedelta(days=28), latest)]
    if criteria is None:
        return course_verdict(scale_id, points, course_start=D0)
    return course_verdict(scale_id, points, course_start=D0, criteria=criteria)


def test_a_clinics_remission_cut_off_changes_the_decision_point() -> None:
    """MADRS 30 -> 12 after 20 sessions: a response by the default cut-off (<= 10, continue);
    remission under a clinic's MADRS <= 12 [S52], so the suggestion is to begin the taper."""
    default = review_decision_point(get_protocol(HF), 20, _verdict("madrs", 30, 12))
    assert (default.outcome.category, default.primary.action) == ("response", "continue")
    clinic = OutcomeCriteria(remission_max_total={"madrs": 12})
    local = review_decision_point(get_protocol(HF), 20, _verdict("madrs", 30, 12, clinic))
    assert (local.outcome.category, local.primary.action) == ("remission", "begin_taper")
    # The decision point shows the clinic's rule, marked as a local (UNVERIFIED) override.
    inputs = local.outcome.reasons[0].inputs
    assert inputs["remission_cutoff"] == "<= 12"
    assert local.outcome.status == "UNVERIFIED"


def test_a_clinics_response_threshold_changes_the_decision_point() -> None:
    """HAM-D17 24 -> 11 (54%) at the end of the acute course: a response by the default 50%
    (begin the taper); a partial response under a clinic's 60% (extend to about 36)."""
    default = review_decision_point(get_protocol(HF), 30, _verdict("hamd17", 24, 11))
    assert default.primary.action == "begin_taper"
    clinic = OutcomeCriteria(response_min_reduction_pct=60)
    local = review_decision_point(get_protocol(HF), 30, _verdict("hamd17", 24, 11, clinic))
    assert (local.outcome.category, local.primary.action) == ("partial_response", "extend")
    assert local.outcome.reasons[0].inputs["response_min_reduction_pct"] == 60
