"""The integrated care plan: the therapies a patient receives at once on one timeline, and one
measurement schedule (which scale, how often, who completes it) for all of them.

Pure: the service passes in the vocabularies it reads from the other rooms (the therapies
the history room records courses of, the scales the assessments room scores, the scales a
patient can answer through a self-report link), so this module imports only ``core``.

Clinical numbers
----------------
None is built in. How often a scale is repeated is the clinician's choice, entered with each
measure: the reference notes (``shared/reference/clinical-scales.md``, ``tms.md``,
``modalities.md``) give no sourced interval for repeating a scale during a combined plan
(the TMS room's weekly PHQ-9 is that room's design, issue #3, not a clinical source), so no
default interval is offered. The accepted range, 1 to :data:`MAX_EVERY_DAYS` days, is an
input plausibility limit (DESIGN), not advice.

When a measure is due
---------------------
A measure falls due ``every_days`` after the last complete administration of its scale
(whoever completed it: a PHQ-9 filled in at the clinic measures as one sent by link), or,
never administered since the measure was added, ``every_days`` after the day it starts.
It is overdue on the days after that. This is the dashboard's own overdue rule (a scale
on the schedule, last rated longer ago than the interval; ``assessments.repository``),
with the plan's interval in place of the clinic-wide one.

Attribution
-----------
A score is attributed to every therapy on the plan that was active on the day it was
taken (started on or before, not ended before), so a score taken while TMS, psychotherapy
and medication ran together is counted for each of them and says so: the plan cannot
separate their effects, and the page says that too.

References
----------
.. [1] Issue 13, item 2 (the integrated care plan): one timeline, one measurement schedule,
   outcomes attributed to the courses active at the time, plan changes with who, when, why.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal

from trdcare.core.checks import Interval
from trdcare.core.errors import InvalidInput, IssueCollector, NotFound
from trdcare.pathway.domain.facts import Preferences

CompletedBy = Literal["patient", "clinician"]
COMPLETED_BY: tuple[CompletedBy, ...] = ("patient", "clinician")
COMPLETED_BY_LABELS: dict[str, str] = {
    "patient": "Patient (self-report link)",
    "clinician": "Clinician (rated at a visit)",
}

#: How a page names each stated preference (the treatment-options engine's ``Preferences``;
#: the issue's own examples: "wants a drug-free option, cannot attend daily").
PREFERENCE_LABELS: dict[str, str] = {
    "drug_free": "Wants a drug-free option",
    "cannot_attend_daily": "Cannot attend daily sessions",
}

#: Input plausibility limit of a measure's interval, in days (DESIGN: a year; not advice).
MAX_EVERY_DAYS = 365
EVERY_DAYS = Interval(1, MAX_EVERY_DAYS, unit="days", integer=True)


@dataclass(frozen=True, slots=True)
class PlannedTherapy:
    """One therapy on the plan's timeline.

    ``key`` is stable for the life of the plan (``T1``, ``T2``...); a therapy removed as
    entered in error stays in the plan with its reason (``removed``) and no longer counts.
    """

    key: str
    therapy: str
    start_date: date
    end_date: date | None = None
    detail: str = ""
    course_ref: str | None = None
    removed: str | None = None

    @property
    def current(self) -> bool:
        return self.removed is None

    def active_on(self, day: date) -> bool:
        return (
            self.current
            and self.start_date <= day
            and (self.end_date is None or day <= self.end_date)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "therapy": self.therapy,
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "detail": self.detail,
            "course_ref": self.course_ref,
            "removed": self.removed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlannedTherapy:
        end = data.get("end_date")
        return cls(
            key=str(data["key"]),
            therapy=str(data["therapy"]),
            start_date=date.fromisoformat(str(data["start_date"])),
            end_date=date.fromisoformat(str(end)) if end else None,
            detail=str(data.get("detail") or ""),
            course_ref=data.get("course_ref") or None,
            removed=data.get("removed") or None,
        )


@dataclass(frozen=True, slots=True)
class Measure:
    """One scale on the schedule: how often, who completes it, from which day."""

    key: str
    scale_id: str
    completed_by: CompletedBy
    every_days: int
    start_date: date
    removed: str | None = None

    @property
    def current(self) -> bool:
        return self.removed is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "scale_id": self.scale_id,
            "completed_by": self.completed_by,
            "every_days": self.every_days,
            "start_date": self.start_date.isoformat(),
            "removed": self.removed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Measure:
        by = str(data["completed_by"])
        return cls(
            key=str(data["key"]),
            scale_id=str(data["scale_id"]),
            completed_by="patient" if by == "patient" else "clinician",
            every_days=int(data["every_days"]),
            start_date=date.fromisoformat(str(data["start_date"])),
            removed=data.get("removed") or None,
        )


@dataclass(frozen=True, slots=True)
class CarePlan:
    """The plan: therapies, the measurement schedule and the patient's stated preferences
    (the treatment-options engine's :class:`Preferences`, read from here, and anything else
    the patient said, in words: ``preference_note``)."""

    therapies: tuple[PlannedTherapy, ...] = ()
    measures: tuple[Measure, ...] = ()
    preferences: Preferences = field(default_factory=Preferences)
    preference_note: str = ""

    @property
    def stated_preferences(self) -> tuple[str, ...]:
        """The labels of the preferences the patient stated, then the note, if any."""
        named = tuple(
            label for key, label in PREFERENCE_LABELS.items() if getattr(self.preferences, key)
        )
        return (*named, self.preference_note) if self.preference_note else named

    @property
    def current_therapies(self) -> tuple[PlannedTherapy, ...]:
        return tuple(t for t in self.therapies if t.current)

    @property
    def current_measures(self) -> tuple[Measure, ...]:
        return tuple(m for m in self.measures if m.current)

    def therapy(self, key: str) -> PlannedTherapy:
        for t in self.therapies:
            if t.key == key and t.current:
                return t
        raise NotFound(f"therapy: no therapy {key} on the care plan")

    def measure(self, key: str) -> Measure:
        for m in self.measures:
            if m.key == key and m.current:
                return m
        raise NotFound(f"measure: no measure {key} on the care plan")

    def to_dict(self) -> dict[str, Any]:
        return {
            "therapies": [t.to_dict() for t in self.therapies],
            "measures": [m.to_dict() for m in self.measures],
            "preferences": {
                "drug_free": self.preferences.drug_free,
                "cannot_attend_daily": self.preferences.cannot_attend_daily,
                "note": self.preference_note,
            },
        }

    @classmethod
    def from_parts(
        cls,
        therapies: Iterable[Mapping[str, Any]],
        measures: Iterable[Mapping[str, Any]],
        preferences: Mapping[str, Any] | None,
    ) -> CarePlan:
        prefs = dict(preferences or {})
        return cls(
            therapies=tuple(PlannedTherapy.from_dict(t) for t in therapies),
            measures=tuple(Measure.from_dict(m) for m in measures),
            preferences=Preferences(
                drug_free=bool(prefs.get("drug_free", False)),
                cannot_attend_daily=bool(prefs.get("cannot_attend_daily", False)),
            ),
            preference_note=str(prefs.get("note") or ""),
        )


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What the other rooms know, passed in by the service: therapy ids (the history room's
    course modalities), scale ids (the assessments room's) and the scales a patient can
    answer by self-report link."""

    therapies: Collection[str]
    scales: Collection[str]
    self_report_scales: Collection[str]


def _next_key(prefix: str, keys: Iterable[str]) -> str:
    numbers = [int(k[len(prefix) :]) for k in keys if k[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1}"


def _check_therapy(t: PlannedTherapy, vocabulary: Vocabulary) -> None:
    issues = IssueCollector()
    if t.therapy not in vocabulary.therapies:
        issues.add(
            "therapy",
            "is not a therapy trdcare knows",
            allowed=", ".join(sorted(vocabulary.therapies)),
            given=t.therapy,
        )
    if t.end_date is not None and t.end_date < t.start_date:
        issues.add(
            "end_date",
            "is before the start",
            allowed=f"on or after {t.start_date.isoformat()}",
            given=t.end_date.isoformat(),
        )
    issues.raise_if_any()


def _check_measure(m: Measure, plan: CarePlan, vocabulary: Vocabulary) -> None:
    issues = IssueCollector()
    if m.scale_id not in vocabulary.scales:
        issues.add(
            "scale", "is not a scale trdcare scores", allowed=", ".join(vocabulary.scales),
            given=m.scale_id,
        )  # fmt: skip
    if m.completed_by not in COMPLETED_BY:
        issues.add(
            "completed_by", "is not who can complete a scale", allowed="patient, clinician",
            given=m.completed_by,
        )  # fmt: skip
    elif m.completed_by == "patient" and m.scale_id not in vocabulary.self_report_scales:
        issues.add(
            "completed_by",
            "the patient cannot complete this scale by self-report link (it is rated by a "
            "clinician)",
            allowed="patient for " + ", ".join(vocabulary.self_report_scales),
            given=m.scale_id,
        )
    if not EVERY_DAYS.contains(m.every_days):
        issues.add(
            "every_days", "is out of range", allowed=f"1 to {MAX_EVERY_DAYS} days",
            given=m.every_days,
        )  # fmt: skip
    for other in plan.current_measures:
        if (
            other.key != m.key
            and other.scale_id == m.scale_id
            and other.completed_by == m.completed_by
        ):
            issues.add(
                "scale",
                f"is already on the schedule ({other.key}, every {other.every_days} days): "
                "change that measure instead",
                given=m.scale_id,
            )
    issues.raise_if_any()


def add_therapy(
    plan: CarePlan,
    vocabulary: Vocabulary,
    *,
    therapy: str,
    start_date: date,
    end_date: date | None = None,
    detail: str = "",
    course_ref: str | None = None,
) -> tuple[CarePlan, PlannedTherapy]:
    """The plan with one more therapy (a new key); refused naming the field."""
    new = PlannedTherapy(
        key=_next_key("T", (t.key for t in plan.therapies)),
        therapy=therapy,
        start_date=start_date,
        end_date=end_date,
        detail=detail,
        course_ref=course_ref,
    )
    _check_therapy(new, vocabulary)
    return replace(plan, therapies=(*plan.therapies, new)), new


def change_therapy(
    plan: CarePlan,
    vocabulary: Vocabulary,
    key: str,
    *,
    start_date: date,
    end_date: date | None,
    detail: str,
    course_ref: str | None,
) -> CarePlan:
    """The plan with therapy ``key`` corrected or ended (its kind is its identity)."""
    old = plan.therapy(key)
    new = replace(
        old, start_date=start_date, end_date=end_date, detail=detail, course_ref=course_ref
    )
    _check_therapy(new, vocabulary)
    return replace(plan, therapies=tuple(new if t.key == key else t for t in plan.therapies))


def remove_therapy(plan: CarePlan, key: str, reason: str) -> CarePlan:
    """The plan with therapy ``key`` marked entered in error (kept, with the reason)."""
    plan.therapy(key)
    return replace(
        plan,
        therapies=tuple(replace(t, removed=reason) if t.key == key else t for t in plan.therapies),
    )


def add_measure(
    plan: CarePlan,
    vocabulary: Vocabulary,
    *,
    scale_id: str,
    completed_by: str,
    every_days: int,
    start_date: date,
) -> tuple[CarePlan, Measure]:
    new = Measure(
        key=_next_key("M", (m.key for m in plan.measures)),
        scale_id=scale_id,
        completed_by=completed_by,  # type: ignore[arg-type]  # checked below
        every_days=every_days,
        start_date=start_date,
    )
    _check_measure(new, plan, vocabulary)
    return replace(plan, measures=(*plan.measures, new)), new


def change_measure(
    plan: CarePlan,
    vocabulary: Vocabulary,
    key: str,
    *,
    completed_by: str,
    every_days: int,
    start_date: date,
) -> CarePlan:
    """The plan with measure ``key`` changed (its scale is its identity)."""
    old = plan.measure(key)
    new = replace(
        old,
        completed_by=completed_by,  # type: ignore[arg-type]  # checked below
        every_days=every_days,
        start_date=start_date,
    )
    _check_measure(new, plan, vocabulary)
    return replace(plan, measures=tuple(new if m.key == key else m for m in plan.measures))


def remove_measure(plan: CarePlan, key: str, reason: str) -> CarePlan:
    plan.measure(key)
    return replace(
        plan,
        measures=tuple(replace(m, removed=reason) if m.key == key else m for m in plan.measures),
    )


def set_preferences(plan: CarePlan, preferences: Preferences, note: str = "") -> CarePlan:
    return replace(plan, preferences=preferences, preference_note=note)


# -- the schedule ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MeasureStatus:
    """When a measure falls due and whether it is overdue on ``today``."""

    measure: Measure
    last_on: date | None
    due_on: date
    overdue: bool
    days_overdue: int

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.measure.to_dict(),
            "last_on": self.last_on.isoformat() if self.last_on else None,
            "due_on": self.due_on.isoformat(),
            "overdue": self.overdue,
            "days_overdue": self.days_overdue,
        }


def measure_status(measure: Measure, last_on: date | None, today: date) -> MeasureStatus:
    """The measure's next due day and whether it is overdue (see the module's rule).

    Examples
    --------
    >>> m = Measure("M1", "phq9", "patient", 7, date(2026, 1, 1))
    >>> measure_status(m, None, date(2026, 1, 8)).overdue
    False
    >>> s = measure_status(m, date(2026, 1, 2), date(2026, 1, 12))
    >>> (s.due_on.isoformat(), s.overdue, s.days_overdue)
    ('2026-01-09', True, 3)
    """
    counted = last_on if last_on is not None and last_on >= measure.start_date else None
    due_on = (counted or measure.start_date) + timedelta(days=measure.every_days)
    late = (today - due_on).days
    return MeasureStatus(measure, last_on, due_on, late > 0, max(late, 0))


def schedule(
    plan: CarePlan, last_on: Mapping[str, date | None], today: date
) -> tuple[MeasureStatus, ...]:
    """Every current measure's status, given the last administration per scale id."""
    return tuple(measure_status(m, last_on.get(m.scale_id), today) for m in plan.current_measures)


# -- attribution -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AttributedScore:
    """One score and the therapies on the plan that were active the day it was taken."""

    on: date
    scale_id: str
    total: int
    therapies: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "scale_id": self.scale_id,
            "total": self.total,
            "therapies": list(self.therapies),
        }


def attribute(
    plan: CarePlan, scores: Sequence[tuple[date, str, int]]
) -> tuple[AttributedScore, ...]:
    """Each score (day, scale id, total) with the keys of the therapies active that day."""
    return tuple(
        AttributedScore(
            on, scale_id, total, tuple(t.key for t in plan.current_therapies if t.active_on(on))
        )
        for on, scale_id, total in scores
    )


# -- what a change did, in words ---------------------------------------------------------------
def describe_change(
    before: CarePlan,
    after: CarePlan,
    therapy_label: Mapping[str, str],
    scale_label: Mapping[str, str],
) -> list[str]:
    """What changed between two versions, one sentence each (for the plan's history)."""
    out: list[str] = []

    def t_name(t: PlannedTherapy) -> str:
        return f"{therapy_label.get(t.therapy, t.therapy)} ({t.key})"

    def m_name(m: Measure) -> str:
        return f"{scale_label.get(m.scale_id, m.scale_id)} ({m.key})"

    old_t = {t.key: t for t in before.therapies}
    for t in after.therapies:
        o = old_t.get(t.key)
        if o is None:
            out.append(f"Added {t_name(t)} from {t.start_date.isoformat()}")
        elif o.removed is None and t.removed is not None:
            out.append(f"Removed {t_name(t)} as entered in error")
        elif o != t:
            out.append(f"Changed {t_name(t)}: " + _therapy_diff(o, t))
    old_m = {m.key: m for m in before.measures}
    for m in after.measures:
        o2 = old_m.get(m.key)
        if o2 is None:
            out.append(f"Added {m_name(m)}: every {m.every_days} days by the {m.completed_by}")
        elif o2.removed is None and m.removed is not None:
            out.append(f"Removed {m_name(m)} from the schedule")
        elif o2 != m:
            out.append(f"Changed {m_name(m)}: " + _measure_diff(o2, m))
    if (before.preferences, before.preference_note) != (
        after.preferences,
        after.preference_note,
    ):
        out.append("Changed the stated preferences")
    return out


def _show(value: object) -> str:
    if value is None or value == "":
        return "none"
    return value.isoformat() if isinstance(value, date) else str(value)


def _therapy_diff(old: PlannedTherapy, new: PlannedTherapy) -> str:
    parts = []
    for name, label in (
        ("start_date", "start"),
        ("end_date", "end"),
        ("detail", "details"),
        ("course_ref", "course"),
    ):
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            if name == "end_date":  # no end day: the therapy is ongoing
                parts.append(f"{label} {_show(a or 'ongoing')} -> {_show(b or 'ongoing')}")
            else:
                parts.append(f"{label} {_show(a)} -> {_show(b)}")
    return ", ".join(parts)


def _measure_diff(old: Measure, new: Measure) -> str:
    parts = []
    if old.every_days != new.every_days:
        parts.append(f"every {old.every_days} -> {new.every_days} days")
    if old.completed_by != new.completed_by:
        parts.append(f"completed by the {old.completed_by} -> the {new.completed_by}")
    if old.start_date != new.start_date:
        parts.append(f"from {_show(old.start_date)} -> {_show(new.start_date)}")
    return ", ".join(parts)


def checked_reason(reason: str) -> str:
    """A plan change always says why (kept with the version)."""
    if len(reason.strip()) < 3:
        raise InvalidInput.single(
            "reason", "must say why the plan changes", allowed="3 to 500 characters",
            given=reason,
        )  # fmt: skip
    return reason.strip()
