"""JSON API of the pathway room: a patient's treatment options across therapies.

``GET`` gives the options from the record; ``POST`` the same with the patient's stated
preferences, the first-line ECT indications the clinician sees and a choice of therapies in
the body (preferences are patient data: never in a
URL). Both are reads, audited as ``treatment_options``.

The care plan (below): read it and its versions, change it one step at a time (each a new
version with the reason, made against the version shown), send a scheduled measure's
self-report link.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from trdcare.adapters.web.auth import Principal, Require
from trdcare.adapters.web.db import Db
from trdcare.adapters.web.selfreport import link_url
from trdcare.pathway import schemas
from trdcare.pathway import service as pathway_service
from trdcare.pathway.domain.facts import Preferences
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


# -- the care plan ------------------------------------------------------------------------------
TherapyKey = Annotated[
    str, Path(pattern=r"^T[0-9]{1,6}$", max_length=7, description="The therapy's key (T1...)")
]
MeasureKey = Annotated[
    str, Path(pattern=r"^M[0-9]{1,6}$", max_length=7, description="The measure's key (M1...)")
]
Read = Annotated[Principal, Depends(Require("care_plan.read"))]
Write = Annotated[Principal, Depends(Require("care_plan.write"))]


def _changed(version: int, key: str | None = None) -> dict[str, Any]:
    return {"version": version, "key": key}


@router.get(
    "/patients/{ref}/care-plan",
    response_model=schemas.CarePlanOut,
    summary="The integrated care plan: therapies, measurement schedule with what is due, "
    "scores attributed to the therapies active when taken, preferences",
)
def get_plan(db: Db, principal: Read, ref: PatientRef) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="care_plan")
    return pathway_service.plan_view(db, principal.actor, patient)


@router.get(
    "/patients/{ref}/care-plan/versions",
    response_model=list[schemas.CarePlanVersionOut],
    summary="Every version of the care plan, newest first: who, when, why, what changed",
)
def plan_versions(db: Db, principal: Read, ref: PatientRef) -> list[dict[str, Any]]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="care_plan")
    return pathway_service.plan_versions(db, principal.actor, patient)


@router.post(
    "/patients/{ref}/care-plan/therapies",
    status_code=201,
    response_model=schemas.CarePlanChangedOut,
    summary="Put a therapy on the plan's timeline",
)
def add_therapy(
    db: Db, principal: Write, ref: PatientRef, body: schemas.TherapyIn
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="care_plan_change")
    row, key = pathway_service.add_therapy(db, principal.actor, patient, **body.model_dump())
    return _changed(row.version, key)


@router.post(
    "/patients/{ref}/care-plan/therapies/{therapy_key}",
    response_model=schemas.CarePlanChangedOut,
    summary="Correct a therapy's dates, details or course, or end it",
)
def change_therapy(
    db: Db,
    principal: Write,
    ref: PatientRef,
    therapy_key: TherapyKey,
    body: schemas.TherapyChangeIn,
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="care_plan_change")
    row = pathway_service.change_therapy(
        db, principal.actor, patient, therapy_key, **body.model_dump()
    )
    return _changed(row.version, therapy_key)


@router.post(
    "/patients/{ref}/care-plan/therapies/{therapy_key}/remove",
    response_model=schemas.CarePlanChangedOut,
    summary="Remove a therapy entered in error (kept in the plan's versions with the reason)",
)
def remove_therapy(
    db: Db, principal: Write, ref: PatientRef, therapy_key: TherapyKey, body: schemas.RemoveIn
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="care_plan_change")
    row = pathway_service.remove_therapy(
        db, principal.actor, patient, therapy_key, reason=body.reason, version=body.version
    )
    return _changed(row.version, therapy_key)


@router.post(
    "/patients/{ref}/care-plan/measures",
    status_code=201,
    response_model=schemas.CarePlanChangedOut,
    summary="Put a scale on the measurement schedule (how often, who completes it)",
)
def add_measure(
    db: Db, principal: Write, ref: PatientRef, body: schemas.MeasureIn
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="care_plan_change")
    row, key = pathway_service.add_measure(db, principal.actor, patient, **body.model_dump())
    return _changed(row.version, key)


@router.post(
    "/patients/{ref}/care-plan/measures/{measure_key}",
    response_model=schemas.CarePlanChangedOut,
    summary="Change a measure's interval, who completes it or its first day",
)
def change_measure(
    db: Db,
    principal: Write,
    ref: PatientRef,
    measure_key: MeasureKey,
    body: schemas.MeasureChangeIn,
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="care_plan_change")
    row = pathway_service.change_measure(
        db, principal.actor, patient, measure_key, **body.model_dump()
    )
    return _changed(row.version, measure_key)


@router.post(
    "/patients/{ref}/care-plan/measures/{measure_key}/remove",
    response_model=schemas.CarePlanChangedOut,
    summary="Take a measure off the schedule (kept in the plan's versions with the reason)",
)
def remove_measure(
    db: Db, principal: Write, ref: PatientRef, measure_key: MeasureKey, body: schemas.RemoveIn
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="care_plan_change")
    row = pathway_service.remove_measure(
        db, principal.actor, patient, measure_key, reason=body.reason, version=body.version
    )
    return _changed(row.version, measure_key)


@router.put(
    "/patients/{ref}/care-plan/preferences",
    response_model=schemas.CarePlanChangedOut,
    summary="Record the patient's stated preferences with the plan",
)
def set_preferences(
    db: Db, principal: Write, ref: PatientRef, body: schemas.PreferencesIn
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="care_plan_change")
    prefs = Preferences(drug_free=body.drug_free, cannot_attend_daily=body.cannot_attend_daily)
    row = pathway_service.set_preferences(
        db, principal.actor, patient, prefs, body.note, reason=body.reason, version=body.version
    )
    return _changed(row.version)


@router.post(
    "/patients/{ref}/care-plan/measures/{measure_key}/link",
    status_code=201,
    response_model=schemas.MeasureLinkOut,
    summary="Send the self-report link of a measure the patient completes (single use)",
)
def send_link(
    request: Request,
    db: Db,
    principal: Write,
    ref: PatientRef,
    measure_key: MeasureKey,
    body: schemas.MeasureLinkIn,
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="care_plan_link")
    link, raw = pathway_service.send_measure_link(
        db, principal.actor, patient, measure_key, expires_in_hours=body.expires_in_hours
    )
    return {
        "ref": link.ref,
        "scale": link.scale_id,
        "expires_at": link.expires_at,
        "url": link_url(request, raw),
    }
