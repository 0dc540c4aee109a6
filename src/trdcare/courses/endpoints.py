"""JSON API of the courses room (under /api/v1): a non-TMS course's adverse events, the
physician's pause review and acknowledgement, corrections, and the catalogue.

Who acts is the signed-in user: the reviewing or acknowledging physician is taken from the
credentials, never typed in.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.adapters.web.auth import Principal, Require, who
from trdcare.adapters.web.corrections import RetireIn, VersionOut, versions_out
from trdcare.adapters.web.db import Db
from trdcare.courses import schemas
from trdcare.courses import service as course_service
from trdcare.courses.domain import (
    catalogue_version,
    catalogued_modalities,
    kinds_for,
    modality_note,
    serious_criteria,
    severities,
)
from trdcare.patients import service as patient_service
from trdcare.patients.endpoints import PatientRef

router = APIRouter(tags=["courses"])

CourseRef = Annotated[str, Path(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9-]+$")]
EventId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, ref, purpose=purpose)


def _course(db: Session, patient: Patient, course_ref: str) -> TreatmentCourse:
    return course_service.course_of(db, patient, course_ref)


def catalogue_doc() -> dict[str, Any]:
    """The adverse-event catalogue: criteria, severities, each modality's kinds."""
    return {
        "version": catalogue_version(),
        "serious_criteria": [c.to_dict() for c in serious_criteria().values()],
        "severities": [s.to_dict() for s in severities().values()],
        "modalities": [
            {
                "modality": m,
                "label": label,
                "note": modality_note(m),
                "kinds": [k.to_dict() for k in kinds_for(m).values()],
            }
            for m, label in catalogued_modalities().items()
        ],
    }


@router.get(
    "/courses/adverse-event-catalogue",
    response_model=schemas.Catalogue,
    summary="Adverse-event kinds per modality (with source and status), serious criteria, "
    "severities",
)
def catalogue(_: Annotated[Principal, Depends(Require("courses.read"))]) -> dict[str, Any]:
    return catalogue_doc()


@router.get(
    "/patients/{ref}/courses/{course_ref}/safety",
    response_model=schemas.CourseSafety,
    summary="A non-TMS course: status, open pause, adverse events, pauses and outcome",
)
def course_safety(
    db: Db,
    principal: Annotated[Principal, Depends(Require("courses.read"))],
    ref: PatientRef,
    course_ref: CourseRef,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "course_safety")
    course = _course(db, patient, course_ref)
    return course_service.course_view(db, principal.actor, patient, course)


@router.post(
    "/patients/{ref}/courses/{course_ref}/adverse-events",
    status_code=201,
    response_model=schemas.ReportedEvent,
    summary="Report an adverse event of a course (a serious one pauses an active course)",
)
def report_adverse_event(
    db: Db,
    principal: Annotated[Principal, Depends(Require("courses.adverse_event"))],
    ref: PatientRef,
    course_ref: CourseRef,
    body: schemas.AdverseEventIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "course_adverse_event")
    course = _course(db, patient, course_ref)
    done = course_service.report_adverse_event(
        db,
        principal.actor,
        patient,
        course,
        kind=body.kind,
        severity=body.severity,
        occurred_on=body.occurred_on,
        serious_criteria=body.serious_criteria,
        description=body.description,
        delivery_ref=body.delivery_ref,
    )
    return {
        "adverse_event": course_service.event_to_dict(course, done.event),
        "course": done.transition.to_dict(),
        "paused": done.paused,
    }


@router.post(
    "/patients/{ref}/courses/{course_ref}/adverse-events/acknowledge",
    response_model=schemas.AcknowledgedEvents,
    summary="The signed-in physician acknowledges the course's serious adverse events",
)
def acknowledge_adverse_events(
    db: Db,
    principal: Annotated[Principal, Depends(Require("courses.review"))],
    ref: PatientRef,
    course_ref: CourseRef,
    body: schemas.AcknowledgeIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "course_adverse_event")
    course = _course(db, patient, course_ref)
    rows = course_service.acknowledge_adverse_events(
        db, principal.actor, patient, course, physician=who(principal), note=body.note
    )
    return {"adverse_events": [course_service.event_to_dict(course, r) for r in rows]}


@router.post(
    "/patients/{ref}/courses/{course_ref}/pause-review",
    response_model=schemas.PauseReviewed,
    summary="The signed-in physician resumes or stops a paused course, with a note",
)
def pause_review(
    db: Db,
    principal: Annotated[Principal, Depends(Require("courses.review"))],
    ref: PatientRef,
    course_ref: CourseRef,
    body: schemas.PauseReviewIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "course_review")
    course = _course(db, patient, course_ref)
    pause, transition = course_service.review_pause(
        db,
        principal.actor,
        patient,
        course,
        physician=who(principal),
        decision=body.decision,
        note=body.note,
    )
    return {"pause": course_service.pause_to_dict(pause), "course": transition.to_dict()}


@router.post(
    "/patients/{ref}/course-adverse-events/{event_id}/correct",
    response_model=schemas.CorrectionOut,
    summary="Correct a course's adverse event (made not serious: physician only)",
)
def correct_adverse_event(
    db: Db,
    principal: Annotated[Principal, Depends(Require("courses.correct"))],
    ref: PatientRef,
    event_id: EventId,
    body: schemas.AdverseEventCorrectionIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "course_adverse_event_correct")
    event, changed, _ = course_service.correct_adverse_event(
        db,
        principal.actor,
        patient,
        event_id,
        body.changes(),
        reason=body.reason,
        expected_version=body.version,
        as_role=principal.role,
        physician=who(principal),
    )
    return {
        "id": event.id,
        "version": event.version,
        "changed": sorted(changed),
        "course_status": course_service.course_status(db, event),
    }


@router.post(
    "/patients/{ref}/course-adverse-events/{event_id}/entered-in-error",
    response_model=schemas.CorrectionOut,
    summary="Mark a course's adverse event entered in error (a serious one: physician only)",
)
def retire_adverse_event(
    db: Db,
    principal: Annotated[Principal, Depends(Require("courses.correct"))],
    ref: PatientRef,
    event_id: EventId,
    body: RetireIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "course_adverse_event_retire")
    event = course_service.retire_adverse_event(
        db,
        principal.actor,
        patient,
        event_id,
        reason=body.reason,
        expected_version=body.version,
        as_role=principal.role,
        physician=who(principal),
    )
    return {
        "id": event.id,
        "version": event.version,
        "retired_at": event.retired_at,
        "retired_by": event.retired_by,
        "retired_reason": event.retired_reason,
        "changed": ["retired_at"],
        "course_status": course_service.course_status(db, event),
    }


@router.get(
    "/patients/{ref}/course-adverse-events/{event_id}/versions",
    response_model=list[VersionOut],
    summary="The earlier versions of a course's adverse event: who corrected it, when, why",
)
def adverse_event_versions(
    db: Db,
    principal: Annotated[Principal, Depends(Require("courses.read"))],
    ref: PatientRef,
    event_id: EventId,
) -> list[VersionOut]:
    patient = _patient(db, principal, ref, "course_adverse_event_versions")
    _, entries = course_service.adverse_event_versions(db, principal.actor, patient, event_id)
    return versions_out(entries)
