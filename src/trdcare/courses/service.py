"""Use cases every treatment course shares (issue 10 item 6), for the therapy rooms.

The service API a therapy room calls (docs/architecture.md, "Treatment courses: the shared
service API"); every function takes the room's ``TreatmentCourse`` row (made with
:func:`trdcare.history.service.add_course`, any modality but TMS, whose room keeps its own
adverse events):

* :func:`require_deliverable` before delivering anything (a session, a dose, a programming
  visit): a paused, stopped or finished course is refused with a 409 in plain words.
* :func:`report_adverse_event` for an event seen in a session or reported later; a serious
  one pauses the course until a physician's :func:`review_pause` (resume or stop).
* :func:`open_alerts_for` for a patient's open alerts (``serious_adverse_event``,
  ``course_paused``); the caseload dashboard already shows them (``courses.pages``).

Flushes, never commits (the CLI command or the web request commits once); every read and
write of patient data is audited. Each check-then-write takes the patient's row lock first
(:func:`trdcare.adapters.db.locking.lock_patient`), so of two simultaneous reviews of one
pause one wins and the other is told the course is no longer paused (409).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from trdcare.accounts.domain.permissions import SAFETY_FLAG_ROLES, may_change_record
from trdcare.adapters.db.locking import lock_patient
from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.adapters.db.models.courses import CourseAdverseEvent, CoursePause
from trdcare.adapters.db.stamping import (
    VersionEntry,
    claim_next_version,
    correct_row,
    retire_row,
    snapshot,
    stamp_new,
    version_history,
)
from trdcare.assessments.domain import CourseVerdict, ScorePoint, course_verdict
from trdcare.assessments.repository import AssessmentRepository
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_now, utc_today
from trdcare.core.corrections import correction_reason
from trdcare.core.errors import Conflict, InvalidInput, IssueCollector, NotFound, PermissionDenied
from trdcare.courses.domain import (
    NOTE_MIN_CHARS,
    OWN_ROOM_MODALITIES,
    AdverseEvent,
    Transition,
    adverse_event,
    catalogue_version,
    catalogued_modalities,
    delivery_refusal,
    kinds_for,
    on_adverse_event,
    pause_reason,
)
from trdcare.courses.domain import review_pause as review_pause_rule
from trdcare.courses.repository import CoursesRepository
from trdcare.history import service as history_service
from trdcare.history.repository import HistoryRepository

#: Alert codes this room raises (labels and urgency: ``assessments.pages.ALERT_LABELS``,
#: ``assessments.service.URGENT_ALERTS``).
ALERT_SERIOUS = "serious_adverse_event"
ALERT_PAUSED = "course_paused"
PHYSICIAN_NAME_MAX_CHARS = 120
NOTE_MAX_CHARS = 2000
DELIVERY_REF_MAX_CHARS = 80


@dataclass(frozen=True, slots=True)
class ReportedEvent:
    """What :func:`report_adverse_event` recorded: the event, what it did to the course,
    and the pause it opened (None: no new pause)."""

    event: CourseAdverseEvent
    transition: Transition
    pause: CoursePause | None

    @property
    def paused(self) -> bool:
        return self.pause is not None


@dataclass(frozen=True, slots=True)
class CourseAlert:
    """One open alert of a course: ``serious_adverse_event`` or ``course_paused``."""

    patient_ref: str
    course_ref: str
    modality: str
    code: str


# -------------------------------------------------------------------------------------------
# Which course


def is_shared_course(course: TreatmentCourse) -> bool:
    """Whether this room keeps the course's adverse events (every modality but TMS)."""
    return course.modality not in OWN_ROOM_MODALITIES


def _check_course(patient: Patient, course: TreatmentCourse) -> None:
    if course.patient_id != patient.id:
        raise NotFound("course: no such course for this patient")
    if not is_shared_course(course):
        raise Conflict(
            f"course {course.ref} is a TMS course: its adverse events, pauses and reviews "
            "are on its TMS page"
        )


def _course_to_change(session: Session, patient: Patient, course: TreatmentCourse) -> None:
    """Lock the patient (check-then-write), then check the course as it is now."""
    lock_patient(session, patient.id)
    _check_course(patient, course)
    if course.retired_at is not None:
        raise Conflict(
            f"course {course.ref} was {course.retired_reason or 'entered in error'}: nothing "
            "more is recorded in it"
        )


def courses_of(session: Session, actor: Actor, patient: Patient) -> list[TreatmentCourse]:
    """The patient's current non-TMS courses, latest first (audited read)."""
    rows = [c for c in HistoryRepository(session).courses(patient.id) if is_shared_course(c)]
    audit.record(
        session,
        actor,
        "read",
        "course_list",
        patient_ref=patient.ref,
        detail={"count": len(rows), "room": "courses"},
    )
    return rows


def course_of(session: Session, patient: Patient, course_ref: str) -> TreatmentCourse:
    """The patient's current non-TMS course with this ref.

    Raises
    ------
    NotFound
        No current course with this ref for this patient.
    Conflict
        A TMS course (its own room records its events).
    """
    course = HistoryRepository(session).course_by_ref(patient.id, course_ref)
    if course is None:
        raise NotFound("course: no current course with this ref for this patient")
    _check_course(patient, course)
    return course


# -------------------------------------------------------------------------------------------
# The service API of the therapy rooms


def require_deliverable(session: Session, course: TreatmentCourse) -> None:
    """Refuse to deliver anything in a course that is not active (call it first).

    A therapy room calls this before recording a session, a dose or a programming visit,
    after taking the patient's lock (:func:`~trdcare.adapters.db.locking.lock_patient`) if
    it checks and writes.

    Raises
    ------
    Conflict
        (409) The course is paused after a serious adverse event (the message names the
        pause and that a physician must review it), stopped or completed, or was entered in
        error; or it is a TMS course.
    """
    if not is_shared_course(course):
        raise Conflict(
            f"course {course.ref} is a TMS course: its sessions are logged on its TMS page"
        )
    if course.retired_at is not None:
        raise Conflict(
            f"The {course.modality} course {course.ref} was "
            f"{course.retired_reason or 'entered in error'}: nothing is delivered in it."
        )
    refusal = delivery_refusal(course.status)
    if refusal is None:
        return
    if course.status == "paused":
        pause = CoursesRepository(session).open_pause(course.id)
        since = f" since {pause.paused_at:%Y-%m-%d %H:%M} UTC ({pause.reason})" if pause else ""
        raise Conflict(
            f"The {course.modality} course {course.ref} is paused{since}. A physician must "
            "review the pause (resume or stop the course) before anything more is delivered."
        )
    raise Conflict(f"The {course.modality} course {course.ref} {refusal}.")


def report_adverse_event(
    session: Session,
    actor: Actor,
    patient: Patient,
    course: TreatmentCourse,
    *,
    kind: str,
    severity: str,
    occurred_on: date,
    serious_criteria: Iterable[str] = (),
    description: str = "",
    delivery_ref: str | None = None,
) -> ReportedEvent:
    """Record an adverse event of ``course``; a serious one pauses an active course.

    Parameters
    ----------
    kind : str
        A kind of the course's modality (:func:`trdcare.courses.domain.kinds_for`).
    severity : str
        ``mild``, ``moderate`` or ``severe`` (intensity; not seriousness).
    occurred_on : date
        Not in the future, not before the course's start or the patient's birth.
    serious_criteria : iterable of str
        The serious criteria met (``death``, ``life_threatening``, ``hospitalisation``,
        ``disability``, ``congenital_anomaly``, ``important_medical_event``); none: not
        serious, unless the kind is always serious.
    description : str
        What happened (required for the ``other`` kind).
    delivery_ref : str, optional
        The room's own record it was seen in, e.g. ``"esketamine_session:12"``.

    Returns
    -------
    ReportedEvent
        The stored event, what it did to the course, and the pause it opened.

    Raises
    ------
    InvalidInput
        Every bad field at once (422 / exit 2), nothing written.
    NotFound, Conflict
        Not the patient's course; a TMS course; a course entered in error.
    """
    ref = (delivery_ref or "").strip() or None
    if ref is not None and len(ref) > DELIVERY_REF_MAX_CHARS:
        raise InvalidInput.single(
            "delivery_ref",
            "is too long",
            allowed=f"at most {DELIVERY_REF_MAX_CHARS} characters",
            given=f"{len(ref)} characters",
        )
    _course_to_change(session, patient, course)
    built = adverse_event(
        course.modality,
        kind=kind,
        severity=severity,
        occurred_on=occurred_on,
        today=utc_today(),
        serious_criteria_given=serious_criteria,
        description=description,
        born_on=patient.birth_date,
        course_start=course.start_date,
    )
    status = course.status if course.status in ("active", "paused", "completed") else "stopped"
    transition = on_adverse_event(status, course.modality, built)  # type: ignore[arg-type]
    row = _event_row(actor, patient, course, built, ref)
    repo = CoursesRepository(session)
    repo.add(row)
    pause = None
    if transition.paused:
        pause = CoursePause(
            course_id=course.id,
            patient_id=patient.id,
            event_id=row.id,
            paused_at=utc_now(),
            reason=pause_reason(course.modality, built),
        )
        stamp_new(pause, actor)
        repo.add(pause)
        history_service.set_course_status(
            session, actor, course, "paused", on=utc_today(), reason=pause.reason
        )
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "course_adverse_event",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={
            "course": course.ref,
            "kind": row.kind,
            "serious": row.serious,
            "paused": pause is not None,
        },
    )
    return ReportedEvent(row, transition, pause)


def _event_row(
    actor: Actor,
    patient: Patient,
    course: TreatmentCourse,
    built: AdverseEvent,
    delivery_ref: str | None,
) -> CourseAdverseEvent:
    row = CourseAdverseEvent(
        course_id=course.id,
        patient_id=patient.id,
        occurred_on=built.occurred_on,
        kind=built.kind,
        severity=built.severity,
        serious=built.serious,
        serious_criteria=list(built.serious_criteria),
        criteria_added=list(built.criteria_added),
        description=built.description,
        delivery_ref=delivery_ref,
        catalogue_version=catalogue_version(),
    )
    stamp_new(row, actor)
    return row


def _physician_and_note(physician: str, note: str) -> tuple[str, str]:
    issues = IssueCollector()
    name = physician.strip()
    if not name or len(name) > PHYSICIAN_NAME_MAX_CHARS:
        issues.add(
            "physician",
            "is required" if not name else "is too long",
            allowed=f"the reviewing physician's name (at most {PHYSICIAN_NAME_MAX_CHARS} "
            "characters)",
            given=f"{len(name)} characters" if name else None,
        )
    text = note.strip()
    if len(text) < NOTE_MIN_CHARS or len(text) > NOTE_MAX_CHARS:
        issues.add(
            "note",
            "is required: say what was reviewed and why this decision"
            if len(text) < NOTE_MIN_CHARS
            else "is too long",
            allowed=f"{NOTE_MIN_CHARS} to {NOTE_MAX_CHARS} characters",
            given=f"{len(text)} characters" if text else None,
        )
    issues.raise_if_any()
    return name, text


def _acknowledge(
    session: Session, actor: Actor, course: TreatmentCourse, *, by: str, note: str
) -> list[CourseAdverseEvent]:
    events = CoursesRepository(session).unacknowledged_serious(course.id)
    now = utc_now()
    for e in events:
        snapshot(session, e, actor, "serious adverse event acknowledged")
        e.acknowledged_at = now
        e.acknowledged_by = by
        e.acknowledgement_note = note
    return events


def acknowledge_adverse_events(
    session: Session,
    actor: Actor,
    patient: Patient,
    course: TreatmentCourse,
    *,
    physician: str,
    note: str,
) -> list[CourseAdverseEvent]:
    """A physician acknowledges the course's serious adverse events not yet reviewed (e.g.
    one reported after the course ended): the dashboard alert ends, the record stays.

    A paused course stays paused: resuming it is the pause review's decision.

    Raises
    ------
    InvalidInput
        No physician, or no note.
    Conflict
        No serious adverse event of the course awaits acknowledgement (a second,
        simultaneous acknowledgement lands here).
    """
    name, text = _physician_and_note(physician, note)
    _course_to_change(session, patient, course)
    events = _acknowledge(session, actor, course, by=name, note=text)
    if not events:
        raise Conflict(
            f"No serious adverse event of course {course.ref} awaits acknowledgement "
            "(it may have been acknowledged a moment ago)."
        )
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "course_adverse_event",
        entity_id=events[0].id,
        patient_ref=patient.ref,
        detail={"course": course.ref, "acknowledged": len(events)},
    )
    return events


def review_pause(
    session: Session,
    actor: Actor,
    patient: Patient,
    course: TreatmentCourse,
    *,
    physician: str,
    decision: str,
    note: str,
) -> tuple[CoursePause, Transition]:
    """A physician's review of a paused course: ``resume`` (active again) or ``stop``,
    with a note; who, when and why are kept on the pause. The review acknowledges the
    course's serious adverse events (it weighed them).

    Raises
    ------
    InvalidInput
        No physician, no note, or a decision other than resume / stop.
    Conflict
        The course is not paused (of two simultaneous reviews, the second lands here).
    """
    name, text = _physician_and_note(physician, note)
    _course_to_change(session, patient, course)
    transition = review_pause_rule(course.status, decision)  # type: ignore[arg-type]
    repo = CoursesRepository(session)
    pause = repo.open_pause(course.id)
    if pause is None:
        raise Conflict(f"course {course.ref} is paused but no pause record is open")
    snapshot(session, pause, actor, f"pause review: {decision}")
    pause.decision = decision
    pause.reviewed_by = name
    pause.reviewed_at = utc_now()
    pause.review_note = text
    _acknowledge(session, actor, course, by=name, note=f"pause review ({decision}): {text}")
    history_service.set_course_status(
        session,
        actor,
        course,
        transition.after,
        on=utc_today(),
        reason=f"pause review by {name}: {decision}: {text}"[:500],
    )
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "course_pause",
        entity_id=pause.id,
        patient_ref=patient.ref,
        detail={"course": course.ref, "decision": decision},
    )
    return pause, transition


def open_alerts_for(
    session: Session, patient: Patient, *, actor: Actor | None = None
) -> list[CourseAlert]:
    """The patient's open course alerts: ``course_paused`` per paused course and
    ``serious_adverse_event`` per course with a serious event no physician has reviewed
    (whatever the course's status). TMS courses are the TMS room's (not counted here).

    Pass ``actor`` (the user the alerts are shown to): the read is then audited. Without
    it the caller audits its own read (e.g. inside a use case that already did).
    """
    alerts = [
        alert
        for row in CoursesRepository(session).caseload_rows(patient.id)
        for alert in _alerts_of(*row)
    ]
    if actor is not None:
        audit.record(
            session,
            actor,
            "read",
            "course_alerts",
            patient_ref=patient.ref,
            detail={"alerts": [a.code for a in alerts]},
        )
    return alerts


def _alerts_of(
    patient_ref: str, course_ref: str, modality: str, status: str, n_serious: int
) -> list[CourseAlert]:
    out = []
    if status == "paused":
        out.append(CourseAlert(patient_ref, course_ref, modality, ALERT_PAUSED))
    if n_serious:
        out.append(CourseAlert(patient_ref, course_ref, modality, ALERT_SERIOUS))
    return out


@dataclass(frozen=True, slots=True)
class CaseloadCourse:
    """A patient's ongoing (or alerting) non-TMS course, for the dashboard."""

    patient_ref: str
    course_ref: str
    modality: str
    status: str
    alerts: tuple[str, ...]


def caseload_alerts(session: Session, actor: Actor) -> dict[str, list[CourseAlert]]:
    """Every active patient's open course alerts in one query (audited): patient ref ->
    alerts. The dashboard's own provider shows them already; a room may read its own."""
    out: dict[str, list[CourseAlert]] = {}
    for row in CoursesRepository(session).caseload_rows():
        for alert in _alerts_of(*row):
            out.setdefault(alert.patient_ref, []).append(alert)
    audit.record(
        session,
        actor,
        "read",
        "course_caseload",
        detail={"patients": len(out), "patient_refs": sorted(out)},
    )
    return out


def caseload_courses(session: Session, actor: Actor) -> list[CaseloadCourse]:
    """Every active patient's ongoing non-TMS courses and those with an open alert, oldest
    first, in one query (the dashboard; audited)."""
    out = [
        CaseloadCourse(p, c, m, s, tuple(a.code for a in _alerts_of(p, c, m, s, n)))
        for p, c, m, s, n in CoursesRepository(session).caseload_rows()
    ]
    audit.record(
        session,
        actor,
        "read",
        "course_caseload",
        detail={"courses": len(out), "patient_refs": sorted({c.patient_ref for c in out})},
    )
    return out


# -------------------------------------------------------------------------------------------
# Reads


def adverse_events(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> list[CourseAdverseEvent]:
    """The course's current adverse events, in the order they occurred (audited read)."""
    _check_course(patient, course)
    rows = CoursesRepository(session).events(course.id)
    audit.record(
        session,
        actor,
        "read",
        "course_adverse_event_list",
        patient_ref=patient.ref,
        detail={"course": course.ref, "count": len(rows)},
    )
    return rows


def pauses(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> list[CoursePause]:
    """The course's pauses with their reviews, oldest first (audited read)."""
    _check_course(patient, course)
    rows = CoursesRepository(session).pauses(course.id)
    audit.record(
        session,
        actor,
        "read",
        "course_pause_list",
        patient_ref=patient.ref,
        detail={"course": course.ref, "count": len(rows)},
    )
    return rows


def course_outcome(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> CourseVerdict | None:
    """How the course went on its primary scale, by the one outcome rule
    (:func:`trdcare.assessments.domain.course_verdict`): baseline the last score on or
    before the course's start (else the first after it), latest the last score recorded
    while the course ran (up to its end date, if it ended). None: no complete score yet.
    """
    _check_course(patient, course)
    end = course.end_date
    points = [
        ScorePoint(on=a.administered_on, total=int(a.total))
        for a in AssessmentRepository(session).for_patient(patient.id, course.primary_scale)
        if a.complete and a.total is not None and (end is None or a.administered_on <= end)
    ]
    verdict = (
        course_verdict(course.primary_scale, points, course_start=course.start_date)
        if points
        else None
    )
    audit.record(
        session,
        actor,
        "read",
        "outcome",
        patient_ref=patient.ref,
        detail={"scale": course.primary_scale, "course": course.ref, "points": len(points)},
    )
    return verdict


# -------------------------------------------------------------------------------------------
# Corrections and entered-in-error (as the TMS room's adverse events)

#: What a correction may change.
AE_CORRECTABLE = ("kind", "severity", "serious_criteria", "description", "occurred_on")


def _may_change(actor: Actor, as_role: str | None, entered_by: str, what: str) -> None:
    if as_role is None:
        return
    if not may_change_record(
        as_role, "courses.correct", entered_by_self=entered_by == actor.username
    ):
        raise PermissionDenied(
            f"{what} was recorded by someone else: a {as_role.replace('_', ' ')} corrects "
            "only what they recorded (a physician corrects anyone's)"
        )


def _physician_for_safety_flag(as_role: str | None, physician: str | None, what: str) -> str:
    """Who decides that a serious event goes or stops being serious: on the web the
    signed-in physician; on the command line the physician named with ``--physician``."""
    if as_role is not None:
        if as_role not in SAFETY_FLAG_ROLES:
            raise PermissionDenied(
                f"{what} is serious: only a physician may mark it entered in error or make it "
                "not serious"
            )
        return ""
    name = (physician or "").strip()
    if not name or len(name) > 60:
        raise InvalidInput.single(
            "physician",
            f"is required: {what} is serious, so a physician decides",
            allowed="the deciding physician's name (at most 60 characters)",
            given=f"{len(name)} characters" if name else None,
        )
    return f" (decided by {name})"


def _event_of(session: Session, patient: Patient, event_id: int) -> CourseAdverseEvent:
    event = CoursesRepository(session).event(patient.id, event_id)
    if event is None:
        raise NotFound(f"adverse event: no adverse event {event_id} in this patient's courses")
    return event


def _course_row(session: Session, event: CourseAdverseEvent) -> TreatmentCourse:
    course = session.get(TreatmentCourse, event.course_id)
    assert course is not None  # a foreign key
    return course


def correct_adverse_event(
    session: Session,
    actor: Actor,
    patient: Patient,
    event_id: int,
    changes: Mapping[str, Any],
    *,
    reason: str,
    expected_version: int | None = None,
    as_role: str | None = None,
    physician: str | None = None,
) -> tuple[CourseAdverseEvent, dict[str, tuple[Any, Any]], Transition | None]:
    """Correct an adverse event: a new version, the old one kept with who, when and why.

    Made serious, it acts as a serious event reported now (an active course pauses). Made
    not serious, it needs a physician (``physician``; ``as_role`` a physician on the web);
    a pause it caused stays until the physician's pause review.

    Raises
    ------
    InvalidInput
        No reason, an unknown field, an invalid event, or nothing changed.
    PermissionDenied
        Not one's own entry, or a serious event made not serious and not a physician.
    NotFound, Conflict
        No such event; changed or retired meanwhile.
    """
    issues = IssueCollector()
    why = correction_reason(reason, issues=issues)
    for key in sorted(set(changes) - set(AE_CORRECTABLE)):
        issues.add(key, "cannot be corrected", allowed=", ".join(AE_CORRECTABLE))
    issues.raise_if_any()
    lock_patient(session, patient.id)
    event = _event_of(session, patient, event_id)
    what = f"adverse event {event_id}"
    _may_change(actor, as_role, event.created_by, what)
    if event.retired_at is not None:
        claim_next_version(session, event, actor, why, what=what)  # raises: already retired
    course = _course_row(session, event)
    built = adverse_event(
        course.modality,
        kind=str(changes.get("kind", event.kind)),
        severity=str(changes.get("severity", event.severity)),
        occurred_on=changes.get("occurred_on", event.occurred_on),
        today=utc_today(),
        serious_criteria_given=changes.get("serious_criteria", event.serious_criteria) or (),
        description=str(changes.get("description", event.description) or ""),
        born_on=patient.birth_date,
        course_start=course.start_date,
    )
    decided_by = ""
    if event.serious and not built.serious:
        decided_by = _physician_for_safety_flag(as_role, physician, what)
    was_serious = event.serious
    changed = correct_row(
        session,
        event,
        actor,
        why + decided_by,
        {
            "kind": built.kind,
            "severity": built.severity,
            "serious": built.serious,
            "serious_criteria": list(built.serious_criteria),
            "criteria_added": list(built.criteria_added),
            "description": built.description,
            "occurred_on": built.occurred_on,
        },
        what=what,
        expected_version=expected_version,
    )
    if not changed:
        raise InvalidInput.single(
            "changes",
            "nothing to correct: every value is the one recorded",
            allowed="at least one changed detail",
        )
    transition = None
    if built.serious and not was_serious:
        # Now serious: as if reported now, so an active course pauses for a review; an
        # earlier acknowledgement does not cover it.
        event.acknowledged_at = event.acknowledged_by = event.acknowledgement_note = None
        status = course.status if course.status in ("active", "paused", "completed") else "stopped"
        transition = on_adverse_event(status, course.modality, built)  # type: ignore[arg-type]
        if transition.paused and course.retired_at is None:
            pause = CoursePause(
                course_id=course.id,
                patient_id=patient.id,
                event_id=event.id,
                paused_at=utc_now(),
                reason=pause_reason(course.modality, built),
            )
            stamp_new(pause, actor)
            CoursesRepository(session).add(pause)
            history_service.set_course_status(
                session, actor, course, "paused", on=utc_today(), reason=pause.reason
            )
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "course_adverse_event",
        entity_id=event.id,
        patient_ref=patient.ref,
        detail={"fields": sorted(changed), "serious": event.serious, "version": event.version},
    )
    return event, changed, transition


def retire_adverse_event(
    session: Session,
    actor: Actor,
    patient: Patient,
    event_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    as_role: str | None = None,
    physician: str | None = None,
) -> CourseAdverseEvent:
    """Mark an adverse event entered in error (kept, with who, when and why).

    A serious event needs a physician's decision. A pause it caused is not lifted: the
    course stays paused until the physician's pause review.

    Raises
    ------
    InvalidInput
        No reason, or no physician for a serious event.
    PermissionDenied
        Not one's own entry, or a serious event and not a physician.
    NotFound, Conflict
        No such event; already retired, or changed meanwhile.
    """
    why = correction_reason(reason)
    lock_patient(session, patient.id)
    event = _event_of(session, patient, event_id)
    what = f"adverse event {event_id}"
    _may_change(actor, as_role, event.created_by, what)
    decided_by = ""
    if event.serious and event.retired_at is None:
        decided_by = _physician_for_safety_flag(as_role, physician, what)
    retire_row(
        session, event, actor, why + decided_by, what=what, expected_version=expected_version
    )
    audit.record(
        session,
        actor,
        "retire",
        "course_adverse_event",
        entity_id=event.id,
        patient_ref=patient.ref,
        detail={"serious": event.serious, "physician_decided": event.serious},
    )
    return event


def adverse_event_versions(
    session: Session, actor: Actor, patient: Patient, event_id: int
) -> tuple[CourseAdverseEvent, list[VersionEntry]]:
    """An adverse event and its earlier versions (audited read)."""
    event = _event_of(session, patient, event_id)
    history = version_history(session, event)
    audit.record(
        session,
        actor,
        "read",
        "course_adverse_event_versions",
        entity_id=event.id,
        patient_ref=patient.ref,
        detail={"versions": len(history)},
    )
    return event, history


def retired_adverse_events(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> list[CourseAdverseEvent]:
    """The course's events marked entered in error (audited read)."""
    _check_course(patient, course)
    rows = CoursesRepository(session).retired_events(course.id)
    audit.record(
        session,
        actor,
        "read",
        "course_adverse_event_list",
        patient_ref=patient.ref,
        detail={"course": course.ref, "retired": len(rows)},
    )
    return rows


def kinds_of(course: TreatmentCourse) -> list[dict[str, Any]]:
    """The kinds a form offers for this course, with source and status (no patient data)."""
    return [k.to_dict() for k in kinds_for(course.modality).values()]


# -------------------------------------------------------------------------------------------
# Views (dictionaries the response models and the pages read)


def event_to_dict(course: TreatmentCourse, e: CourseAdverseEvent) -> dict[str, Any]:
    """One adverse event as the API and the pages show it, with its kind's label and mark."""
    kind = kinds_for(course.modality).get(e.kind)
    return {
        "id": e.id,
        "version": e.version,
        "course_ref": course.ref,
        "occurred_on": e.occurred_on,
        "kind": e.kind,
        "kind_label": kind.label if kind else e.kind,
        "kind_status": kind.source.status if kind else "UNVERIFIED",
        "severity": e.severity,
        "serious": e.serious,
        "serious_criteria": list(e.serious_criteria),
        "criteria_added": list(e.criteria_added),
        "description": e.description,
        "delivery_ref": e.delivery_ref,
        "catalogue_version": e.catalogue_version,
        "recorded_by": e.created_by,
        "recorded_at": e.created_at,
        "acknowledged_at": e.acknowledged_at,
        "acknowledged_by": e.acknowledged_by,
        "acknowledgement_note": e.acknowledgement_note,
        "retired_at": e.retired_at,
        "retired_reason": e.retired_reason,
    }


def pause_to_dict(p: CoursePause) -> dict[str, Any]:
    return {
        "id": p.id,
        "event_id": p.event_id,
        "paused_at": p.paused_at,
        "reason": p.reason,
        "decision": p.decision,
        "reviewed_by": p.reviewed_by,
        "reviewed_at": p.reviewed_at,
        "review_note": p.review_note,
    }


def verdict_to_dict(v: CourseVerdict) -> dict[str, Any]:
    return {
        "scale": v.scale_id,
        "baseline_total": v.baseline.total,
        "baseline_on": v.baseline.on,
        "baseline_after_course_start": v.baseline_after_course_start,
        "latest_total": v.latest.total,
        "latest_on": v.latest.on,
        "change": v.change,
        "percent_change": v.percent_change,
        "category": v.category,
        "response": v.response,
        "remission": v.remission,
    }


def course_view(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> dict[str, Any]:
    """The course as its safety page, the chart panel and the API show it (audited reads):
    status, whether it is deliverable, the open pause, alerts, events, pauses, outcome."""
    events = adverse_events(session, actor, patient, course)
    all_pauses = pauses(session, actor, patient, course)
    open_pause = next((p for p in reversed(all_pauses) if p.reviewed_at is None), None)
    verdict = course_outcome(session, actor, patient, course)
    try:
        require_deliverable(session, course)
        refusal = None
    except Conflict as exc:
        refusal = exc.message
    alerts = []
    if course.status == "paused":
        alerts.append(ALERT_PAUSED)
    if any(e.serious and e.acknowledged_at is None for e in events):
        alerts.append(ALERT_SERIOUS)
    return {
        "ref": course.ref,
        "modality": course.modality,
        "status": course.status,
        "start_date": course.start_date,
        "end_date": course.end_date,
        "primary_scale": course.primary_scale,
        "deliverable": refusal is None,
        "refusal": refusal,
        "open_pause": pause_to_dict(open_pause) if open_pause else None,
        "alerts": alerts,
        "adverse_events": [event_to_dict(course, e) for e in events],
        "pauses": [pause_to_dict(p) for p in all_pauses],
        "outcome": verdict_to_dict(verdict) if verdict else None,
    }


def course_status(session: Session, event: CourseAdverseEvent) -> str:
    """The status of the course an event belongs to (after a correction)."""
    return _course_row(session, event).status


def modality_labels() -> dict[str, str]:
    """How the clinic names each catalogued modality (the catalogue's labels), for rooms
    that list therapies across modalities (the care plan)."""
    return dict(catalogued_modalities())
