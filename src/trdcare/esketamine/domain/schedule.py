"""The esketamine course calendar: the US label's induction and maintenance sessions, dated.

Label facts (``data/esketamine.json``, modalities.md §1.1, VERIFIED): weeks 1-4 twice weekly
(induction), weeks 5-8 once weekly, from week 9 every 2 weeks or once weekly (the least
frequent dosing that keeps remission or response), and a check for benefit at the end of
induction.

Placement (DESIGN, not a clinical fact; the label does not space the two weekly doses):
label week 1 starts on the day of the first dose and each week lasts 7 days; the two
induction sessions fall on days 0 and 3 of their week, so consecutive induction sessions are
3 or 4 days apart and never on consecutive days; a weekly session falls on day 0 of its
week; every-2-weeks sessions on day 0 of weeks 9, 11, 13 and so on.

References
----------
.. [1] SPRAVATO US label, as summarised by Medscape, RxList and MIMS (modalities.md §1.1:
   VERIFIED).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from trdcare.core.checks import Interval, check_interval, check_option
from trdcare.core.provenance import JSONDict, Reason, Status, reasons_status
from trdcare.esketamine.domain.catalogue import label_dict, load, sources_of
from trdcare.esketamine.domain.data_schema import SchedulePhase

Maintenance = Literal["weekly", "every_2_weeks"]
MAINTENANCE_OPTIONS: tuple[Maintenance, ...] = ("weekly", "every_2_weeks")

SCHEDULE_LIMITS: Mapping[str, Interval] = {
    "weeks": Interval(1, 104, unit="weeks", integer=True),
}
"""Inputs of :func:`induction_and_maintenance_schedule` (DESIGN planning bound: up to two
years of label weeks; not a clinical limit)."""

DEFAULT_WEEKS = 12
"""Induction, weeks 5-8 and the first four maintenance weeks (DESIGN default)."""


@dataclass(frozen=True, slots=True)
class ScheduledSession:
    """One planned dosing session: its number, label week, date and phase."""

    number: int
    week: int
    day: date
    phase: SchedulePhase
    first_dose: bool = False

    def to_dict(self) -> JSONDict:
        return {
            "number": self.number,
            "week": self.week,
            "date": self.day.isoformat(),
            "phase": self.phase,
            "first_dose": self.first_dose,
        }


@dataclass(frozen=True, slots=True)
class EsketamineSchedule:
    """A planned course with the rules and sources that placed every session."""

    start: date
    maintenance: Maintenance
    weeks: int
    sessions: tuple[ScheduledSession, ...]
    end_of_induction_review: date | None
    reasons: tuple[Reason, ...]

    def count(self, phase: SchedulePhase) -> int:
        return sum(1 for s in self.sessions if s.phase == phase)

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        review = self.end_of_induction_review
        return {
            "start": self.start.isoformat(),
            "maintenance": self.maintenance,
            "weeks": self.weeks,
            "sessions": [s.to_dict() for s in self.sessions],
            "end_of_induction_review": None if review is None else review.isoformat(),
            "label": dict(label_dict()),
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def induction_and_maintenance_schedule(
    start: date, maintenance: str = "weekly", weeks: float = DEFAULT_WEEKS
) -> EsketamineSchedule:
    """Date the label's sessions from the first dose for ``weeks`` label weeks.

    Parameters
    ----------
    start : date
        Day of the first dose (day 1 of label week 1).
    maintenance : {"weekly", "every_2_weeks"}
        Dosing from week 9 on; the label allows either and asks for the least frequent that
        maintains remission or response.
    weeks : int
        How many label weeks to plan (1-104, DESIGN bound). 12 plans induction, weeks 5-8 and
        four maintenance weeks.

    Returns
    -------
    EsketamineSchedule
        Every session with its date and phase, the end-of-induction review date (the day
        after the last induction week, when week 4 is planned), the label version and the
        reasons with sources: the label's phases (VERIFIED) and trdcare's placement rule
        (DESIGN).

    Raises
    ------
    InvalidInput
        ``maintenance`` not one of the options, or ``weeks`` outside 1-104 or not whole.

    References
    ----------
    .. [1] modalities.md §1.1 TRD induction (wk 1-4), maintenance (wk 5-8, wk 9+) and end of
       induction: VERIFIED (Medscape; RxList; MIMS).
    """
    check_option("maintenance", maintenance, MAINTENANCE_OPTIONS)
    check_interval("weeks", weeks, SCHEDULE_LIMITS["weeks"])
    option: Maintenance = "weekly" if maintenance == "weekly" else "every_2_weeks"
    n_weeks = int(weeks)
    data = load().schedule
    interval_after_8 = data.maintenance_options[option]
    offsets = data.placement.day_offsets

    sessions: list[ScheduledSession] = []
    for week in range(1, n_weeks + 1):
        phase = next(
            p
            for p in data.phases
            if p.first_week <= week and (p.last_week is None or week <= p.last_week)
        )
        interval = phase.interval_weeks or interval_after_8
        if (week - phase.first_week) % interval:
            continue
        week_start = start + timedelta(days=7 * (week - 1))
        for offset in offsets[str(phase.sessions_per_week)]:
            sessions.append(
                ScheduledSession(
                    number=len(sessions) + 1,
                    week=week,
                    day=week_start + timedelta(days=offset),
                    phase=phase.phase,
                    first_dose=not sessions,
                )
            )

    induction = next(p for p in data.phases if p.phase == "induction")
    last_induction_week = induction.last_week or 0
    review = (
        start + timedelta(days=7 * last_induction_week) if n_weeks >= last_induction_week else None
    )
    reasons = [
        Reason(
            rule=f"label_{p.phase}",
            finding=p.text,
            inputs={"first_week": p.first_week, "last_week": p.last_week},
            sources=sources_of(p.sources, p.status, where=p.where, tag=p.tag),
        )
        for p in data.phases
    ]
    later = next(p for p in data.phases if p.interval_weeks is None)
    reasons.append(
        Reason(
            rule="label_maintenance_choice",
            finding=f"From week {later.first_week}: {option.replace('_', ' ')} (chosen).",
            inputs={"maintenance": option},
            sources=sources_of(later.sources, later.status, where=later.where, tag=later.tag),
        )
    )
    ending = data.end_of_induction_review
    reasons.append(
        Reason(
            rule="end_of_induction_review",
            finding=ending.text,
            sources=sources_of(ending.sources, ending.status, where=ending.where, tag=ending.tag),
        )
    )
    placement = data.placement
    reasons.append(
        Reason(
            rule="session_placement",
            finding=f"{placement.week_start} {placement.text}",
            inputs={"day_offsets": {k: list(v) for k, v in placement.day_offsets.items()}},
            sources=sources_of(
                placement.sources, placement.status, where=placement.where, tag=placement.tag
            ),
        )
    )
    return EsketamineSchedule(
        start=start,
        maintenance=option,
        weeks=n_weeks,
        sessions=tuple(sessions),
        end_of_induction_review=review,
        reasons=tuple(reasons),
    )
