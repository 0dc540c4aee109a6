"""JSON API of the labs room: a patient's biomarker results; record one; entered in error."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from trdcare.adapters.web.auth import Principal, Require
from trdcare.adapters.web.corrections import RetireIn
from trdcare.adapters.web.db import Db
from trdcare.labs import schemas
from trdcare.labs import service as labs_service
from trdcare.patients import service as patient_service
from trdcare.patients.endpoints import PatientRef

router = APIRouter(tags=["labs"])

ResultId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The lab result's id")]


@router.get(
    "/patients/{ref}/labs",
    response_model=schemas.LabsOverviewOut,
    summary="Biomarker results with LOINC codes, units, reference ranges and flags",
)
def patient_labs(
    db: Db, principal: Annotated[Principal, Depends(Require("labs.read"))], ref: PatientRef
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="labs")
    return labs_service.overview(db, principal.actor, patient)


@router.post(
    "/patients/{ref}/labs",
    status_code=201,
    response_model=schemas.LabResultOut,
    summary="Record a biomarker result with the laboratory's reference range",
)
def record_lab(
    db: Db,
    principal: Annotated[Principal, Depends(Require("labs.record"))],
    ref: PatientRef,
    body: schemas.LabResultIn,
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="labs_record")
    row = labs_service.record_result(db, principal.actor, patient, **body.model_dump())
    return labs_service.result_to_dict(row)


@router.post(
    "/patients/{ref}/labs/{number}/retire",
    response_model=schemas.LabResultOut,
    summary="Mark a lab result entered in error (kept, with the reason)",
)
def retire_lab(
    db: Db,
    principal: Annotated[Principal, Depends(Require("labs.record"))],
    ref: PatientRef,
    number: ResultId,
    body: RetireIn,
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="labs_retire")
    row = labs_service.retire_result(
        db, principal.actor, patient, number, reason=body.reason, expected_version=body.version
    )
    return labs_service.result_to_dict(row)
