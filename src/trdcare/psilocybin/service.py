"""Psilocybin-assisted therapy use cases (RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY):
screen and enrol, review a screen that needs it, record preparation and integration
sessions, record a dosing day (washout checked against the record's medications, read
through the history room's service), its observations and discharge, close the enrolment,
retire a mistaken record.

Flushes, never commits; every read and write of patient data is audited; every use case
that checks an enrolment's state and changes it first takes the patient's row lock.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from trdcare.accounts.domain.permissions import may_change_record
from trdcare.adapters.db.locking import lock_patient
from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.adapters.db.models.psilocybin import (
    PsilocybinDosingDay,
    PsilocybinEnrolment,
    PsilocybinSession,
)
from trdcare.adapters.db.stamping import retire_row, stamp_new
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.checks import Interval, check_constraints, check_date_not_future, check_option
from trdcare.core.clock import not_before_birth, past_moment, utc_now, utc_today
from trdcare.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from trdcare.core.ids import new_ref
from trdcare.core.vitals import check_vital_signs
from trdcare.courses import service as courses_service
from trdcare.history import service as history_service
from trdcare.psilocybin.domain import (
    Medication,
    catalogue_version,
    check_dose,
    check_dosing_count,
    check_dosing_discharge,
    check_observation,
    check_preparation,
    load,
    restriction,
    screen,
    vitals_schedule,
    washout_check,
)
from trdcare.psilocybin.repository import OPEN_STATUSES, PsilocybinRepository

SESSION_KINDS = ("preparation", "integration")
REVIEW_DECISIONS = ("enrol", "decline")
CLOSE_STATUSES = ("completed", "stopped")
REVIEW_ROLES = frozenset({"physician"})
#: DESIGN bounds of a preparation or integration session's length (typing errors).
SESSION_LIMITS = {"duration_min": Interval(5, 600, unit="min", integer=True)}
MAX_ID = 2**31 - 1


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _enrolment(session: Session, patient: Patient) -> PsilocybinEnrolment:
    row = PsilocybinRepository(session).latest_enrolment(patient.id)
    if row is None:
        raise NotFound("enrolment: this patient has not been screened for a psilocybin protocol")
    return row


def _open(session: Session, patient: Patient, *statuses: str) -> PsilocybinEnrolment:
    row = _enrolment(session, patient)
    if row.status not in statuses:
        raise Conflict(
            f"enrolment: the psilocybin enrolment is {row.status}; this needs it to be "
            f"{' or '.join(statuses)}"
        )
    return row


def _deliverable(session: Session, row: PsilocybinEnrolment) -> None:
    """Refuse delivery while the course is paused after a serious adverse event (until a
    physician's review), stopped or finished (the shared course service decides)."""
    course = (
        None
        if row.treatment_course_id is None
        else session.get(TreatmentCourse, row.treatment_course_id)
    )
    if course is not None:
        courses_service.require_deliverable(session, course)


def _open_course(
    session: Session, actor: Actor, patient: Patient, row: PsilocybinEnrolment, start: date
) -> None:
    course = history_service.add_course(
        session,
        actor,
        patient,
        modality="psilocybin",
        start_date=start,
        primary_scale="madrs",
        planned_sessions=load().dose.max_dosing_sessions,
    )
    row.treatment_course_id = course.id
    row.status = "preparation"


def record_medications(
    session: Session, actor: Actor, patient: Patient, *, on: date
) -> list[Medication] | None:
    """The record's antidepressants and augmenting agents still taken or stopped within the
    longest washout before ``on`` (read through the history room's service, audited);
    ``None`` when no treatment history is recorded."""
    try:
        history = history_service.load_history(session, actor, patient, as_of=utc_today())
    except (NotFound, InvalidInput):
        return None
    horizon = on - timedelta(days=load().washout.max_days + 1)
    meds = [
        Medication(t.drug, "antidepressant", t.end)
        for t in history.antidepressant_trials
        if t.end is None or t.end >= horizon
    ]
    meds += [
        Medication(t.agent, "augmentation", t.end)
        for t in history.augmentation_trials
        if t.end is None or t.end >= horizon
    ]
    return meds


def washout_now(
    session: Session, actor: Actor, patient: Patient, row: PsilocybinEnrolment, *, on: date
) -> dict[str, Any]:
    meds = record_medications(session, actor, patient, on=on)
    if meds is None:
        return {
            "on": on.isoformat(),
            "washout_days": row.washout_days,
            "complete": False,
            "pending": [],
            "record": "no treatment history is recorded: the washout cannot be checked",
            "status": "UNVERIFIED",
            "reasons": [],
        }
    return {**washout_check(meds, on=on, washout_days=row.washout_days).to_dict(), "record": "ok"}


# -------------------------------------------------------------------------------------------
# Screening and enrolment


def screen_and_enrol(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    programme: str,
    protocol_id: str,
    protocol_name: str,
    answers: dict[str, bool | None],
    screened_by: str,
    screened_on: date | None = None,
    washout_days: float | None = None,
) -> PsilocybinEnrolment:
    """Screen against the exclusions; enrol (a treatment course, modality psilocybin) when
    eligible, keep the screen with status ``excluded`` or ``review`` otherwise.

    Raises
    ------
    InvalidInput
        An unanswered question, an unknown programme, a screening date in the future or
        before birth, a washout outside 0-90 days.
    Conflict
        An enrolment is already open.
    """
    lock_patient(session, patient.id)
    repo = PsilocybinRepository(session)
    current = repo.latest_enrolment(patient.id)
    if current is not None and current.status in OPEN_STATUSES:
        raise Conflict(
            f"enrolment: a psilocybin enrolment is already open ({current.status}); close it first"
        )
    day = screened_on or utc_today()
    check_date_not_future("screened_on", day, utc_today())
    not_before_birth(day, field="screened_on", born_on=patient.birth_date)
    result = screen(answers, programme_id=programme, age_years=_age_on(patient.birth_date, day))
    days = washout_check([], on=day, washout_days=washout_days).washout_days
    ref = new_ref("Y")
    while repo.ref_exists(ref):
        ref = new_ref("Y")
    row = PsilocybinEnrolment(
        ref=ref,
        patient_id=patient.id,
        programme=programme,
        protocol_id=protocol_id,
        protocol_name=protocol_name,
        screened_on=day,
        answers={k: bool(v) for k, v in answers.items()},
        screen=result.to_dict(),
        verdict=result.verdict,
        washout_days=days,
        status={"excluded": "excluded", "needs_review": "review"}.get(result.verdict, "screened"),
        screened_by=screened_by,
        catalogue_version=catalogue_version(),
    )
    stamp_new(row, actor)
    repo.add(row)
    if result.verdict == "eligible":
        _open_course(session, actor, patient, row, day)
        session.flush()
    audit.record(
        session,
        actor,
        "create",
        "psilocybin_enrolment",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"verdict": result.verdict, "programme": programme},
    )
    return row


def review_screen(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    decision: str,
    note: str,
    physician: str,
    as_role: str | None = None,
) -> PsilocybinEnrolment:
    """A physician weighs the UNVERIFIED findings of a screen against the protocol: enrol
    or decline (kept with who, when and the note)."""
    check_option("decision", decision, REVIEW_DECISIONS)
    if as_role is not None and as_role not in REVIEW_ROLES:
        raise PermissionDenied("a screen that needs review is decided by a physician")
    lock_patient(session, patient.id)
    row = _open(session, patient, "review")
    row.review_by = physician
    row.review_note = note
    if decision == "enrol":
        _open_course(session, actor, patient, row, utc_today())
    else:
        row.status = "declined"
    row.updated_at = utc_now()
    row.updated_by = actor.username
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "psilocybin_enrolment",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"review": decision},
    )
    return row


def close_enrolment(
    session: Session, actor: Actor, patient: Patient, *, status: str, reason: str
) -> PsilocybinEnrolment:
    """Complete or stop an enrolment (its course too); a dosing day not yet discharged
    stops it being closed."""
    check_option("status", status, CLOSE_STATUSES)
    lock_patient(session, patient.id)
    row = _open(session, patient, "preparation", "dosing", "integration")
    days = PsilocybinRepository(session).dosing_days(row.id)
    if any(d.discharged_at is None for d in days):
        raise Conflict("enrolment: a dosing day has not been discharged; discharge it first")
    if status == "completed" and not days:
        raise Conflict("enrolment: no dosing day is recorded; stop the enrolment instead")
    row.status = status
    row.stop_reason = reason
    course = history_service.find_course(session, patient, None)
    if course is not None and course.id == row.treatment_course_id:
        history_service.set_course_status(
            session, actor, course, status, on=utc_today(), reason=reason
        )
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "psilocybin_enrolment",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"status": status},
    )
    return row


# -------------------------------------------------------------------------------------------
# Preparation and integration sessions


def record_session(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    kind: str,
    facilitator: str,
    duration_min: float,
    held_at: datetime | None = None,
    note: str = "",
) -> PsilocybinSession:
    """Record a preparation (before dosing) or integration (after a dosing day) session."""
    check_option("kind", kind, SESSION_KINDS)
    check_constraints({"duration_min": duration_min}, SESSION_LIMITS)
    lock_patient(session, patient.id)
    row = _open(session, patient, "preparation", "dosing", "integration")
    if kind == "preparation":
        _deliverable(session, row)
    when = past_moment(held_at, field="held_at", now=utc_now(), born_on=patient.birth_date)
    if when.date() < row.screened_on:
        raise InvalidInput.single(
            "held_at",
            "is before the screening",
            allowed=f"on or after {row.screened_on.isoformat()}",
            given=when.date().isoformat(),
        )
    days = PsilocybinRepository(session).dosing_days(row.id)
    if kind == "integration":
        dosed = [d.administered_at for d in days]
        if not dosed or when <= min(dosed):
            raise InvalidInput.single(
                "held_at",
                "an integration session follows a dosing day",
                allowed="after the first dose" if dosed else "a dosing day recorded first",
                given=when.isoformat(),
            )
    entry = PsilocybinSession(
        enrolment_id=row.id,
        patient_id=patient.id,
        kind=kind,
        held_at=when,
        duration_min=int(duration_min),
        facilitator=facilitator,
        note=note,
    )
    stamp_new(entry, actor)
    PsilocybinRepository(session).add(entry)
    if (
        kind == "integration"
        and row.status == "dosing"
        and all(d.discharged_at is not None for d in days)
    ):
        row.status = "integration"
    audit.record(
        session,
        actor,
        "create",
        "psilocybin_session",
        entity_id=entry.id,
        patient_ref=patient.ref,
        detail={"kind": kind},
    )
    return entry


# -------------------------------------------------------------------------------------------
# Dosing day


def record_dosing_day(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    dose_mg: float,
    administered_by: str,
    monitored_by: str,
    support_person: str,
    predose_systolic_mmhg: float,
    predose_diastolic_mmhg: float,
    predose_pulse_bpm: float | None = None,
    predose_spo2_pct: float | None = None,
    administered_at: datetime | None = None,
    note: str = "",
) -> PsilocybinDosingDay:
    """Record the dose of a drug session, refusing it unless the protocol allows it now.

    Checked: an open enrolment; at most two drug sessions, the previous one discharged;
    the dose one of the protocol doses; a preparation session before it (and within 24 h
    to 90 days in the regulated programme); every antidepressant and augmenting agent of
    the record washed out; a named support person for the way home; baseline readings in
    the physiological ranges; the time not in the future nor before birth.
    """
    lock_patient(session, patient.id)
    row = _open(session, patient, "preparation", "dosing", "integration")
    _deliverable(session, row)
    repo = PsilocybinRepository(session)
    days = repo.dosing_days(row.id)
    if any(d.discharged_at is None for d in days):
        raise Conflict("dosing day: the previous dosing day has not been discharged")
    check_dosing_count(len(days))
    dose = check_dose(dose_mg)
    when = past_moment(
        administered_at, field="administered_at", now=utc_now(), born_on=patient.birth_date
    )
    if not support_person.strip():
        raise InvalidInput.single(
            "support_person",
            "is required: an identified support person takes the patient home",
            allowed="the support person's name",
        )
    vitals = check_vital_signs(
        prefix="predose_",
        systolic_mmhg=predose_systolic_mmhg,
        diastolic_mmhg=predose_diastolic_mmhg,
        pulse_bpm=predose_pulse_bpm,
        spo2_pct=predose_spo2_pct,
    )
    preparations = [s.held_at for s in repo.sessions(row.id) if s.kind == "preparation"]
    check_preparation(row.programme, preparations, when)
    washout = washout_now(session, actor, patient, row, on=when.date())
    if washout["record"] != "ok":
        raise InvalidInput.single(
            "washout",
            "no treatment history is recorded, so the washout cannot be checked against the "
            "record; record the current medications first",
            allowed="a recorded treatment history",
        )
    if not washout["complete"]:
        first = washout["pending"][0]
        raise InvalidInput.single(
            "washout",
            f"{first['text']} ({len(washout['pending'])} medication(s) not washed out; "
            f"washout {row.washout_days} days, UNVERIFIED length set per protocol)",
            allowed=f"every antidepressant and augmenting agent stopped at least "
            f"{row.washout_days} days before dosing",
            given=", ".join(str(p["name"]) for p in washout["pending"]),
        )
    entry = PsilocybinDosingDay(
        enrolment_id=row.id,
        patient_id=patient.id,
        number=max((d.number for d in days), default=0) + 1,
        dose_mg=dose,
        administered_at=when,
        administered_by=administered_by,
        monitored_by=monitored_by,
        support_person=support_person.strip(),
        predose=vitals.to_dict(),
        washout=washout,
        vitals_due=vitals_schedule(when),
        observations=[],
        discharge={},
        support_person_present=False,
        note=note,
    )
    stamp_new(entry, actor)
    repo.add(entry)
    row.status = "dosing"
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "psilocybin_dosing_day",
        entity_id=entry.id,
        patient_ref=patient.ref,
        detail={"number": entry.number},
    )
    return entry


def _dosing_day(session: Session, row: PsilocybinEnrolment, number: int) -> PsilocybinDosingDay:
    found = None
    if 1 <= number <= MAX_ID:
        found = next(
            (d for d in PsilocybinRepository(session).dosing_days(row.id) if d.number == number),
            None,
        )
    if found is None:
        raise NotFound(f"dosing day: no dosing day {number} in this enrolment")
    return found


def record_dosing_observation(
    session: Session,
    actor: Actor,
    patient: Patient,
    number: int,
    *,
    at: datetime | None = None,
    systolic_mmhg: float | None = None,
    diastolic_mmhg: float | None = None,
    pulse_bpm: float | None = None,
    spo2_pct: float | None = None,
    respiratory_rate_per_min: float | None = None,
    effects_present: bool = True,
    note: str = "",
    observed_by: str = "",
) -> PsilocybinDosingDay:
    """Add readings and whether the effects are still present to a dosing day."""
    lock_patient(session, patient.id)
    row = _enrolment(session, patient)
    day = _dosing_day(session, row, number)
    if day.discharged_at is not None:
        raise Conflict(f"dosing day: dosing day {number} has been discharged")
    when = past_moment(at, field="at", now=utc_now(), born_on=patient.birth_date)
    obs = check_observation(
        when,
        administered_at=day.administered_at,
        systolic_mmhg=systolic_mmhg,
        diastolic_mmhg=diastolic_mmhg,
        pulse_bpm=pulse_bpm,
        spo2_pct=spo2_pct,
        respiratory_rate_per_min=respiratory_rate_per_min,
        effects_present=effects_present,
        note=note,
    )
    entry = {**obs.to_dict(), "observed_by": observed_by or actor.username}
    day.observations = sorted([*day.observations, entry], key=lambda o: str(o["at"]))
    day.updated_at = utc_now()
    day.updated_by = actor.username
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "psilocybin_dosing_day",
        entity_id=day.id,
        patient_ref=patient.ref,
        detail={"number": number, "observation": True},
    )
    return day


def discharge_dosing_day(
    session: Session,
    actor: Actor,
    patient: Patient,
    number: int,
    *,
    signed_by: str,
    discharged_at: datetime | None,
    effects_resolved: bool,
    support_person_present: bool,
) -> PsilocybinDosingDay:
    """Discharge: 6 hours after the dose at the earliest, effects resolved, the support
    person present (else refused, nothing written)."""
    lock_patient(session, patient.id)
    row = _enrolment(session, patient)
    day = _dosing_day(session, row, number)
    if day.discharged_at is not None:
        raise Conflict(f"dosing day: dosing day {number} is already discharged")
    when = past_moment(
        discharged_at, field="discharged_at", now=utc_now(), born_on=patient.birth_date
    )
    result = check_dosing_discharge(
        day.administered_at,
        when,
        effects_resolved=effects_resolved,
        support_person_present=support_person_present,
    )
    day.discharged_at = when
    day.discharge_signed_by = signed_by
    day.support_person_present = support_person_present
    day.discharge = result.to_dict()
    day.updated_at = utc_now()
    day.updated_by = actor.username
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "psilocybin_dosing_day",
        entity_id=day.id,
        patient_ref=patient.ref,
        detail={"number": number, "discharged": True},
    )
    return day


# -------------------------------------------------------------------------------------------
# Entered in error


def _may_change(actor: Actor, as_role: str | None, created_by: str, what: str) -> None:
    if as_role is None:
        return
    if not may_change_record(
        as_role, "psilocybin.correct", entered_by_self=created_by == actor.username
    ):
        raise PermissionDenied(
            f"{what} was recorded by someone else: a {as_role.replace('_', ' ')} corrects "
            "only what they recorded (a physician corrects anyone's)"
        )


def retire_session(
    session: Session,
    actor: Actor,
    patient: Patient,
    session_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    as_role: str | None = None,
) -> PsilocybinSession:
    lock_patient(session, patient.id)
    row = _enrolment(session, patient)
    entry = (
        PsilocybinRepository(session).session_row(row.id, session_id)
        if 1 <= session_id <= MAX_ID
        else None
    )
    if entry is None:
        raise NotFound(f"session: no session {session_id} in this enrolment")
    _may_change(actor, as_role, entry.created_by, f"session {session_id}")
    retire_row(
        session,
        entry,
        actor,
        reason,
        what=f"session {session_id}",
        expected_version=expected_version,
    )
    audit.record(
        session,
        actor,
        "retire",
        "psilocybin_session",
        entity_id=entry.id,
        patient_ref=patient.ref,
        detail={"kind": entry.kind},
    )
    return entry


def retire_dosing_day(
    session: Session,
    actor: Actor,
    patient: Patient,
    number: int,
    *,
    reason: str,
    expected_version: int | None = None,
    as_role: str | None = None,
) -> PsilocybinDosingDay:
    lock_patient(session, patient.id)
    row = _enrolment(session, patient)
    day = _dosing_day(session, row, number)
    _may_change(actor, as_role, day.created_by, f"dosing day {number}")
    retire_row(
        session,
        day,
        actor,
        reason,
        what=f"dosing day {number}",
        expected_version=expected_version,
    )
    if row.status == "dosing" and not PsilocybinRepository(session).dosing_days(row.id):
        row.status = "preparation"
    audit.record(
        session,
        actor,
        "retire",
        "psilocybin_dosing_day",
        entity_id=day.id,
        patient_ref=patient.ref,
        detail={"number": number},
    )
    return day


# -------------------------------------------------------------------------------------------
# Reads


def session_to_dict(row: PsilocybinSession) -> dict[str, Any]:
    return {
        "id": row.id,
        "version": row.version,
        "kind": row.kind,
        "held_at": row.held_at.isoformat(),
        "duration_min": row.duration_min,
        "facilitator": row.facilitator,
        "note": row.note,
        "created_by": row.created_by,
    }


def dosing_day_to_dict(row: PsilocybinDosingDay) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": row.number,
        "version": row.version,
        "dose_mg": row.dose_mg,
        "administered_at": row.administered_at.isoformat(),
        "administered_by": row.administered_by,
        "monitored_by": row.monitored_by,
        "support_person": row.support_person,
        "support_person_present": row.support_person_present,
        "predose": row.predose,
        "washout": row.washout,
        "vitals_due": row.vitals_due,
        "observations": row.observations,
        "discharged_at": None if row.discharged_at is None else row.discharged_at.isoformat(),
        "discharge_signed_by": row.discharge_signed_by,
        "discharge": row.discharge,
        "note": row.note,
        "created_by": row.created_by,
    }


def enrolment_to_dict(
    row: PsilocybinEnrolment,
    sessions: list[PsilocybinSession],
    days: list[PsilocybinDosingDay],
) -> dict[str, Any]:
    return {
        "ref": row.ref,
        "status": row.status,
        "programme": row.programme,
        "protocol_id": row.protocol_id,
        "protocol_name": row.protocol_name,
        "screened_on": row.screened_on.isoformat(),
        "screened_by": row.screened_by,
        "verdict": row.verdict,
        "screen": row.screen,
        "review_by": row.review_by,
        "review_note": row.review_note,
        "washout_days": row.washout_days,
        "in_course": row.treatment_course_id is not None,
        "stop_reason": row.stop_reason,
        "catalogue_version": row.catalogue_version,
        "restriction": restriction(),
        "sessions": [session_to_dict(s) for s in sessions],
        "dosing_days": [dosing_day_to_dict(d) for d in days],
    }


def status(session: Session, actor: Actor, patient: Patient) -> dict[str, Any]:
    """The latest enrolment with its sessions, dosing days and today's washout (audited)."""
    row = _enrolment(session, patient)
    repo = PsilocybinRepository(session)
    sessions, days = repo.sessions(row.id), repo.dosing_days(row.id)
    audit.record(
        session,
        actor,
        "read",
        "psilocybin_enrolment",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"sessions": len(sessions), "dosing_days": len(days)},
    )
    doc = enrolment_to_dict(row, sessions, days)
    course = (
        None
        if row.treatment_course_id is None
        else session.get(TreatmentCourse, row.treatment_course_id)
    )
    doc["course_ref"] = None if course is None else course.ref
    doc["course_status"] = None if course is None else course.status
    doc["washout_today"] = (
        washout_now(session, actor, patient, row, on=utc_today())
        if row.status in ("preparation", "dosing", "integration")
        else None
    )
    return doc


def course_record(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> dict[str, Any] | None:
    """The enrolment of the treatment course ``course`` (current or earlier) with its
    sessions and dosing days, the programme's label and the catalogue's session rules (at
    most ``max_dosing_days`` dosing days, at least ``min_preparation_sessions`` preparation
    sessions before the first); audited read. None when the room holds no enrolment for
    that course."""
    repo = PsilocybinRepository(session)
    row = repo.enrolment_of_course(course.id)
    if row is None or row.patient_id != patient.id:
        return None
    sessions, days = repo.sessions(row.id), repo.dosing_days(row.id)
    audit.record(
        session,
        actor,
        "read",
        "psilocybin_enrolment",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"sessions": len(sessions), "dosing_days": len(days), "course": course.ref},
    )
    catalogue = load()
    found = next((p for p in catalogue.programmes if p.id == row.programme), None)
    return {
        **enrolment_to_dict(row, sessions, days),
        "course_ref": course.ref,
        "programme_label": found.label if found else row.programme.replace("_", " "),
        "max_dosing_days": catalogue.dose.max_dosing_sessions,
        "min_preparation_sessions": catalogue.preparation.min_sessions_before_dosing,
    }
