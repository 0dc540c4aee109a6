"""JSON API of the VNS room: a patient's candidacy assessment, implant (the VNS course),
titration log with corrections, and the expected-response timeline.

Who acts is the signed-in user (stamped on every record), never typed in.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal, Require
from trdcare.adapters.web.corrections import RetireIn, VersionOut, versions_out
from trdcare.adapters.web.db import Db
from trdcare.patients import service as patient_service
from trdcare.patients.endpoints import PatientRef
from trdcare.vns import schemas
from trdcare.vns import service as vns_service

router = APIRouter(tags=["vns"])

TitrationId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The titration visit's id")]


def _patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, ref, purpose=purpose)


@router.get(
    "/patients/{ref}/vns",
    response_model=schemas.OverviewOut,
    summary="Candidacy, implant, titration log, current setting and response timeline",
)
def patient_vns(
    db: Db, principal: Annotated[Principal, Depends(Require("vns.read"))], ref: PatientRef
) -> dict[str, Any]:
    return vns_service.overview(db, principal.actor, _patient(db, principal, ref, "vns"))


@router.post(
    "/patients/{ref}/vns/candidacy",
    status_code=201,
    response_model=schemas.CandidacyOut,
    summary="Judge the coverage criteria (each met / unmet / unknown, with its source)",
)
def assess_candidacy(
    db: Db,
    principal: Annotated[Principal, Depends(Require("vns.candidacy"))],
    ref: PatientRef,
    body: schemas.CandidacyIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "vns_candidacy")
    row = vns_service.assess_candidacy(db, principal.actor, patient, **body.model_dump())
    return vns_service.candidacy_to_dict(row)


@router.post(
    "/patients/{ref}/vns/implant",
    status_code=201,
    response_model=schemas.ImplantCreatedOut,
    summary="Record the implant; opens the VNS treatment course",
)
def record_implant(
    db: Db,
    principal: Annotated[Principal, Depends(Require("vns.implant"))],
    ref: PatientRef,
    body: schemas.ImplantIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "vns_implant")
    implant, course = vns_service.record_implant(db, principal.actor, patient, **body.model_dump())
    return {"patient": patient.ref, "implant": vns_service.implant_to_dict(implant, course)}


@router.post(
    "/patients/{ref}/vns/end",
    response_model=schemas.CourseEndedOut,
    summary="End the active VNS course (completed or stopped), with a reason",
)
def end_course(
    db: Db,
    principal: Annotated[Principal, Depends(Require("vns.implant"))],
    ref: PatientRef,
    body: schemas.EndCourseIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "vns_end")
    course = vns_service.end_course(
        db, principal.actor, patient, status=body.status, on=body.on, reason=body.reason
    )
    return {
        "patient": patient.ref,
        "course": course.ref,
        "status": course.status,
        "end_date": course.end_date,
    }


@router.post(
    "/patients/{ref}/vns/titrations",
    status_code=201,
    response_model=schemas.TitrationCreatedOut,
    summary="Record a titration visit (a current above the device maximum is refused)",
)
def log_titration(
    db: Db,
    principal: Annotated[Principal, Depends(Require("vns.titrate"))],
    ref: PatientRef,
    body: schemas.TitrationIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "vns_titration")
    row = vns_service.log_titration(db, principal.actor, patient, body.model_dump())
    doc = vns_service.overview(db, principal.actor, patient)
    return {
        "patient": patient.ref,
        "titration": vns_service.titration_to_dict(row),
        "timeline": doc["timeline"],
    }


@router.post(
    "/patients/{ref}/vns/titrations/{number}/correct",
    response_model=schemas.TitrationOut,
    summary="Correct a titration visit (the earlier version is kept with the reason)",
)
def correct_titration(
    db: Db,
    principal: Annotated[Principal, Depends(Require("vns.correct"))],
    ref: PatientRef,
    number: TitrationId,
    body: schemas.TitrationCorrectIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "vns_titration_correct")
    changes = body.model_dump(exclude={"reason", "version"}, exclude_none=True)
    row = vns_service.correct_titration(
        db,
        principal.actor,
        patient,
        number,
        changes,
        reason=body.reason,
        expected_version=body.version,
        as_role=principal.role,
    )
    return vns_service.titration_to_dict(row)


@router.post(
    "/patients/{ref}/vns/titrations/{number}/retire",
    response_model=schemas.TitrationOut,
    summary="Mark a titration visit entered in error (kept, with the reason)",
)
def retire_titration(
    db: Db,
    principal: Annotated[Principal, Depends(Require("vns.correct"))],
    ref: PatientRef,
    number: TitrationId,
    body: RetireIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "vns_titration_retire")
    row = vns_service.retire_titration(
        db,
        principal.actor,
        patient,
        number,
        reason=body.reason,
        expected_version=body.version,
        as_role=principal.role,
    )
    return vns_service.titration_to_dict(row)


@router.get(
    "/patients/{ref}/vns/titrations/{number}/versions",
    summary="The earlier versions of a titration visit: who corrected it, when and why",
)
def titration_versions(
    db: Db,
    principal: Annotated[Principal, Depends(Require("vns.read"))],
    ref: PatientRef,
    number: TitrationId,
) -> list[VersionOut]:
    patient = _patient(db, principal, ref, "vns_titration_versions")
    return versions_out(vns_service.titration_versions(db, principal.actor, patient, number))
