"""Esketamine use cases: screen and plan a course, and a session from check-in to discharge
(pre-dose blood pressure and its sign-off, dose and devices, timed observations, discharge),
the prescriber's signature and the REMS Patient Monitoring Form's 7-day task.

Flushes, never commits (the CLI command or the web request commits once); every read and
write of patient data is audited. Every use case that checks a state and then changes it
first takes the patient's row lock (:func:`trdcare.adapters.db.locking.lock_patient`). The
rules are the pure domain's (:mod:`trdcare.esketamine.domain`); this module loads and stores.

The clock is read through :func:`utc_now` of this module only, so a test moves the clock for
this room by patching one name (the browser test does, to see a REMS task turn overdue).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from trdcare.accounts.domain.permissions import may_change_record
from trdcare.adapters.db.locking import lock_patient
from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.adapters.db.models.esketamine import (
    EsketamineCourse,
    EsketamineObservation,
    EsketamineSession,
)
from trdcare.adapters.db.stamping import (
    VersionEntry,
    correct_row,
    retire_row,
    snapshot,
    stamp_new,
    version_history,
)
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.checks import check_date_not_future
from trdcare.core.clock import ensure_utc, not_before_birth, past_moment
from trdcare.core.clock import utc_now as _clock_now
from trdcare.core.corrections import correction_reason
from trdcare.core.errors import (
    Conflict,
    Contraindicated,
    InvalidInput,
    Issue,
    IssueCollector,
    NotFound,
    PermissionDenied,
)
from trdcare.core.ids import new_ref
from trdcare.core.vitals import check_vital_signs, vital_sign_issues
from trdcare.courses import service as courses_service
from trdcare.esketamine.domain import (
    CalendarMonth,
    assess_eligibility,
    check_discharge_bp,
    check_dose,
    check_predose_bp,
    concomitant_medications,
    concomitant_reason,
    course_calendar,
    device_rest_flags,
    discharge_readiness,
    dose_phase,
    induction_and_maintenance_schedule,
    label_dict,
    load,
    rems_form_due,
)
from trdcare.esketamine.repository import EsketamineRepository
from trdcare.history import service as history_service

OPEN_STATUSES = ("active",)
OBSERVATION_PURPOSES = ("post_dose_40_min", "routine")
#: The MDD-with-suicidal-ideation course is the label's 4 weeks of induction only.
MDD_SUICIDAL_WEEKS = 4


def utc_now() -> datetime:
    """The room's clock (see the module docstring)."""
    return _clock_now()


def today() -> date:
    return utc_now().date()


def _who_physician(name: str | None, field: str = "physician") -> str:
    text = (name or "").strip()
    if not text or len(text) > 120:
        raise InvalidInput.single(
            field,
            "is required: a prescriber signs",
            allowed="the prescriber's name (at most 120 characters)",
            given=f"{len(text)} characters" if text else None,
        )
    return text


# -------------------------------------------------------------------------------------------
# Course: eligibility and plan


def record_medications(session: Session, actor: Actor, patient: Patient) -> list[str]:
    """Current antidepressants and augmenting agents from the treatment history (read
    through the history room's service, audited there); empty without a history."""
    try:
        history = history_service.load_history(session, actor, patient, as_of=today())
    except NotFound:
        return []
    now = today()
    names = [t.drug for t in history.antidepressant_trials if t.end is None or t.end >= now]
    names += [t.agent for t in history.augmentation_trials if t.end is None or t.end >= now]
    return names


def _current_antidepressant(session: Session, actor: Actor, patient: Patient) -> bool:
    try:
        history = history_service.load_history(session, actor, patient, as_of=today())
    except NotFound:
        return False
    now = today()
    return any(t.end is None or t.end >= now for t in history.antidepressant_trials)


def trd_status(session: Session, actor: Actor, patient: Patient) -> str:
    """The history room's TRD verdict (``no_history`` when none is recorded)."""
    try:
        report = history_service.stage_patient(session, actor, patient, as_of=today())
    except NotFound:
        return "no_history"
    return str(report.trd.status)


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def eligibility(
    session: Session,
    actor: Actor,
    patient: Patient,
    answers: Mapping[str, bool | None],
    *,
    population: str = "trd",
    start_date: date | None = None,
) -> dict[str, Any]:
    """Screen without planning (a preview the plan page shows before signing)."""
    result = assess_eligibility(
        answers,
        population=population,
        trd_status=trd_status(session, actor, patient),
        age_years=_age_on(patient.birth_date, start_date or today()),
        on_oral_antidepressant=_current_antidepressant(session, actor, patient),
    )
    audit.record(
        session,
        actor,
        "read",
        "esketamine_eligibility",
        patient_ref=patient.ref,
        detail={"verdict": result.verdict},
    )
    return result.to_dict()


def plan(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    answers: Mapping[str, bool | None],
    start_date: date,
    population: str = "trd",
    maintenance: str = "weekly",
    weeks: float = 12,
    physician: str | None = None,
    signoff_note: str | None = None,
) -> EsketamineCourse:
    """Screen the patient and open an esketamine course with the label calendar.

    A label contraindication refuses the course (409 ``contraindicated``, every one named);
    warnings need the prescriber's sign-off note (422 naming ``signoff_note`` otherwise).
    """
    lock_patient(session, patient.id)
    repo = EsketamineRepository(session)
    current = repo.current_course(patient.id)
    if current is not None and current.status in OPEN_STATUSES:
        raise Conflict(
            "course: this patient already has an ongoing esketamine course; stop it first"
        )
    issues = IssueCollector()
    not_before_birth(start_date, field="start_date", born_on=patient.birth_date, issues=issues)
    issues.raise_if_any()
    result = assess_eligibility(
        answers,
        population=population,
        trd_status=trd_status(session, actor, patient),
        age_years=_age_on(patient.birth_date, start_date),
        on_oral_antidepressant=_current_antidepressant(session, actor, patient),
    )
    if result.blocks:
        raise Contraindicated(
            "esketamine is contraindicated by the label: "
            + "; ".join(b.text for b in result.blocks),
            issues=[
                Issue(f"answers.{b.id}", b.text, "no (a label contraindication)", "yes")
                for b in result.blocks
            ],
        )
    signed_by = None
    note = (signoff_note or "").strip()
    if result.warnings:
        if len(note) < 3:
            raise InvalidInput.single(
                "signoff_note",
                f"is required: {len(result.warnings)} warning(s) need the prescriber's sign-off "
                "(" + ", ".join(w.id for w in result.warnings) + ")",
                allowed="the prescriber's reasoning (at least 3 characters)",
                given=f"{len(note)} characters" if note else None,
            )
        signed_by = _who_physician(physician)
    n_weeks = MDD_SUICIDAL_WEEKS if population == "mdd_suicidal" else weeks
    schedule = induction_and_maintenance_schedule(start_date, maintenance, n_weeks)
    course = history_service.add_course(
        session,
        actor,
        patient,
        modality="esketamine",
        start_date=start_date,
        planned_sessions=len(schedule.sessions),
    )
    row = EsketamineCourse(
        treatment_course_id=course.id,
        patient_id=patient.id,
        population=population,
        maintenance=maintenance,
        start_date=start_date,
        weeks=int(n_weeks),
        status="active",
        eligibility=result.to_dict(),
        eligibility_verdict=result.verdict,
        signed_off_by=signed_by,
        signed_off_at=utc_now() if signed_by else None,
        signoff_note=note if signed_by else None,
        schedule=[s.to_dict() for s in schedule.sessions],
        label=dict(label_dict()),
    )
    stamp_new(row, actor)
    repo.add(row)
    audit.record(
        session,
        actor,
        "create",
        "esketamine_course",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"verdict": result.verdict, "sessions": len(schedule.sessions)},
    )
    return row


def _course(session: Session, patient: Patient) -> EsketamineCourse:
    row = EsketamineRepository(session).current_course(patient.id)
    if row is None:
        raise NotFound("course: this patient has no esketamine course; plan one first")
    return row


def _course_to_change(session: Session, patient: Patient) -> EsketamineCourse:
    lock_patient(session, patient.id)
    row = _course(session, patient)
    if row.status not in OPEN_STATUSES:
        raise Conflict(f"course: the esketamine course is {row.status}; plan a new one")
    return row


def stop_course(
    session: Session, actor: Actor, patient: Patient, *, reason: str, on: date | None = None
) -> EsketamineCourse:
    """End the ongoing course (completed sessions kept; the outcome course ends too)."""
    why = correction_reason(reason)
    row = _course_to_change(session, patient)
    if EsketamineRepository(session).open_session(row.id) is not None:
        raise Conflict("course: a session is in progress; discharge it before stopping the course")
    day = on or today()
    check_date_not_future("on", day, today())
    not_before_birth(day, field="on", born_on=patient.birth_date)
    if day < row.start_date:
        raise InvalidInput.single(
            "on", "is before the course start", allowed=f"on or after {row.start_date}", given=day
        )
    snapshot(session, row, actor, f"stopped: {why}")
    row.status = "stopped"
    course = EsketamineRepository(session).treatment_course(row)
    history_service.set_course_status(session, actor, course, "stopped", on=day, reason=why)
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "esketamine_course",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"status": "stopped"},
    )
    return row


# -------------------------------------------------------------------------------------------
# Session: check-in, BP sign-off, dose, observations, discharge, signature, REMS


def _session(session: Session, patient: Patient, ref: str) -> EsketamineSession:
    row = EsketamineRepository(session).session_by_ref(patient.id, ref)
    if row is None:
        raise NotFound("session: no esketamine session with this ref for this patient")
    return row


def _session_to_change(
    session: Session, patient: Patient, ref: str, *, status: str | tuple[str, ...]
) -> EsketamineSession:
    lock_patient(session, patient.id)
    row = _session(session, patient, ref)
    if row.retired_at is not None:
        raise Conflict("session: it was marked entered in error and cannot be changed")
    wanted = (status,) if isinstance(status, str) else status
    if row.status not in wanted:
        raise Conflict(
            f"session: it is {row.status.replace('_', ' ')}; this step needs it "
            + " or ".join(w.replace("_", " ") for w in wanted)
        )
    return row


def _moment(
    value: datetime | None,
    field: str,
    patient: Patient,
    *,
    not_before: datetime | None = None,
    not_before_what: str = "",
) -> datetime:
    when = past_moment(value, field=field, now=utc_now(), born_on=patient.birth_date)
    if not_before is not None and when < ensure_utc(not_before):
        raise InvalidInput.single(
            field,
            f"is before {not_before_what}",
            allowed=f"on or after {ensure_utc(not_before):%Y-%m-%d %H:%M} UTC",
            given=f"{when:%Y-%m-%d %H:%M} UTC",
        )
    return when


def check_in(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    predose_systolic_mmhg: float,
    predose_diastolic_mmhg: float,
    predose_pulse_bpm: float | None = None,
    predose_spo2_pct: float | None = None,
    checked_in_at: datetime | None = None,
    extra_medications: Sequence[str] = (),
    note: str = "",
) -> EsketamineSession:
    """Open the next session: pre-dose vital signs, the blood-pressure check (a warning
    above 140/90 needs a prescriber's sign-off before dosing, never a block) and the
    concomitant medications that add sedation or raise blood pressure."""
    vitals = check_vital_signs(
        prefix="predose_",
        systolic_mmhg=predose_systolic_mmhg,
        diastolic_mmhg=predose_diastolic_mmhg,
        pulse_bpm=predose_pulse_bpm,
        spo2_pct=predose_spo2_pct,
    )
    course = _course_to_change(session, patient)
    repo = EsketamineRepository(session)
    # A course paused after a serious adverse event takes no session until a physician
    # reviews the pause (the courses room's rule, one for every therapy).
    courses_service.require_deliverable(session, repo.treatment_course(course))
    if repo.open_session(course.id) is not None:
        raise Conflict("session: another session of this course is in progress; discharge it first")
    when = _moment(checked_in_at, "checked_in_at", patient)
    if when.date() < course.start_date:
        raise InvalidInput.single(
            "checked_in_at",
            "is before the course start",
            allowed=f"on or after {course.start_date}",
            given=f"{when:%Y-%m-%d %H:%M} UTC",
        )
    assert vitals.systolic_mmhg is not None and vitals.diastolic_mmhg is not None
    bp = check_predose_bp(vitals.systolic_mmhg, vitals.diastolic_mmhg)
    number = repo.next_number(course.id)
    scheduled = {s["number"]: s["phase"] for s in course.schedule}
    phase = dose_phase(number, scheduled.get(number), population=course.population)
    medications = record_medications(session, actor, patient) + [
        m.strip() for m in extra_medications if m.strip()
    ]
    flagged = concomitant_medications(medications)
    ref = new_ref("K")
    while repo.ref_exists(ref):
        ref = new_ref("K")
    row = EsketamineSession(
        ref=ref,
        course_id=course.id,
        patient_id=patient.id,
        number=number,
        phase=phase,
        status="checked_in",
        checked_in_at=when,
        predose_systolic_mmhg=vitals.systolic_mmhg,
        predose_diastolic_mmhg=vitals.diastolic_mmhg,
        predose_pulse_bpm=vitals.pulse_bpm,
        predose_spo2_pct=vitals.spo2_pct,
        bp_check=bp.to_dict(),
        medications=medications,
        concomitant=[
            {**f.to_dict(), "reason": concomitant_reason(flagged).to_dict()} for f in flagged
        ],
        first_treatment=number == 1,
        note=note,
    )
    stamp_new(row, actor)
    repo.add(row)
    audit.record(
        session,
        actor,
        "create",
        "esketamine_session",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"number": number, "bp": bp.verdict, "concomitant": len(flagged)},
    )
    return row


def sign_off_bp(
    session: Session,
    actor: Actor,
    patient: Patient,
    ref: str,
    *,
    physician: str | None,
    note: str,
) -> EsketamineSession:
    """A prescriber weighs an elevated pre-dose blood pressure and signs off dosing."""
    row = _session_to_change(session, patient, ref, status="checked_in")
    if not row.bp_check.get("needs_prescriber_signoff"):
        raise Conflict("session: the pre-dose blood pressure is not above the threshold")
    if row.bp_signoff_at is not None:
        raise Conflict(f"session: already signed off by {row.bp_signoff_by}")
    text = note.strip()
    if len(text) < 3:
        raise InvalidInput.single(
            "note", "is required", allowed="the prescriber's reasoning (at least 3 characters)"
        )
    row.bp_signoff_by = _who_physician(physician)
    row.bp_signoff_at = utc_now()
    row.bp_signoff_note = text
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "esketamine_bp_signoff",
        entity_id=row.id,
        patient_ref=patient.ref,
    )
    return row


def record_dose(
    session: Session,
    actor: Actor,
    patient: Patient,
    ref: str,
    *,
    dose_mg: float,
    devices: float,
    lot: str,
    device_times: Sequence[datetime] = (),
    administered_at: datetime | None = None,
    monitoring_start: datetime | None = None,
    administered_by: str = "",
) -> EsketamineSession:
    """Record the dose: a label dose for the session's phase in 28 mg devices, the lot, when
    each device was given (a rest under 5 minutes is flagged) and when monitoring began
    (by default, when the last device was given)."""
    row = _session_to_change(session, patient, ref, status="checked_in")
    if row.bp_check.get("needs_prescriber_signoff") and row.bp_signoff_at is None:
        raise Conflict(
            "session: the pre-dose blood pressure is above 140/90 mmHg; a prescriber must sign "
            "off before dosing"
        )
    course = session.get_one(EsketamineCourse, row.course_id)
    courses_service.require_deliverable(
        session, EsketamineRepository(session).treatment_course(course)
    )
    dose = check_dose(dose_mg, devices, row.phase, population=course.population)
    lot_text = lot.strip()
    if not lot_text:
        raise InvalidInput.single("lot", "is required", allowed="the lot number on the device")
    issues = IssueCollector()
    times: list[datetime] = []
    if device_times:
        if len(device_times) != dose.devices:
            issues.add(
                "device_times",
                "one time per device is needed",
                allowed=f"{dose.devices} time(s)",
                given=f"{len(device_times)} time(s)",
            )
        for i, t in enumerate(device_times):
            try:
                times.append(
                    _moment(
                        t,
                        f"device_times.{i}",
                        patient,
                        not_before=row.checked_in_at,
                        not_before_what="the check-in",
                    )
                )
            except InvalidInput as exc:
                issues.extend(exc.issues)
        if times and times != sorted(times):
            issues.add("device_times", "must be in the order the devices were given")
    issues.raise_if_any()
    given_at = (
        times[0]
        if times
        else _moment(
            administered_at,
            "administered_at",
            patient,
            not_before=row.checked_in_at,
            not_before_what="the check-in",
        )
    )
    start = _moment(
        monitoring_start if monitoring_start is not None else (times[-1] if times else given_at),
        "monitoring_start",
        patient,
        not_before=times[-1] if times else given_at,
        not_before_what="the last device",
    )
    row.dose_mg = dose.dose_mg
    row.devices = dose.devices
    row.lot = lot_text
    row.device_times = [t.isoformat() for t in (times or [given_at])]
    row.device_flags = list(device_rest_flags(times))
    row.administered_by = administered_by or actor.username
    row.monitoring_start = start
    row.status = "dosed"
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "esketamine_dose",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"dose_mg": dose.dose_mg, "flags": len(row.device_flags)},
    )
    return row


def observe(
    session: Session,
    actor: Actor,
    patient: Patient,
    ref: str,
    *,
    observed_at: datetime | None = None,
    purpose: str = "routine",
    sedation: bool = False,
    dissociation: bool = False,
    respiratory_depression: bool = False,
    systolic_mmhg: float | None = None,
    diastolic_mmhg: float | None = None,
    pulse_bpm: float | None = None,
    spo2_pct: float | None = None,
    respiratory_rate_per_min: float | None = None,
    note: str = "",
) -> EsketamineObservation:
    """Record one timed observation during monitoring (a technician may)."""
    issues = IssueCollector()
    if purpose not in OBSERVATION_PURPOSES:
        issues.add(
            "purpose", "unknown value", allowed=", ".join(OBSERVATION_PURPOSES), given=purpose
        )
    vital_sign_issues(
        issues,
        systolic_mmhg=systolic_mmhg,
        diastolic_mmhg=diastolic_mmhg,
        pulse_bpm=pulse_bpm,
        spo2_pct=spo2_pct,
        respiratory_rate_per_min=respiratory_rate_per_min,
    )
    if (systolic_mmhg is None) != (diastolic_mmhg is None):
        issues.add(
            "diastolic_mmhg" if diastolic_mmhg is None else "systolic_mmhg",
            "a blood pressure needs both values",
            allowed="systolic and diastolic together",
        )
    if purpose == "post_dose_40_min" and systolic_mmhg is None:
        issues.add("systolic_mmhg", "is required for the ~40-minute blood pressure")
    issues.raise_if_any()
    row = _session_to_change(session, patient, ref, status="dosed")
    assert row.monitoring_start is not None
    when = _moment(
        observed_at,
        "observed_at",
        patient,
        not_before=row.monitoring_start,
        not_before_what="the start of monitoring",
    )
    obs = EsketamineObservation(
        session_id=row.id,
        observed_at=when,
        purpose=purpose,
        sedation=sedation,
        dissociation=dissociation,
        respiratory_depression=respiratory_depression,
        systolic_mmhg=None if systolic_mmhg is None else int(systolic_mmhg),
        diastolic_mmhg=None if diastolic_mmhg is None else int(diastolic_mmhg),
        pulse_bpm=None if pulse_bpm is None else int(pulse_bpm),
        spo2_pct=None if spo2_pct is None else int(spo2_pct),
        respiratory_rate_per_min=None
        if respiratory_rate_per_min is None
        else int(respiratory_rate_per_min),
        note=note,
    )
    stamp_new(obs, actor)
    EsketamineRepository(session).add(obs)
    audit.record(
        session,
        actor,
        "create",
        "esketamine_observation",
        entity_id=obs.id,
        patient_ref=patient.ref,
        detail={"session": row.ref, "purpose": purpose},
    )
    return obs


def readiness(
    session: Session, actor: Actor, patient: Patient, ref: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """Discharge readiness now, from the latest observation of each criterion."""
    row = _session(session, patient, ref)
    if row.monitoring_start is None:
        raise Conflict("session: no dose is recorded yet")
    obs = EsketamineRepository(session).observations([row.id])
    last = obs[-1] if obs else None
    result = discharge_readiness(
        row.monitoring_start,
        now or row.monitoring_end or utc_now(),
        sedation_resolved=not (last and last.sedation),
        dissociation_resolved=not (last and last.dissociation),
        respiratory_depression_resolved=not (last and last.respiratory_depression),
    )
    audit.record(
        session, actor, "read", "esketamine_readiness", entity_id=row.id, patient_ref=patient.ref
    )
    return result.to_dict()


def discharge(
    session: Session,
    actor: Actor,
    patient: Patient,
    ref: str,
    *,
    discharged_by: str,
    sedation_resolved: bool,
    dissociation_resolved: bool,
    respiratory_depression_resolved: bool,
    safe_transport: bool,
    elevated_bp_reviewed: bool = False,
    discharge_systolic_mmhg: float,
    discharge_diastolic_mmhg: float,
    discharge_pulse_bpm: float | None = None,
    discharge_spo2_pct: float | None = None,
    discharged_at: datetime | None = None,
    note: str = "",
) -> EsketamineSession:
    """Discharge after at least 2 hours with sedation, dissociation and respiratory
    depression resolved and a safe way home (no driving); the REMS form's 7-day task opens.

    Refused, naming each unmet field, before 2 hours or with a criterion unresolved, or with
    a blood pressure still elevated (``check_discharge_bp``, UNVERIFIED) that the discharging
    clinician has not confirmed as reviewed (``elevated_bp_reviewed``).
    """
    vitals = check_vital_signs(
        prefix="discharge_",
        systolic_mmhg=discharge_systolic_mmhg,
        diastolic_mmhg=discharge_diastolic_mmhg,
        pulse_bpm=discharge_pulse_bpm,
        spo2_pct=discharge_spo2_pct,
    )
    row = _session_to_change(session, patient, ref, status="dosed")
    assert row.monitoring_start is not None
    when = _moment(
        discharged_at,
        "discharged_at",
        patient,
        not_before=row.monitoring_start,
        not_before_what="the start of monitoring",
    )
    result = discharge_readiness(
        row.monitoring_start,
        when,
        sedation_resolved=sedation_resolved,
        dissociation_resolved=dissociation_resolved,
        respiratory_depression_resolved=respiratory_depression_resolved,
    )
    issues = IssueCollector()
    if when < result.earliest_discharge:
        issues.add(
            "discharged_at",
            f"is less than {result.minimum_min} minutes after monitoring began "
            f"(monitored {result.monitored_min} min)",
            allowed=f"on or after {result.earliest_discharge:%Y-%m-%d %H:%M:%S} UTC",
            given=f"{when:%Y-%m-%d %H:%M:%S} UTC",
        )
    for field, ok, words in (
        ("sedation_resolved", sedation_resolved, "sedation"),
        ("dissociation_resolved", dissociation_resolved, "dissociation"),
        (
            "respiratory_depression_resolved",
            respiratory_depression_resolved,
            "respiratory depression",
        ),
    ):
        if not ok:
            issues.add(field, f"{words} has not resolved", allowed="resolved", given="not resolved")
    bp = check_discharge_bp(discharge_systolic_mmhg, discharge_diastolic_mmhg)
    if bp.needs_review and not elevated_bp_reviewed:
        issues.add(
            "elevated_bp_reviewed",
            f"blood pressure {bp.systolic_mmhg}/{bp.diastolic_mmhg} mmHg is still elevated: "
            "keep monitoring, refer for emergency care if a hypertensive crisis appears, and "
            "confirm it was reviewed before discharge",
            allowed="reviewed",
            given="not reviewed",
        )
    if not safe_transport:
        issues.add(
            "safe_transport",
            "a safe way home is required: the patient must not drive until the next day",
            allowed="arranged",
            given="not arranged",
        )
    issues.raise_if_any()
    row.discharge_systolic_mmhg = vitals.systolic_mmhg
    row.discharge_diastolic_mmhg = vitals.diastolic_mmhg
    row.discharge_pulse_bpm = vitals.pulse_bpm
    row.discharge_spo2_pct = vitals.spo2_pct
    row.sedation_resolved = True
    row.dissociation_resolved = True
    row.respiratory_depression_resolved = True
    row.safe_transport = True
    row.discharged_by = discharged_by
    row.discharge_note = note
    row.monitoring_end = when
    row.status = "discharged"
    row.rems_due = rems_form_due(ensure_utc(row.checked_in_at).date()).due
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "esketamine_discharge",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"monitored_min": result.monitored_min, "elevated_bp_reviewed": bp.needs_review},
    )
    return row


def sign_session(
    session: Session, actor: Actor, patient: Patient, ref: str, *, physician: str | None
) -> EsketamineSession:
    """The prescriber signs a discharged session."""
    row = _session_to_change(session, patient, ref, status="discharged")
    if row.signed_at is not None:
        raise Conflict(f"session: already signed by {row.signed_by}")
    row.signed_by = _who_physician(physician)
    row.signed_at = utc_now()
    session.flush()
    audit.record(
        session, actor, "update", "esketamine_signature", entity_id=row.id, patient_ref=patient.ref
    )
    return row


def mark_rems_submitted(
    session: Session,
    actor: Actor,
    patient: Patient,
    ref: str,
    *,
    submitted_by: str,
    submitted_at: datetime | None = None,
) -> EsketamineSession:
    """Record that the session's REMS Patient Monitoring Form was submitted: who and when."""
    row = _session_to_change(session, patient, ref, status="discharged")
    if row.rems_submitted_at is not None:
        raise Conflict(
            f"session: the REMS form was already marked submitted by {row.rems_submitted_by} "
            f"on {ensure_utc(row.rems_submitted_at):%Y-%m-%d %H:%M} UTC"
        )
    when = _moment(
        submitted_at,
        "submitted_at",
        patient,
        not_before=row.monitoring_end,
        not_before_what="the discharge",
    )
    row.rems_submitted_at = when
    row.rems_submitted_by = submitted_by
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "esketamine_rems_form",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"on_time": row.rems_due is None or when.date() <= row.rems_due},
    )
    return row


# -------------------------------------------------------------------------------------------
# Corrections and entered in error


SESSION_CORRECTABLE = ("lot", "note", "discharge_note")


def _may_change(actor: Actor, as_role: str | None, entered_by: str, what: str) -> None:
    if as_role is None:
        return
    if not may_change_record(
        as_role, "esketamine.correct", entered_by_self=entered_by == actor.username
    ):
        raise PermissionDenied(
            f"{what} was recorded by someone else: a {as_role.replace('_', ' ')} corrects "
            "only what they recorded (a physician corrects anyone's)"
        )


def correct_session(
    session: Session,
    actor: Actor,
    patient: Patient,
    ref: str,
    changes: Mapping[str, Any],
    *,
    reason: str,
    expected_version: int | None = None,
    as_role: str | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Correct a session's lot or notes; the earlier version is kept with the reason."""
    why = correction_reason(reason)
    unknown = sorted(set(changes) - set(SESSION_CORRECTABLE))
    if unknown:
        raise InvalidInput.single(
            unknown[0],
            "cannot be corrected",
            allowed=", ".join(SESSION_CORRECTABLE),
            given=unknown[0],
        )
    if "lot" in changes and not str(changes["lot"] or "").strip():
        raise InvalidInput.single("lot", "is required", allowed="the lot number on the device")
    lock_patient(session, patient.id)
    row = _session(session, patient, ref)
    _may_change(actor, as_role, row.created_by, f"session {row.number}")
    changed = correct_row(
        session,
        row,
        actor,
        why,
        dict(changes),
        what=f"session {row.number}",
        expected_version=expected_version,
    )
    audit.record(
        session,
        actor,
        "correct",
        "esketamine_session",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"fields": sorted(changed)},
    )
    return changed


def retire_session(
    session: Session,
    actor: Actor,
    patient: Patient,
    ref: str,
    *,
    reason: str,
    expected_version: int | None = None,
    as_role: str | None = None,
) -> EsketamineSession:
    """Mark a session entered in error (kept; it no longer counts, nor its REMS task)."""
    why = correction_reason(reason)
    lock_patient(session, patient.id)
    row = _session(session, patient, ref)
    _may_change(actor, as_role, row.created_by, f"session {row.number}")
    retire_row(
        session, row, actor, why, what=f"session {row.number}", expected_version=expected_version
    )
    audit.record(
        session, actor, "retire", "esketamine_session", entity_id=row.id, patient_ref=patient.ref
    )
    return row


def retire_observation(
    session: Session,
    actor: Actor,
    patient: Patient,
    ref: str,
    observation_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    as_role: str | None = None,
) -> EsketamineObservation:
    why = correction_reason(reason)
    lock_patient(session, patient.id)
    row = _session(session, patient, ref)
    obs = EsketamineRepository(session).observation(row.id, observation_id)
    if obs is None:
        raise NotFound("observation: no observation with this id in this session")
    _may_change(actor, as_role, obs.created_by, "the observation")
    retire_row(session, obs, actor, why, what="the observation", expected_version=expected_version)
    audit.record(
        session,
        actor,
        "retire",
        "esketamine_observation",
        entity_id=obs.id,
        patient_ref=patient.ref,
    )
    return obs


def session_versions(
    session: Session, actor: Actor, patient: Patient, ref: str
) -> list[VersionEntry]:
    row = _session(session, patient, ref)
    audit.record(
        session,
        actor,
        "read",
        "esketamine_session_versions",
        entity_id=row.id,
        patient_ref=patient.ref,
    )
    return version_history(session, row)


# -------------------------------------------------------------------------------------------
# Reads


def rems_task(row: EsketamineSession, *, on: date) -> dict[str, Any] | None:
    """The session's REMS form task: ``due``, ``overdue`` or ``submitted`` (None before
    discharge or when entered in error)."""
    if row.retired_at is not None or row.status != "discharged" or row.rems_due is None:
        return None
    if row.rems_submitted_at is not None:
        state = "submitted"
    elif on > row.rems_due:
        state = "overdue"
    else:
        state = "due"
    return {
        "session_ref": row.ref,
        "session_number": row.number,
        "due": row.rems_due.isoformat(),
        "state": state,
        "submitted_at": None
        if row.rems_submitted_at is None
        else ensure_utc(row.rems_submitted_at).isoformat(),
        "submitted_by": row.rems_submitted_by,
    }


def observation_to_dict(obs: EsketamineObservation, start: datetime | None) -> dict[str, Any]:
    at = ensure_utc(obs.observed_at)
    return {
        "id": obs.id,
        "observed_at": at.isoformat(),
        "minutes_after_dose": None
        if start is None
        else int((at - ensure_utc(start)).total_seconds() // 60),
        "purpose": obs.purpose,
        "sedation": obs.sedation,
        "dissociation": obs.dissociation,
        "respiratory_depression": obs.respiratory_depression,
        "systolic_mmhg": obs.systolic_mmhg,
        "diastolic_mmhg": obs.diastolic_mmhg,
        "pulse_bpm": obs.pulse_bpm,
        "spo2_pct": obs.spo2_pct,
        "respiratory_rate_per_min": obs.respiratory_rate_per_min,
        "note": obs.note,
        "recorded_by": obs.created_by,
        "version": obs.version,
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else ensure_utc(value).isoformat()


def session_to_dict(
    row: EsketamineSession, observations: Sequence[EsketamineObservation], *, on: date
) -> dict[str, Any]:
    return {
        "ref": row.ref,
        "number": row.number,
        "phase": row.phase,
        "status": row.status,
        "version": row.version,
        "retired": row.retired_at is not None,
        "retired_reason": row.retired_reason,
        "checked_in_at": _iso(row.checked_in_at),
        "predose": {
            "systolic_mmhg": row.predose_systolic_mmhg,
            "diastolic_mmhg": row.predose_diastolic_mmhg,
            "pulse_bpm": row.predose_pulse_bpm,
            "spo2_pct": row.predose_spo2_pct,
        },
        "bp_check": row.bp_check,
        "bp_signoff": None
        if row.bp_signoff_at is None
        else {"by": row.bp_signoff_by, "at": _iso(row.bp_signoff_at), "note": row.bp_signoff_note},
        "medications": list(row.medications),
        "concomitant": list(row.concomitant),
        "first_treatment": row.first_treatment,
        "dose_mg": row.dose_mg,
        "devices": row.devices,
        "lot": row.lot,
        "device_times": list(row.device_times),
        "device_flags": list(row.device_flags),
        "administered_by": row.administered_by,
        "monitoring_start": _iso(row.monitoring_start),
        "monitoring_end": _iso(row.monitoring_end),
        "observations": [observation_to_dict(o, row.monitoring_start) for o in observations],
        "discharge": None
        if row.status != "discharged"
        else {
            "systolic_mmhg": row.discharge_systolic_mmhg,
            "diastolic_mmhg": row.discharge_diastolic_mmhg,
            "pulse_bpm": row.discharge_pulse_bpm,
            "spo2_pct": row.discharge_spo2_pct,
            "sedation_resolved": row.sedation_resolved,
            "dissociation_resolved": row.dissociation_resolved,
            "respiratory_depression_resolved": row.respiratory_depression_resolved,
            "safe_transport": row.safe_transport,
            "by": row.discharged_by,
            "at": _iso(row.monitoring_end),
            "note": row.discharge_note,
            **_discharge_bp_view(row),
        },
        "signed": None
        if row.signed_at is None
        else {"by": row.signed_by, "at": _iso(row.signed_at)},
        "rems": rems_task(row, on=on),
        "note": row.note,
    }


def _discharge_bp_view(row: EsketamineSession) -> dict[str, Any]:
    """Whether the stored discharge reading was still elevated (the warning the discharging
    clinician confirmed), with the rule's status so the page can mark it UNVERIFIED."""
    if row.discharge_systolic_mmhg is None or row.discharge_diastolic_mmhg is None:
        return {"bp_elevated": None, "bp_findings": [], "bp_rule_status": None}
    bp = check_discharge_bp(row.discharge_systolic_mmhg, row.discharge_diastolic_mmhg)
    return {
        "bp_elevated": bp.needs_review,
        "bp_findings": list(bp.findings),
        "bp_rule_status": bp.status,
    }


def course_to_dict(row: EsketamineCourse) -> dict[str, Any]:
    return {
        "population": row.population,
        "maintenance": row.maintenance,
        "start_date": row.start_date.isoformat(),
        "weeks": row.weeks,
        "status": row.status,
        "eligibility": row.eligibility,
        "eligibility_verdict": row.eligibility_verdict,
        "signoff": None
        if row.signed_off_by is None
        else {"by": row.signed_off_by, "at": _iso(row.signed_off_at), "note": row.signoff_note},
        "schedule": list(row.schedule),
        "label": row.label,
    }


def status(session: Session, actor: Actor, patient: Patient) -> dict[str, Any]:
    """The current course with its sessions, observations and REMS tasks (audited read)."""
    return _course_doc(session, actor, patient, _course(session, patient))


def course_record(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> dict[str, Any] | None:
    """The esketamine course of the treatment course ``course``, the current one or an
    earlier one, as :func:`status` gives it (audited read); None when the room holds no
    esketamine course for it (a course entered in the history only)."""
    row = EsketamineRepository(session).course_of_treatment(course.id)
    if row is None or row.patient_id != patient.id:
        return None
    return _course_doc(session, actor, patient, row)


def _course_doc(
    session: Session, actor: Actor, patient: Patient, row: EsketamineCourse
) -> dict[str, Any]:
    repo = EsketamineRepository(session)
    sessions = repo.sessions(row.id)
    obs = repo.observations([s.id for s in sessions])
    on = today()
    out = course_to_dict(row)
    out["course_ref"] = repo.treatment_course(row).ref
    out["sessions"] = [
        session_to_dict(s, [o for o in obs if o.session_id == s.id], on=on) for s in sessions
    ]
    out["delivered_sessions"] = sum(1 for s in sessions if s.status == "discharged")
    treatment = repo.treatment_course(row)
    out["course_status"] = treatment.status
    out["course_alerts"] = [
        a.code
        for a in courses_service.open_alerts_for(session, patient)
        if a.course_ref == treatment.ref
    ]
    audit.record(
        session,
        actor,
        "read",
        "esketamine_course",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"sessions": len(sessions)},
    )
    return out


def session_detail(session: Session, actor: Actor, patient: Patient, ref: str) -> dict[str, Any]:
    row = _session(session, patient, ref)
    obs = EsketamineRepository(session).observations([row.id])
    audit.record(
        session, actor, "read", "esketamine_session", entity_id=row.id, patient_ref=patient.ref
    )
    return session_to_dict(row, obs, on=today())


def calendar(session: Session, patient: Patient) -> tuple[CalendarMonth, ...]:
    """The course's months (the caller has audited the read of the course)."""
    repo = EsketamineRepository(session)
    row = _course(session, patient)
    planned = [
        (int(s["number"]), date.fromisoformat(str(s["date"])), str(s["phase"]))
        for s in row.schedule
    ]
    delivered = {
        s.number: ensure_utc(s.checked_in_at).date()
        for s in repo.sessions(row.id)
        if s.status == "discharged"
    }
    return course_calendar(planned, delivered, today=today())


def rems_form(session: Session, actor: Actor, patient: Patient, ref: str) -> dict[str, Any]:
    """The REMS Patient Monitoring Form's content, generated from the session.

    The fields the reference verified (patient name, date of birth, sex; first treatment;
    concomitant medications; signs of sedation, dissociation or respiratory depression during
    monitoring) and those it did not (dose, date, blood pressures, SpO2, whether each event
    resolved before discharge) are marked so; the clinic checks the current form.
    """
    row = _session(session, patient, ref)
    if row.status != "discharged":
        raise Conflict("session: the REMS form is completed after discharge")
    obs = EsketamineRepository(session).observations([row.id])
    form = load().rems_monitoring_form
    bp40 = next((o for o in obs if o.purpose == "post_dose_40_min"), None)
    spo2 = [o.spo2_pct for o in obs if o.spo2_pct is not None]
    audit.record(
        session, actor, "read", "esketamine_rems_form", entity_id=row.id, patient_ref=patient.ref
    )
    return {
        "session_ref": row.ref,
        "verified_fields": {
            "patient_first_name": patient.given_name,
            "patient_last_name": patient.family_name,
            "date_of_birth": patient.birth_date.isoformat(),
            "sex": getattr(patient, "sex", None),
            "first_treatment": row.first_treatment,
            "concomitant_medications": [c["name"] for c in row.concomitant],
            "sedation_observed": any(o.sedation for o in obs),
            "dissociation_observed": any(o.dissociation for o in obs),
            "respiratory_depression_observed": any(o.respiratory_depression for o in obs),
        },
        "unverified_fields": {
            "session_date": ensure_utc(row.checked_in_at).date().isoformat(),
            "dose_mg": row.dose_mg,
            "predose_bp_mmhg": f"{row.predose_systolic_mmhg}/{row.predose_diastolic_mmhg}",
            "postdose_bp_mmhg": None
            if bp40 is None
            else f"{bp40.systolic_mmhg}/{bp40.diastolic_mmhg}",
            "discharge_bp_mmhg": f"{row.discharge_systolic_mmhg}/{row.discharge_diastolic_mmhg}",
            "lowest_spo2_pct": min(spo2) if spo2 else row.discharge_spo2_pct,
            "sedation_resolved_before_discharge": row.sedation_resolved,
            "dissociation_resolved_before_discharge": row.dissociation_resolved,
            "respiratory_depression_resolved_before_discharge": row.respiratory_depression_resolved,
        },
        "due": None if row.rems_due is None else row.rems_due.isoformat(),
        "task": rems_task(row, on=today()),
        "rule": {"text": form.text, "status": form.status, "where": form.where},
        "status_note": "Verified fields: PARTIAL in the reference (transcript truncated). Other "
        "fields: UNVERIFIED; check the current form at spravatorems.com before use.",
    }


def dashboard(session: Session, actor: Actor) -> dict[str, dict[str, Any]]:
    """Per patient: the ongoing course's text and alerts (REMS form due or overdue, a
    pre-dose blood pressure awaiting a prescriber's sign-off)."""
    repo = EsketamineRepository(session)
    out: dict[str, dict[str, Any]] = {}
    on = today()
    given = repo.discharged_counts()
    for ref, row, course in repo.dashboard_rows():
        entry = out.setdefault(ref, {"alerts": []})
        if row.status in OPEN_STATUSES:
            delivered = given.get(row.id, 0)
            entry["course"] = (
                f"Esketamine session {delivered} of {course.planned_sessions or len(row.schedule)}"
            )
    for ref, s in repo.open_tasks():
        entry = out.setdefault(ref, {"alerts": []})
        task = rems_task(s, on=on)
        if task is not None and task["state"] == "overdue":
            entry["alerts"].append("rems_form_overdue")
        elif task is not None and task["state"] == "due":
            entry["alerts"].append("rems_form_due")
        if s.status == "checked_in" and s.bp_check.get("needs_prescriber_signoff"):
            entry["alerts"].append("esketamine_bp_signoff")
    # The courses room's alerts of esketamine courses (paused, serious event unreviewed).
    for ref, alerts in courses_service.caseload_alerts(session, actor).items():
        for alert in alerts:
            if alert.modality == "esketamine":
                out.setdefault(ref, {"alerts": []})["alerts"].append(alert.code)
    for entry in out.values():
        entry["alerts"] = list(dict.fromkeys(entry["alerts"]))
    audit.record(
        session, actor, "read", "esketamine_caseload", detail={"patient_refs": sorted(out)}
    )
    return out


# -------------------------------------------------------------------------------------------
# Adverse events and the pause (the courses room's, one for every therapy)


def report_adverse_event(
    session: Session,
    actor: Actor,
    patient: Patient,
    ref: str,
    *,
    kind: str,
    severity: str,
    occurred_on: date | None = None,
    serious_criteria: Sequence[str] = (),
    description: str = "",
) -> courses_service.ReportedEvent:
    """Report an adverse event seen in a session through the courses room (a serious one
    pauses the course until a physician reviews it); the event names the session."""
    row = _session(session, patient, ref)
    course = EsketamineRepository(session).treatment_course(
        session.get_one(EsketamineCourse, row.course_id)
    )
    reported = courses_service.report_adverse_event(
        session,
        actor,
        patient,
        course,
        kind=kind,
        severity=severity,
        occurred_on=occurred_on or ensure_utc(row.checked_in_at).date(),
        serious_criteria=serious_criteria,
        description=description,
        delivery_ref=f"esketamine_session:{row.ref}",
    )
    return reported


def review_pause(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    physician: str,
    decision: str,
    note: str,
) -> None:
    """A physician resumes or stops the paused course (the courses room's review); a stop
    ends the esketamine course too."""
    row = _course(session, patient)
    course = EsketamineRepository(session).treatment_course(row)
    courses_service.review_pause(
        session, actor, patient, course, physician=physician, decision=decision, note=note
    )
    if course.status == "stopped" and row.status in OPEN_STATUSES:
        snapshot(session, row, actor, f"stopped at the pause review: {note}"[:500])
        row.status = "stopped"
        session.flush()


def session_adverse_events(
    session: Session, actor: Actor, patient: Patient, ref: str
) -> list[dict[str, Any]]:
    """The adverse events reported from this session (the courses room's records)."""
    row = _session(session, patient, ref)
    course = EsketamineRepository(session).treatment_course(
        session.get_one(EsketamineCourse, row.course_id)
    )
    tag = f"esketamine_session:{row.ref}"
    return [
        {
            "id": e.id,
            "occurred_on": e.occurred_on.isoformat(),
            "kind": e.kind,
            "severity": e.severity,
            "serious": e.serious,
            "serious_criteria": list(e.serious_criteria),
            "description": e.description,
            "acknowledged_by": e.acknowledged_by,
        }
        for e in courses_service.adverse_events(session, actor, patient, course)
        if e.delivery_ref == tag
    ]
