"""JSON API of the pathway room: a patient's treatment options across therapies.

``GET`` gives the options from the record; ``POST`` the same with the patient's stated
preferences, the first-line ECT indications the clinician sees and a choice of therapies in
the body (preferences are patient data: never in a
URL). Both are reads, audited as ``treatment_options``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from trdcare.adapters.web.auth import Principal, Require
from trdcare.adapters.web.db import Db
from trdcare.pathway import schemas
from trdcare.pathway import service as pathway_service
from trdcare.patients import service as patient_service
from trdcare.patients.endpoints import PatientRef

router = APIRouter(tags=["pathway"])


def _options(
    db: Db, principal: Principal, ref: str, body: schemas.OptionsRequest
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="options")
    report = pathway_service.options_for_patient(
        db,
        principal.actor,
        patient,
        preferences=pathway_service.Preferences(
            body.preferences.drug_free, body.preferences.cannot_attend_daily
        ),
        ect=pathway_service.EctIndications(**body.ect.model_dump()),
    )
    return {"patient": patient.ref, **pathway_service.select(report, list(body.therapies))}


@router.get(
    "/patients/{ref}/options",
    response_model=schemas.OptionsOut,
    summary="Every therapy's option for the patient: status, reasons, evidence, guideline, sources",
)
def patient_options(
    db: Db, principal: Annotated[Principal, Depends(Require("pathway.read"))], ref: PatientRef
) -> dict[str, Any]:
    return _options(db, principal, ref, schemas.OptionsRequest())


@router.post(
    "/patients/{ref}/options",
    response_model=schemas.OptionsOut,
    summary="The options with the patient's stated preferences and a choice of therapies",
)
def patient_options_with(
    db: Db,
    principal: Annotated[Principal, Depends(Require("pathway.read"))],
    ref: PatientRef,
    body: schemas.OptionsRequest,
) -> dict[str, Any]:
    return _options(db, principal, ref, body)
