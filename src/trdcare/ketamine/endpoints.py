"""JSON API of the IV ketamine room (OFF-LABEL; every answer carries the notice): the dose
and series calculators (no patient data), and a patient's series, infusions, observations,
discharge, stop, corrections.

Who acts is the signed-in user: the planning physician, the one signing off an elevated
blood pressure, the person administering, observing or signing the discharge are taken
from the credentials, never typed in.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal, Require, who
from trdcare.adapters.web.corrections import (
    RecordStateOut,
    RetireIn,
    VersionOut,
    state_out,
    versions_out,
)
from trdcare.adapters.web.db import Db
from trdcare.ketamine import schemas
from trdcare.ketamine import service as ket_service
from trdcare.ketamine.domain import series_calendar, weight_based_dose
from trdcare.patients import service as patient_service
from trdcare.patients.endpoints import PatientRef

router = APIRouter(tags=["ketamine (off-label)"])

InfusionNumber = Annotated[int, Path(ge=1, le=2**31 - 1, description="The infusion's number")]


def _patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, ref, purpose=purpose)


def _series_doc(db: Session, principal: Principal, patient: Patient) -> dict[str, Any]:
    return ket_service.status(db, principal.actor, patient)


@router.post(
    "/ketamine/dose",
    response_model=schemas.DoseOut,
    summary="Weight-based IV ketamine dose (OFF-LABEL; 0.5 mg/kg over 40 min, VERIFIED)",
)
def dose(
    principal: Annotated[Principal, Depends(Require("ketamine.read"))], body: schemas.DoseIn
) -> dict[str, Any]:
    return weight_based_dose(body.weight_kg, body.dose_mg_per_kg, body.infusion_min).to_dict()


@router.get(
    "/ketamine/series-calendar",
    response_model=schemas.CalendarOut,
    summary="Dated infusions of a series (OFF-LABEL; the series rule is UNVERIFIED)",
)
def calendar(
    principal: Annotated[Principal, Depends(Require("ketamine.read"))],
    start: Annotated[date, Query()],
    infusions: Annotated[float | None, Query(allow_inf_nan=False)] = None,
    infusions_per_week: Annotated[float | None, Query(allow_inf_nan=False)] = None,
) -> dict[str, Any]:
    return series_calendar(start, infusions, infusions_per_week).to_dict()


@router.post(
    "/patients/{ref}/ketamine/series",
    status_code=201,
    response_model=schemas.Series,
    summary="The signed-in physician plans an IV ketamine series (OFF-LABEL)",
)
def plan_series(
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.plan"))],
    ref: PatientRef,
    body: schemas.SeriesIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "ketamine_plan")
    ket_service.plan_series(
        db,
        principal.actor,
        patient,
        start=body.start,
        weight_kg=body.weight_kg,
        planned_by=who(principal),
        dose_mg_per_kg=body.dose_mg_per_kg,
        infusion_min=body.infusion_min,
        infusions=body.infusions,
        infusions_per_week=body.infusions_per_week,
        primary_scale=body.primary_scale,
    )
    return _series_doc(db, principal, patient)


@router.get(
    "/patients/{ref}/ketamine/series",
    response_model=schemas.Series,
    summary="The current IV ketamine series with its infusions (OFF-LABEL)",
)
def series(
    db: Db, principal: Annotated[Principal, Depends(Require("ketamine.read"))], ref: PatientRef
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "ketamine_series")
    return _series_doc(db, principal, patient)


@router.post(
    "/patients/{ref}/ketamine/series/stop",
    response_model=schemas.Series,
    summary="The signed-in physician stops the active series (with a reason)",
)
def stop_series(
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.plan"))],
    ref: PatientRef,
    body: schemas.StopIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "ketamine_stop")
    ket_service.stop_series(db, principal.actor, patient, reason=body.reason, on=body.on)
    return _series_doc(db, principal, patient)


@router.post(
    "/patients/{ref}/ketamine/infusions",
    status_code=201,
    response_model=schemas.StartedInfusion,
    summary="Start the next infusion: baseline readings, dose at today's weight (above "
    "140/90 mmHg a physician signs off)",
)
def start_infusion(
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.administer"))],
    ref: PatientRef,
    body: schemas.InfusionStartIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "ketamine_infusion")
    row, dose_doc = ket_service.start_infusion(
        db,
        principal.actor,
        patient,
        administered_by=who(principal),
        predose_systolic_mmhg=body.predose_systolic_mmhg,
        predose_diastolic_mmhg=body.predose_diastolic_mmhg,
        predose_pulse_bpm=body.predose_pulse_bpm,
        predose_spo2_pct=body.predose_spo2_pct,
        weight_kg=body.weight_kg,
        started_at=body.started_at,
        bp_signoff_reason=body.bp_signoff_reason,
        bp_signer=who(principal),
        as_role=principal.role,
        note=body.note,
    )
    return {**ket_service.infusion_to_dict(row), "dose": dose_doc}


@router.post(
    "/patients/{ref}/ketamine/infusions/{number}/observations",
    response_model=schemas.Infusion,
    summary="Record vital signs, sedation, dissociation, respiratory depression",
)
def observe(
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.observe"))],
    ref: PatientRef,
    number: InfusionNumber,
    body: schemas.ObservationIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "ketamine_observation")
    row = ket_service.record_observation(
        db,
        principal.actor,
        patient,
        number,
        observed_by=who(principal),
        **body.model_dump(),
    )
    return ket_service.infusion_to_dict(row)


@router.post(
    "/patients/{ref}/ketamine/infusions/{number}/end",
    response_model=schemas.Infusion,
    summary="Record the end of the infusion (observation for discharge counts from it)",
)
def end_infusion(
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.administer"))],
    ref: PatientRef,
    number: InfusionNumber,
    body: schemas.InfusionEndIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "ketamine_infusion_end")
    row = ket_service.end_infusion(db, principal.actor, patient, number, ended_at=body.ended_at)
    return ket_service.infusion_to_dict(row)


@router.get(
    "/patients/{ref}/ketamine/infusions/{number}/readiness",
    response_model=schemas.Readiness,
    summary="Discharge readiness now, from the last observation",
)
def readiness(
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.read"))],
    ref: PatientRef,
    number: InfusionNumber,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "ketamine_readiness")
    return ket_service.readiness(db, principal.actor, patient, number)


@router.post(
    "/patients/{ref}/ketamine/infusions/{number}/discharge",
    response_model=schemas.Infusion,
    summary="The signed-in physician or clinician signs the discharge (refused too early)",
)
def discharge(
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.discharge"))],
    ref: PatientRef,
    number: InfusionNumber,
    body: schemas.DischargeIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "ketamine_discharge")
    row = ket_service.discharge(
        db, principal.actor, patient, number, signed_by=who(principal), **body.model_dump()
    )
    return ket_service.infusion_to_dict(row)


class CorrectionOut(BaseModel):
    record: RecordStateOut
    changed: list[str]


@router.post(
    "/patients/{ref}/ketamine/infusions/{number}/correct",
    summary="Correct an infusion's times or note (a clinician or technician: their own only)",
)
def correct(
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.correct"))],
    ref: PatientRef,
    number: InfusionNumber,
    body: schemas.InfusionCorrectionIn,
) -> CorrectionOut:
    patient = _patient(db, principal, ref, "ketamine_infusion_correct")
    changes = body.model_dump(exclude_unset=True, exclude={"reason", "version"})
    changed = ket_service.correct_infusion(
        db,
        principal.actor,
        patient,
        number,
        changes,
        reason=body.reason,
        expected_version=body.version,
        as_role=principal.role,
    )
    row = ket_service.infusion_versions(db, principal.actor, patient, number)[0]
    return CorrectionOut(record=state_out(row), changed=sorted(changed))


@router.post(
    "/patients/{ref}/ketamine/infusions/{number}/entered-in-error",
    summary="Mark an infusion entered in error (kept, with the reason)",
)
def retire(
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.correct"))],
    ref: PatientRef,
    number: InfusionNumber,
    body: RetireIn,
) -> RecordStateOut:
    patient = _patient(db, principal, ref, "ketamine_infusion_retire")
    row = ket_service.retire_infusion(
        db,
        principal.actor,
        patient,
        number,
        reason=body.reason,
        expected_version=body.version,
        as_role=principal.role,
    )
    return state_out(row)


@router.get(
    "/patients/{ref}/ketamine/infusions/{number}/versions",
    summary="The earlier versions of an infusion record: who corrected it, when and why",
)
def versions(
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.read"))],
    ref: PatientRef,
    number: InfusionNumber,
) -> list[VersionOut]:
    patient = _patient(db, principal, ref, "ketamine_infusion_versions")
    _, entries = ket_service.infusion_versions(db, principal.actor, patient, number)
    return versions_out(entries)
