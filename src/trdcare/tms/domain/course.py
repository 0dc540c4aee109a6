"""The course calendar: sessions planned from a protocol and a start date.

Daily protocols are given on weekdays (Monday-Friday), one session a day; accelerated
protocols give several sessions a day separated by the protocol's gap, on consecutive
days. After the acute phase come the taper (e.g. 3, 2, 1 sessions a week) or a continuation
phase (e.g. twice weekly for 12 weeks). Clinic closures and the patient's skipped days move
a session to the next treatment day, so the planned count never silently shrinks.

Scheduling conventions (DESIGN, not clinical facts): a taper or continuation week starts on
the Monday after the last session of the phase before it; k sessions a week go on
Monday (k=1); Monday, Thursday (2); Monday, Wednesday, Friday (3); Monday, Tuesday,
Thursday, Friday (4); every weekday (5). With several sessions a day the next session
starts after the session time (rounded up to whole minutes) plus the protocol's gap.

References
----------
.. [1] Course structures per protocol: data/protocols.json (tms.md §1.1; statuses per
   field): e.g. 10 Hz 5x/week for 4-6 weeks (O'Reardon 2007 [V]) then a 3-2-1 taper ([R]);
   SAINT 10 sessions a day, 50-minute gaps, 5 consecutive days ([R]); H1 20 sessions over 4
   weeks then twice weekly for 12 weeks (Levkovitz 2015 [V]).
.. [2] Measurement schedule: weekly self-report PHQ-9 and a clinician scale at the decision
   points (issue #3 design).
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from trdcare.core.checks import Interval
from trdcare.core.clock import PLANNING_HORIZON_DAYS
from trdcare.core.errors import InvalidInput, IssueCollector
from trdcare.core.provenance import JSONDict, Reason, Status, reasons_status
from trdcare.tms.domain.catalogue import source
from trdcare.tms.domain.protocols import Protocol

Phase = Literal["acute", "taper", "continuation"]

WEEKLY_OFFSETS: Mapping[int, tuple[int, ...]] = {
    1: (0,),
    2: (0, 3),
    3: (0, 2, 4),
    4: (0, 1, 3, 4),
    5: (0, 1, 2, 3, 4),
}
"""Weekday offsets (0 = Monday) for k sessions a week (DESIGN)."""

# A plan that cannot be placed within about three years is refused (the core's DESIGN guard).


@dataclass(frozen=True, slots=True)
class PlannedSession:
    """One planned session of a course."""

    number: int
    phase: Phase
    day: date
    starts_at: datetime
    session_of_day: int
    shifted_from: date | None = None
    shift_reason: str | None = None

    def to_dict(self) -> JSONDict:
        return {
            "number": self.number,
            "phase": self.phase,
            "day": self.day.isoformat(),
            "starts_at": self.starts_at.isoformat(),
            "session_of_day": self.session_of_day,
            "shifted_from": None if self.shifted_from is None else self.shifted_from.isoformat(),
            "shift_reason": self.shift_reason,
        }


@dataclass(frozen=True, slots=True)
class CoursePlan:
    """A planned course: every session with its date and time, and why."""

    protocol_id: str
    start: date
    sessions: tuple[PlannedSession, ...]
    closures: tuple[date, ...]
    skipped_days: tuple[date, ...]
    decision_points: tuple[int, ...]
    reasons: tuple[Reason, ...]

    @property
    def planned_count(self) -> int:
        return len(self.sessions)

    def count(self, phase: Phase) -> int:
        return sum(1 for s in self.sessions if s.phase == phase)

    @property
    def last_day(self) -> date | None:
        return self.sessions[-1].day if self.sessions else None

    def session(self, number: int) -> PlannedSession:
        for s in self.sessions:
            if s.number == number:
                return s
        raise KeyError(number)

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        return {
            "protocol_id": self.protocol_id,
            "start": self.start.isoformat(),
            "planned": self.planned_count,
            "acute": self.count("acute"),
            "taper": self.count("taper"),
            "continuation": self.count("continuation"),
            "last_day": None if self.last_day is None else self.last_day.isoformat(),
            "decision_points": list(self.decision_points),
            "closures": [d.isoformat() for d in self.closures],
            "skipped_days": [d.isoformat() for d in self.skipped_days],
            "sessions": [s.to_dict() for s in self.sessions],
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


class _Calendar:
    def __init__(
        self,
        weekdays_only: bool,
        closures: Collection[date],
        skipped: Collection[date],
        start: date,
    ) -> None:
        self.weekdays_only = weekdays_only
        self.closures = set(closures)
        self.skipped = set(skipped)
        self.limit = start + timedelta(days=PLANNING_HORIZON_DAYS)

    def is_calendar_day(self, d: date, weekdays_only: bool | None = None) -> bool:
        wd = self.weekdays_only if weekdays_only is None else weekdays_only
        return d.weekday() < 5 or not wd

    def is_open(self, d: date, weekdays_only: bool | None = None) -> bool:
        return (
            self.is_calendar_day(d, weekdays_only)
            and d not in self.closures
            and d not in self.skipped
        )

    def why_closed(self, d: date) -> str:
        if d in self.closures:
            return "clinic closure"
        return "skipped day"

    def next_open(self, d: date, weekdays_only: bool | None = None) -> date:
        while not self.is_open(d, weekdays_only):
            d += timedelta(days=1)
            if d > self.limit:
                raise InvalidInput.single(
                    "closures",
                    "leave no treatment day within the planning horizon",
                    allowed=f"an open day before {self.limit.isoformat()}",
                    given=d,
                )
        return d

    def next_calendar_day(self, d: date, weekdays_only: bool | None = None) -> date:
        while not self.is_calendar_day(d, weekdays_only):
            d += timedelta(days=1)
        return d


def _monday_after(d: date) -> date:
    return d + timedelta(days=7 - d.weekday())


def _session_minutes(protocol: Protocol) -> int:
    seconds = protocol.session_duration_s
    assert seconds is not None
    return math.ceil(seconds / 60 - 1e-9)


def plan_course(
    protocol: Protocol,
    start: date,
    *,
    acute_sessions: int | None = None,
    include_taper: bool = True,
    include_continuation: bool = True,
    closures: Collection[date] = (),
    skipped_days: Collection[date] = (),
    first_session_at: time = time(9, 0),
    tz: tzinfo = UTC,
    first_number: int = 1,
    taper_weeks: Sequence[int] | None = None,
) -> CoursePlan:
    """Plan a course calendar from a protocol and a start date.

    Parameters
    ----------
    protocol : Protocol
        A complete protocol (every block's train structure known).
    start : date
        The first possible treatment day.
    acute_sessions : int, optional
        Acute sessions to plan, within the protocol's range (default: its maximum).
    include_taper, include_continuation : bool
        Plan the protocol's taper / continuation phase after the acute phase.
    closures, skipped_days : collection of date
        Clinic closures and days the patient cannot come; sessions move to the next
        treatment day and keep their number.
    first_session_at : time
        Clinic-local start time of the day's first session.
    tz : tzinfo
        The clinic's time zone (datetimes are aware; convert to UTC for storage).
    first_number : int
        Number of the first planned session (used when re-planning after a pause).
    taper_weeks : sequence of int, optional
        Override the weekly taper counts (e.g. the remainder of a taper).

    Raises
    ------
    InvalidInput
        An incomplete protocol, acute sessions outside the protocol's range, or a day of
        accelerated sessions that does not fit before midnight.
    """
    issues = IssueCollector()
    if not protocol.complete:
        for f in protocol.missing:
            issues.add(f"protocol.{f}", "is required before a course can be planned")
        issues.raise_if_any()
    sch = protocol.schedule
    n_acute = sch.acute_sessions_max if acute_sessions is None else acute_sessions
    lo = sch.acute_sessions_min if first_number == 1 else 0
    acute_range = Interval(lo, sch.acute_sessions_max, integer=True)
    if not acute_range.contains(n_acute):
        issues.add(
            "acute_sessions",
            "outside the protocol's acute course",
            allowed=acute_range.describe(),
            given=n_acute,
        )
    if first_number < 1:
        issues.add("first_number", "must be a session number", allowed=">= 1", given=first_number)
    minutes = _session_minutes(protocol)
    gap = sch.gap_between_sessions_min or 0.0
    first_dt = datetime.combine(start, first_session_at, tzinfo=tz)
    last_start = first_dt + timedelta(minutes=(sch.sessions_per_day - 1) * (minutes + gap))
    last_end = last_start + timedelta(minutes=minutes)
    if last_end.date() != start:
        issues.add(
            "first_session_at",
            f"leaves no room for {sch.sessions_per_day} sessions before midnight",
            allowed=f"a start time with {sch.sessions_per_day} x {minutes} min sessions "
            f"and {gap:g} min gaps fitting in the day",
            given=first_session_at,
        )
    issues.raise_if_any()

    weekdays = sch.treatment_days == "weekdays"
    cal = _Calendar(weekdays, closures, skipped_days, start)
    sessions: list[PlannedSession] = []
    number = first_number

    # Acute phase: one treatment day after another.
    nominal = cal.next_calendar_day(start)
    actual = start
    remaining = n_acute
    while remaining > 0:
        day = cal.next_open(max(actual, nominal) if sessions else actual)
        nominal_day = nominal
        shifted = day != nominal_day
        per_day = min(sch.sessions_per_day, remaining)
        for k in range(per_day):
            starts = datetime.combine(day, first_session_at, tzinfo=tz) + timedelta(
                minutes=k * (minutes + gap)
            )
            sessions.append(
                PlannedSession(
                    number,
                    "acute",
                    day,
                    starts,
                    k + 1,
                    nominal_day if shifted else None,
                    _shift_reason(cal, nominal_day, day) if shifted else None,
                )
            )
            number += 1
        remaining -= per_day
        actual = day + timedelta(days=1)
        nominal = cal.next_calendar_day(nominal + timedelta(days=1))

    def weekly(phase: Phase, counts: Sequence[int]) -> None:
        nonlocal number
        if not sessions and not counts:
            return
        anchor = sessions[-1].day if sessions else start - timedelta(days=1)
        monday = _monday_after(anchor)
        after = anchor + timedelta(days=1)
        for k in counts:
            for off in WEEKLY_OFFSETS[k]:
                target = monday + timedelta(days=off)
                day = cal.next_open(max(target, after), weekdays_only=True)
                shifted = day != target
                starts = datetime.combine(day, first_session_at, tzinfo=tz)
                sessions.append(
                    PlannedSession(
                        number,
                        phase,
                        day,
                        starts,
                        1,
                        target if shifted else None,
                        _shift_reason(cal, target, day) if shifted else None,
                    )
                )
                number += 1
                after = day + timedelta(days=1)
            monday += timedelta(days=7)

    taper = list(sch.taper_sessions_per_week if taper_weeks is None else taper_weeks)
    if include_taper and taper:
        weekly("taper", taper)
    if include_continuation and sch.continuation is not None:
        weekly("continuation", [sch.continuation.sessions_per_week] * sch.continuation.weeks)

    decision = tuple(d for d in sch.decision_points if first_number <= d < number)
    reasons = (
        Reason(
            rule="course_structure",
            finding=f"{n_acute} acute sessions ({sch.sessions_per_day} a day, "
            f"{'weekdays' if weekdays else 'consecutive days'})"
            + (f", {gap:g} min between sessions" if sch.sessions_per_day > 1 else "")
            + (
                f", taper {'-'.join(str(t) for t in taper)} a week"
                if include_taper and taper
                else ""
            )
            + (
                f", continuation {sch.continuation.sessions_per_week} a week for "
                f"{sch.continuation.weeks} weeks"
                if include_continuation and sch.continuation is not None
                else ""
            ),
            inputs={"protocol": protocol.id, "acute_sessions": n_acute, "schedule": sch.to_dict()},
            sources=tuple(
                s
                for f in (
                    "schedule.acute",
                    "schedule.taper_sessions_per_week",
                    "schedule.continuation",
                    "schedule.sessions_per_day",
                )
                for s in protocol.sources_for(f)
            )
            or protocol.sources_for("schedule"),
        ),
        Reason(
            rule="calendar_conventions",
            finding="closures and skipped days move sessions to the next treatment day; taper "
            "and continuation weeks start the Monday after the previous phase",
            inputs={
                "weekly_offsets": {str(k): list(v) for k, v in WEEKLY_OFFSETS.items()},
                "session_minutes": minutes,
            },
            sources=(
                source("trdcare_design", "DESIGN", where="course.py", tag="scheduling convention"),
            ),
        ),
    )
    return CoursePlan(
        protocol.id,
        start,
        tuple(sessions),
        tuple(sorted(set(closures))),
        tuple(sorted(set(skipped_days))),
        decision,
        reasons,
    )


def _shift_reason(cal: _Calendar, nominal: date, actual: date) -> str:
    d = nominal
    why = []
    while d < actual:
        if d in cal.closures or d in cal.skipped:
            why.append(f"{d.isoformat()}: {cal.why_closed(d)}")
        d += timedelta(days=1)
    return "; ".join(why) if why else "moved after an earlier shift"


def replan_remaining(
    protocol: Protocol,
    plan: CoursePlan,
    delivered: int,
    resume: date,
    *,
    closures: Collection[date] = (),
    skipped_days: Collection[date] = (),
    first_session_at: time = time(9, 0),
    tz: tzinfo = UTC,
    extra_acute: int = 0,
    drop_acute: bool = False,
    stop: bool = False,
) -> CoursePlan:
    """Re-plan the sessions not yet delivered from ``resume`` on (after a pause or a
    decision).

    Delivered sessions keep their place; the remaining acute sessions and the rest of the
    taper/continuation are planned again with the same numbering. A decision can add acute
    sessions (``extra_acute``, to extend), drop the remaining acute sessions and go to the
    taper/continuation (``drop_acute``, to begin the taper), or drop everything left
    (``stop``).

    Raises
    ------
    InvalidInput
        ``delivered`` outside 0..planned, or a negative ``extra_acute``.
    """
    if extra_acute < 0:
        raise InvalidInput.single(
            "extra_acute", "must not be negative", allowed=">= 0", given=extra_acute
        )
    if not 0 <= delivered <= plan.planned_count:
        raise InvalidInput.single(
            "delivered",
            "outside the planned sessions",
            allowed=f"0..{plan.planned_count}",
            given=delivered,
        )
    kept = plan.sessions[:delivered]
    rest = plan.sessions[delivered:]
    acute_left = 0 if drop_acute else sum(1 for s in rest if s.phase == "acute") + extra_acute
    taper_left = sum(1 for s in rest if s.phase == "taper")
    cont_left = sum(1 for s in rest if s.phase == "continuation")
    if drop_acute and not any(s.phase != "acute" for s in plan.sessions):
        taper_left = protocol.schedule.taper_sessions
        cont_left = (
            protocol.schedule.continuation.sessions_per_week * protocol.schedule.continuation.weeks
            if protocol.schedule.continuation is not None
            else 0
        )
    if stop:
        acute_left = taper_left = cont_left = 0
    if acute_left + taper_left + cont_left == 0:
        return CoursePlan(
            plan.protocol_id,
            plan.start,
            tuple(kept),
            plan.closures,
            plan.skipped_days,
            tuple(d for d in plan.decision_points if d <= delivered),
            (
                *plan.reasons,
                Reason(
                    rule="replanned",
                    finding=f"no sessions left after {delivered} delivered",
                    inputs={"delivered": delivered, "stop": stop, "drop_acute": drop_acute},
                    sources=(
                        source("trdcare_design", "DESIGN", where="course.py", tag="re-planning"),
                    ),
                ),
            ),
        )
    taper_weeks = _tail(protocol.schedule.taper_sessions_per_week, taper_left)
    sub = plan_course(
        protocol,
        resume,
        acute_sessions=acute_left,
        include_taper=taper_left > 0,
        include_continuation=cont_left > 0,
        closures=closures,
        skipped_days=skipped_days,
        first_session_at=first_session_at,
        tz=tz,
        first_number=delivered + 1,
        taper_weeks=taper_weeks,
    )
    if cont_left and protocol.schedule.continuation is not None:
        extra = sum(1 for s in sub.sessions if s.phase == "continuation") - cont_left
        if extra > 0:
            sub = CoursePlan(
                sub.protocol_id,
                sub.start,
                sub.sessions[: len(sub.sessions) - extra],
                sub.closures,
                sub.skipped_days,
                sub.decision_points,
                sub.reasons,
            )
    decision = tuple(
        d for d in protocol.schedule.decision_points if d <= delivered + len(sub.sessions)
    )
    return CoursePlan(
        plan.protocol_id,
        plan.start,
        (*kept, *sub.sessions),
        tuple(sorted(set(plan.closures) | set(closures))),
        tuple(sorted(set(plan.skipped_days) | set(skipped_days))),
        decision,
        (
            *plan.reasons,
            Reason(
                rule="replanned",
                finding=f"{len(sub.sessions)} remaining sessions re-planned from "
                f"{resume.isoformat()} after {delivered} delivered",
                inputs={"delivered": delivered, "resume": resume.isoformat()},
                sources=(source("trdcare_design", "DESIGN", where="course.py", tag="re-planning"),),
            ),
        ),
    )


def _tail(weeks: Sequence[int], sessions_left: int) -> list[int]:
    """The last weeks of a taper that hold ``sessions_left`` sessions."""
    out: list[int] = []
    left = sessions_left
    for k in reversed(weeks):
        if left <= 0:
            break
        take = min(k, left)
        out.insert(0, take)
        left -= take
    return out


@dataclass(frozen=True, slots=True)
class CourseProgress:
    """Planned vs delivered counts as of a date.

    ``next_session`` is the session to deliver next: the lowest-numbered planned session not
    yet delivered. Sessions are logged in order (:func:`~trdcare.tms.domain.sessions.
    record_session` refuses any other number), so it is the number the session log accepts,
    whatever the calendar says; ``behind`` tells that its planned day has already passed.
    """

    planned: int
    delivered: int
    remaining: int
    missed: tuple[int, ...]
    next_session: PlannedSession | None
    behind: bool = False

    def to_dict(self) -> JSONDict:
        return {
            "planned": self.planned,
            "delivered": self.delivered,
            "remaining": self.remaining,
            "missed": list(self.missed),
            "next_session": None if self.next_session is None else self.next_session.to_dict(),
            "behind": self.behind,
        }


def course_progress(
    plan: CoursePlan, delivered_numbers: Collection[int], as_of: date
) -> CourseProgress:
    """Planned vs delivered: how many done, which planned sessions before ``as_of`` were
    not delivered, and the next one to deliver (see :class:`CourseProgress`).

    Raises
    ------
    InvalidInput
        A delivered number that is not a planned session.
    """
    numbers = {s.number for s in plan.sessions}
    issues = IssueCollector()
    for n in sorted(delivered_numbers):
        if n not in numbers:
            issues.add(
                "delivered_numbers",
                "is not a planned session",
                allowed=f"{min(numbers, default=0)}..{max(numbers, default=0)}",
                given=n,
            )
    issues.raise_if_any()
    done = set(delivered_numbers)
    missed = tuple(s.number for s in plan.sessions if s.day < as_of and s.number not in done)
    undelivered = sorted((s for s in plan.sessions if s.number not in done), key=_number)
    upcoming = undelivered[0] if undelivered else None
    return CourseProgress(
        plan.planned_count,
        len(done),
        plan.planned_count - len(done),
        missed,
        upcoming,
        behind=upcoming is not None and upcoming.day < as_of,
    )


def _number(s: PlannedSession) -> int:
    return s.number


CalendarState = Literal["delivered", "planned", "not_delivered"]


@dataclass(frozen=True, slots=True)
class CalendarSession:
    """One session on the course calendar.

    A delivered session stands on the day it was given (in the course's time zone), not on
    the day it had been planned for; a session not yet delivered stands on its planned day,
    ``not_delivered`` when that day has passed.
    """

    number: int
    phase: str
    day: date
    time_hhmm: str
    state: CalendarState
    decision_point: bool


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """One cell of a month's grid (days of the neighbouring months fill the first and last
    weeks: ``in_month`` False, never marked as today or given sessions)."""

    day: date
    in_month: bool
    today: bool
    closed: bool
    sessions: tuple[CalendarSession, ...]


@dataclass(frozen=True, slots=True)
class CalendarMonth:
    """A month of the course calendar, Monday-first weeks."""

    year: int
    month: int
    weeks: tuple[tuple[CalendarDay, ...], ...]

    @property
    def title(self) -> str:
        return f"{calendar.month_name[self.month]} {self.year}"


def course_calendar(
    plan: CoursePlan,
    delivered_at: Mapping[int, datetime],
    *,
    today: date,
    tz: tzinfo = UTC,
) -> tuple[CalendarMonth, ...]:
    """The months of a course: delivered sessions on the day given, the rest as planned.

    Parameters
    ----------
    plan : CoursePlan
        The current plan (after a pause or a decision, the re-planned remaining sessions
        follow the delivered ones).
    delivered_at : mapping of int to datetime
        When each delivered session (by number) was given, timezone-aware.
    today : date
        The clinic's today: outlined once, in its own month only.
    tz : tzinfo
        The course's time zone, in which a delivered session's day is read.

    Returns
    -------
    tuple of CalendarMonth
        Every month from the first to the last session shown (none for an empty course).
    """
    phases = {s.number: s.phase for s in plan.sessions}
    points = set(plan.decision_points)
    shown: list[CalendarSession] = []
    for number, at in delivered_at.items():
        local = at.astimezone(tz)
        shown.append(
            CalendarSession(
                number,
                phases.get(number, "acute"),
                local.date(),
                f"{local:%H:%M}",
                "delivered",
                number in points,
            )
        )
    for s in plan.sessions:
        if s.number in delivered_at:
            continue
        local = s.starts_at.astimezone(tz)
        state: CalendarState = "not_delivered" if s.day < today else "planned"
        shown.append(
            CalendarSession(s.number, s.phase, s.day, f"{local:%H:%M}", state, s.number in points)
        )
    if not shown:
        return ()
    by_day: dict[date, list[CalendarSession]] = {}
    for entry in sorted(shown, key=lambda e: (e.day, e.time_hhmm, e.number)):
        by_day.setdefault(entry.day, []).append(entry)
    closures = set(plan.closures)
    first, last = min(by_day), max(by_day)
    months: list[CalendarMonth] = []
    year, month = first.year, first.month
    grid = calendar.Calendar(firstweekday=calendar.MONDAY)
    while (year, month) <= (last.year, last.month):
        weeks = tuple(
            tuple(
                CalendarDay(
                    d,
                    d.month == month,
                    d.month == month and d == today,
                    d.month == month and d in closures,
                    tuple(by_day.get(d, ())) if d.month == month else (),
                )
                for d in week
            )
            for week in grid.monthdatescalendar(year, month)
        )
        months.append(CalendarMonth(year, month, weeks))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)


@dataclass(frozen=True, slots=True)
class MeasurementDue:
    """A rating due on a course day."""

    day: date
    instrument: Literal["phq9", "clinician"]
    at_session: int
    why: str

    def to_dict(self) -> JSONDict:
        return {
            "day": self.day.isoformat(),
            "instrument": self.instrument,
            "at_session": self.at_session,
            "why": self.why,
        }


def measurement_schedule(plan: CoursePlan) -> tuple[MeasurementDue, ...]:
    """Weekly self-report PHQ-9 and a clinician scale (HAM-D17 or MADRS) at baseline and at
    each decision point (issue #3 design).

    The PHQ-9 falls on the first session day of each calendar week; the clinician scale on
    the first session day and on the day of each decision-point session.
    """
    out: list[MeasurementDue] = []
    if not plan.sessions:
        return ()
    first = plan.sessions[0]
    out.append(MeasurementDue(first.day, "clinician", first.number, "baseline"))
    seen_weeks: set[tuple[int, int]] = set()
    for s in plan.sessions:
        week = s.day.isocalendar()[:2]
        if week not in seen_weeks:
            seen_weeks.add((week[0], week[1]))
            out.append(MeasurementDue(s.day, "phq9", s.number, "weekly self-report"))
    for dp in plan.decision_points:
        try:
            s = plan.session(dp)
        except KeyError:
            continue
        out.append(MeasurementDue(s.day, "clinician", dp, f"decision point after session {dp}"))
    return tuple(sorted(out, key=lambda m: (m.day, m.instrument, m.at_session)))
