"""JSON API of the patient record: ``/api/v1/patients``.

Patients are addressed by their opaque ref (``P-...``) only; an MRN never appears in a URL
(look it up with ``POST /patients/lookup``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from trdcare.adapters.web.auth import Principal, Require
from trdcare.adapters.web.db import Db
from trdcare.adapters.web.pagination import Page, Paging
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import Patient, PatientCreate, PatientLookup, PatientUpdate

router = APIRouter(prefix="/patients", tags=["patients"])

PATIENT_REF_PATTERN = r"^P-[0-9A-HJKMNP-TV-Z]{10}$"
PatientRef = Annotated[
    str,
    Path(pattern=PATIENT_REF_PATTERN, max_length=12, description="Opaque patient ref (P-...)"),
]


@router.get("", response_model=Page[Patient], summary="List patients (paged)")
def list_patients(
    db: Db,
    principal: Annotated[Principal, Depends(Require("patients.read"))],
    paging: Paging,
    status: Annotated[Literal["active", "discharged", "all"], Query()] = "active",
) -> Page[Patient]:
    rows, total = patient_service.list_patients(
        db,
        principal.actor,
        status=None if status == "all" else status,
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page[Patient](
        items=[Patient.model_validate(p) for p in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("", response_model=Patient, status_code=201, summary="Register a patient")
def create_patient(
    db: Db, principal: Annotated[Principal, Depends(Require("patients.write"))], body: PatientCreate
) -> Patient:
    return Patient.model_validate(patient_service.add_patient(db, principal.actor, body))


@router.post("/lookup", response_model=Patient, summary="Find a patient by MRN (MRN in the body)")
def lookup_patient(
    db: Db, principal: Annotated[Principal, Depends(Require("patients.read"))], body: PatientLookup
) -> Patient:
    return Patient.model_validate(
        patient_service.find_patient(db, principal.actor, body.mrn, purpose="lookup")
    )


@router.get("/{ref}", response_model=Patient, summary="One patient")
def get_patient(
    db: Db, principal: Annotated[Principal, Depends(Require("patients.read"))], ref: PatientRef
) -> Patient:
    return Patient.model_validate(patient_service.find_patient(db, principal.actor, ref))


@router.patch(
    "/{ref}",
    response_model=Patient,
    summary="Correct demographics or status; the old version is kept with the reason",
)
def update_patient(
    db: Db,
    principal: Annotated[Principal, Depends(Require("patients.write"))],
    ref: PatientRef,
    body: PatientUpdate,
) -> Patient:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="update")
    return Patient.model_validate(
        patient_service.update_patient(db, principal.actor, patient, body)
    )
