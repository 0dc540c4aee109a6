"""JSON API of the neurofeedback room: the patient's neurofeedback courses (the learning
curve beside the depression scores and the outcome). Sessions are run and stored by
``trdcare nf run --patient``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from trdcare.adapters.web.auth import Principal, Require
from trdcare.adapters.web.db import Db
from trdcare.neurofeedback import schemas
from trdcare.neurofeedback import service as nf_service
from trdcare.patients import service as patient_service
from trdcare.patients.endpoints import PatientRef

router = APIRouter(tags=["neurofeedback"])


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
