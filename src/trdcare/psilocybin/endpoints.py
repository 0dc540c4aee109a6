"""JSON API of the psilocybin room (RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY; every
answer carries the notice): the screening questions (no patient data), and a patient's
screen and enrolment, review, sessions, dosing days, observations, discharge, closing and
entered-in-error.

Who acts is the signed-in user (the screener, the reviewing physician, the person giving
the dose, observing or signing the discharge), never typed in.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal, Require, who
from trdcare.adapters.web.corrections import RecordStateOut, RetireIn, state_out
from trdcare.adapters.web.db import Db
from trdcare.patients import service as patient_service
from trdcare.patients.endpoints import PatientRef
from trdcare.psilocybin import schemas
from trdcare.psilocybin import service as psi_service
from trdcare.psilocybin.domain import exclusion_questions, restriction

router = APIRouter(tags=["psilocybin (research protocol or regulated programme only)"])

DosingNumber = Annotated[int, Path(ge=1, le=2**31 - 1, description="The dosing day's number")]
SessionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The session's id")]


def _patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, ref, purpose=purpose)


@router.get(
    "/psilocybin/screening-questions",
    response_model=schemas.Questions,
    summary="The exclusion questions with their effect and status (no patient data)",
)
def questions(
    principal: Annotated[Principal, Depends(Require("psilocybin.read"))],
) -> dict[str, Any]:
    return {
        "questions": [
            {"id": i, "question": q, "effect": e, "status": s}
            for i, q, e, s in exclusion_questions()
        ],
        "restriction": restriction(),
    }


@router.post(
    "/patients/{ref}/psilocybin/enrolment",
    status_code=201,
    response_model=schemas.Enrolment,
    summary="Screen against the exclusions; enrol when eligible (research/regulated only)",
)
def screen(
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.screen"))],
    ref: PatientRef,
    body: schemas.ScreenIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "psilocybin_screen")
    psi_service.screen_and_enrol(
        db,
        principal.actor,
        patient,
        programme=body.programme,
        protocol_id=body.protocol_id,
        protocol_name=body.protocol_name,
        answers=body.answers,
        screened_by=who(principal),
        screened_on=body.screened_on,
        washout_days=body.washout_days,
    )
    return psi_service.status(db, principal.actor, patient)


@router.get(
    "/patients/{ref}/psilocybin/enrolment",
    response_model=schemas.Enrolment,
    summary="The latest enrolment with sessions, dosing days and today's washout",
)
def enrolment(
    db: Db, principal: Annotated[Principal, Depends(Require("psilocybin.read"))], ref: PatientRef
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "psilocybin_enrolment")
    return psi_service.status(db, principal.actor, patient)


@router.post(
    "/patients/{ref}/psilocybin/enrolment/review",
    response_model=schemas.Enrolment,
    summary="The signed-in physician enrols or declines a screen that needs review",
)
def review(
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.review"))],
    ref: PatientRef,
    body: schemas.ReviewIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "psilocybin_review")
    psi_service.review_screen(
        db,
        principal.actor,
        patient,
        decision=body.decision,
        note=body.note,
        physician=who(principal),
        as_role=principal.role,
    )
    return psi_service.status(db, principal.actor, patient)


@router.post(
    "/patients/{ref}/psilocybin/enrolment/close",
    response_model=schemas.Enrolment,
    summary="The signed-in physician completes or stops the enrolment (with a reason)",
)
def close(
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.review"))],
    ref: PatientRef,
    body: schemas.CloseIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "psilocybin_close")
    psi_service.close_enrolment(
        db, principal.actor, patient, status=body.status, reason=body.reason
    )
    return psi_service.status(db, principal.actor, patient)


@router.post(
    "/patients/{ref}/psilocybin/sessions",
    status_code=201,
    response_model=schemas.SessionOut,
    summary="Record a preparation or integration session",
)
def add_session(
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.screen"))],
    ref: PatientRef,
    body: schemas.SessionIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "psilocybin_session")
    row = psi_service.record_session(db, principal.actor, patient, **body.model_dump())
    return psi_service.session_to_dict(row)


@router.post(
    "/patients/{ref}/psilocybin/sessions/{session_id}/entered-in-error",
    response_model=RecordStateOut,
    summary="Mark a preparation or integration session entered in error (with the reason)",
)
def retire_session(
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.correct"))],
    ref: PatientRef,
    session_id: SessionId,
    body: RetireIn,
) -> RecordStateOut:
    patient = _patient(db, principal, ref, "psilocybin_session_retire")
    row = psi_service.retire_session(
        db,
        principal.actor,
        patient,
        session_id,
        reason=body.reason,
        expected_version=body.version,
        as_role=principal.role,
    )
    return state_out(row)


@router.post(
    "/patients/{ref}/psilocybin/dosing-days",
    status_code=201,
    response_model=schemas.DosingDay,
    summary="Record a dosing day (dose, time, support person; washout and preparation "
    "checked against the record)",
)
def add_dosing_day(
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.dose"))],
    ref: PatientRef,
    body: schemas.DosingDayIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "psilocybin_dosing_day")
    row = psi_service.record_dosing_day(
        db, principal.actor, patient, administered_by=who(principal), **body.model_dump()
    )
    return psi_service.dosing_day_to_dict(row)


@router.post(
    "/patients/{ref}/psilocybin/dosing-days/{number}/observations",
    response_model=schemas.DosingDay,
    summary="Record vital signs and whether the effects persist",
)
def observe(
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.observe"))],
    ref: PatientRef,
    number: DosingNumber,
    body: schemas.DosingObservationIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "psilocybin_observation")
    row = psi_service.record_dosing_observation(
        db, principal.actor, patient, number, observed_by=who(principal), **body.model_dump()
    )
    return psi_service.dosing_day_to_dict(row)


@router.post(
    "/patients/{ref}/psilocybin/dosing-days/{number}/discharge",
    response_model=schemas.DosingDay,
    summary="The signed-in physician or clinician signs the discharge (6 h, effects "
    "resolved, support person present)",
)
def discharge(
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.discharge"))],
    ref: PatientRef,
    number: DosingNumber,
    body: schemas.DosingDischargeIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "psilocybin_discharge")
    row = psi_service.discharge_dosing_day(
        db, principal.actor, patient, number, signed_by=who(principal), **body.model_dump()
    )
    return psi_service.dosing_day_to_dict(row)


@router.post(
    "/patients/{ref}/psilocybin/dosing-days/{number}/entered-in-error",
    response_model=RecordStateOut,
    summary="Mark a dosing day entered in error (with the reason)",
)
def retire_dosing_day(
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.correct"))],
    ref: PatientRef,
    number: DosingNumber,
    body: RetireIn,
) -> RecordStateOut:
    patient = _patient(db, principal, ref, "psilocybin_dosing_day_retire")
    row = psi_service.retire_dosing_day(
        db,
        principal.actor,
        patient,
        number,
        reason=body.reason,
        expected_version=body.version,
        as_role=principal.role,
    )
    return state_out(row)
