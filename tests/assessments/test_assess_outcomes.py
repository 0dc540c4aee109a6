"""Outcomes: change, response, remission, early improvement, RCI, sustained, relapse."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trdcare.assessments.domain import (
    DEFAULT,
    CourseOutcome,
    OutcomeCriteria,
    ScorePoint,
    caseload_figures,
    course_outcome,
    judge_change,
    reliable_change_index,
)
from trdcare.core.errors import InvalidInput


def _summary(scale_id, baseline_total, latest_total, **kwargs):
    """(percent_change, response, remission) of judge_change."""
    judged = judge_change(scale_id, baseline_total, latest_total, **kwargs)
    return judged.percent_change, judged.response, judged.remission


D0 = date(2024, 1, 1)


def weekly(totals: list[int], start: date = D0) -> list[ScorePoint]:
    return [ScorePoint(start + timedelta(days=7 * i), t) for i, t in enumerate(totals)]


def at_days(pairs: list[tuple[int, int]]) -> list[ScorePoint]:
    return [ScorePoint(D0 + timedelta(days=day), total) for day, total in pairs]


@pytest.mark.parametrize(
    ("baseline", "latest", "pct", "response", "partial"),
    [
        (20, 10, -50.0, True, False),  # exactly 50%: response
        (20, 11, -45.0, False, True),
        (20, 15, -25.0, False, True),  # exactly 25%: partial
        (20, 16, -20.0, False, False),
        (20, 20, 0.0, False, False),
        (20, 25, 25.0, False, False),
        (21, 10, -100 * 11 / 21, True, False),
        (21, 11, -100 * 10 / 21, False, True),  # 47.6%
        (3, 1, -100 * 2 / 3, True, False),
    ],
)
def test_response_and_partial_response(baseline, latest, pct, response, partial):
    """Response >= 50% reduction [S50]; partial 25-49% (UNVERIFIED named definition)."""
    outcome = course_outcome("hamd17", weekly([baseline, latest]))
    assert outcome.percent_change == pytest.approx(pct)
    assert (outcome.response, outcome.partial_response) == (response, partial)
    assert outcome.change == latest - baseline


@pytest.mark.parametrize(
    ("scale_id", "remitted", "not_remitted"),
    [("phq9", 4, 5), ("gad7", 4, 5), ("qids_sr16", 5, 6), ("hamd17", 7, 8), ("madrs", 10, 11)],
)
def test_remission_cut_offs(scale_id, remitted, not_remitted):
    """Remission at the per-scale cut-off, not one above."""
    assert course_outcome(scale_id, weekly([20, remitted])).remission is True
    assert course_outcome(scale_id, weekly([20, not_remitted])).remission is False


def test_baseline_zero_percent_change_undefined():
    """Baseline 0: percent change None, no response, explained; remission still evaluated."""
    outcome = course_outcome("phq9", weekly([0, 0]))
    assert outcome.percent_change is None
    assert outcome.response is False
    assert outcome.partial_response is False
    assert outcome.early_improvement is None
    assert outcome.remission is True
    assert any("percent change undefined" in line for line in outcome.explanation)
    assert _summary("phq9", 0, 3) == (None, False, True)


def test_baseline_is_last_point_on_or_before_course_start():
    """Baseline = last score on/before the course start; earlier scores not used."""
    points = at_days([(0, 25), (10, 22), (20, 12)])
    outcome = course_outcome("phq9", points, course_start=D0 + timedelta(days=10))
    assert outcome.baseline == points[1]
    assert outcome.baseline_after_course_start is False
    assert [row.on for row in outcome.rows] == [points[1].on, points[2].on]
    assert outcome.percent_change == pytest.approx(-100 * 10 / 22)
    assert any("1 earlier score(s)" in line for line in outcome.explanation)


def test_baseline_without_course_start_is_first_point_in_date_order():
    """Points in any order; baseline = earliest, latest = last."""
    points = at_days([(14, 10), (0, 20), (7, 15)])
    outcome = course_outcome("phq9", points)
    assert (outcome.baseline.total, outcome.latest.total) == (20, 10)


def test_baseline_after_course_start_is_flagged():
    """No score on/before the start: first score used and flagged."""
    points = at_days([(5, 20), (30, 8)])
    outcome = course_outcome("phq9", points, course_start=D0)
    assert outcome.baseline == points[0]
    assert outcome.baseline_after_course_start is True
    assert "5 days later" in outcome.baseline_rule


def test_same_date_scores_keep_given_order():
    """Two scores on one date: the later-given counts as later (latest)."""
    points = [
        ScorePoint(D0, 20),
        ScorePoint(D0 + timedelta(days=7), 12),
        ScorePoint(D0 + timedelta(days=7), 9),
    ]
    outcome = course_outcome("phq9", points)
    assert outcome.latest.total == 9


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([(0, 20), (14, 16)], True),  # exactly 20% on day 14
        ([(0, 20), (14, 17)], False),  # 15%
        ([(0, 20), (15, 10)], None),  # day 15 is outside the window
        ([(0, 20), (7, 17), (14, 18), (28, 5)], False),
        ([(0, 20), (3, 15), (14, 19)], True),  # any score in the window
        ([(0, 20)], None),
    ],
)
def test_early_improvement_window(pairs, expected):
    """Early improvement: >= 20% on a score 1-14 days after baseline [S51]."""
    outcome = course_outcome("hamd17", at_days(pairs))
    assert outcome.early_improvement is expected
    line = next(line for line in outcome.explanation if line.startswith("early improvement"))
    assert "[S51]" in line


def test_early_improvement_notes_analogy_for_other_scales():
    """Validated on HAM-D17: other scales say so."""
    outcome = course_outcome("phq9", at_days([(0, 20), (14, 10)]))
    assert any("applied to PHQ-9 by analogy" in line for line in outcome.explanation)


def test_rci_reference_illustration():
    """DERIVED illustration: SD 5.2, r 0.84 -> SE 2.08, S_diff 2.94, threshold ~5.8."""
    rc = reliable_change_index(20, 14, reliability=0.84, baseline_sd=5.2)
    assert rc.standard_error == pytest.approx(2.08)
    assert rc.s_diff == pytest.approx(2.9416, abs=1e-3)
    assert round(rc.threshold_points, 1) == 5.8
    assert rc.category == "reliable_improvement"  # 6 points > 5.77


def test_rci_alternative_reliability():
    """r = 0.737 [S61] gives a threshold of about 7.4 points."""
    rc = reliable_change_index(20, 20, reliability=0.737, baseline_sd=5.2)
    assert round(rc.threshold_points, 1) == 7.4


@pytest.mark.parametrize(
    ("baseline", "latest", "category"),
    [
        (20, 14, "reliable_improvement"),
        (20, 15, "no_reliable_change"),
        (20, 26, "reliable_deterioration"),
        (20, 25, "no_reliable_change"),
    ],
)
def test_rci_categories(baseline, latest, category):
    """|RC| > 1.96 in either direction (lower total = better)."""
    rc = reliable_change_index(baseline, latest, reliability=0.84, baseline_sd=5.2)
    assert rc.category == category
    assert rc.rci == pytest.approx((latest - baseline) / (math.sqrt(2) * 5.2 * 0.4))


def test_rci_in_course_outcome_and_absent_without_parameters():
    """Reliable change needs both parameters; otherwise None and explained."""
    with_rc = course_outcome("phq9", weekly([20, 12]), reliability=0.84, baseline_sd=5.2)
    assert with_rc.reliable_change is not None
    assert with_rc.reliable_change.category == "reliable_improvement"
    without = course_outcome("phq9", weekly([20, 12]))
    assert without.reliable_change is None
    assert any("reliable change not computed" in line for line in without.explanation)


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"reliability": 0.8}, "baseline_sd"),
        ({"baseline_sd": 5.0}, "reliability"),
        ({"reliability": 1.0, "baseline_sd": 5.0}, "reliability"),
        ({"reliability": 0.8, "baseline_sd": 0.0}, "baseline_sd"),
    ],
)
def test_rci_parameter_errors(kwargs, path):
    """reliability in [0, 1) and baseline_sd > 0, given together."""
    with pytest.raises(InvalidInput) as info:
        course_outcome("phq9", weekly([20, 12]), **kwargs)
    assert info.value.issues[0].path == path


def test_sustained_remission_needs_21_days():
    """Remitted scores spanning 21 days ascribe remission; 20 days do not [A6]."""
    ascribed = course_outcome("qids_sr16", at_days([(0, 20), (7, 5), (28, 4)]))
    assert ascribed.sustained_remission is True
    assert ascribed.events[0].kind == "remission"
    assert ascribed.state == "remission"
    short = course_outcome("qids_sr16", at_days([(0, 20), (7, 5), (27, 4)]))
    assert short.sustained_remission is False
    assert short.state == "not_remitted"


def test_sustained_remission_run_broken_by_a_higher_score():
    """A score above the cut-off restarts the run."""
    outcome = course_outcome("qids_sr16", at_days([(0, 20), (7, 5), (14, 8), (21, 5), (35, 5)]))
    assert outcome.sustained_remission is False


def test_sustained_response():
    """Responding scores spanning >= 21 days (UNVERIFIED, by analogy)."""
    assert course_outcome("phq9", weekly([20, 10, 9, 10, 8])).sustained_response is True
    assert course_outcome("phq9", weekly([20, 10, 9, 12, 8])).sustained_response is False
    criteria = OutcomeCriteria(sustained_response_min_days=7)
    assert course_outcome("phq9", weekly([20, 10, 9]), criteria=criteria).sustained_response


def test_relapse_after_sustained_remission_star_d():
    """QIDS-SR16 >= 11 after remission onset and before recovery is relapse [A5][A6]."""
    outcome = course_outcome("qids_sr16", at_days([(0, 20), (14, 5), (35, 4), (60, 9), (70, 11)]))
    assert [e.kind for e in outcome.events] == ["remission", "relapse"]
    assert outcome.relapse is True
    assert outcome.state == "not_remitted"
    assert "[A5]" in outcome.events[1].rule


def test_score_between_cut_offs_keeps_remission():
    """Remission is lost only by relapse: QIDS 9 (not >= 11) keeps it [A6]."""
    outcome = course_outcome("qids_sr16", at_days([(0, 20), (14, 5), (35, 4), (60, 10)]))
    assert outcome.relapse is False
    assert outcome.state == "remission"
    assert outcome.remission is False  # the latest score itself is above the cut-off


def test_recovery_then_recurrence():
    """After 4 months of remission: recovery; a later return is recurrence, not relapse."""
    onset = D0 + timedelta(days=14)  # 2024-01-15; 4 months later: 2024-05-15
    points = [
        ScorePoint(D0, 20),
        ScorePoint(onset, 5),
        ScorePoint(date(2024, 2, 5), 4),
        ScorePoint(date(2024, 5, 15), 3),
        ScorePoint(date(2024, 6, 1), 14),
    ]
    outcome = course_outcome("hamd17", points)
    assert [e.kind for e in outcome.events] == ["remission", "recovery", "recurrence"]
    assert outcome.events[1].on == date(2024, 5, 15)
    assert outcome.relapse is False


def test_return_one_day_before_recovery_is_relapse():
    """Return dated the day before onset + 4 months is relapse."""
    points = [
        ScorePoint(D0, 20),
        ScorePoint(date(2024, 1, 15), 5),
        ScorePoint(date(2024, 2, 5), 4),
        ScorePoint(date(2024, 5, 14), 14),
    ]
    outcome = course_outcome("hamd17", points)
    assert [e.kind for e in outcome.events] == ["remission", "relapse"]


def test_gad7_has_no_relapse_rule():
    """GAD-7: relapse not evaluated, explained."""
    outcome = course_outcome("gad7", at_days([(0, 15), (7, 3), (30, 2), (40, 18)]))
    assert outcome.relapse_rule is None
    assert outcome.relapse is False
    assert any("relapse not evaluated" in line for line in outcome.explanation)


def test_outcomes_refuse_the_screener():
    """The C-SSRS screener has no total: InvalidInput on 'scale'."""
    with pytest.raises(InvalidInput) as info:
        course_outcome("cssrs_screener", weekly([1, 0]))
    assert info.value.issues[0].path == "scale"
    with pytest.raises(InvalidInput):
        _summary("cssrs_screener", 1, 0)


def test_point_validation_collects_issues():
    """Empty, out-of-range totals and datetimes are reported by path."""
    with pytest.raises(InvalidInput) as info:
        course_outcome("phq9", [])
    assert info.value.issues[0].path == "points"
    bad = [
        ScorePoint(datetime(2024, 1, 1, 9, 0), 10),  # type: ignore[arg-type]
        ScorePoint(D0 + timedelta(days=7), 28),
    ]
    with pytest.raises(InvalidInput) as info:
        course_outcome("phq9", bad)
    assert [i.path for i in info.value.issues] == ["points.0.on", "points.1.total"]


@pytest.mark.parametrize(
    ("baseline", "latest", "path"),
    [(28, 0, "baseline_total"), (0, -1, "latest_total"), (True, 0, "baseline_total")],
)
def test_judge_change_validation(baseline, latest, path):
    """Totals outside the scale range name the field."""
    with pytest.raises(InvalidInput) as info:
        _summary("phq9", baseline, latest)
    assert info.value.issues[0].path == path


def test_judge_change_values():
    """(percent_change, response, remission)."""
    assert _summary("phq9", 20, 10) == (-50.0, True, False)
    assert _summary("phq9", 20, 4) == (-80.0, True, True)
    assert _summary("madrs", 30, 16) == (pytest.approx(-46.67, abs=0.01), False, False)


def test_criteria_defaults_and_statuses():
    """Defaults from the reference, each with source and status in to_dict."""
    document = DEFAULT.to_dict()
    assert document["response_min_reduction_pct"]["value"] == 50.0
    assert document["response_min_reduction_pct"]["status"] == "VERIFIED"
    assert document["partial_response_min_reduction_pct"]["status"] == "UNVERIFIED"
    assert document["early_improvement_min_reduction_pct"]["value"] == 20.0
    assert document["early_improvement_window_days"]["value"] == 14
    assert document["sustained_response_min_days"]["status"] == "UNVERIFIED"
    assert document["sustained_remission_min_days"]["value"] == 21
    assert document["recovery_min_months"]["value"] == 4
    assert document["reliable_change_z"]["value"] == 1.96


def test_criteria_override_marks_local_and_changes_remission():
    """A MADRS remission override (<= 12 [S52]) applies and is labelled UNVERIFIED."""
    criteria = OutcomeCriteria(remission_max_total={"madrs": 12}, response_min_reduction_pct=60)
    outcome = course_outcome("madrs", weekly([30, 12]), criteria=criteria)
    assert outcome.remission is True
    assert outcome.remission_rule.provenance.status == "UNVERIFIED"
    assert outcome.response is True  # 60% reduction
    assert criteria.to_dict()["response_min_reduction_pct"]["status"] == "UNVERIFIED"
    assert _summary("madrs", 30, 12, criteria=criteria) == (-60.0, True, True)


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"partial_response_min_reduction_pct": 50.0}, "partial_response_min_reduction_pct"),
        ({"response_min_reduction_pct": 0}, "response_min_reduction_pct"),
        ({"early_improvement_window_days": 0}, "early_improvement_window_days"),
        ({"remission_max_total": {"bdi2": 13}}, "remission_max_total.bdi2"),
        ({"remission_max_total": {"phq9": 28}}, "remission_max_total.phq9"),
        ({"remission_max_total": {"cssrs_screener": 0}}, "remission_max_total.cssrs_screener"),
        ({"relapse_min_total": {"qids_sr16": 5}}, "relapse_min_total.qids_sr16"),
    ],
)
def test_criteria_validation(kwargs, path):
    """Bad criteria raise InvalidInput naming the field."""
    with pytest.raises(InvalidInput) as info:
        OutcomeCriteria(**kwargs)
    assert path in [issue.path for issue in info.value.issues]


def test_course_outcome_to_dict_is_json_ready():
    """to_dict: ISO dates, rows, events, criteria, explanation."""
    outcome = course_outcome(
        "qids_sr16",
        at_days([(0, 20), (14, 5), (35, 4), (60, 12)]),
        reliability=0.84,
        baseline_sd=5.2,
    )
    assert isinstance(outcome, CourseOutcome)
    document = outcome.to_dict()
    text = json.dumps(document)
    assert '"2024-01-01"' in text
    assert document["baseline"] == {"on": "2024-01-01", "total": 20}
    assert len(document["rows"]) == 4
    assert [e["kind"] for e in document["events"]] == ["remission", "relapse"]
    assert document["reliable_change"]["category"] == "reliable_improvement"
    assert document["remission_rule"]["value"] == 5
    assert document["explanation"]


@settings(max_examples=200, deadline=None)
@given(
    days=st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=10),
    totals=st.lists(st.integers(min_value=0, max_value=27), min_size=10, max_size=10),
    start_day=st.one_of(st.none(), st.integers(min_value=-10, max_value=130)),
)
def test_caseload_figures_agree_with_course_outcome(
    days: list[int], totals: list[int], start_day: int | None
) -> None:
    """The caseload's figures follow the outcome rules (dates in order, as entered)."""
    ordered = sorted(days)
    points = [ScorePoint(D0 + timedelta(days=d), t) for d, t in zip(ordered, totals, strict=False)]
    course_start = None if start_day is None else D0 + timedelta(days=start_day)
    figures = caseload_figures(
        "phq9", [(p.on, p.total, "band") for p in points], course_start=course_start
    )
    doc = course_outcome("phq9", points, course_start=course_start).to_dict()
    assert figures.assessments == len(points)
    assert (figures.baseline_total, figures.latest_total) == (
        doc["baseline"]["total"],
        doc["latest"]["total"],
    )
    assert (figures.response, figures.remission) == (doc["response"], doc["remission"])


def test_caseload_figures_need_an_administration() -> None:
    with pytest.raises(InvalidInput, match="administrations"):
        caseload_figures("phq9", [])
