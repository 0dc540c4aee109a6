"""JSON API of the DBS room (INVESTIGATIONAL for depression): the charge calculator (no
patient data), and a patient's candidacy assessment, surgery (the DBS course), programming
records with their charge and limits verdict (beyond a limit: refused unless the signed-in
physician gives an override reason), entered in error, and the course ended.

Who acts is the signed-in user; an override is the signed-in physician's, never typed in.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal, Require
from trdcare.adapters.web.corrections import RetireIn
from trdcare.adapters.web.db import Db
from trdcare.dbs import schemas
from trdcare.dbs import service as dbs_service
from trdcare.dbs.domain import check_stimulation
from trdcare.patients import service as patient_service
from trdcare.patients.endpoints import PatientRef

router = APIRouter(tags=["dbs"])

ProgrammingId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The programming record's id")]


def _patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, ref, purpose=purpose)


@router.post(
    "/dbs/charge",
    response_model=schemas.ChargeOut,
    summary="Charge per phase, charge density and Shannon k of a setting (no patient data)",
)
def charge(
    _: Annotated[Principal, Depends(Require("dbs.tools"))], body: schemas.ChargeInput
) -> dict[str, Any]:
    return check_stimulation(**body.model_dump()).to_dict()


@router.get(
    "/patients/{ref}/dbs",
    response_model=schemas.OverviewOut,
    summary="DBS (investigational): candidacy, surgery, programming records, current settings",
)
def patient_dbs(
    db: Db, principal: Annotated[Principal, Depends(Require("dbs.read"))], ref: PatientRef
) -> dict[str, Any]:
    return dbs_service.overview(db, principal.actor, _patient(db, principal, ref, "dbs"))


@router.post(
    "/patients/{ref}/dbs/candidacy",
    status_code=201,
    response_model=schemas.CandidacyOut,
    summary="Judge the trial criteria (each met / unmet / unknown, with its source)",
)
def assess_candidacy(
    db: Db,
    principal: Annotated[Principal, Depends(Require("dbs.candidacy"))],
    ref: PatientRef,
    body: schemas.CandidacyIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "dbs_candidacy")
    row = dbs_service.assess_candidacy(db, principal.actor, patient, **body.model_dump())
    return dbs_service.candidacy_to_dict(row)


@router.post(
    "/patients/{ref}/dbs/surgery",
    status_code=201,
    response_model=schemas.SurgeryCreatedOut,
    summary="Record the surgery (target, leads, research protocol); opens the DBS course",
)
def record_surgery(
    db: Db,
    principal: Annotated[Principal, Depends(Require("dbs.surgery"))],
    ref: PatientRef,
    body: schemas.SurgeryIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "dbs_surgery")
    surgery, course = dbs_service.record_surgery(db, principal.actor, patient, **body.model_dump())
    return {"patient": patient.ref, "surgery": dbs_service.surgery_to_dict(surgery, course)}


@router.post(
    "/patients/{ref}/dbs/end",
    response_model=schemas.CourseEndedOut,
    summary="End the active DBS course (completed or stopped), with a reason",
)
def end_course(
    db: Db,
    principal: Annotated[Principal, Depends(Require("dbs.surgery"))],
    ref: PatientRef,
    body: schemas.EndCourseIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "dbs_end")
    course = dbs_service.end_course(
        db, principal.actor, patient, status=body.status, on=body.on, reason=body.reason
    )
    return {
        "patient": patient.ref,
        "course": course.ref,
        "status": course.status,
        "end_date": course.end_date,
    }


@router.post(
    "/patients/{ref}/dbs/programmings",
    status_code=201,
    response_model=schemas.ProgrammingOut,
    summary="Record a lead's setting; beyond the Shannon limit or the rated density it is "
    "refused (409) unless a physician gives an override reason",
)
def program(
    db: Db,
    principal: Annotated[Principal, Depends(Require("dbs.program"))],
    ref: PatientRef,
    body: schemas.ProgrammingIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "dbs_programming")
    row, _ = dbs_service.program(
        db,
        principal.actor,
        patient,
        body.model_dump(exclude={"override_reason"}),
        override_reason=body.override_reason,
        as_role=principal.role,
    )
    return dbs_service.programming_to_dict(row)


@router.post(
    "/patients/{ref}/dbs/programmings/{number}/retire",
    response_model=schemas.ProgrammingOut,
    summary="Mark a programming record entered in error (kept, with the reason)",
)
def retire_programming(
    db: Db,
    principal: Annotated[Principal, Depends(Require("dbs.correct"))],
    ref: PatientRef,
    number: ProgrammingId,
    body: RetireIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "dbs_programming_retire")
    row = dbs_service.retire_programming(
        db,
        principal.actor,
        patient,
        number,
        reason=body.reason,
        expected_version=body.version,
        as_role=principal.role,
    )
    return dbs_service.programming_to_dict(row)
