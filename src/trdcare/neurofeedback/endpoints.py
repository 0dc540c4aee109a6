"""JSON API of the neurofeedback room: the patient's neurofeedback courses (the learning
curve beside the depression scores and the outcome) and marking a stored session entered in
error. Sessions are run and stored by the live pages and ``trdcare nf run --patient``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from trdcare.adapters.web.auth import Principal, Require
from trdcare.adapters.web.db import Db
from trdcare.neurofeedback import schemas
from trdcare.neurofeedback import service as nf_service
from trdcare.patients import service as patient_service
from trdcare.patients.endpoints import PatientRef

router = APIRouter(tags=["neurofeedback"])

SessionNumber = Annotated[
    int,
    Path(ge=1, le=nf_service.MAX_NUMBER, description="The session's number on its course"),
]


@router.get(
    "/patients/{ref}/neurofeedback",
    response_model=schemas.NfCourseViewOut,
    summary="Neurofeedback courses: sessions (learning curve), scores and outcome",
)
def patient_neurofeedback(
    db: Db, principal: Annotated[Principal, Depends(Require("nf.read"))], ref: PatientRef
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="nf_course")
    return nf_service.course_view(db, principal.actor, patient)


@router.post(
    "/patients/{ref}/neurofeedback/sessions/{number}/retire",
    response_model=schemas.NfRetiredSessionOut,
    summary="Mark a stored neurofeedback session entered in error (kept, with the reason; "
    "its recording is kept)",
    responses={
        403: {"description": "A clinician marks only the sessions they recorded"},
        404: {"description": "No session with this number (on this course)"},
        409: {"description": "Already entered in error, or changed since the version shown"},
    },
)
def retire_session(
    db: Db,
    principal: Annotated[Principal, Depends(Require("nf.correct"))],
    ref: PatientRef,
    number: SessionNumber,
    body: schemas.NfSessionRetireIn,
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="nf_session_retire")
    row, course = nf_service.retire_session(
        db,
        principal.actor,
        patient,
        number,
        reason=body.reason,
        expected_version=body.version,
        course_ref=body.course,
        as_role=principal.role,
    )
    return nf_service.retired_to_dict(row, course)
