"""JSON API of the esketamine room: eligibility and the course, and a session from check-in
to discharge (pre-dose blood pressure and its sign-off, dose, observations, discharge), the
prescriber's signature, the REMS Patient Monitoring Form and its submission.

Who acts is the signed-in user (the prescriber who signs, the person who discharges, the
one who marks the REMS form submitted), taken from the credentials, never typed in. The
input models serve the page forms too (:mod:`trdcare.esketamine.pages`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import Field, model_validator
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal, Require, who
from trdcare.adapters.web.corrections import Blank, RetireIn, VersionOut, versions_out
from trdcare.adapters.web.db import Db
from trdcare.core.inputs import ClinicalNote, Code, InputModel, Label, RequiredNote
from trdcare.core.vitals import VITAL_SIGN_LIMITS
from trdcare.esketamine import schemas
from trdcare.esketamine import service as esk_service
from trdcare.esketamine.domain import (
    MAINTENANCE_OPTIONS,
    contraindication_items,
    question_ids,
    warning_items,
)
from trdcare.patients import service as patient_service
from trdcare.patients.endpoints import PatientRef

# A page takes the clinic's local time (adapters.web.forms.in_clinic_time); the API reads a
# moment without an offset as UTC.
_MOMENT = "ISO 8601 date and time; without an offset, UTC"

router = APIRouter(tags=["esketamine"])

SessionRef = Annotated[
    str,
    Path(pattern=r"^[A-Za-z0-9-]{1,20}$", description="The session's opaque ref (K-...)"),
]
ObservationId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The observation's id")]


def _vital(name: str, title: str, *, required: bool = False) -> Any:
    """A vital sign input bounded by the shared plausibility range of
    :mod:`trdcare.core.vitals` (so a form's every problem is reported at once, each naming
    the field, the range and the value); the service checks the same range again."""
    interval = VITAL_SIGN_LIMITS[name]
    bounds: dict[str, Any] = {"ge": interval.low, "le": interval.high}
    if required:
        return Field(title=title, **bounds)
    return Field(default=None, title=title, **bounds)


class _In(InputModel):
    """Base of the esketamine input models (API bodies and page forms alike)."""


class PlanIn(_In):
    """Screen and plan. The page's form (``q_<id>`` yes/no radios) is read as the same input."""

    answers: dict[str, bool | None] = Field(
        default_factory=dict, title="Answers", description="Question id -> yes / no"
    )
    start_date: date = Field(title="First dose on")
    population: Literal["trd", "mdd_suicidal"] = Field(default="trd", title="Indication")
    maintenance: Literal["weekly", "every_2_weeks"] = Field(
        default="weekly", title="Maintenance from week 9"
    )
    weeks: int = Field(default=12, ge=1, le=104, title="Weeks to plan")
    signoff_note: ClinicalNote = Field(default="", title="Prescriber's sign-off of the warnings")

    @model_validator(mode="before")
    @classmethod
    def _from_page_form(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or "answers" in data:
            return data
        rest = {k: v for k, v in data.items() if v != ""}
        answers: dict[str, Any] = {}
        for qid in question_ids():
            value = rest.pop(f"q_{qid}", None)
            answers[qid] = None if value is None else value == "yes"
        return {**rest, "answers": answers}


class EligibilityIn(_In):
    answers: dict[str, bool | None] = Field(title="Answers")
    population: Literal["trd", "mdd_suicidal"] = Field(default="trd", title="Indication")
    start_date: date | None = Field(default=None, title="First dose on")


class StopIn(_In):
    reason: Annotated[str, Field(min_length=3, max_length=400)] = Field(title="Reason")
    on: Annotated[date | None, Blank] = Field(default=None, title="Stopped on")


class CheckInIn(_In):
    predose_systolic_mmhg: float = _vital(
        "systolic_mmhg", "Pre-dose systolic (mmHg)", required=True
    )
    predose_diastolic_mmhg: float = _vital(
        "diastolic_mmhg", "Pre-dose diastolic (mmHg)", required=True
    )
    predose_pulse_bpm: Annotated[float | None, Blank] = _vital("pulse_bpm", "Pre-dose pulse (/min)")
    predose_spo2_pct: Annotated[float | None, Blank] = _vital("spo2_pct", "Pre-dose SpO2 (%)")
    checked_in_at: Annotated[datetime | None, Blank] = Field(
        default=None, title="Checked in at", description=_MOMENT
    )
    extra_medications: list[Label] = Field(
        default_factory=list, max_length=30, title="Other current medications"
    )
    note: ClinicalNote = Field(default="", title="Note")

    @model_validator(mode="before")
    @classmethod
    def _split_medications(cls, data: Any) -> Any:
        # A page sends one line "a, b" (FastAPI hands a list field's form value over as a
        # list of the one string typed); an empty box is no medication.
        if not isinstance(data, Mapping) or "extra_medications" not in data:
            return data
        value = data["extra_medications"]
        parts = value if isinstance(value, list) else [value]
        names: list[Any] = []
        for part in parts:
            if isinstance(part, str):
                names += [p.strip() for p in part.replace(";", ",").split(",") if p.strip()]
            else:
                names.append(part)
        return {**data, "extra_medications": names}


class BpSignoffIn(_In):
    note: RequiredNote = Field(title="Your reasoning")


class DoseIn(_In):
    dose_mg: float = Field(title="Dose (mg)")
    devices: float = Field(title="Devices (28 mg each)")
    lot: Code = Field(title="Lot number")
    device_times: list[datetime] = Field(
        default_factory=list, max_length=3, title="Each device given at", description=_MOMENT
    )
    administered_at: Annotated[datetime | None, Blank] = Field(
        default=None, title="First device given at", description=_MOMENT
    )
    monitoring_start: Annotated[datetime | None, Blank] = Field(
        default=None, title="Monitoring began at", description=_MOMENT
    )

    @model_validator(mode="before")
    @classmethod
    def _from_page_form(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or "device_times" in data:
            return data
        rest = dict(data)
        times = [rest.pop(f"device_{i}_at", "") for i in (1, 2, 3)]
        given = [t for t in times if isinstance(t, str) and t.strip()]
        return {**rest, "device_times": given} if given else rest


class ObservationIn(_In):
    observed_at: Annotated[datetime | None, Blank] = Field(
        default=None, title="Observed at", description=_MOMENT
    )
    purpose: Literal["post_dose_40_min", "routine"] = Field(default="routine", title="Purpose")
    sedation: bool = Field(default=False, title="Sedation")
    dissociation: bool = Field(default=False, title="Dissociation")
    respiratory_depression: bool = Field(default=False, title="Respiratory depression")
    systolic_mmhg: Annotated[float | None, Blank] = _vital("systolic_mmhg", "Systolic (mmHg)")
    diastolic_mmhg: Annotated[float | None, Blank] = _vital("diastolic_mmhg", "Diastolic (mmHg)")
    pulse_bpm: Annotated[float | None, Blank] = _vital("pulse_bpm", "Pulse (/min)")
    spo2_pct: Annotated[float | None, Blank] = _vital("spo2_pct", "SpO2 (%)")
    respiratory_rate_per_min: Annotated[float | None, Blank] = _vital(
        "respiratory_rate_per_min", "Respiratory rate (/min)"
    )
    note: ClinicalNote = Field(default="", title="Note")


class DischargeIn(_In):
    discharged_at: Annotated[datetime | None, Blank] = Field(
        default=None, title="Discharged at", description=_MOMENT
    )
    discharge_systolic_mmhg: float = _vital(
        "systolic_mmhg", "Systolic at discharge (mmHg)", required=True
    )
    discharge_diastolic_mmhg: float = _vital(
        "diastolic_mmhg", "Diastolic at discharge (mmHg)", required=True
    )
    discharge_pulse_bpm: Annotated[float | None, Blank] = _vital("pulse_bpm", "Pulse (/min)")
    discharge_spo2_pct: Annotated[float | None, Blank] = _vital("spo2_pct", "SpO2 (%)")
    sedation_resolved: bool = Field(default=False, title="Sedation resolved")
    dissociation_resolved: bool = Field(default=False, title="Dissociation resolved")
    respiratory_depression_resolved: bool = Field(
        default=False, title="Respiratory depression resolved"
    )
    safe_transport: bool = Field(default=False, title="Safe way home arranged (not driving)")
    elevated_bp_reviewed: bool = Field(
        default=False,
        title="Blood pressure still elevated at discharge: reviewed (keep monitoring; emergency "
        "care for a hypertensive crisis)",
    )
    note: ClinicalNote = Field(default="", title="Note")


class RemsSubmittedIn(_In):
    submitted_at: Annotated[datetime | None, Blank] = Field(
        default=None, title="Submitted at", description=_MOMENT
    )


class SignIn(_In):
    pass


class AdverseEventIn(_In):
    """An adverse event seen in the session (kinds: the courses room's esketamine list)."""

    kind: str = Field(min_length=1, max_length=40, title="Adverse event")
    severity: Literal["mild", "moderate", "severe"] = Field(title="Severity")
    occurred_on: Annotated[date | None, Blank] = Field(
        default=None, title="Occurred on (default: the session's day)"
    )
    serious_criteria: list[
        Literal[
            "death",
            "life_threatening",
            "hospitalisation",
            "disability",
            "congenital_anomaly",
            "important_medical_event",
        ]
    ] = Field(default_factory=list, max_length=6, title="Serious because")
    description: ClinicalNote = Field(default="", title="What happened")


class PauseReviewIn(_In):
    decision: Literal["resume", "stop"] = Field(title="Decision")
    note: RequiredNote = Field(title="Your reasoning")


class SessionCorrectionIn(RetireIn):
    lot: Code | None = None
    note: ClinicalNote | None = None
    discharge_note: ClinicalNote | None = None


def _patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, ref, purpose=purpose)


# -- use cases shared with the pages ---------------------------------------------------------
def plan_from(db: Session, principal: Principal, patient: Patient, body: PlanIn) -> None:
    esk_service.plan(
        db,
        principal.actor,
        patient,
        answers=body.answers,
        start_date=body.start_date,
        population=body.population,
        maintenance=body.maintenance,
        weeks=body.weeks,
        physician=who(principal),
        signoff_note=body.signoff_note,
    )


def check_in_from(db: Session, principal: Principal, patient: Patient, body: CheckInIn) -> str:
    row = esk_service.check_in(db, principal.actor, patient, **body.model_dump())
    return row.ref


def dose_from(db: Session, principal: Principal, patient: Patient, ref: str, body: DoseIn) -> None:
    esk_service.record_dose(
        db, principal.actor, patient, ref, administered_by=who(principal), **body.model_dump()
    )


def observe_from(
    db: Session, principal: Principal, patient: Patient, ref: str, body: ObservationIn
) -> None:
    esk_service.observe(db, principal.actor, patient, ref, **body.model_dump())


def discharge_from(
    db: Session, principal: Principal, patient: Patient, ref: str, body: DischargeIn
) -> None:
    esk_service.discharge(
        db, principal.actor, patient, ref, discharged_by=who(principal), **body.model_dump()
    )


# -- routes ----------------------------------------------------------------------------------
@router.get(
    "/esketamine/questions",
    response_model=list[schemas.Question],
    summary="The eligibility questions: label contraindications (blocks) and warnings",
)
def questions(
    _: Annotated[Principal, Depends(Require("esketamine.read"))],
) -> list[dict[str, Any]]:
    out = []
    for kind, items in (
        ("contraindication", contraindication_items()),
        ("warning", warning_items()),
    ):
        for i in items:
            out.append(
                {
                    "id": i.id,
                    "kind": kind,
                    "question": i.question,
                    "text": i.text,
                    "status": i.status,
                    "tag": i.tag,
                }
            )
    return out


@router.post(
    "/patients/{ref}/esketamine/eligibility",
    response_model=schemas.Eligibility,
    summary="Screen without planning: blocks, warnings needing sign-off, TRD status",
)
def eligibility(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.read"))],
    ref: PatientRef,
    body: EligibilityIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_eligibility")
    return esk_service.eligibility(
        db,
        principal.actor,
        patient,
        body.answers,
        population=body.population,
        start_date=body.start_date,
    )


@router.post(
    "/patients/{ref}/esketamine/plan",
    status_code=201,
    response_model=schemas.Course,
    summary="Screen and plan a course with the label's induction and maintenance calendar",
)
def plan(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.plan"))],
    ref: PatientRef,
    body: PlanIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_plan")
    plan_from(db, principal, patient, body)
    return esk_service.status(db, principal.actor, patient)


@router.get(
    "/patients/{ref}/esketamine/course",
    response_model=schemas.Course,
    summary="The current course: eligibility, calendar, sessions and REMS tasks",
)
def course(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.read"))],
    ref: PatientRef,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_course")
    return esk_service.status(db, principal.actor, patient)


@router.post(
    "/patients/{ref}/esketamine/course/stop",
    response_model=schemas.Course,
    summary="Stop the ongoing course (with a reason); its sessions are kept",
)
def stop(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.plan"))],
    ref: PatientRef,
    body: StopIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_stop")
    esk_service.stop_course(db, principal.actor, patient, reason=body.reason, on=body.on)
    return esk_service.status(db, principal.actor, patient)


@router.post(
    "/patients/{ref}/esketamine/sessions",
    status_code=201,
    response_model=schemas.Session,
    summary="Check in: pre-dose vital signs, the blood-pressure check, concomitant medications",
)
def check_in(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.deliver"))],
    ref: PatientRef,
    body: CheckInIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_check_in")
    session_ref = check_in_from(db, principal, patient, body)
    return esk_service.session_detail(db, principal.actor, patient, session_ref)


@router.get(
    "/patients/{ref}/esketamine/sessions/{session_ref}",
    response_model=schemas.Session,
    summary="One session with its observations",
)
def session_detail(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.read"))],
    ref: PatientRef,
    session_ref: SessionRef,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_session")
    return esk_service.session_detail(db, principal.actor, patient, session_ref)


@router.post(
    "/patients/{ref}/esketamine/sessions/{session_ref}/bp-signoff",
    response_model=schemas.Session,
    summary="The signed-in prescriber signs off dosing despite an elevated pre-dose BP",
)
def bp_signoff(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.sign"))],
    ref: PatientRef,
    session_ref: SessionRef,
    body: BpSignoffIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_bp_signoff")
    esk_service.sign_off_bp(
        db, principal.actor, patient, session_ref, physician=who(principal), note=body.note
    )
    return esk_service.session_detail(db, principal.actor, patient, session_ref)


@router.post(
    "/patients/{ref}/esketamine/sessions/{session_ref}/dose",
    response_model=schemas.Session,
    summary="Record the dose: label step, 28 mg devices, lot, device times, monitoring start",
)
def dose(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.deliver"))],
    ref: PatientRef,
    session_ref: SessionRef,
    body: DoseIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_dose")
    dose_from(db, principal, patient, session_ref, body)
    return esk_service.session_detail(db, principal.actor, patient, session_ref)


@router.post(
    "/patients/{ref}/esketamine/sessions/{session_ref}/observations",
    status_code=201,
    response_model=schemas.Session,
    summary="Record a timed observation (sedation, dissociation, respiration, vital signs)",
)
def observe(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.observe"))],
    ref: PatientRef,
    session_ref: SessionRef,
    body: ObservationIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_observe")
    observe_from(db, principal, patient, session_ref, body)
    return esk_service.session_detail(db, principal.actor, patient, session_ref)


@router.get(
    "/patients/{ref}/esketamine/sessions/{session_ref}/readiness",
    response_model=schemas.Readiness,
    summary="Discharge readiness now (2 hours, latest observations resolved)",
)
def readiness(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.read"))],
    ref: PatientRef,
    session_ref: SessionRef,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_readiness")
    return esk_service.readiness(db, principal.actor, patient, session_ref)


@router.post(
    "/patients/{ref}/esketamine/sessions/{session_ref}/discharge",
    response_model=schemas.Session,
    summary="Discharge (at least 2 hours, effects resolved, safe way home); opens the REMS task",
)
def discharge(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.discharge"))],
    ref: PatientRef,
    session_ref: SessionRef,
    body: DischargeIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_discharge")
    discharge_from(db, principal, patient, session_ref, body)
    return esk_service.session_detail(db, principal.actor, patient, session_ref)


@router.post(
    "/patients/{ref}/esketamine/sessions/{session_ref}/sign",
    response_model=schemas.Session,
    summary="The signed-in prescriber signs the discharged session",
)
def sign(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.sign"))],
    ref: PatientRef,
    session_ref: SessionRef,
    body: SignIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_sign")
    esk_service.sign_session(db, principal.actor, patient, session_ref, physician=who(principal))
    return esk_service.session_detail(db, principal.actor, patient, session_ref)


@router.get(
    "/patients/{ref}/esketamine/sessions/{session_ref}/rems-form",
    response_model=schemas.RemsForm,
    summary="The REMS Patient Monitoring Form's content, generated from the session",
)
def rems_form(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.read"))],
    ref: PatientRef,
    session_ref: SessionRef,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_rems_form")
    return esk_service.rems_form(db, principal.actor, patient, session_ref)


@router.post(
    "/patients/{ref}/esketamine/sessions/{session_ref}/rems-submitted",
    response_model=schemas.Session,
    summary="Mark the REMS form submitted: who (the signed-in user) and when",
)
def rems_submitted(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.rems"))],
    ref: PatientRef,
    session_ref: SessionRef,
    body: RemsSubmittedIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_rems_submitted")
    esk_service.mark_rems_submitted(
        db,
        principal.actor,
        patient,
        session_ref,
        submitted_by=who(principal),
        submitted_at=body.submitted_at,
    )
    return esk_service.session_detail(db, principal.actor, patient, session_ref)


@router.post(
    "/patients/{ref}/esketamine/sessions/{session_ref}/correct",
    response_model=schemas.Correction,
    summary="Correct a session's lot or notes: a new version, the old kept with the reason",
)
def correct_session(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.correct"))],
    ref: PatientRef,
    session_ref: SessionRef,
    body: SessionCorrectionIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_session_correct")
    changes = body.model_dump(exclude_unset=True, exclude={"reason", "version"})
    changed = esk_service.correct_session(
        db,
        principal.actor,
        patient,
        session_ref,
        changes,
        reason=body.reason,
        expected_version=body.version,
        as_role=principal.role,
    )
    detail = esk_service.session_detail(db, principal.actor, patient, session_ref)
    return {"ref": session_ref, "version": detail["version"], "changed": sorted(changed)}


@router.post(
    "/patients/{ref}/esketamine/sessions/{session_ref}/entered-in-error",
    response_model=schemas.Session,
    summary="Mark a session entered in error: kept, no longer counted, its REMS task closed",
)
def retire_session(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.correct"))],
    ref: PatientRef,
    session_ref: SessionRef,
    body: RetireIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_session_retire")
    esk_service.retire_session(
        db,
        principal.actor,
        patient,
        session_ref,
        reason=body.reason,
        expected_version=body.version,
        as_role=principal.role,
    )
    return esk_service.session_detail(db, principal.actor, patient, session_ref)


@router.post(
    "/patients/{ref}/esketamine/sessions/{session_ref}/observations/{observation_id}/entered-in-error",
    response_model=schemas.ObservationState,
    summary="Mark an observation entered in error (kept, with the reason)",
)
def retire_observation(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.correct"))],
    ref: PatientRef,
    session_ref: SessionRef,
    observation_id: ObservationId,
    body: RetireIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_observation_retire")
    obs = esk_service.retire_observation(
        db,
        principal.actor,
        patient,
        session_ref,
        observation_id,
        reason=body.reason,
        expected_version=body.version,
        as_role=principal.role,
    )
    return {"id": obs.id, "version": obs.version, "retired_reason": obs.retired_reason}


@router.get(
    "/patients/{ref}/esketamine/sessions/{session_ref}/versions",
    summary="The earlier versions of a session: who corrected it, when and why",
)
def session_versions(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.read"))],
    ref: PatientRef,
    session_ref: SessionRef,
) -> list[VersionOut]:
    patient = _patient(db, principal, ref, "esketamine_session_versions")
    return versions_out(esk_service.session_versions(db, principal.actor, patient, session_ref))


# What the maintenance choice offers, for the page (one source of the options).
MAINTENANCE_CHOICES = tuple(MAINTENANCE_OPTIONS)


@router.post(
    "/patients/{ref}/esketamine/sessions/{session_ref}/adverse-events",
    status_code=201,
    response_model=schemas.ReportedAdverseEvent,
    summary="Report an adverse event seen in the session (a serious one pauses the course)",
)
def report_adverse_event(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.adverse_event"))],
    ref: PatientRef,
    session_ref: SessionRef,
    body: AdverseEventIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_adverse_event")
    reported = esk_service.report_adverse_event(
        db, principal.actor, patient, session_ref, **body.model_dump()
    )
    events = esk_service.session_adverse_events(db, principal.actor, patient, session_ref)
    event = next(e for e in events if e["id"] == reported.event.id)
    status = esk_service.status(db, principal.actor, patient)
    return {"event": event, "paused": reported.paused, "course_status": status["course_status"]}


@router.get(
    "/patients/{ref}/esketamine/sessions/{session_ref}/adverse-events",
    response_model=list[schemas.SessionAdverseEvent],
    summary="The adverse events reported from the session",
)
def session_adverse_events(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.read"))],
    ref: PatientRef,
    session_ref: SessionRef,
) -> list[dict[str, Any]]:
    patient = _patient(db, principal, ref, "esketamine_adverse_events")
    return esk_service.session_adverse_events(db, principal.actor, patient, session_ref)


@router.post(
    "/patients/{ref}/esketamine/course/pause-review",
    response_model=schemas.Course,
    summary="The signed-in physician reviews a paused course: resume or stop, with a note",
)
def pause_review(
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.sign"))],
    ref: PatientRef,
    body: PauseReviewIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "esketamine_pause_review")
    esk_service.review_pause(
        db,
        principal.actor,
        patient,
        physician=who(principal),
        decision=body.decision,
        note=body.note,
    )
    return esk_service.status(db, principal.actor, patient)
