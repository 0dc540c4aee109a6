"""The session record's pure rules: which dose step a session is, the rest between devices,
concomitant medications that raise sedation or blood pressure, and the course calendar.

References
----------
.. [1] modalities.md §1.1 Device: rest 5 minutes between devices (VERIFIED); TRD day 1 and
   induction, maintenance (VERIFIED).
.. [2] modalities.md §1.2 Interactions: CNS depressants increase sedation, psychostimulants
   and MAOIs increase blood pressure (VERIFIED: RxList); §1.4 the REMS form asks for them
   (PARTIAL). Which drug is in which class is configurable data marked UNVERIFIED.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from trdcare.core.clock import ensure_utc
from trdcare.core.provenance import JSONDict, Reason
from trdcare.esketamine.domain.catalogue import load, sources_of
from trdcare.esketamine.domain.data_schema import DosePhase

# -- dose step of a session -----------------------------------------------------------------


def dose_phase(number: int, scheduled_phase: str | None, *, population: str) -> DosePhase:
    """The label's dose step for session ``number`` of a course.

    Session 1 is the day-1 dose; a session on the calendar takes its phase; a TRD session
    past the planned calendar is open-ended maintenance (week 9 on). An MDD-with-suicidal-
    ideation course has no label dose past its 4 weeks: such a session is given the phase
    ``maintenance_weeks_5_to_8``, which :func:`~trdcare.esketamine.domain.check_dose` refuses
    for that population, naming it.
    """
    if number == 1:
        return "induction_day_1"
    if scheduled_phase in ("induction", "maintenance_weeks_5_to_8", "maintenance_week_9_on"):
        return scheduled_phase  # type: ignore[return-value]
    return "maintenance_week_9_on" if population == "trd" else "maintenance_weeks_5_to_8"


# -- devices --------------------------------------------------------------------------------
def device_rest_flags(device_times: Sequence[datetime]) -> tuple[str, ...]:
    """Flags for devices given less than the label's rest after the previous one.

    A recorded time is what happened, so a short rest is kept and flagged, never refused.

    Examples
    --------
    >>> from datetime import datetime
    >>> device_rest_flags([datetime(2026, 1, 5, 9, 0), datetime(2026, 1, 5, 9, 4)])
    ('Device 2 was given 4 min after device 1; the label asks for 5 min of rest between devices.',)
    """
    rest = load().device.rest_between_devices_min
    flags: list[str] = []
    times = [ensure_utc(t) for t in device_times]
    for i in range(1, len(times)):
        gap = times[i] - times[i - 1]
        if gap < timedelta(minutes=rest):
            minutes = int(gap.total_seconds() // 60)
            flags.append(
                f"Device {i + 1} was given {minutes} min after device {i}; the label asks "
                f"for {rest} min of rest between devices."
            )
    return tuple(flags)


# -- concomitant medications ------------------------------------------------------------------
Effect = Literal["sedation", "blood_pressure"]


@dataclass(frozen=True, slots=True)
class ConcomitantMedication:
    """A current medication that may add sedation or raise blood pressure."""

    name: str
    drug_class: str
    effect: Effect

    def to_dict(self) -> JSONDict:
        return {"name": self.name, "drug_class": self.drug_class, "effect": self.effect}


def _normalise(name: str) -> str:
    return " ".join(name.strip().lower().split())


def concomitant_medications(names: Sequence[str]) -> tuple[ConcomitantMedication, ...]:
    """The medications among ``names`` in a class that interacts with esketamine.

    Matched by generic name (case and spacing ignored; a name that starts with a listed one,
    e.g. ``"lorazepam 1 mg"``, matches). Each name appears once, in the order given.
    """
    classes = load().concomitant_medications.classes
    found: list[ConcomitantMedication] = []
    for raw in names:
        name = _normalise(raw)
        for cls in classes:
            match = next((n for n in cls.names if name == n or name.startswith(n + " ")), None)
            if match is None:
                continue
            flagged = ConcomitantMedication(match, cls.id, cls.effect)
            if flagged not in found:
                found.append(flagged)
            break
    return tuple(found)


def concomitant_reason(found: Sequence[ConcomitantMedication]) -> Reason:
    """Why the medications were flagged, with the class list's status (UNVERIFIED members)."""
    meds = load().concomitant_medications
    sources = sources_of(meds.sources, meds.status, where=meds.where, tag=meds.tag)
    members = sources_of(
        ("trdcare_design",), meds.members_status, where="class members", tag=meds.members_note
    )
    return Reason(
        rule="concomitant_medications",
        finding=meds.text,
        inputs={"flagged": [f.name for f in found]},
        sources=sources + members,
    )


# -- calendar -------------------------------------------------------------------------------
CalendarState = Literal["delivered", "planned", "not_delivered"]


@dataclass(frozen=True, slots=True)
class CalendarSession:
    number: int
    phase: str
    day: date
    state: CalendarState


@dataclass(frozen=True, slots=True)
class CalendarDay:
    day: date
    in_month: bool
    sessions: tuple[CalendarSession, ...] = ()
    today: bool = False


@dataclass(frozen=True, slots=True)
class CalendarMonth:
    """A month of the course calendar, Monday-first weeks (as the TMS course calendar)."""

    year: int
    month: int
    weeks: tuple[tuple[CalendarDay, ...], ...]

    @property
    def title(self) -> str:
        return f"{calendar.month_name[self.month]} {self.year}"


def course_calendar(
    planned: Sequence[tuple[int, date, str]],
    delivered: Mapping[int, date],
    *,
    today: date,
) -> tuple[CalendarMonth, ...]:
    """The months of a course: delivered sessions on the day given, the rest as planned.

    Parameters
    ----------
    planned : sequence of (number, day, phase)
        The label calendar (:func:`induction_and_maintenance_schedule`).
    delivered : mapping of int to date
        The day each delivered session (by number) was given.
    today : date
        Outlined once; a planned session before it that was not given is ``not_delivered``.
    """
    phases = {n: p for n, _, p in planned}
    shown = [
        CalendarSession(n, phases.get(n, "maintenance_week_9_on"), d, "delivered")
        for n, d in delivered.items()
    ]
    for n, d, p in planned:
        if n not in delivered:
            shown.append(CalendarSession(n, p, d, "not_delivered" if d < today else "planned"))
    if not shown:
        return ()
    by_day: dict[date, list[CalendarSession]] = {}
    for s in sorted(shown, key=lambda s: (s.day, s.number)):
        by_day.setdefault(s.day, []).append(s)
    first, last = min(by_day), max(by_day)
    months: list[CalendarMonth] = []
    year, month = first.year, first.month
    cal = calendar.Calendar(firstweekday=0)
    while (year, month) <= (last.year, last.month):
        weeks = []
        for week in cal.monthdatescalendar(year, month):
            weeks.append(
                tuple(
                    CalendarDay(d, True, tuple(by_day.get(d, ())), d == today)
                    if d.month == month
                    else CalendarDay(d, False)
                    for d in week
                )
            )
        months.append(CalendarMonth(year, month, tuple(weeks)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)
