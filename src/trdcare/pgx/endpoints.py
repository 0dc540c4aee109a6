"""JSON API of the PGx room: a patient's gene results, CPIC recommendations and the trials
they bear on; a VCF uploaded (multipart); outside calls entered; a result marked entered in
error.

The VCF upload declares its own body limit (``max_body_size``, :mod:`trdcare.pgx.upload`:
50 MB for the file, a targeted panel's VCF being kilobytes to megabytes); a larger VCF, such
as a whole genome, is imported on the clinic's server with ``trdcare pgx import``. Who acts is
the signed-in user, never typed in.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path

from trdcare.adapters.web.auth import Principal, Require
from trdcare.adapters.web.corrections import RetireIn
from trdcare.adapters.web.db import Db
from trdcare.patients import service as patient_service
from trdcare.patients.endpoints import PatientRef
from trdcare.pgx import schemas
from trdcare.pgx import service as pgx_service
from trdcare.pgx.upload import (
    UPLOAD_BODY_LIMIT_BYTES,
    VCF_UPLOAD_MAX_BYTES,
    VcfUploadIn,
    import_upload,
)

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
    "/patients/{ref}/pgx/vcf",
    status_code=201,
    response_model=schemas.VcfImportOut,
    summary="Upload a patient's VCF (GRCh38, plain or bgzipped); one result per gene is stored",
    description=(
        f"A multipart form: `file` (the VCF, at most {VCF_UPLOAD_MAX_BYTES:,} bytes) and "
        "`sample` (the patient's sample column, required when the VCF has several). The "
        "file's SHA-256 and its name (never a path) are stored with each result. A file that is not a VCF, is empty, too large "
        "or not on GRCh38, or a sample the file does not hold, is refused with 422 naming "
        "`file` or `sample`; nothing is stored. A body larger than the file limit plus the "
        "form is refused with 413 before it is read."
    ),
    max_body_size=UPLOAD_BODY_LIMIT_BYTES,
)
def upload_vcf(
    db: Db,
    principal: Annotated[Principal, Depends(Require("pgx.record"))],
    ref: PatientRef,
    form: Annotated[VcfUploadIn, Form()],
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="pgx_import")
    rows = import_upload(db, principal.actor, patient, form)
    return {"results": [pgx_service.result_to_dict(r) for r in rows]}


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
