"""The esketamine calendar against the US label (modalities.md §1.1): 8 induction sessions in
weeks 1-4, 4 weekly sessions in weeks 5-8, then weekly or every 2 weeks from week 9."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trdcare.core.errors import InvalidInput
from trdcare.esketamine.domain import induction_and_maintenance_schedule

START = date(2026, 1, 5)  # a Monday; the rule does not depend on the weekday


def test_default_plan_counts_per_phase_weekly() -> None:
    plan = induction_and_maintenance_schedule(START)
    assert plan.weeks == 12
    assert plan.count("induction") == 8
    assert plan.count("maintenance_weeks_5_to_8") == 4
    assert plan.count("maintenance_week_9_on") == 4
    assert len(plan.sessions) == 16


def test_every_2_weeks_from_week_9() -> None:
    plan = induction_and_maintenance_schedule(START, "every_2_weeks", 12)
    later = [s for s in plan.sessions if s.phase == "maintenance_week_9_on"]
    assert [s.week for s in later] == [9, 11]
    assert [s.day for s in later] == [date(2026, 3, 2), date(2026, 3, 16)]


def test_dates_of_the_label_weeks() -> None:
    plan = induction_and_maintenance_schedule(START, "weekly", 10)
    days = [s.day.isoformat() for s in plan.sessions]
    assert days == [
        "2026-01-05", "2026-01-08", "2026-01-12", "2026-01-15",
        "2026-01-19", "2026-01-22", "2026-01-26", "2026-01-29",
        "2026-02-02", "2026-02-09", "2026-02-16", "2026-02-23",
        "2026-03-02", "2026-03-09",
    ]  # fmt: skip
    assert plan.sessions[0].first_dose
    assert not any(s.first_dose for s in plan.sessions[1:])


def test_week_9_switch() -> None:
    plan = induction_and_maintenance_schedule(START, "weekly", 9)
    week_8 = [s for s in plan.sessions if s.week == 8]
    week_9 = [s for s in plan.sessions if s.week == 9]
    assert [s.phase for s in week_8] == ["maintenance_weeks_5_to_8"]
    assert [s.phase for s in week_9] == ["maintenance_week_9_on"]
    assert week_9[0].day == START + timedelta(days=56)


def test_week_4_to_5_switch() -> None:
    plan = induction_and_maintenance_schedule(START, "weekly", 5)
    assert [s.phase for s in plan.sessions if s.week == 4] == ["induction", "induction"]
    assert [s.phase for s in plan.sessions if s.week == 5] == ["maintenance_weeks_5_to_8"]


def test_end_of_induction_review_only_when_induction_is_planned_whole() -> None:
    assert induction_and_maintenance_schedule(START, weeks=4).end_of_induction_review == date(
        2026, 2, 2
    )
    assert induction_and_maintenance_schedule(START, weeks=3).end_of_induction_review is None


def test_placement_rule_is_marked_design_and_label_phases_verified() -> None:
    plan = induction_and_maintenance_schedule(START)
    statuses = {r.rule: r.status for r in plan.reasons}
    assert statuses["session_placement"] == "DESIGN"
    assert statuses["label_induction"] == "VERIFIED"
    assert statuses["label_maintenance_week_9_on"] == "VERIFIED"
    assert plan.status == "DESIGN"  # the weakest of its reasons
    doc = plan.to_dict()
    assert doc["label"]["effective_date"] is None  # not read: never guessed


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"maintenance": "monthly"}, "maintenance"),
        ({"maintenance": "every-2-weeks"}, "maintenance"),  # the CLI's spelling is mapped there
        ({"weeks": 0}, "weeks"),
        ({"weeks": 105}, "weeks"),
        ({"weeks": 2.5}, "weeks"),
        ({"weeks": float("nan")}, "weeks"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        induction_and_maintenance_schedule(START, **kwargs)  # type: ignore[arg-type]
    assert info.value.issues[0].path == field
    assert info.value.issues[0].allowed


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    weeks=st.integers(min_value=1, max_value=104),
    maintenance=st.sampled_from(["weekly", "every_2_weeks"]),
)
def test_properties(start: date, weeks: int, maintenance: str) -> None:
    plan = induction_and_maintenance_schedule(start, maintenance, weeks)
    days = [s.day for s in plan.sessions]
    assert days[0] == start
    assert [s.number for s in plan.sessions] == list(range(1, len(days) + 1))
    # Strictly increasing, never two sessions on consecutive days, all inside the planned weeks.
    gaps = [(b - a).days for a, b in pairwise(days)]
    assert all(g >= 3 for g in gaps)
    assert days[-1] < start + timedelta(days=7 * weeks)
    for s in plan.sessions:
        assert s.day >= start + timedelta(days=7 * (s.week - 1))
        assert s.day < start + timedelta(days=7 * s.week)
        expected = (
            "induction"
            if s.week <= 4
            else "maintenance_weeks_5_to_8"
            if s.week <= 8
            else "maintenance_week_9_on"
        )
        assert s.phase == expected
    # Twice a week in induction, once a week in weeks 5-8.
    for week in range(1, min(weeks, 8) + 1):
        assert sum(1 for s in plan.sessions if s.week == week) == (2 if week <= 4 else 1)
    later = [s.week for s in plan.sessions if s.week >= 9]
    step = 1 if maintenance == "weekly" else 2
    assert later == list(range(9, weeks + 1, step))
