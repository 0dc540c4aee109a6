"""JSON API of the treatment-history room: a patient's history, TRD status and staging,
treatment courses, and staging of a history document without storing it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query
from pydantic import BaseModel, Field

from trdcare.adapters.web.auth import Principal, Require
from trdcare.adapters.web.corrections import (
    RecordStateOut,
    RetireIn,
    VersionOut,
    state_out,
    versions_out,
)
from trdcare.adapters.web.db import Db
from trdcare.core.clock import utc_today
from trdcare.core.inputs import InputModel
from trdcare.history import schemas
from trdcare.history import service as history_service
from trdcare.history.domain import CRITERIA_PRESETS, history_to_dict, parse_history
from trdcare.history.service import MODALITIES
from trdcare.patients import service as patient_service
from trdcare.patients.endpoints import PatientRef

router = APIRouter(tags=["history"])

HISTORY_EXAMPLE: dict[str, Any] = {
    "episode": {"onset": "2024-01-01", "severity": "moderate"},
    "antidepressant_trials": [
        {
            "drug": "sertraline",
            "max_daily_dose_mg": 200,
            "start": "2024-02-01",
            "end": "2024-04-30",
            "adherence": "good",
            "outcome": "no_response",
        }
    ],
    "augmentation_trials": [],
    "ect_courses": [],
    "psychotherapy_courses": [],
}
HistoryDocument = Annotated[
    dict[str, Any],
    Body(
        description=(
            "A treatment-history document (docs/history-file.md): episode (onset, severity; "
            "as_of defaults to today), antidepressant_trials, augmentation_trials, "
            "ect_courses, psychotherapy_courses. Every issue is reported with its path."
        ),
        examples=[HISTORY_EXAMPLE],
    ),
]
Criteria = Annotated[
    str | None,
    Query(max_length=40, description=f"Adequacy criteria set: {', '.join(CRITERIA_PRESETS)}"),
]


class CourseCreate(InputModel):
    modality: Literal[MODALITIES] = Field(title="Modality")  # type: ignore[valid-type]
    start_date: date = Field(title="Start date")
    primary_scale: str = Field(default="phq9", max_length=20, title="Primary outcome scale")
    planned_sessions: int | None = Field(default=None, ge=1, le=1000, title="Planned sessions")


def _with_as_of(document: dict[str, Any], as_of: date) -> dict[str, Any]:
    """The stored episode has no ``as_of``: default it to the staging date."""
    episode = document.get("episode")
    if isinstance(episode, dict) and "as_of" not in episode:
        return {**document, "episode": {**episode, "as_of": as_of.isoformat()}}
    return document


@router.get(
    "/patients/{ref}/history",
    response_model=schemas.HistoryWithStaging,
    response_model_exclude_unset=True,
    summary="The current episode's treatment history with TRD status and stages explained",
)
def get_history(
    db: Db,
    principal: Annotated[Principal, Depends(Require("clinical.read"))],
    ref: PatientRef,
    criteria: Criteria = None,
    as_of: Annotated[date | None, Query()] = None,
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="history")
    history = history_service.load_history(db, principal.actor, patient, as_of=as_of or utc_today())
    report = history_service.stage(history, criteria=criteria)
    return {"history": history_to_dict(history), "staging": report.to_dict()}


def _store(
    db: Db, principal: Principal, ref: str, document: dict[str, Any], *, replace: bool
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="history_update")
    today = utc_today()
    history = parse_history(_with_as_of(document, today), today=today)
    history_service.import_history(db, principal.actor, patient, history, replace=replace)
    report = history_service.stage(history)
    return {"history": history_to_dict(history), "staging": report.to_dict()}


@router.post(
    "/patients/{ref}/history",
    response_model=schemas.HistoryWithStaging,
    response_model_exclude_unset=True,
    status_code=201,
    summary="Record the treatment history of the current episode (409 if one exists)",
)
def create_history(
    db: Db,
    principal: Annotated[Principal, Depends(Require("history.write"))],
    ref: PatientRef,
    document: HistoryDocument,
) -> dict[str, Any]:
    return _store(db, principal, ref, document, replace=False)


@router.put(
    "/patients/{ref}/history",
    response_model=schemas.HistoryWithStaging,
    response_model_exclude_unset=True,
    summary="Replace the current episode's history (the old one is retired and kept)",
)
def replace_history(
    db: Db,
    principal: Annotated[Principal, Depends(Require("history.write"))],
    ref: PatientRef,
    document: HistoryDocument,
) -> dict[str, Any]:
    return _store(db, principal, ref, document, replace=True)


@router.get(
    "/patients/{ref}/staging",
    response_model=schemas.StagingReport,
    response_model_exclude_unset=True,
    summary="TRD status, Maudsley, Thase-Rush and MGH-S of the stored history, explained",
)
def staging(
    db: Db,
    principal: Annotated[Principal, Depends(Require("clinical.read"))],
    ref: PatientRef,
    criteria: Criteria = None,
    as_of: Annotated[date | None, Query()] = None,
) -> dict[str, Any]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="staging")
    report = history_service.stage_patient(
        db, principal.actor, patient, as_of=as_of, criteria=criteria
    )
    return report.to_dict()


@router.post(
    "/staging",
    response_model=schemas.StagingReport,
    response_model_exclude_unset=True,
    summary="Stage a history document without storing it (no patient record involved)",
)
def stage_document(
    _: Annotated[Principal, Depends(Require("clinical.read"))],
    document: HistoryDocument,
    criteria: Criteria = None,
) -> dict[str, Any]:
    today = utc_today()
    history = parse_history(_with_as_of(document, today), today=today)
    return history_service.stage(history, criteria=criteria).to_dict()


@router.get(
    "/patients/{ref}/courses", response_model=list[schemas.Course], summary="Treatment courses"
)
def list_courses(
    db: Db, principal: Annotated[Principal, Depends(Require("clinical.read"))], ref: PatientRef
) -> list[schemas.Course]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="courses")
    return [
        schemas.Course.model_validate(c)
        for c in history_service.list_courses(db, principal.actor, patient)
    ]


@router.post(
    "/patients/{ref}/courses",
    response_model=schemas.Course,
    status_code=201,
    summary="Open a treatment course (its start is the outcome baseline date)",
)
def create_course(
    db: Db,
    principal: Annotated[Principal, Depends(Require("history.write"))],
    ref: PatientRef,
    body: CourseCreate,
) -> schemas.Course:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="course")
    course = history_service.add_course(
        db,
        principal.actor,
        patient,
        modality=body.modality,
        start_date=body.start_date,
        primary_scale=body.primary_scale,
        planned_sessions=body.planned_sessions,
    )
    return schemas.Course.model_validate(course)


# corrections and entered-in-error ----------------------------------------------------------
TrialId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The trial's id")]
CourseRef = Annotated[
    str, Path(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9-]+$", description="C-...")
]


class Trial(BaseModel):
    """A trial of the current episode, with its id and version (to correct it)."""

    id: int
    version: int
    kind: str
    agent: str
    max_daily_dose_mg: float | None
    start_date: date
    end_date: date | None
    adherence: str | None
    outcome: str
    dose_optimised: bool
    sessions: int | None
    electrode_placement: str | None


class TrialCorrectionIn(RetireIn):
    """Only the details given change."""

    agent: str | None = Field(default=None, max_length=80)
    max_daily_dose_mg: float | None = None
    start_date: date | None = None
    end_date: date | None = None
    adherence: str | None = Field(default=None, max_length=20)
    outcome: str | None = Field(default=None, max_length=30)
    dose_optimised: bool | None = None
    sessions: int | None = None
    electrode_placement: str | None = Field(default=None, max_length=30)


class CourseCorrectionIn(RetireIn):
    """Only the details given change (a TMS course: its primary scale only)."""

    start_date: date | None = None
    end_date: date | None = None
    primary_scale: str | None = Field(default=None, max_length=20)
    planned_sessions: int | None = None


class CorrectedOut(BaseModel):
    record: RecordStateOut
    changed: list[str]


def _given(body: RetireIn) -> dict[str, Any]:
    return body.model_dump(exclude_unset=True, exclude={"reason", "version"})


@router.get(
    "/patients/{ref}/history/trials",
    response_model=list[Trial],
    summary="The current episode's trials with their ids and versions",
)
def list_trials(
    db: Db, principal: Annotated[Principal, Depends(Require("clinical.read"))], ref: PatientRef
) -> list[Trial]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="trials")
    return [
        Trial.model_validate(t, from_attributes=True)
        for t in history_service.list_trials(db, principal.actor, patient)
    ]


@router.post(
    "/patients/{ref}/history/trials/{trial_id}/correct",
    response_model=CorrectedOut,
    summary="Correct a trial: a new version, the old one kept with the reason",
)
def correct_trial(
    db: Db,
    principal: Annotated[Principal, Depends(Require("history.correct"))],
    ref: PatientRef,
    trial_id: TrialId,
    body: TrialCorrectionIn,
) -> CorrectedOut:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="trial_correct")
    row, changed = history_service.correct_trial(
        db,
        principal.actor,
        patient,
        trial_id,
        _given(body),
        reason=body.reason,
        expected_version=body.version,
    )
    return CorrectedOut(record=state_out(row), changed=sorted(changed))


@router.post(
    "/patients/{ref}/history/trials/{trial_id}/entered-in-error",
    response_model=RecordStateOut,
    summary="Mark a trial entered in error (kept; out of the TRD status and staging)",
)
def retire_trial(
    db: Db,
    principal: Annotated[Principal, Depends(Require("history.correct"))],
    ref: PatientRef,
    trial_id: TrialId,
    body: RetireIn,
) -> RecordStateOut:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="trial_retire")
    row = history_service.retire_trial(
        db, principal.actor, patient, trial_id, reason=body.reason, expected_version=body.version
    )
    return state_out(row)


@router.get(
    "/patients/{ref}/history/trials/{trial_id}/versions",
    response_model=list[VersionOut],
    summary="A trial's earlier versions: who corrected it, when and why",
)
def trial_versions(
    db: Db,
    principal: Annotated[Principal, Depends(Require("clinical.read"))],
    ref: PatientRef,
    trial_id: TrialId,
) -> list[VersionOut]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="trial_versions")
    _, entries = history_service.trial_versions(db, principal.actor, patient, trial_id)
    return versions_out(entries)


@router.post(
    "/patients/{ref}/courses/{course_ref}/correct",
    response_model=CorrectedOut,
    summary="Correct a course's dates, primary scale or planned sessions",
)
def correct_course(
    db: Db,
    principal: Annotated[Principal, Depends(Require("history.correct"))],
    ref: PatientRef,
    course_ref: CourseRef,
    body: CourseCorrectionIn,
) -> CorrectedOut:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="course_correct")
    course, changed = history_service.correct_course(
        db,
        principal.actor,
        patient,
        course_ref,
        _given(body),
        reason=body.reason,
        expected_version=body.version,
    )
    return CorrectedOut(record=state_out(course), changed=sorted(changed))


@router.post(
    "/patients/{ref}/courses/{course_ref}/entered-in-error",
    response_model=RecordStateOut,
    summary="Mark a course entered in error (a TMS course: cancel or stop it instead)",
)
def retire_course(
    db: Db,
    principal: Annotated[Principal, Depends(Require("history.correct"))],
    ref: PatientRef,
    course_ref: CourseRef,
    body: RetireIn,
) -> RecordStateOut:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="course_retire")
    course = history_service.retire_course(
        db, principal.actor, patient, course_ref, reason=body.reason, expected_version=body.version
    )
    return state_out(course)


@router.get(
    "/patients/{ref}/courses/{course_ref}/versions",
    response_model=list[VersionOut],
    summary="A course's earlier versions: who changed it, when and why",
)
def course_versions(
    db: Db,
    principal: Annotated[Principal, Depends(Require("clinical.read"))],
    ref: PatientRef,
    course_ref: CourseRef,
) -> list[VersionOut]:
    patient = patient_service.find_patient(db, principal.actor, ref, purpose="course_versions")
    _, entries = history_service.course_versions(db, principal.actor, patient, course_ref)
    return versions_out(entries)
