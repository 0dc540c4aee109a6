"""JSON API of the PGx room: a patient's gene results, CPIC recommendations and the trials
they bear on; outside calls entered; a result marked entered in error.

VCF files are imported from the clinic's server with ``trdcare pgx import`` (a VCF is larger
than an API body may be). Who acts is the signed-in user, never typed in.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from trdcare.adapters.web.auth import Principal, Require
from trdcare.adapters.web.corrections import RetireIn
from trdcare.adapters.web.db import Db
from trdcare.patients import service as patient_service
from trdcare.patients.endpoints import PatientRef
from trdcare.pgx import schemas
from trdcare.pgx import service as pgx_service

router = APIRouter(tags=["pgx"])

ResultId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The PGx result's id")]


@router.get(
    "/patients/{ref}/pgx",
    response_model=schemas.OverviewOut,
    summary="Gene results in use, CPIC antidepressant recommendations and the trials they bear on",
)
def patient_pgx(
    db: Db, principal: Annotated[Principal, Depends(Require("pgx.read"))], ref: PatientRef
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="pgx")
    return pgx_service.overview(db, principal.actor, patient)


@router.post(
    "/patients/{ref}/pgx/outside-calls",
    status_code=201,
    response_model=schemas.GeneResultOut,
    summary="Enter a lab-reported diplotype (outside call), e.g. CYP2D6 copy number",
)
def add_outside_call(
    db: Db,
    principal: Annotated[Principal, Depends(Require("pgx.record"))],
    ref: PatientRef,
    body: schemas.OutsideCallIn,
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="pgx_outside")
    row = pgx_service.add_outside_call(db, principal.actor, patient, **body.model_dump())
    return pgx_service.result_to_dict(row)


@router.post(
    "/patients/{ref}/pgx/results/{number}/retire",
    response_model=schemas.GeneResultOut,
    summary="Mark a PGx result entered in error (kept, with the reason)",
)
def retire_result(
    db: Db,
    principal: Annotated[Principal, Depends(Require("pgx.record"))],
    ref: PatientRef,
    number: ResultId,
    body: RetireIn,
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="pgx_retire")
    row = pgx_service.retire_result(
        db, principal.actor, patient, number, reason=body.reason, expected_version=body.version
    )
    return pgx_service.result_to_dict(row)
