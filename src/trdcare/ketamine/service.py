"""IV ketamine (OFF-LABEL) use cases: plan a series, start an infusion (baseline readings,
the blood-pressure sign-off), record observations, end the infusion, discharge, stop the
series, correct or retire an infusion record.

Flushes, never commits (the CLI command or the web request commits once); every read and
write of patient data is audited. Each use case that checks a series' state and changes it
first takes the patient's row lock (:func:`trdcare.adapters.db.locking.lock_patient`). The
rules are the pure domain's (:mod:`trdcare.ketamine.domain`); this module loads and stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from trdcare.accounts.domain.permissions import may_change_record
from trdcare.adapters.db.locking import lock_patient
from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.adapters.db.models.ketamine import KetamineInfusion, KetamineSeries
from trdcare.adapters.db.stamping import (
    VersionEntry,
    correct_row,
    retire_row,
    stamp_new,
    version_history,
)
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.clock import ensure_utc, not_before_birth, past_moment, utc_now
from trdcare.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from trdcare.core.ids import new_ref
from trdcare.core.provenance import reasons_status
from trdcare.courses import service as courses_service
from trdcare.history import service as history_service
from trdcare.ketamine.domain import (
    catalogue_version,
    check_discharge,
    check_infusion_end,
    check_observation,
    check_preinfusion_bp,
    discharge_readiness,
    off_label,
    series_calendar,
    weight_based_dose,
)
from trdcare.ketamine.repository import KetamineRepository

#: Who may sign off an elevated pre-infusion blood pressure (a prescriber's decision).
SIGNOFF_ROLES = frozenset({"physician"})
#: What a correction of an infusion may change (its number and series are its identity;
#: the dose given and the readings are corrected as a new record, never edited in place).
CORRECTABLE = ("started_at", "ended_at", "note")
SIGNER_MAX_CHARS = 60
MAX_NUMBER = 2**31 - 1


def _series(session: Session, patient: Patient) -> KetamineSeries:
    row = KetamineRepository(session).current_series(patient.id)
    if row is None:
        raise NotFound("series: this patient has no IV ketamine series")
    return row


def _active_series(session: Session, patient: Patient) -> KetamineSeries:
    row = _series(session, patient)
    if row.status != "active":
        raise Conflict(
            f"series: the IV ketamine series is {row.status}; plan a new series to give more "
            "infusions"
        )
    return row


def course_of(session: Session, series: KetamineSeries) -> TreatmentCourse:
    """The series' treatment course (adverse events, pauses and outcomes are the shared
    course service's)."""
    course = session.get(TreatmentCourse, series.treatment_course_id)
    assert course is not None  # a foreign key: the series was planned with it
    return course


def _infusion(session: Session, series: KetamineSeries, number: int) -> KetamineInfusion:
    # A number past the stored INTEGER range cannot name a record (and PostgreSQL would
    # refuse the query).
    row = (
        None
        if not 1 <= number <= MAX_NUMBER
        else KetamineRepository(session).infusion(series.id, number)
    )
    if row is None:
        raise NotFound(f"infusion: no infusion {number} in this series")
    return row


def _signer(as_role: str | None, signer: str | None, field: str, what: str) -> str:
    """The physician who signs: on the web the signed-in user (a physician), on the
    command line the physician named with ``--physician``."""
    if as_role is not None and as_role not in SIGNOFF_ROLES:
        raise PermissionDenied(f"{what}: only a physician may sign it off")
    name = (signer or "").strip()
    if not name or len(name) > SIGNER_MAX_CHARS:
        raise InvalidInput.single(
            field,
            f"is required: {what} needs a physician's sign-off",
            allowed=f"the signing physician's name (at most {SIGNER_MAX_CHARS} characters)",
            given=f"{len(name)} characters" if name else None,
        )
    return name


# -------------------------------------------------------------------------------------------
# Series


def plan_series(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    start: date,
    weight_kg: float,
    planned_by: str,
    dose_mg_per_kg: float | None = None,
    infusion_min: float | None = None,
    infusions: float | None = None,
    infusions_per_week: float | None = None,
    primary_scale: str = "madrs",
) -> KetamineSeries:
    """Plan an infusion series: a treatment course (modality ``ketamine``) and its dose.

    Raises
    ------
    InvalidInput
        A dose, weight, time or count outside the catalogue's range; a start before birth.
    Conflict
        An active series already exists.
    """
    lock_patient(session, patient.id)
    repo = KetamineRepository(session)
    current = repo.current_series(patient.id)
    if current is not None and current.status == "active":
        raise Conflict(
            "series: an IV ketamine series is already active for this patient; stop it first"
        )
    not_before_birth(start, field="start", born_on=patient.birth_date)
    dose = weight_based_dose(weight_kg, dose_mg_per_kg, infusion_min)
    calendar = series_calendar(start, infusions, infusions_per_week)
    course = history_service.add_course(
        session,
        actor,
        patient,
        modality="ketamine",
        start_date=start,
        primary_scale=primary_scale,
        planned_sessions=calendar.infusions,
    )
    ref = new_ref("K")
    while repo.ref_exists(ref):
        ref = new_ref("K")
    reasons = (*dose.reasons, *calendar.reasons)
    row = KetamineSeries(
        ref=ref,
        treatment_course_id=course.id,
        patient_id=patient.id,
        start_date=start,
        weight_kg=dose.weight_kg,
        dose_mg_per_kg=dose.dose_mg_per_kg,
        infusion_min=dose.infusion_min,
        dose_mg=dose.dose_mg,
        planned_infusions=calendar.infusions,
        infusions_per_week=calendar.infusions_per_week,
        status="active",
        planned_by=planned_by,
        calendar=[p.to_dict() for p in calendar.planned],
        reasons=[r.to_dict() for r in reasons],
        rules_status=reasons_status(reasons),
        catalogue_version=catalogue_version(),
    )
    stamp_new(row, actor)
    repo.add(row)
    audit.record(
        session,
        actor,
        "create",
        "ketamine_series",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"infusions": row.planned_infusions, "rules_status": row.rules_status},
    )
    return row


def stop_series(
    session: Session, actor: Actor, patient: Patient, *, reason: str, on: date | None = None
) -> KetamineSeries:
    """Stop the active series with a reason (its course is stopped too)."""
    lock_patient(session, patient.id)
    row = _active_series(session, patient)
    day = on or utc_now().date()
    not_before_birth(day, field="on", born_on=patient.birth_date)
    if day < row.start_date:
        raise InvalidInput.single(
            "on",
            "is before the series started",
            allowed=f"on or after {row.start_date.isoformat()}",
            given=day.isoformat(),
        )
    row.status = "stopped"
    row.stop_reason = reason
    course = history_service.find_course(session, patient, None)
    if course is not None and course.id == row.treatment_course_id:
        history_service.set_course_status(session, actor, course, "stopped", on=day, reason=reason)
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "ketamine_series",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"status": "stopped"},
    )
    return row


def _complete_if_done(
    session: Session, actor: Actor, patient: Patient, series: KetamineSeries, on: date
) -> None:
    infusions = KetamineRepository(session).infusions(series.id)
    done = [i for i in infusions if i.discharged_at is not None]
    if series.status == "active" and len(done) >= series.planned_infusions:
        series.status = "completed"
        course = history_service.find_course(session, patient, None)
        if course is not None and course.id == series.treatment_course_id:
            history_service.set_course_status(
                session, actor, course, "completed", on=on, reason="series completed"
            )


# -------------------------------------------------------------------------------------------
# Infusions


def start_infusion(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    administered_by: str,
    predose_systolic_mmhg: float,
    predose_diastolic_mmhg: float,
    predose_pulse_bpm: float | None = None,
    predose_spo2_pct: float | None = None,
    weight_kg: float | None = None,
    started_at: datetime | None = None,
    bp_signoff_reason: str | None = None,
    bp_signer: str | None = None,
    as_role: str | None = None,
    note: str = "",
) -> tuple[KetamineInfusion, dict[str, Any]]:
    """Start the next infusion of the active series.

    The dose is the plan's mg/kg and minutes at the day's weight (``weight_kg``, else the
    planned weight). A pre-infusion blood pressure above the (proxy) threshold needs a
    physician's sign-off with a reason; it never blocks by itself.

    Raises
    ------
    InvalidInput
        A reading outside the physiological ranges, a weight outside the catalogue's bounds,
        a start in the future, before birth or before the series' start, an elevated blood
        pressure without a sign-off reason.
    Conflict
        No active series, every planned infusion given, or an earlier infusion not yet
        discharged.
    """
    lock_patient(session, patient.id)
    series = _active_series(session, patient)
    # A serious adverse event pauses the course until a physician reviews it (courses room).
    courses_service.require_deliverable(session, course_of(session, series))
    repo = KetamineRepository(session)
    infusions = repo.infusions(series.id)
    open_ = [i for i in infusions if i.discharged_at is None]
    if open_:
        raise Conflict(
            f"infusion: infusion {open_[0].number} has not been discharged yet; discharge it "
            "(or mark it entered in error) before starting another"
        )
    if len(infusions) >= series.planned_infusions:
        raise Conflict(f"series: all {series.planned_infusions} planned infusions have been given")
    when = past_moment(started_at, field="started_at", now=utc_now(), born_on=patient.birth_date)
    if when.date() < series.start_date:
        raise InvalidInput.single(
            "started_at",
            "is before the series' first day",
            allowed=f"on or after {series.start_date.isoformat()}",
            given=when.date().isoformat(),
        )
    bp = check_preinfusion_bp(
        predose_systolic_mmhg, predose_diastolic_mmhg, predose_pulse_bpm, predose_spo2_pct
    )
    dose = weight_based_dose(
        series.weight_kg if weight_kg is None else weight_kg,
        series.dose_mg_per_kg,
        series.infusion_min,
    )
    signer = None
    reason = (bp_signoff_reason or "").strip() or None
    if bp.needs_physician_signoff:
        if reason is None:
            raise InvalidInput.single(
                "bp_signoff_reason",
                "is required: the pre-infusion blood pressure is above "
                f"{bp.reasons[0].inputs['systolic_above_mmhg']}/"
                f"{bp.reasons[0].inputs['diastolic_above_mmhg']} mmHg, so a physician signs "
                "off with a reason (or the infusion waits)",
                allowed="the physician's reason for infusing",
                given=f"{bp.vitals.systolic_mmhg}/{bp.vitals.diastolic_mmhg} mmHg, no reason",
            )
        signer = _signer(as_role, bp_signer, "bp_signer", "an elevated pre-infusion blood pressure")
    elif reason is not None:
        reason = None  # nothing to sign off: a stray reason is not kept as a sign-off
    number = max((i.number for i in infusions), default=0) + 1
    row = KetamineInfusion(
        series_id=series.id,
        patient_id=patient.id,
        number=number,
        started_at=when,
        weight_kg=dose.weight_kg,
        dose_mg_per_kg=dose.dose_mg_per_kg,
        infusion_min=dose.infusion_min,
        dose_mg=dose.dose_mg,
        administered_by=administered_by,
        predose=bp.to_dict(),
        bp_warning=bp.needs_physician_signoff,
        bp_signoff_by=signer,
        bp_signoff_reason=reason,
        observations=[],
        discharge={},
        note=note,
    )
    stamp_new(row, actor)
    repo.add(row)
    audit.record(
        session,
        actor,
        "create",
        "ketamine_infusion",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"number": number, "bp_warning": row.bp_warning},
    )
    return row, dose.to_dict()


def record_observation(
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
    sedation: bool = False,
    dissociation: bool = False,
    respiratory_depression: bool = False,
    note: str = "",
    observed_by: str = "",
) -> KetamineInfusion:
    """Add one set of readings and observations to an infusion not yet discharged."""
    lock_patient(session, patient.id)
    series = _series(session, patient)
    row = _infusion(session, series, number)
    if row.discharged_at is not None:
        raise Conflict(f"infusion: infusion {number} has been discharged; correct it instead")
    when = past_moment(at, field="at", now=utc_now(), born_on=patient.birth_date)
    observation = check_observation(
        when,
        started_at=row.started_at,
        ended_at=row.ended_at,
        systolic_mmhg=systolic_mmhg,
        diastolic_mmhg=diastolic_mmhg,
        pulse_bpm=pulse_bpm,
        spo2_pct=spo2_pct,
        respiratory_rate_per_min=respiratory_rate_per_min,
        sedation=sedation,
        dissociation=dissociation,
        respiratory_depression=respiratory_depression,
        note=note,
    )
    entry = {**observation.to_dict(), "observed_by": observed_by or actor.username}
    row.observations = sorted([*row.observations, entry], key=lambda o: str(o["at"]))
    row.updated_at = utc_now()
    row.updated_by = actor.username
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "ketamine_infusion",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"number": number, "observation": observation.phase},
    )
    return row


def end_infusion(
    session: Session, actor: Actor, patient: Patient, number: int, *, ended_at: datetime | None
) -> KetamineInfusion:
    """Record the end of the infusion (observation for discharge counts from it)."""
    lock_patient(session, patient.id)
    series = _series(session, patient)
    row = _infusion(session, series, number)
    if row.ended_at is not None:
        raise Conflict(f"infusion: the end of infusion {number} is already recorded")
    when = past_moment(ended_at, field="ended_at", now=utc_now(), born_on=patient.birth_date)
    check_infusion_end(row.started_at, when)
    row.ended_at = when
    row.updated_at = utc_now()
    row.updated_by = actor.username
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "ketamine_infusion",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"number": number, "ended": True},
    )
    return row


def discharge(
    session: Session,
    actor: Actor,
    patient: Patient,
    number: int,
    *,
    signed_by: str,
    discharged_at: datetime | None,
    sedation_resolved: bool,
    dissociation_resolved: bool,
    respiratory_depression_resolved: bool,
) -> KetamineInfusion:
    """Discharge after the infusion: the minimum observation passed and sedation,
    dissociation and respiratory depression resolved (else refused, nothing written)."""
    lock_patient(session, patient.id)
    series = _series(session, patient)
    row = _infusion(session, series, number)
    if row.discharged_at is not None:
        raise Conflict(f"infusion: infusion {number} is already discharged")
    if row.ended_at is None:
        raise Conflict(
            f"infusion: the end of infusion {number} is not recorded; record it first "
            "(observation for discharge counts from it)"
        )
    when = past_moment(
        discharged_at, field="discharged_at", now=utc_now(), born_on=patient.birth_date
    )
    readiness = check_discharge(
        row.ended_at,
        when,
        sedation_resolved=sedation_resolved,
        dissociation_resolved=dissociation_resolved,
        respiratory_depression_resolved=respiratory_depression_resolved,
    )
    row.discharged_at = when
    row.discharge_signed_by = signed_by
    row.discharge = readiness.to_dict()
    row.updated_at = utc_now()
    row.updated_by = actor.username
    _complete_if_done(session, actor, patient, series, when.date())
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "ketamine_infusion",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"number": number, "discharged": True},
    )
    return row


def readiness(
    session: Session, actor: Actor, patient: Patient, number: int, *, now: datetime | None = None
) -> dict[str, Any]:
    """Discharge readiness of an infusion now, from its last observation (audited read)."""
    series = _series(session, patient)
    row = _infusion(session, series, number)
    audit.record(
        session,
        actor,
        "read",
        "ketamine_infusion",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"number": number, "readiness": True},
    )
    if row.ended_at is None:
        return {"ready": False, "unmet": ["The end of the infusion is not recorded."]}
    last = row.observations[-1] if row.observations else {}
    result = discharge_readiness(
        row.ended_at,
        ensure_utc(now or utc_now()),
        sedation_resolved=not last.get("sedation", True),
        dissociation_resolved=not last.get("dissociation", True),
        respiratory_depression_resolved=not last.get("respiratory_depression", True),
    )
    doc = result.to_dict()
    if not row.observations:
        doc["unmet"] = [*result.unmet, "No observation recorded yet."]
    return doc


# -------------------------------------------------------------------------------------------
# Reads


def infusion_to_dict(row: KetamineInfusion) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": row.number,
        "version": row.version,
        "started_at": row.started_at.isoformat(),
        "ended_at": None if row.ended_at is None else row.ended_at.isoformat(),
        "weight_kg": row.weight_kg,
        "dose_mg_per_kg": row.dose_mg_per_kg,
        "infusion_min": row.infusion_min,
        "dose_mg": row.dose_mg,
        "administered_by": row.administered_by,
        "predose": row.predose,
        "bp_warning": row.bp_warning,
        "bp_signoff_by": row.bp_signoff_by,
        "bp_signoff_reason": row.bp_signoff_reason,
        "observations": row.observations,
        "discharged_at": None if row.discharged_at is None else row.discharged_at.isoformat(),
        "discharge_signed_by": row.discharge_signed_by,
        "discharge": row.discharge,
        "note": row.note,
        "created_by": row.created_by,
    }


def series_to_dict(row: KetamineSeries, infusions: list[KetamineInfusion]) -> dict[str, Any]:
    given = len(infusions)
    next_planned = (
        row.calendar[given] if row.status == "active" and given < len(row.calendar) else None
    )
    return {
        "ref": row.ref,
        "status": row.status,
        "start_date": row.start_date.isoformat(),
        "weight_kg": row.weight_kg,
        "dose_mg_per_kg": row.dose_mg_per_kg,
        "infusion_min": row.infusion_min,
        "dose_mg": row.dose_mg,
        "planned_infusions": row.planned_infusions,
        "infusions_per_week": row.infusions_per_week,
        "given_infusions": given,
        "discharged_infusions": sum(1 for i in infusions if i.discharged_at is not None),
        "planned_by": row.planned_by,
        "calendar": row.calendar,
        "next_infusion": next_planned,
        "stop_reason": row.stop_reason,
        "rules_status": row.rules_status,
        "reasons": row.reasons,
        "catalogue_version": row.catalogue_version,
        "off_label": off_label(),
        "infusions": [infusion_to_dict(i) for i in infusions],
    }


def status(session: Session, actor: Actor, patient: Patient) -> dict[str, Any]:
    """The current series with its infusions (audited read)."""
    row = _series(session, patient)
    infusions = KetamineRepository(session).infusions(row.id)
    audit.record(
        session,
        actor,
        "read",
        "ketamine_series",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"infusions": len(infusions)},
    )
    course = course_of(session, row)
    return {
        **series_to_dict(row, infusions),
        "course_ref": course.ref,
        "course_status": course.status,
    }


def course_record(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> dict[str, Any] | None:
    """The series of the treatment course ``course`` (the current one or an earlier one)
    with its infusions, as :func:`status` gives it (audited read); None when the room holds
    no series for that course (a ketamine course entered in the history only)."""
    row = KetamineRepository(session).series_of_course(course.id)
    if row is None or row.patient_id != patient.id:
        return None
    infusions = KetamineRepository(session).infusions(row.id)
    audit.record(
        session,
        actor,
        "read",
        "ketamine_series",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"infusions": len(infusions), "course": course.ref},
    )
    return {**series_to_dict(row, infusions), "course_ref": course.ref}


# -------------------------------------------------------------------------------------------
# Corrections


def _may_change(actor: Actor, as_role: str | None, row: KetamineInfusion) -> None:
    if as_role is None:
        return
    if not may_change_record(
        as_role, "ketamine.correct", entered_by_self=row.created_by == actor.username
    ):
        raise PermissionDenied(
            f"infusion {row.number} was recorded by someone else: a "
            f"{as_role.replace('_', ' ')} corrects only what they recorded (a physician "
            "corrects anyone's)"
        )


def correct_infusion(
    session: Session,
    actor: Actor,
    patient: Patient,
    number: int,
    changes: Mapping[str, Any],
    *,
    reason: str,
    expected_version: int | None = None,
    as_role: str | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Correct an infusion's times or note (a new version; the old kept with the reason).

    Times are checked as when recorded: not in the future, not before birth, the end after
    the start, an observation not before the start, a discharge not before the minimum
    observation after the (corrected) end.
    """
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise InvalidInput.single(
            unknown[0], "cannot be corrected", allowed=", ".join(CORRECTABLE), given=unknown[0]
        )
    lock_patient(session, patient.id)
    series = _series(session, patient)
    row = _infusion(session, series, number)
    _may_change(actor, as_role, row)
    now = utc_now()
    new = dict(changes)
    started = row.started_at
    if "started_at" in new:
        started = past_moment(
            new["started_at"], field="started_at", now=now, born_on=patient.birth_date
        )
        if started.date() < series.start_date:
            raise InvalidInput.single(
                "started_at",
                "is before the series' first day",
                allowed=f"on or after {series.start_date.isoformat()}",
                given=started.date().isoformat(),
            )
        new["started_at"] = started
    ended = row.ended_at
    if "ended_at" in new and new["ended_at"] is not None:
        ended = past_moment(new["ended_at"], field="ended_at", now=now, born_on=patient.birth_date)
        new["ended_at"] = ended
    if ended is not None:
        check_infusion_end(started, ended)
    for obs in row.observations:
        if datetime.fromisoformat(str(obs["at"])) < started:
            raise InvalidInput.single(
                "started_at",
                "is after an observation of this infusion",
                allowed=f"on or before {obs['at']}",
                given=started.isoformat(),
            )
    if row.discharged_at is not None and ended is not None:
        # The criteria were met when discharged; a corrected end must still leave the
        # minimum observation before the discharge.
        check_discharge(
            ended,
            row.discharged_at,
            sedation_resolved=True,
            dissociation_resolved=True,
            respiratory_depression_resolved=True,
        )
    changed = correct_row(
        session,
        row,
        actor,
        reason,
        new,
        what=f"infusion {number}",
        expected_version=expected_version,
    )
    audit.record(
        session,
        actor,
        "correct",
        "ketamine_infusion",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"number": number, "fields": sorted(changed)},
    )
    return changed


def retire_infusion(
    session: Session,
    actor: Actor,
    patient: Patient,
    number: int,
    *,
    reason: str,
    expected_version: int | None = None,
    as_role: str | None = None,
) -> KetamineInfusion:
    """Mark an infusion entered in error (kept, with who, when and why)."""
    lock_patient(session, patient.id)
    series = _series(session, patient)
    row = _infusion(session, series, number)
    _may_change(actor, as_role, row)
    retire_row(
        session, row, actor, reason, what=f"infusion {number}", expected_version=expected_version
    )
    audit.record(
        session,
        actor,
        "retire",
        "ketamine_infusion",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"number": number},
    )
    return row


def infusion_versions(
    session: Session, actor: Actor, patient: Patient, number: int
) -> tuple[KetamineInfusion, list[VersionEntry]]:
    series = _series(session, patient)
    row = _infusion(session, series, number)
    audit.record(
        session,
        actor,
        "read",
        "ketamine_infusion_versions",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"number": number},
    )
    return row, version_history(session, row)
