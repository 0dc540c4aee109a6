"""Course state and session-log rules.

A course is ``planned`` until it starts (which needs a screen that is not contraindicated
and, for ``caution``, a physician's acknowledgement), then ``active``; a serious adverse
event (a seizure or syncope is always serious) ``paused`` it until a physician review
resumes or stops it; it is ``completed`` when the last planned session is delivered.
Sessions are refused on a course that is not active, and pulses above the planned number
need a reason. Adverse events that happen outside a session (between sessions, during the
motor-threshold hunt, after the course) are reported on their own and follow the same rule.

References
----------
.. [1] Issue #3 items 1, 6 and 9 (rules of the clinic workflow: DESIGN).
.. [2] Seizure: the most serious acute risk of TMS; rates 0.31 per 10,000 sessions (Taylor
   2021 [V], tms.md §2.2). Common side effects list: data/side_effects.json.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from functools import cache
from typing import Any, Literal, TypeGuard, cast

from trdcare.core.checks import Interval
from trdcare.core.clock import not_before_birth
from trdcare.core.errors import Conflict, Contraindicated, InvalidInput, IssueCollector
from trdcare.core.provenance import JSONDict, Reason, Source
from trdcare.tms.domain.catalogue import load, source, source_from_entry
from trdcare.tms.domain.protocols import Protocol

CourseStatus = Literal["planned", "active", "paused", "completed", "stopped", "cancelled"]
COURSE_STATUSES: tuple[CourseStatus, ...] = (
    "planned",
    "active",
    "paused",
    "completed",
    "stopped",
    "cancelled",
)
Severity = Literal["mild", "moderate", "severe"]
SEVERITIES: tuple[Severity, ...] = ("mild", "moderate", "severe")

# The largest count a session record stores (an SQL INTEGER): a storage limit, not a clinical
# one; the safety checks judge the numbers below it.
STORED_COUNT_MAX = 2**31 - 1
SESSION_LIMITS: Mapping[str, Interval] = {
    "session_number": Interval(1, STORED_COUNT_MAX, integer=True),
    "planned_pulses": Interval(1, STORED_COUNT_MAX, integer=True),
    "pulses_delivered": Interval(0, STORED_COUNT_MAX, integer=True),
    "trains_delivered": Interval(0, STORED_COUNT_MAX, integer=True),
    "intensity_pct_mso": Interval(0, 100, closed="right", unit="%MSO"),
    "mt_pct_mso": Interval(1, 100, unit="%MSO"),
}
"""Declared limits of a session log (a %MSO value cannot exceed 100; MT 1-100% MSO)."""


def _design(where: str) -> Source:
    return source("issue3", "DESIGN", where=where, tag="clinic workflow rule")


@dataclass(frozen=True, slots=True)
class AdverseEventKind:
    id: str
    label: str
    always_serious: bool
    requires_description: bool
    source: Source


@cache
def adverse_event_kinds() -> Mapping[str, AdverseEventKind]:
    """The adverse-event catalogue (``data/side_effects.json``)."""
    out: dict[str, AdverseEventKind] = {}
    for e in load("side_effects.json")["adverse_event_kinds"]:
        out[str(e["id"])] = AdverseEventKind(
            str(e["id"]),
            str(e["label"]),
            bool(e["always_serious"]),
            bool(e.get("requires_description", False)),
            source_from_entry(e),
        )
    return out


@cache
def common_side_effects() -> Mapping[str, tuple[str, Source]]:
    """Common side effects tracked per session: id -> (label, source)."""
    return {
        str(e["id"]): (str(e["label"]), source_from_entry(e))
        for e in load("side_effects.json")["common_side_effects"]
    }


@dataclass(frozen=True, slots=True)
class AdverseEvent:
    """An adverse event during or after a session."""

    kind: str
    severity: Severity
    serious: bool
    description: str = ""

    def to_dict(self) -> JSONDict:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "serious": self.serious,
            "description": self.description,
        }


def adverse_event(
    kind: str,
    severity: str,
    *,
    serious: bool | None = None,
    description: str = "",
    path: str = "adverse_event",
) -> AdverseEvent:
    """Build and validate an adverse event; a seizure or syncope is always serious.

    Raises
    ------
    InvalidInput
        Unknown kind or severity, ``serious=False`` for a seizure or syncope, or an
        ``other`` event without a description.
    """
    issues = IssueCollector()
    kinds = adverse_event_kinds()
    if kind not in kinds:
        issues.add(f"{path}.kind", "unknown adverse event", allowed=", ".join(kinds), given=kind)
    if severity not in SEVERITIES:
        issues.add(
            f"{path}.severity", "unknown severity", allowed=", ".join(SEVERITIES), given=severity
        )
    issues.raise_if_any()
    k = kinds[kind]
    if k.always_serious and serious is False:
        issues.add(
            f"{path}.serious",
            f"a {k.label.lower()} is always serious",
            allowed="true",
            given=serious,
        )
    if k.requires_description and not description.strip():
        issues.add(
            f"{path}.description",
            "is required for this event",
            allowed="what happened",
            given=description,
        )
    issues.raise_if_any()
    is_serious = True if k.always_serious else bool(serious)
    return AdverseEvent(kind, cast(Severity, severity), is_serious, description)


@dataclass(frozen=True, slots=True)
class SessionLog:
    """What was delivered in one session."""

    session_number: int
    planned_pulses: int
    pulses_delivered: int
    intensity_pct_mso: float
    mt_pct_mso: float
    operator: str
    coil: str = ""
    device: str = ""
    target: str = ""
    trains_delivered: int | None = None
    excess_reason: str | None = None
    mt_rechecked: bool = False
    interruptions: tuple[str, ...] = ()
    side_effects: tuple[str, ...] = ()
    adverse_events: tuple[AdverseEvent, ...] = ()

    @property
    def intensity_pct_mt(self) -> float:
        """Delivered intensity as % of the MT in use."""
        return round(self.intensity_pct_mso / self.mt_pct_mso * 100.0, 2)

    @property
    def serious(self) -> bool:
        return any(e.serious for e in self.adverse_events)

    @property
    def pulses_shortfall(self) -> int:
        return max(0, self.planned_pulses - self.pulses_delivered)

    def to_dict(self) -> JSONDict:
        return {
            "session_number": self.session_number,
            "planned_pulses": self.planned_pulses,
            "pulses_delivered": self.pulses_delivered,
            "pulses_shortfall": self.pulses_shortfall,
            "excess_reason": self.excess_reason,
            "intensity_pct_mso": self.intensity_pct_mso,
            "mt_pct_mso": self.mt_pct_mso,
            "intensity_pct_mt": self.intensity_pct_mt,
            "trains_delivered": self.trains_delivered,
            "coil": self.coil,
            "device": self.device,
            "target": self.target,
            "operator": self.operator,
            "mt_rechecked": self.mt_rechecked,
            "interruptions": list(self.interruptions),
            "side_effects": list(self.side_effects),
            "adverse_events": [e.to_dict() for e in self.adverse_events],
            "serious": self.serious,
        }


def _is_int(v: object) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def _adverse_events(raws: Sequence[object], issues: IssueCollector) -> list[AdverseEvent]:
    """Validate ``adverse_events.<i>`` entries (mappings or built events) into ``issues``."""
    events: list[AdverseEvent] = []
    for i, raw in enumerate(raws):
        if isinstance(raw, AdverseEvent):
            events.append(raw)
            continue
        if not isinstance(raw, Mapping):
            issues.add(f"adverse_events.{i}", "must be an object", given=raw)
            continue
        try:
            events.append(
                adverse_event(
                    str(raw.get("kind")),
                    str(raw.get("severity")),
                    serious=cast("bool | None", raw.get("serious")),
                    description=str(raw.get("description", "") or ""),
                    path=f"adverse_events.{i}",
                )
            )
        except InvalidInput as exc:
            issues.extend(exc.issues)
    return events


def session_log(data: Mapping[str, Any]) -> SessionLog:
    """Validate a session log (every issue collected, raised once).

    Raises
    ------
    InvalidInput
        Out-of-range numbers, a missing operator, more pulses than planned without a
        reason, unknown side effects, invalid adverse events.
    """
    issues = IssueCollector()
    for name, interval in SESSION_LIMITS.items():
        v = data.get(name)
        if v is None:
            if name != "trains_delivered":
                issues.add(name, "is required", allowed=interval.describe())
            continue
        if isinstance(v, bool) or not isinstance(v, int | float) or not interval.contains(v):
            issues.add(name, "out of range", allowed=interval.describe(), given=v)
    operator = data.get("operator")
    if not isinstance(operator, str) or not operator.strip():
        issues.add("operator", "is required", allowed="who delivered the session", given=operator)
    planned = data.get("planned_pulses")
    delivered = data.get("pulses_delivered")
    reason = data.get("excess_reason")
    if (
        _is_int(planned)
        and _is_int(delivered)
        and delivered > planned
        and (not isinstance(reason, str) or not reason.strip())
    ):
        issues.add(
            "excess_reason",
            "is required when more pulses than planned were delivered",
            allowed=f"a reason for {delivered} pulses (planned {planned})",
            given=reason,
        )
    effects = tuple(str(e) for e in data.get("side_effects", ()) or ())
    known = common_side_effects()
    for i, e in enumerate(effects):
        if e not in known:
            issues.add(
                f"side_effects.{i}",
                "unknown side effect (record others as an adverse event of kind 'other')",
                allowed=", ".join(known),
                given=e,
            )
    events = _adverse_events(data.get("adverse_events", ()) or (), issues)
    interruptions = tuple(str(x) for x in data.get("interruptions", ()) or ())
    for i, text in enumerate(interruptions):
        if not text.strip():
            issues.add(f"interruptions.{i}", "needs a reason", given=text)
    issues.raise_if_any()
    td = data.get("trains_delivered")
    return SessionLog(
        session_number=int(cast(int, data["session_number"])),
        planned_pulses=int(cast(int, planned)),
        pulses_delivered=int(cast(int, delivered)),
        intensity_pct_mso=float(data["intensity_pct_mso"]),
        mt_pct_mso=float(data["mt_pct_mso"]),
        operator=str(operator).strip(),
        coil=str(data.get("coil", "") or ""),
        device=str(data.get("device", "") or ""),
        target=str(data.get("target", "") or ""),
        trains_delivered=None if td is None else int(td),
        excess_reason=None if not isinstance(reason, str) or not reason.strip() else reason,
        mt_rechecked=bool(data.get("mt_rechecked", False)),
        interruptions=interruptions,
        side_effects=effects,
        adverse_events=tuple(events),
    )


@dataclass(frozen=True, slots=True)
class CourseState:
    """Where a course stands."""

    status: CourseStatus
    planned_sessions: int
    delivered_sessions: int = 0
    review_required: bool = False
    pause_reason: str | None = None

    def to_dict(self) -> JSONDict:
        return {
            "status": self.status,
            "planned_sessions": self.planned_sessions,
            "delivered_sessions": self.delivered_sessions,
            "remaining_sessions": self.planned_sessions - self.delivered_sessions,
            "review_required": self.review_required,
            "pause_reason": self.pause_reason,
        }


@dataclass(frozen=True, slots=True)
class Transition:
    """A new course state and why."""

    state: CourseState
    reasons: tuple[Reason, ...]

    def to_dict(self) -> JSONDict:
        return {"state": self.state.to_dict(), "reasons": [r.to_dict() for r in self.reasons]}


def start_course(
    state: CourseState, *, screen_verdict: str, acknowledged_by: str | None = None
) -> Transition:
    """Start a planned course.

    Raises
    ------
    Contraindicated
        The latest safety screen is ``contraindicated``.
    Conflict
        The course is not ``planned``; or the screen is ``caution`` and no physician has
        acknowledged it.
    InvalidInput
        An unknown screen verdict.
    """
    if screen_verdict not in ("contraindicated", "caution", "clear"):
        raise InvalidInput.single(
            "screen_verdict",
            "unknown verdict",
            allowed="caution, clear, contraindicated",
            given=screen_verdict,
        )
    if state.status != "planned":
        raise Conflict(f"the course is {state.status}, not planned: it cannot be started")
    if screen_verdict == "contraindicated":
        raise Contraindicated(
            "the latest TMS safety screen is contraindicated: a course cannot start"
        )
    ack = (acknowledged_by or "").strip()
    if screen_verdict == "caution" and not ack:
        raise Conflict(
            "the latest TMS safety screen needs a physician's acknowledgement "
            "(caution) before the course starts"
        )
    reason = Reason(
        rule="course_start",
        finding=f"course started; screen {screen_verdict}"
        + (f", acknowledged by {ack}" if ack else ""),
        inputs={"screen_verdict": screen_verdict, "acknowledged_by": ack or None},
        sources=(_design("issue #3 item 1"),),
    )
    return Transition(replace(state, status="active"), (reason,))


def session_timing_flags(
    delivered_at: datetime,
    earlier: Sequence[datetime],
    *,
    protocol: Protocol,
    start_date: date,
    time_zone: tzinfo,
) -> tuple[str, ...]:
    """Where a session's time departs from the course: flags to record, not refusals.

    The session has been given by the time it is logged, so the log keeps it and says what
    is unusual: given before the course's start date; given before a session already
    logged; more sessions on one clinic day than the protocol gives
    (``schedule.sessions_per_day``: one for daily protocols, e.g. 10 for accelerated iTBS);
    or less time since the previous session than the protocol's gap
    (``schedule.gap_between_sessions_min``, e.g. 50 min). Days are the clinic's
    (``time_zone``), as on the course calendar.
    """
    flags: list[str] = []
    local = delivered_at.astimezone(time_zone)
    day = local.date()
    if day < start_date:
        flags.append(f"given on {day}, before the course's start date {start_date}")
    later = [t for t in earlier if t > delivered_at]
    if later:
        flags.append(
            f"given at {local:%Y-%m-%d %H:%M}, before a session already logged "
            f"({max(later).astimezone(time_zone):%Y-%m-%d %H:%M})"
        )
    same_day = sum(1 for t in earlier if t.astimezone(time_zone).date() == day)
    per_day = protocol.schedule.sessions_per_day
    if same_day + 1 > per_day:
        flags.append(f"session {same_day + 1} on {day}; the protocol gives {per_day} a day")
    gap_min = protocol.schedule.gap_between_sessions_min
    before = [t for t in earlier if t <= delivered_at]
    if gap_min and before and same_day:
        since_min = (delivered_at - max(before)).total_seconds() / 60
        if since_min < gap_min:
            flags.append(
                f"{since_min:.0f} min after the previous session; the protocol's gap is "
                f"{gap_min:g} min"
            )
    return tuple(flags)


def _timing_sources(protocol: Protocol) -> tuple[Source, ...]:
    found = protocol.sources_for("schedule.sessions_per_day") or protocol.sources_for(
        "schedule.acute"
    )
    return found or (_design("issue #3 item 6: the protocol's schedule"),)


def record_session(
    state: CourseState,
    log: SessionLog,
    *,
    timing_flags: Sequence[str] = (),
    protocol: Protocol | None = None,
) -> Transition:
    """Apply a delivered session to the course.

    ``timing_flags`` (from :func:`session_timing_flags`) are kept as a ``session_timing``
    reason, cited from ``protocol``'s schedule sources.

    Returns
    -------
    Transition
        ``active`` (or ``completed`` after the last planned session); ``paused`` with a
        physician review required when any adverse event is serious.

    Raises
    ------
    Conflict
        The course is not active (planned, paused, completed or stopped), the session
        number is not the next one, or all planned sessions are delivered.
    """
    if state.status == "paused":
        raise Conflict(
            "the course is paused"
            + (f" ({state.pause_reason})" if state.pause_reason else "")
            + ": a physician review is needed before the next session"
        )
    if state.status != "active":
        raise Conflict(f"the course is {state.status}: no session can be logged")
    expected = state.delivered_sessions + 1
    if expected > state.planned_sessions:
        raise Conflict(
            f"all {state.planned_sessions} planned sessions are delivered: extend the "
            "course at a decision point first"
        )
    if log.session_number != expected:
        raise Conflict(
            f"session {log.session_number} logged, but the next planned session is {expected}"
        )
    reasons: list[Reason] = []
    delivered = state.delivered_sessions + 1
    new = replace(state, delivered_sessions=delivered)
    if timing_flags:
        reasons.append(
            Reason(
                rule="session_timing",
                finding="session timing departs from the course: " + "; ".join(timing_flags),
                inputs={"session_number": log.session_number, "flags": list(timing_flags)},
                sources=_timing_sources(protocol) if protocol else (_design("issue #3 item 6"),),
            )
        )
    if log.pulses_delivered > log.planned_pulses:
        reasons.append(
            Reason(
                rule="pulses_above_plan",
                finding=f"{log.pulses_delivered} pulses delivered, {log.planned_pulses} planned: "
                f"{log.excess_reason}",
                inputs={"planned": log.planned_pulses, "delivered": log.pulses_delivered},
                sources=(_design("issue #3 item 9"),),
            )
        )
    serious = [e for e in log.adverse_events if e.serious]
    if serious:
        kinds = ", ".join(e.kind for e in serious)
        new = replace(
            new,
            status="paused",
            review_required=True,
            pause_reason=f"serious adverse event in session {log.session_number}: {kinds}",
        )
        srcs = tuple(adverse_event_kinds()[e.kind].source for e in serious)
        reasons.append(
            Reason(
                rule="serious_adverse_event_pause",
                finding=f"serious adverse event ({kinds}): the course is paused and a physician "
                "must review it before the next session",
                inputs={
                    "session_number": log.session_number,
                    "adverse_events": [e.to_dict() for e in serious],
                },
                sources=(*srcs, source("taylor2021", "VERIFIED", where="tms.md §2.2", tag="[V]")),
            )
        )
    elif delivered == state.planned_sessions:
        new = replace(new, status="completed")
        reasons.append(
            Reason(
                rule="course_completed",
                finding=f"all {state.planned_sessions} planned sessions delivered",
                inputs={"delivered": delivered},
                sources=(_design("issue #3 item 6"),),
            )
        )
    return Transition(new, tuple(reasons))


@dataclass(frozen=True, slots=True)
class AdverseEventReport:
    """Adverse events that happened outside a logged session: between sessions (at home,
    the night after), during the motor-threshold hunt, or after the course ended."""

    occurred_on: date
    events: tuple[AdverseEvent, ...]

    @property
    def serious(self) -> bool:
        return any(e.serious for e in self.events)

    def to_dict(self) -> JSONDict:
        return {
            "occurred_on": self.occurred_on.isoformat(),
            "adverse_events": [e.to_dict() for e in self.events],
            "serious": self.serious,
        }


#: At most this many events in one report (the session log's own limit).
MAX_EVENTS_PER_REPORT = 10

ADVERSE_EVENT_LEAD_DAYS = 30
"""How many days before a course's first planned session an adverse event of that course may
be dated: a DESIGN tolerance, not a clinical fact. It covers the visits that precede the
first session (safety screen, motor-threshold hunt, test stimulation), whose events are
reported against the course; an event dated earlier belongs to no TMS course of this plan
(most often a mistyped year) and is refused naming the earliest date allowed."""


def check_not_before_course(
    day: date,
    *,
    field: str,
    course_start: date,
    lead_days: int = ADVERSE_EVENT_LEAD_DAYS,
    issues: IssueCollector | None = None,
) -> None:
    """Refuse a course event dated more than ``lead_days`` before the course's start.

    Raised at once, or added to ``issues`` when the caller collects every issue.

    Examples
    --------
    >>> check_not_before_course(date(2025, 1, 1), field="occurred_on",
    ...                         course_start=date(2025, 1, 20))
    >>> check_not_before_course(date(2022, 1, 1), field="occurred_on",
    ...                         course_start=date(2025, 1, 20))
    Traceback (most recent call last):
    ...
    trdcare.core.errors.InvalidInput: occurred_on: is before this TMS course (allowed: on or \
after 2024-12-21, 30 days before the course's first session on 2025-01-20; given: 2022-01-01)
    """
    earliest = course_start - timedelta(days=lead_days)
    if day >= earliest:
        return
    message = "is before this TMS course"
    allowed = (
        f"on or after {earliest.isoformat()}, {lead_days} days before the course's first "
        f"session on {course_start.isoformat()}"
    )
    if issues is None:
        raise InvalidInput.single(field, message, allowed=allowed, given=day)
    issues.add(field, message, allowed=allowed, given=day)


def adverse_event_report(
    data: Mapping[str, Any],
    *,
    today: date,
    born_on: date | None = None,
    course_start: date | None = None,
) -> AdverseEventReport:
    """Validate a report of adverse events outside a session (every issue collected).

    Raises
    ------
    InvalidInput
        ``occurred_on`` missing, not a date, after ``today``, before the patient was born
        (``born_on``) or more than :data:`ADVERSE_EVENT_LEAD_DAYS` before the course's
        first session (``course_start``); no event or more than
        :data:`MAX_EVENTS_PER_REPORT`; an invalid event (see :func:`adverse_event`).
    """
    issues = IssueCollector()
    occurred_on = data.get("occurred_on")
    if not isinstance(occurred_on, date):
        issues.add("occurred_on", "is required", allowed="a date", given=occurred_on)
    elif occurred_on > today:
        issues.add(
            "occurred_on",
            "is in the future",
            allowed=f"on or before {today.isoformat()}",
            given=occurred_on.isoformat(),
        )
    else:
        if born_on is not None:
            not_before_birth(occurred_on, field="occurred_on", born_on=born_on, issues=issues)
        if course_start is not None:
            check_not_before_course(
                occurred_on, field="occurred_on", course_start=course_start, issues=issues
            )
    raws = data.get("adverse_events") or ()
    if not isinstance(raws, Sequence) or isinstance(raws, str):
        issues.add("adverse_events", "must be a list", given=raws)
        raws = ()
    elif not 1 <= len(raws) <= MAX_EVENTS_PER_REPORT:
        issues.add(
            "adverse_events",
            "wrong number of events",
            allowed=f"1 to {MAX_EVENTS_PER_REPORT}",
            given=len(raws),
        )
    events = _adverse_events(raws, issues)
    issues.raise_if_any()
    return AdverseEventReport(cast(date, occurred_on), tuple(events))


def report_adverse_events(state: CourseState, report: AdverseEventReport) -> Transition:
    """Apply adverse events reported outside a session to the course.

    A serious event pauses an active course until a physician review, exactly as one
    logged with a session does [2]_; a paused course stays paused (its review now has
    this event to weigh too). A completed or stopped course does not change: the event is
    recorded against it, and the reason says a physician must be told. A non-serious
    event changes nothing. Every case returns a reason, so the record says what it did.
    """
    kinds = ", ".join(e.kind for e in report.events)
    when = report.occurred_on.isoformat()
    inputs: JSONDict = {"status": state.status, **report.to_dict()}
    serious = [e for e in report.events if e.serious]
    if not serious:
        return Transition(
            state,
            (
                Reason(
                    rule="adverse_event_recorded",
                    finding=f"adverse event on {when} recorded ({kinds}); not serious: "
                    "the course continues",
                    inputs=inputs,
                    sources=(_design("issue #3 item 6"),),
                ),
            ),
        )
    serious_kinds = ", ".join(e.kind for e in serious)
    srcs = (
        *(adverse_event_kinds()[e.kind].source for e in serious),
        source("taylor2021", "VERIFIED", where="tms.md §2.2", tag="[V]"),
    )
    if state.status in ("planned", "active"):
        new = replace(
            state,
            status="paused",
            review_required=True,
            pause_reason=f"serious adverse event on {when}, outside a session: {serious_kinds}",
        )
        finding = (
            f"serious adverse event on {when} ({serious_kinds}): the course is paused and a "
            "physician must review it before the next session"
        )
        rule = "serious_adverse_event_pause"
    elif state.status == "paused":
        new = replace(state, review_required=True)
        finding = (
            f"serious adverse event on {when} ({serious_kinds}): the course stays paused; "
            "the physician's review must weigh this event too"
        )
        rule = "serious_adverse_event_while_paused"
    else:
        new = state
        finding = (
            f"serious adverse event on {when} ({serious_kinds}) after the course was "
            f"{state.status}: recorded; tell the responsible physician"
        )
        rule = "serious_adverse_event_after_course"
    return Transition(new, (Reason(rule=rule, finding=finding, inputs=inputs, sources=srcs),))


ReviewDecision = Literal["resume", "stop"]


@dataclass(frozen=True, slots=True)
class PhysicianReview:
    """A physician's review of a paused course."""

    physician: str
    decision: ReviewDecision
    note: str

    def to_dict(self) -> JSONDict:
        return {"physician": self.physician, "decision": self.decision, "note": self.note}


def review_pause(state: CourseState, review: PhysicianReview) -> Transition:
    """Resume or stop a paused course after a physician review.

    Raises
    ------
    Conflict
        The course is not paused.
    InvalidInput
        No physician, an unknown decision or an empty note.
    """
    issues = IssueCollector()
    if not review.physician.strip():
        issues.add(
            "physician", "is required", allowed="the reviewing physician", given=review.physician
        )
    if review.decision not in ("resume", "stop"):
        issues.add("decision", "unknown decision", allowed="resume, stop", given=review.decision)
    if not review.note.strip():
        issues.add("note", "is required", allowed="the review's findings", given=review.note)
    issues.raise_if_any()
    if state.status != "paused":
        raise Conflict(f"the course is {state.status}, not paused: there is nothing to review")
    if review.decision == "resume":
        status: CourseStatus = (
            "completed" if state.delivered_sessions >= state.planned_sessions else "active"
        )
    else:
        status = "stopped"
    new = replace(state, status=status, review_required=False, pause_reason=None)
    reason = Reason(
        rule="physician_review",
        finding=f"{review.physician} reviewed the pause and decided to {review.decision}: "
        f"{review.note}",
        inputs={"review": review.to_dict(), "was": state.pause_reason},
        sources=(_design("issue #3 item 6"),),
    )
    return Transition(new, (reason,))


def pause_course(state: CourseState, reason: str) -> Transition:
    """Pause an active course by hand (physician review needed to resume)."""
    if state.status != "active":
        raise Conflict(f"the course is {state.status}: only an active course can be paused")
    if not reason.strip():
        raise InvalidInput.single(
            "reason", "is required", allowed="why the course is paused", given=reason
        )
    new = replace(state, status="paused", review_required=True, pause_reason=reason)
    return Transition(
        new,
        (
            Reason(
                rule="manual_pause",
                finding=f"paused: {reason}",
                inputs={"reason": reason},
                sources=(_design("issue #3 item 6"),),
            ),
        ),
    )


def change_planned_sessions(state: CourseState, planned_sessions: int, *, why: str) -> Transition:
    """Change the planned count (extend, or begin the taper early) after a decision.

    Raises
    ------
    Conflict
        The course is stopped, or the new count is below the sessions already delivered.
    """
    if state.status == "stopped":
        raise Conflict("the course is stopped")
    if planned_sessions < max(1, state.delivered_sessions):
        raise InvalidInput.single(
            "planned_sessions",
            "is below the sessions already delivered",
            allowed=f">= {max(1, state.delivered_sessions)}",
            given=planned_sessions,
        )
    status: CourseStatus = state.status
    if state.status == "completed" and planned_sessions > state.delivered_sessions:
        status = "active"
    elif state.status == "active" and planned_sessions == state.delivered_sessions:
        status = "completed"
    new = replace(state, planned_sessions=planned_sessions, status=status)
    return Transition(
        new,
        (
            Reason(
                rule="planned_sessions_changed",
                finding=f"planned sessions {state.planned_sessions} -> {planned_sessions}: {why}",
                inputs={"from": state.planned_sessions, "to": planned_sessions},
                sources=(_design("issue #3 item 7"),),
            ),
        ),
    )


def _finding_design() -> Source:
    return _design("issue #14 item 10: cancel, stop, entered in error")


def cancel_course(state: CourseState, reason: str) -> Transition:
    """Cancel a course before its first session (planned in error, or not going ahead).

    Cancelling is for a course in which no session was given: it leaves the patient's
    courses (the outcome and the caseload do not count it) and another can be planned. A
    course with sessions given is *stopped* instead (:func:`stop_course`): it ended early
    but happened, and its sessions and ratings stay part of its outcome.

    Raises
    ------
    Conflict
        A session was already given, or the course is completed, stopped or cancelled.
    """
    if state.status in ("completed", "stopped", "cancelled"):
        raise Conflict(f"the course is {state.status}: it cannot be cancelled")
    if state.delivered_sessions > 0:
        raise Conflict(
            f"{state.delivered_sessions} session(s) of this course were given: a course that "
            "began is stopped, not cancelled (stop it with a reason)"
        )
    new = replace(state, status="cancelled", review_required=False, pause_reason=None)
    return Transition(
        new,
        (
            Reason(
                rule="course_cancelled",
                finding=f"course cancelled before its first session: {reason}",
                inputs={"was": state.status, "reason": reason},
                sources=(_finding_design(),),
            ),
        ),
    )


def stop_course(state: CourseState, reason: str) -> Transition:
    """Stop a course that began, before its planned end (a physician's decision).

    Its sessions stay delivered and count; the undelivered ones are dropped. A paused
    course may be stopped too (its serious adverse events stay alerts until a physician
    acknowledges them).

    Raises
    ------
    Conflict
        No session was given yet (cancel it instead), or the course is completed, stopped
        or cancelled.
    """
    if state.status in ("completed", "stopped", "cancelled"):
        raise Conflict(f"the course is {state.status}: it cannot be stopped")
    if state.delivered_sessions == 0:
        raise Conflict(
            "no session of this course was given: a course that has not begun is cancelled, "
            "not stopped (cancel it with a reason)"
        )
    new = replace(
        state,
        status="stopped",
        planned_sessions=state.delivered_sessions,
        review_required=False,
        pause_reason=None,
    )
    return Transition(
        new,
        (
            Reason(
                rule="course_stopped",
                finding=f"course stopped after {state.delivered_sessions} of "
                f"{state.planned_sessions} sessions: {reason}",
                inputs={"was": state.status, "reason": reason},
                sources=(_finding_design(),),
            ),
        ),
    )


def retract_session(state: CourseState, session_number: int) -> Transition:
    """Take back a session log entered in error: it no longer counts as given.

    Only the latest session given can be taken back: the session numbers are the course's
    sequence (its decision points and calendar count them), and taking one back from the
    middle would leave a hole that the count and the calendar could not both honour. To
    take back an earlier one, take back the later ones first (each with its reason), or
    correct its details instead.

    A completed course becomes active again (its last session is owed); a paused, stopped
    or cancelled course keeps its status.

    Raises
    ------
    Conflict
        ``session_number`` is not the latest session given.
    """
    if session_number != state.delivered_sessions:
        raise Conflict(
            f"session {session_number} is not the latest session given "
            f"({state.delivered_sessions}): only the latest can be marked entered in error "
            "(mark the later ones first, or correct this one's details)"
        )
    status: CourseStatus = "active" if state.status == "completed" else state.status
    new = replace(state, delivered_sessions=state.delivered_sessions - 1, status=status)
    return Transition(
        new,
        (
            Reason(
                rule="session_entered_in_error",
                finding=f"session {session_number} marked entered in error: it no longer "
                "counts as given",
                inputs={"session_number": session_number, "was": state.status},
                sources=(_finding_design(),),
            ),
        ),
    )


def side_effect_labels(ids: Sequence[str]) -> tuple[str, ...]:
    """Labels of side-effect ids (unknown ids are returned as given)."""
    known = common_side_effects()
    return tuple(known[i][0] if i in known else i for i in ids)
