"""Course calendar: weekdays, taper, accelerated days, closures, planned vs delivered."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trdcare.core.errors import InvalidInput
from trdcare.tms.domain.course import (
    CalendarDay,
    CalendarMonth,
    CoursePlan,
    course_calendar,
    course_progress,
    measurement_schedule,
    plan_course,
    replan_remaining,
)
from trdcare.tms.domain.protocols import custom_protocol, get_protocol

MONDAY = date(2025, 1, 6)


def test_ten_hz_thirty_weekdays_then_a_3_2_1_taper() -> None:
    plan = plan_course(get_protocol("hf10-left-dlpfc"), MONDAY)
    assert (plan.planned_count, plan.count("acute"), plan.count("taper")) == (36, 30, 6)
    acute = [s for s in plan.sessions if s.phase == "acute"]
    assert all(s.day.weekday() < 5 for s in plan.sessions)
    assert acute[0].day == MONDAY
    assert acute[-1].day == date(2025, 2, 14)  # 6 weeks of weekdays
    taper = [s.day for s in plan.sessions if s.phase == "taper"]
    assert taper == [
        date(2025, 2, 17),
        date(2025, 2, 19),
        date(2025, 2, 21),  # week 1: Mon, Wed, Fri
        date(2025, 2, 24),
        date(2025, 2, 27),  # week 2: Mon, Thu
        date(2025, 3, 3),  # week 3: Mon
    ]
    assert [s.number for s in plan.sessions] == list(range(1, 37))
    assert plan.decision_points == (10, 20, 30)


def test_acute_sessions_can_be_shortened_within_the_range() -> None:
    plan = plan_course(get_protocol("hf10-left-dlpfc"), MONDAY, acute_sessions=20)
    assert plan.count("acute") == 20
    assert plan.decision_points == (10, 20)
    no_taper = plan_course(get_protocol("hf10-left-dlpfc"), MONDAY, include_taper=False)
    assert no_taper.planned_count == 30


@pytest.mark.parametrize("n", [19, 31, 0])
def test_acute_sessions_outside_the_protocol_range_are_refused(n: int) -> None:
    with pytest.raises(InvalidInput) as err:
        plan_course(get_protocol("hf10-left-dlpfc"), MONDAY, acute_sessions=n)
    assert err.value.issues[0].path == "acute_sessions"
    assert err.value.issues[0].allowed == "a whole number in [20, 30]"


def test_start_on_a_weekend_begins_on_monday() -> None:
    plan = plan_course(get_protocol("itbs-left-dlpfc"), date(2025, 1, 4))
    assert plan.sessions[0].day == MONDAY
    assert plan.sessions[0].shifted_from is None


def test_closures_and_skipped_days_move_sessions_and_keep_the_count() -> None:
    closure, skipped = date(2025, 1, 20), date(2025, 1, 8)
    plan = plan_course(
        get_protocol("hf10-left-dlpfc"), MONDAY, closures=[closure], skipped_days=[skipped]
    )
    days = [s.day for s in plan.sessions]
    assert closure not in days
    assert skipped not in days
    assert plan.planned_count == 36
    third = plan.session(3)
    assert (third.day, third.shifted_from) == (date(2025, 1, 9), skipped)
    assert third.shift_reason == "2025-01-08: skipped day"
    moved = next(s for s in plan.sessions if s.shifted_from == closure)
    assert moved.shift_reason == "2025-01-20: clinic closure"
    assert plan.session(30).day == date(2025, 2, 18)  # two days later than without them


def test_taper_session_on_a_closure_moves_to_the_next_weekday() -> None:
    plan = plan_course(get_protocol("hf10-left-dlpfc"), MONDAY, closures=[date(2025, 2, 17)])
    taper = [s for s in plan.sessions if s.phase == "taper"]
    assert taper[0].day == date(2025, 2, 18)
    assert taper[0].shifted_from == date(2025, 2, 17)
    assert taper[1].day == date(2025, 2, 19)


def test_accelerated_ten_a_day_hourly_on_consecutive_days() -> None:
    tz = ZoneInfo("Europe/Paris")
    plan = plan_course(get_protocol("accelerated-itbs"), date(2025, 1, 9), tz=tz)  # a Thursday
    assert plan.planned_count == 50
    days = sorted({s.day for s in plan.sessions})
    assert days == [date(2025, 1, 9) + timedelta(days=i) for i in range(5)]  # incl. weekend
    first_day = [s for s in plan.sessions if s.day == days[0]]
    assert [s.session_of_day for s in first_day] == list(range(1, 11))
    starts = [s.starts_at for s in first_day]
    assert starts[0] == datetime(2025, 1, 9, 9, 0, tzinfo=tz)
    assert all(b - a == timedelta(minutes=60) for a, b in pairwise(starts))
    assert plan.decision_points == (50,)


def test_accelerated_day_that_does_not_fit_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        plan_course(get_protocol("accelerated-itbs"), MONDAY, first_session_at=time(15, 0))
    assert err.value.issues[0].path == "first_session_at"


def test_accelerated_closure_moves_the_whole_day() -> None:
    plan = plan_course(get_protocol("accelerated-itbs"), MONDAY, closures=[date(2025, 1, 8)])
    days = sorted({s.day for s in plan.sessions})
    assert date(2025, 1, 8) not in days
    assert days[-1] == date(2025, 1, 11)


def test_h1_twenty_weekdays_then_twice_weekly_for_twelve_weeks() -> None:
    plan = plan_course(get_protocol("deep-tms-h1"), MONDAY)
    assert (plan.count("acute"), plan.count("continuation")) == (20, 24)
    cont = [s.day for s in plan.sessions if s.phase == "continuation"]
    assert cont[0] == date(2025, 2, 3)
    assert {d.weekday() for d in cont} == {0, 3}
    assert len({d.isocalendar()[1] for d in cont}) == 12


def test_incomplete_protocol_cannot_be_planned() -> None:
    with pytest.raises(InvalidInput) as err:
        plan_course(get_protocol("bilateral-sequential"), MONDAY)
    assert err.value.issues[0].path == "protocol.blocks.1.train_duration_s"


def test_replan_after_a_pause_keeps_delivered_sessions() -> None:
    protocol = get_protocol("hf10-left-dlpfc")
    plan = plan_course(protocol, MONDAY)
    again = replan_remaining(protocol, plan, 12, date(2025, 2, 3))
    assert again.planned_count == 36
    assert again.sessions[:12] == plan.sessions[:12]
    assert again.session(13).day == date(2025, 2, 3)
    assert [s.number for s in again.sessions] == list(range(1, 37))
    assert again.count("taper") == 6
    mid_taper = replan_remaining(protocol, plan, 33, date(2025, 3, 10))
    assert mid_taper.count("taper") == 6
    assert [s.day for s in mid_taper.sessions[33:]] == [
        date(2025, 3, 10),
        date(2025, 3, 13),
        date(2025, 3, 17),
    ]
    with pytest.raises(InvalidInput):
        replan_remaining(protocol, plan, 37, date(2025, 3, 10))


def test_progress_planned_vs_delivered() -> None:
    plan = plan_course(get_protocol("hf10-left-dlpfc"), MONDAY)
    progress = course_progress(plan, {1, 2, 3, 5}, as_of=date(2025, 1, 13))
    assert (progress.planned, progress.delivered, progress.remaining) == (36, 4, 32)
    assert progress.missed == (4,)
    assert progress.next_session is not None
    assert (progress.next_session.number, progress.behind) == (4, True)
    with pytest.raises(InvalidInput) as err:
        course_progress(plan, {99}, as_of=MONDAY)
    assert err.value.issues[0].path == "delivered_numbers"


def test_measurement_schedule_weekly_phq9_and_clinician_at_decisions() -> None:
    plan = plan_course(get_protocol("hf10-left-dlpfc"), MONDAY)
    due = measurement_schedule(plan)
    phq = [m for m in due if m.instrument == "phq9"]
    clinician = [m for m in due if m.instrument == "clinician"]
    assert len(phq) == 9  # 6 acute weeks + 3 taper weeks
    assert [m.at_session for m in clinician] == [1, 10, 20, 30]


def _daily(days: str = "weekdays") -> dict[str, object]:
    return {
        "id": "c",
        "name": "c",
        "blocks": [
            {
                "pattern": {"kind": "rtms", "frequency_hz": 10},
                "intensity_pct_mt": 100,
                "train_duration_s": 4,
                "inter_train_interval_s": 26,
                "trains": 10,
            }
        ],
        "schedule": {
            "treatment_days": days,
            "sessions_per_day": 1,
            "acute_sessions_min": 1,
            "acute_sessions_max": 40,
        },
    }


@given(
    start=st.dates(date(2024, 1, 1), date(2026, 12, 31)),
    n=st.integers(1, 40),
    closures=st.sets(st.dates(date(2024, 1, 1), date(2027, 3, 31)), max_size=10),
)
def test_property_calendar_invariants(start: date, n: int, closures: set[date]) -> None:
    plan = plan_course(custom_protocol(_daily()), start, acute_sessions=n, closures=closures)
    days = [s.day for s in plan.sessions]
    assert len(days) == n
    assert days == sorted(days)
    assert len(set(days)) == n
    assert all(d.weekday() < 5 and d not in closures and d >= start for d in days)


def test_replan_for_decisions_extend_begin_taper_and_stop() -> None:
    protocol = get_protocol("hf10-left-dlpfc")
    plan = plan_course(protocol, MONDAY)
    extended = replan_remaining(protocol, plan, 30, date(2025, 2, 17), extra_acute=6)
    assert (extended.count("acute"), extended.count("taper")) == (36, 6)
    assert extended.session(31).phase == "acute"
    assert extended.session(31).day == date(2025, 2, 17)
    early = replan_remaining(protocol, plan, 20, date(2025, 2, 3), drop_acute=True)
    assert (early.count("acute"), early.count("taper"), early.planned_count) == (20, 6, 26)
    assert early.session(21).day == date(2025, 2, 3)
    assert early.session(21).phase == "taper"
    stopped = replan_remaining(protocol, plan, 12, date(2025, 1, 22), stop=True)
    assert stopped.planned_count == 12
    assert stopped.reasons[-1].finding == "no sessions left after 12 delivered"
    with pytest.raises(InvalidInput):
        replan_remaining(protocol, plan, 30, date(2025, 2, 17), extra_acute=-1)
    no_taper = plan_course(get_protocol("itbs-left-dlpfc"), MONDAY, acute_sessions=20)
    done = replan_remaining(
        get_protocol("itbs-left-dlpfc"), no_taper, 20, date(2025, 2, 3), drop_acute=True
    )
    assert done.planned_count == 20


# The calendar (issue 14 #11) ---------------------------------------------------------------
UTC_ZONE = ZoneInfo("UTC")


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC_ZONE)


def _cells(months: tuple[CalendarMonth, ...]) -> list[CalendarDay]:
    return [cell for m in months for week in m.weeks for cell in week]


def _shown(months: tuple[CalendarMonth, ...]) -> dict[int, tuple[date, str]]:
    return {s.number: (cell.day, s.state) for cell in _cells(months) for s in cell.sessions}


def _paused_and_resumed(
    start: date, delivered_on: list[date], resume: date
) -> tuple[CoursePlan, dict[int, datetime]]:
    """A 10 Hz course from ``start``; sessions given on ``delivered_on``, then a pause and
    the physician's resume on ``resume`` (the remaining sessions planned again)."""
    protocol = get_protocol("hf10-left-dlpfc")
    plan = plan_course(protocol, start)
    delivered = {i + 1: _at(d) for i, d in enumerate(delivered_on)}
    kept = replan_remaining(protocol, plan, len(delivered), resume)
    return kept, delivered


def test_after_a_pause_and_resume_delivered_sessions_stand_on_the_day_given() -> None:
    """Course planned from 6 January; three sessions given on 20-22 January; paused; resumed
    on 23 January. Before: #1-#3 ticked on 6-8 January (a two-week gap before #4)."""
    today = date(2025, 1, 22)
    plan, delivered = _paused_and_resumed(
        MONDAY, [date(2025, 1, 20), date(2025, 1, 21), today], date(2025, 1, 23)
    )
    shown = _shown(course_calendar(plan, delivered, today=today))
    assert [shown[n] for n in (1, 2, 3)] == [
        (date(2025, 1, 20), "delivered"),
        (date(2025, 1, 21), "delivered"),
        (today, "delivered"),
    ]
    assert shown[4] == (date(2025, 1, 23), "planned")
    acute_days = sorted(day for n, (day, _) in shown.items() if n <= 30)
    assert max(b - a for a, b in pairwise(acute_days)) <= timedelta(days=3)  # weekends only


def test_sessions_given_before_a_later_start_are_not_ticked_on_future_days() -> None:
    """Planned from 13 January, two sessions given on 6-7 January, paused, resumed on the
    8th. Before: #1 and #2 ticked on 13 and 14 January, days still to come."""
    today = date(2025, 1, 7)
    plan, delivered = _paused_and_resumed(date(2025, 1, 13), [MONDAY, today], date(2025, 1, 8))
    months = course_calendar(plan, delivered, today=today)
    ticked = [cell.day for cell in _cells(months) for s in cell.sessions if s.state == "delivered"]
    assert ticked == [MONDAY, today]
    assert all(day <= today for day in ticked)
    assert _shown(months)[3] == (date(2025, 1, 8), "planned")


@pytest.mark.parametrize(
    "today", [date(2025, 1, 31), date(2025, 2, 3), date(2025, 3, 1), date(2025, 1, 15)]
)
def test_today_is_outlined_once_even_where_two_months_share_a_week(today: date) -> None:
    plan = plan_course(get_protocol("hf10-left-dlpfc"), MONDAY)
    months = course_calendar(plan, {}, today=today)
    assert [c.day for c in _cells(months) if c.today] == [today]
    assert all(not c.sessions and not c.closed for c in _cells(months) if not c.in_month)


def test_a_planned_day_that_passed_without_the_session_says_so() -> None:
    plan = plan_course(get_protocol("hf10-left-dlpfc"), MONDAY)
    months = course_calendar(plan, {1: _at(MONDAY)}, today=date(2025, 1, 9))
    shown = _shown(months)
    assert shown[1] == (MONDAY, "delivered")
    assert shown[2] == (date(2025, 1, 7), "not_delivered")
    assert shown[4] == (date(2025, 1, 9), "planned")
    assert months[0].title == "January 2025"


@given(
    gaps=st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=12),
    pause_after=st.integers(min_value=1, max_value=12),
    resume_after=st.integers(min_value=1, max_value=20),
)
def test_pause_resume_sequences_never_tick_a_future_day(
    gaps: list[int], pause_after: int, resume_after: int
) -> None:
    """Any delivery dates, any pause point and any resume date: each delivered session is
    shown once, on the day given; every other planned session once, on a day not before
    the resume; today is outlined once."""
    given_on = []
    day = MONDAY
    for gap in gaps[:pause_after]:
        day += timedelta(days=gap)
        given_on.append(day)
    today = day
    resume = today + timedelta(days=resume_after)
    plan, delivered = _paused_and_resumed(MONDAY, given_on, resume)
    months = course_calendar(plan, delivered, today=today)
    shown = [(s.number, cell.day, s.state) for cell in _cells(months) for s in cell.sessions]
    assert sorted(n for n, _, _ in shown) == [s.number for s in plan.sessions]
    for number, shown_on, state in shown:
        if number in delivered:
            assert (shown_on, state) == (delivered[number].date(), "delivered")
        else:
            assert shown_on >= resume and state == "planned"
    assert [c.day for c in _cells(months) if c.today] == [today]


def test_progress_names_the_next_session_to_log_not_the_next_by_date() -> None:
    """Course started two weeks ago, nothing logged: the next is #1, not #11 (the session
    form pre-filled #11 and the log refused it); after #1-#10 five weeks in, #11 not #25."""
    plan = plan_course(get_protocol("hf10-left-dlpfc"), MONDAY)
    fresh = course_progress(plan, set(), as_of=MONDAY + timedelta(weeks=2))
    assert fresh.next_session is not None
    assert (fresh.next_session.number, fresh.behind) == (1, True)
    ten = course_progress(plan, set(range(1, 11)), as_of=MONDAY + timedelta(weeks=5))
    assert ten.next_session is not None and ten.next_session.number == 11
    on_time = course_progress(plan, {1, 2}, as_of=date(2025, 1, 8))
    assert on_time.next_session is not None
    assert (on_time.next_session.number, on_time.behind) == (3, False)
