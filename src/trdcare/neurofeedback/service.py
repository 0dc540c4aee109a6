"""Use cases of the neurofeedback room: a session's summary stored on the patient's
neurofeedback course, and the course view (the learning curve beside the depression scores).

Flushes, never commits; every read and write of patient data is audited. A course paused
after a serious adverse event (the courses room) refuses new sessions until a physician's
review: :func:`check_deliverable` is called before a session starts and again when it is
stored.

A stored session is never deleted: one recorded in error (run on the wrong patient, say) is
marked entered in error with the reason (:func:`retire_session`); it is kept, with its EDF+
recording, and no longer counts in the learning curve, the session count, the session days
or the course report.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from trdcare.accounts.domain.permissions import may_change_record
from trdcare.adapters.db.locking import lock_patient
from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.adapters.db.models.neurofeedback import NfSession
from trdcare.adapters.db.stamping import retire_row, stamp_new
from trdcare.assessments.domain.outcomes import CourseVerdict
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_today
from trdcare.core.corrections import correction_reason
from trdcare.core.errors import InvalidInput, NotFound, PermissionDenied
from trdcare.courses import service as courses_service
from trdcare.history import service as history_service
from trdcare.neurofeedback.repository import NeurofeedbackRepository

#: A session number past the stored INTEGER range names no session (and PostgreSQL would
#: refuse the query).
MAX_NUMBER = 2**31 - 1


def check_deliverable(session: Session, patient: Patient) -> TreatmentCourse | None:
    """The ongoing neurofeedback course (None: one will be opened); refuse a course that is
    paused after a serious adverse event (409 naming the pause)."""
    course = NeurofeedbackRepository(session).ongoing_course(patient.id)
    if course is not None:
        courses_service.require_deliverable(session, course)
    return course


def start_live(
    session: Session, actor: Actor, patient: Patient, *, source: str, protocol: str
) -> TreatmentCourse | None:
    """A live session is about to start from the pages: refuse a paused course (as
    :func:`check_deliverable`) and audit the start (the summary is audited when stored)."""
    course = check_deliverable(session, patient)
    audit.record(
        session,
        actor,
        "create",
        "nf_live_session",
        patient_ref=patient.ref,
        detail={"source": source[:60], "protocol": protocol},
    )
    return course


def live_access(
    session: Session, actor: Actor, patient_ref: str, action: str, what: str, sid: str
) -> None:
    """Audit a read of a live session (its page, its display, its event stream) or its stop;
    the session is named by the first characters of its opaque id."""
    audit.record(
        session,
        actor,
        action,
        f"nf_live_{what}",
        patient_ref=patient_ref,
        detail={"live_session": sid[:6]},
    )


def record_session(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    started_at: datetime,
    header: dict[str, Any],
    summary: dict[str, Any],
    ended: str,
    recording: str,
    primary_scale: str = "phq9",
) -> tuple[NfSession, TreatmentCourse]:
    """Store a session's summary on the patient's ongoing neurofeedback course, opening one
    (start today, PHQ-9 as its primary scale unless said) when there is none."""
    lock_patient(session, patient.id)
    course = check_deliverable(session, patient)
    if course is None:
        course = history_service.add_course(
            session,
            actor,
            patient,
            modality="neurofeedback",
            start_date=min(started_at.date(), utc_today()),
            primary_scale=primary_scale,
        )
    repo = NeurofeedbackRepository(session)
    protocol = header.get("protocol") or {}
    row = NfSession(
        patient_id=patient.id,
        treatment_course_id=course.id,
        session_number=repo.next_number(course.id),
        started_at=started_at,
        source=str(header.get("source", ""))[:200],
        protocol_kind=str(protocol.get("kind", ""))[:20],
        ended=ended[:40],
        duration_s=float(summary.get("duration_s") or 0.0),
        mean_feature=summary.get("mean_feature"),
        pct_time_rewarded=summary.get("pct_time_rewarded"),
        pct_artifact=summary.get("pct_artifact"),
        threshold=summary.get("threshold"),
        recording=recording[:1000],
        header=header,
        summary=summary,
    )
    stamp_new(row, actor)
    repo.add(row)
    audit.record(
        session,
        actor,
        "create",
        "nf_session",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"course": course.ref, "session_number": row.session_number, "ended": ended},
    )
    return row, course


def session_to_dict(row: NfSession, course: TreatmentCourse) -> dict[str, Any]:
    return {
        "course": course.ref,
        "session_number": row.session_number,
        "version": row.version,
        "started_at": row.started_at.isoformat(),
        "source": row.source,
        "protocol": row.protocol_kind,
        "ended": row.ended,
        "duration_s": row.duration_s,
        "mean_feature": row.mean_feature,
        "pct_time_rewarded": row.pct_time_rewarded,
        "pct_artifact": row.pct_artifact,
        "threshold": row.threshold,
        "recording": row.recording,
        # per-block stats (issue 11 item 3), as the session's summary stored them
        "blocks": list((row.summary or {}).get("blocks") or []),
    }


def course_view(session: Session, actor: Actor, patient: Patient) -> dict[str, Any]:
    """Each neurofeedback course with its sessions in order (the learning curve: mean
    feature, % time rewarded, % artifact per session) and the depression scores recorded
    while it ran, with the outcome rule's verdict on its primary scale."""
    from trdcare.assessments.repository import AssessmentRepository

    repo = NeurofeedbackRepository(session)
    pairs = repo.sessions(patient.id)
    retired = repo.retired(patient.id)
    out = []
    for course in nf_courses(session, actor, patient, pairs + retired):
        end: date | None = course.end_date
        scores = [
            {"on": a.administered_on.isoformat(), "scale": a.scale_id, "total": a.total}
            for a in AssessmentRepository(session).for_patient(patient.id, course.primary_scale)
            if a.complete and a.total is not None and (end is None or a.administered_on <= end)
        ]
        verdict = courses_service.course_outcome(session, actor, patient, course)
        out.append(
            {
                "course": course.ref,
                "status": course.status,
                "start_date": course.start_date.isoformat(),
                "end_date": end.isoformat() if end else None,
                "primary_scale": course.primary_scale,
                "sessions": [session_to_dict(s, c) for s, c in pairs if c.id == course.id],
                "entered_in_error": [
                    retired_to_dict(s, c) for s, c in retired if c.id == course.id
                ],
                "scores": scores,
                "outcome": None if verdict is None else _verdict(verdict),
            }
        )
    audit.record(
        session,
        actor,
        "read",
        "nf_course_view",
        patient_ref=patient.ref,
        detail={"courses": len(out), "sessions": len(pairs), "entered_in_error": len(retired)},
    )
    return {"patient": patient.ref, "courses": out}


#: How the room's pages mark neurofeedback for depression (course page and chart panel).
INVESTIGATIONAL_NOTE = (
    "Investigational for depression: the evidence for frontal alpha asymmetry training is "
    "small-sample and pilot-level."
)


def course_record(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> dict[str, Any]:
    """The sessions stored on the neurofeedback course ``course`` (current or earlier), in
    order, with the room's investigational note (audited read)."""
    pairs = NeurofeedbackRepository(session).sessions(patient.id)
    sessions = [session_to_dict(s, c) for s, c in pairs if c.id == course.id]
    audit.record(
        session,
        actor,
        "read",
        "nf_course",
        entity_id=course.id,
        patient_ref=patient.ref,
        detail={"sessions": len(sessions), "course": course.ref},
    )
    return {
        "course": course.ref,
        "investigational_note": INVESTIGATIONAL_NOTE,
        "sessions": sessions,
    }


def retired_to_dict(row: NfSession, course: TreatmentCourse) -> dict[str, Any]:
    """A session marked entered in error: which, when it ran, who marked it, when and why,
    and its recording (kept)."""
    return {
        "course": course.ref,
        "session_number": row.session_number,
        "version": row.version,
        "started_at": row.started_at.isoformat(),
        "recording": row.recording,
        "retired_at": row.retired_at.isoformat() if row.retired_at else None,
        "retired_by": row.retired_by or "",
        "retired_reason": row.retired_reason or "",
    }


def _session_numbered(
    session: Session, patient: Patient, number: int, course_ref: str | None
) -> tuple[NfSession, TreatmentCourse]:
    """The session ``number`` of the patient (on course ``course_ref`` when given): a current
    one before one entered in error (so that a second retirement is refused naming who made
    the first)."""
    found = (
        NeurofeedbackRepository(session).numbered(patient.id, number)
        if 1 <= number <= MAX_NUMBER
        else []
    )
    if course_ref is not None:
        found = [(s, c) for s, c in found if c.ref == course_ref]
    if not found:
        where = f"on course {course_ref}" if course_ref is not None else "for this patient"
        raise NotFound(f"session: no neurofeedback session {number} {where}")
    current = [(s, c) for s, c in found if s.retired_at is None]
    courses = sorted({c.ref for _, c in current})
    if len(courses) > 1:
        raise InvalidInput.single(
            "course",
            f"session {number} is on more than one neurofeedback course: name the course",
            allowed=", ".join(courses),
        )
    return current[0] if current else found[0]


def retire_session(
    session: Session,
    actor: Actor,
    patient: Patient,
    number: int,
    *,
    reason: str,
    expected_version: int | None = None,
    course_ref: str | None = None,
    as_role: str | None = None,
) -> tuple[NfSession, TreatmentCourse]:
    """Mark session ``number`` entered in error (e.g. run on the wrong patient): kept with
    who, when and why (its last version in ``record_versions``), never deleted; its EDF+
    recording is kept. It no longer counts in the learning curve, the session count, the
    session days or the course report.

    ``course_ref`` names the course when the number is on more than one of the patient's
    courses; ``as_role`` (web and API) limits a clinician to the sessions they recorded.

    Raises
    ------
    InvalidInput
        The reason is missing or too short or long; the number is on several courses and
        no course was named.
    NotFound
        No session with this number (on this course) for the patient.
    PermissionDenied
        A role limited to its own records, and someone else recorded the session.
    Conflict
        Already entered in error (naming who and when), or the version shown is not the
        session's (naming who changed it), or a concurrent retirement won.
    """
    why = correction_reason(reason)
    lock_patient(session, patient.id)
    row, course = _session_numbered(session, patient, number, course_ref)
    if as_role is not None and not may_change_record(
        as_role, "nf.correct", entered_by_self=row.created_by == actor.username
    ):
        raise PermissionDenied(
            f"session {number} was recorded by someone else: a {as_role.replace('_', ' ')} "
            "marks only their own sessions entered in error (a physician anyone's)"
        )
    retire_row(
        session,
        row,
        actor,
        why,
        what=f"session {number} of course {course.ref}",
        expected_version=expected_version,
    )
    audit.record(
        session,
        actor,
        "retire",
        "nf_session",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"course": course.ref, "session_number": number},
    )
    return row, course


def nf_courses(
    session: Session,
    actor: Actor,
    patient: Patient,
    pairs: list[tuple[NfSession, TreatmentCourse]] | None = None,
) -> list[TreatmentCourse]:
    """The patient's neurofeedback courses, oldest first (those with sessions, entered in
    error ones included, and those the history lists)."""
    if pairs is None:
        repo = NeurofeedbackRepository(session)
        pairs = repo.sessions(patient.id) + repo.retired(patient.id)
    courses: dict[int, TreatmentCourse] = {c.id: c for _, c in pairs}
    for c in history_service.list_courses(session, actor, patient):
        if c.modality == "neurofeedback":
            courses.setdefault(c.id, c)
    return sorted(courses.values(), key=lambda c: (c.start_date, c.id))


def session_dates(session: Session, patient: Patient) -> list[date]:
    """The days of the patient's neurofeedback sessions (ticks on the score chart); a session
    entered in error is left out."""
    return [s.started_at.date() for s, _ in NeurofeedbackRepository(session).sessions(patient.id)]


def _verdict(verdict: CourseVerdict) -> dict[str, Any]:
    return {
        "scale": verdict.scale_id,
        "baseline": {"on": verdict.baseline.on.isoformat(), "total": verdict.baseline.total},
        "latest": {"on": verdict.latest.on.isoformat(), "total": verdict.latest.total},
        "change": verdict.change,
        "percent_change": verdict.percent_change,
        "response": verdict.response,
        "remission": verdict.remission,
    }
