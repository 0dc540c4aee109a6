"""Adverse events of a treatment course and what they do to the course (pure rules).

An adverse event has a kind (the modality's catalogue), a severity (its intensity: mild,
moderate, severe) and, separately, its seriousness: the serious criteria it meets (death,
life-threatening, hospitalisation, disability, congenital anomaly, important medical event;
21 CFR 312.32(a), ICH E2A [1]_). An event is serious when it meets at least one. A kind the
clinic always treats as serious (e.g. respiratory depression after esketamine) is serious
even with no criterion ticked: it is then recorded as an important medical event, and the
record says the rule added it.

The course (``active``, ``paused``, ``completed``, ``stopped``):

* a serious event pauses an active course until a physician reviews the pause and resumes or
  stops it, with a note (issue 10 item 6; the TMS room's rule, DESIGN);
* a serious event while paused keeps it paused (the review weighs it too);
* a serious event after a course ended changes nothing but is an alert until a physician
  acknowledges it;
* nothing is delivered in a course that is not active (:func:`delivery_refusal`).

References
----------
.. [1] 21 CFR 312.32(a); ICH E2A (1994) II.B: "severe" describes intensity, "serious" the
   outcome; read in reproductions (``data/adverse_events.json``, SECONDARY).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from trdcare.core.errors import Conflict, IssueCollector
from trdcare.core.provenance import JSONDict, Reason, Source
from trdcare.courses.domain.catalogue import kinds_for, serious_criteria, severities

CourseStatus = Literal["active", "paused", "completed", "stopped"]
COURSE_STATUSES: tuple[CourseStatus, ...] = ("active", "paused", "completed", "stopped")
ReviewDecision = Literal["resume", "stop"]
REVIEW_DECISIONS: tuple[ReviewDecision, ...] = ("resume", "stop")
#: The criterion an always-serious kind is recorded with when none is ticked.
DEFAULT_SERIOUS_CRITERION = "important_medical_event"
DESCRIPTION_MAX_CHARS = 2000
NOTE_MIN_CHARS = 3

PAUSE_RULE = Source(
    citation="trdcare clinic rule (issue 10 item 6): a serious adverse event pauses the course "
    "until a physician reviews it, as in the TMS room",
    status="DESIGN",
    where="issue 10 item 6",
    tag="trdcare_design",
)


@dataclass(frozen=True, slots=True)
class AdverseEvent:
    """One validated adverse event of a course."""

    kind: str
    severity: str
    occurred_on: date
    serious_criteria: tuple[str, ...] = ()
    description: str = ""
    #: Criteria the always-serious rule added (none ticked for an always-serious kind).
    criteria_added: tuple[str, ...] = ()

    @property
    def serious(self) -> bool:
        return bool(self.serious_criteria)

    def to_dict(self) -> JSONDict:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "occurred_on": self.occurred_on.isoformat(),
            "serious": self.serious,
            "serious_criteria": list(self.serious_criteria),
            "criteria_added": list(self.criteria_added),
            "description": self.description,
        }


def adverse_event(
    modality: str,
    *,
    kind: str,
    severity: str,
    occurred_on: date,
    today: date,
    serious_criteria_given: Iterable[str] = (),
    description: str = "",
    born_on: date | None = None,
    course_start: date | None = None,
) -> AdverseEvent:
    """Build and check one adverse event of a course of ``modality``.

    Parameters
    ----------
    modality : str
        The course's modality (not TMS: :func:`~trdcare.courses.domain.catalogue.kinds_for`).
    kind, severity : str
        A kind of the modality's catalogue; ``mild``, ``moderate`` or ``severe``.
    occurred_on, today : date
        When it happened (not after ``today``, the clinic's date; not before ``born_on`` or
        ``course_start``).
    serious_criteria_given : iterable of str
        The serious criteria it meets (none: not serious, unless the kind is always serious).
    description : str
        What happened; required for a kind that asks for one (``other``).

    Raises
    ------
    InvalidInput
        Every problem at once, each naming its field, what is allowed and what was given.

    Examples
    --------
    >>> e = adverse_event("vns", kind="cough", severity="mild", occurred_on=date(2026, 1, 5),
    ...                   today=date(2026, 1, 6))
    >>> e.serious
    False
    >>> adverse_event("esketamine", kind="respiratory_depression", severity="severe",
    ...               occurred_on=date(2026, 1, 5), today=date(2026, 1, 6)).serious_criteria
    ('important_medical_event',)
    """
    kinds = kinds_for(modality)
    issues = IssueCollector()
    k = kinds.get(kind)
    if k is None:
        issues.add(
            "kind",
            f"is not an adverse event kind of a {modality} course",
            allowed=", ".join(kinds),
            given=kind,
        )
    grades = severities()
    if severity not in grades:
        issues.add("severity", "unknown value", allowed=", ".join(grades), given=severity)
    criteria = serious_criteria()
    given = list(dict.fromkeys(serious_criteria_given))
    unknown = [c for c in given if c not in criteria]
    if unknown:
        issues.add(
            "serious_criteria",
            "unknown serious criterion",
            allowed=", ".join(criteria),
            given=", ".join(unknown),
        )
    text = description.strip()
    if len(text) > DESCRIPTION_MAX_CHARS:
        issues.add(
            "description",
            "is too long",
            allowed=f"at most {DESCRIPTION_MAX_CHARS} characters",
            given=f"{len(text)} characters",
        )
    if k is not None and k.requires_description and len(text) < NOTE_MIN_CHARS:
        issues.add(
            "description",
            f"is required for '{k.label}': say what happened",
            allowed=f"at least {NOTE_MIN_CHARS} characters",
            given=text or None,
        )
    if occurred_on > today:
        issues.add(
            "occurred_on",
            "is in the future",
            allowed=f"on or before {today.isoformat()}",
            given=occurred_on.isoformat(),
        )
    if born_on is not None and occurred_on < born_on:
        issues.add(
            "occurred_on",
            "is before the patient's date of birth",
            allowed="on or after the patient's date of birth",
            given=occurred_on.isoformat(),
        )
    elif course_start is not None and occurred_on < course_start:
        issues.add(
            "occurred_on",
            "is before the course began",
            allowed=f"on or after {course_start.isoformat()}",
            given=occurred_on.isoformat(),
        )
    issues.raise_if_any()
    assert k is not None  # the issues above were raised otherwise
    ordered = tuple(c for c in criteria if c in given)
    added: tuple[str, ...] = ()
    if k.always_serious is not None and not ordered:
        ordered = added = (DEFAULT_SERIOUS_CRITERION,)
    return AdverseEvent(
        kind=kind,
        severity=severity,
        occurred_on=occurred_on,
        serious_criteria=ordered,
        description=text,
        criteria_added=added,
    )


@dataclass(frozen=True, slots=True)
class Transition:
    """What an event or a review did to the course: status before and after, and why."""

    before: CourseStatus
    after: CourseStatus
    reason: Reason

    @property
    def paused(self) -> bool:
        return self.before != "paused" and self.after == "paused"

    def to_dict(self) -> JSONDict:
        return {"before": self.before, "after": self.after, "reason": self.reason.to_dict()}


def _kind_sources(modality: str, events: Sequence[AdverseEvent]) -> tuple[Source, ...]:
    kinds = kinds_for(modality)
    out: list[Source] = [PAUSE_RULE]
    for e in events:
        k = kinds[e.kind]
        out.append(k.source)
        if e.criteria_added and k.always_serious is not None:
            out.append(k.always_serious)
    return tuple(dict.fromkeys(out))


def pause_reason(modality: str, event: AdverseEvent) -> str:
    """The pause's reason in words: the kind's label and its serious criteria."""
    label = kinds_for(modality)[event.kind].label
    criteria = serious_criteria()
    met = ", ".join(criteria[c].label.split(" (")[0].lower() for c in event.serious_criteria)
    return f"serious adverse event on {event.occurred_on.isoformat()}: {label} ({met})"


def on_adverse_event(status: CourseStatus, modality: str, event: AdverseEvent) -> Transition:
    """What a reported event does to a course in ``status`` (see the module docstring)."""
    inputs = {"status": status, "kind": event.kind, "serious": event.serious}
    if not event.serious:
        return Transition(
            status,
            status,
            Reason("adverse_event_recorded", "adverse event recorded; not serious", inputs),
        )
    sources = _kind_sources(modality, [event])
    if status == "active":
        finding = (
            f"{pause_reason(modality, event)}: the course is PAUSED until a physician reviews "
            "it (resume or stop)"
        )
        return Transition(
            status, "paused", Reason("serious_adverse_event_pause", finding, inputs, sources)
        )
    if status == "paused":
        finding = "serious adverse event while paused: the course stays paused; the physician's "
        finding += "pause review weighs it too"
        return Transition(
            status,
            status,
            Reason("serious_adverse_event_while_paused", finding, inputs, sources),
        )
    finding = (
        f"serious adverse event after the course ended ({status}): it is an alert until a "
        "physician acknowledges it"
    )
    return Transition(
        status, status, Reason("serious_adverse_event_after_course", finding, inputs, sources)
    )


def review_pause(status: CourseStatus, decision: str) -> Transition:
    """A physician's review of a paused course: ``resume`` (active) or ``stop`` (stopped).

    Raises
    ------
    InvalidInput
        ``decision`` is neither ``resume`` nor ``stop``.
    Conflict
        The course is not paused (a second review of one pause lands here).
    """
    issues = IssueCollector()
    if decision not in REVIEW_DECISIONS:
        issues.add("decision", "unknown value", allowed="resume, stop", given=decision)
    issues.raise_if_any()
    if status != "paused":
        raise Conflict(
            f"the course is {status}, not paused: there is no pause to review "
            "(it may have been reviewed a moment ago)"
        )
    after: CourseStatus = "active" if decision == "resume" else "stopped"
    finding = (
        "pause reviewed: the course resumes"
        if decision == "resume"
        else "pause reviewed: the course is stopped"
    )
    return Transition(
        status,
        after,
        Reason("pause_review", finding, {"decision": decision}, (PAUSE_RULE,)),
    )


def delivery_refusal(status: str) -> str | None:
    """Why nothing may be delivered in a course in ``status`` (None: it may)."""
    if status == "active":
        return None
    if status == "paused":
        return "is paused after a serious adverse event"
    if status in ("completed", "stopped"):
        return f"is {status}: nothing more is delivered in it"
    return f"is {status}"
