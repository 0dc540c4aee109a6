"""JSON API of the assessments room: scales, scoring, a patient's assessments and outcome,
the caseload, self-report links and the patient's own self-report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from trdcare.accounts import service as account_service
from trdcare.accounts.domain import may_see_link_field
from trdcare.accounts.schemas import SelfReportLink, SelfReportLinkCreate, SelfReportLinkCreated
from trdcare.adapters.db.models import Assessment, Patient
from trdcare.adapters.db.models import SelfReportLink as LinkRow
from trdcare.adapters.web.auth import Principal, Require, client_source
from trdcare.adapters.web.corrections import (
    RecordStateOut,
    RetireIn,
    VersionOut,
    state_out,
    versions_out,
)
from trdcare.adapters.web.db import Db
from trdcare.adapters.web.pagination import Page, Paging
from trdcare.adapters.web.selfreport import (
    LinkHolder,
    OpenLink,
    link_url,
    submit_self_report,
)
from trdcare.assessments import responses
from trdcare.assessments import service as assessment_service
from trdcare.assessments.domain import SCALE_IDS, get_scale, score
from trdcare.assessments.schemas import (
    AlertAcknowledgement,
    Answers,
    AssessmentCreate,
    SelfReportAnswers,
)
from trdcare.audit import service as audit
from trdcare.core.clock import utc_today
from trdcare.history import service as history_service
from trdcare.patients import service as patient_service
from trdcare.patients.endpoints import PatientRef

router = APIRouter(tags=["assessments"])

ScaleId = Annotated[str, Path(pattern=r"^[a-z0-9_]{1,20}$", description="Scale id, e.g. phq9")]
LINK_REF = Path(pattern=r"^L-[0-9A-Z]{10}$", max_length=12, description="Link ref (L-...)")
TOKEN = Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")


class AssessmentOut(BaseModel):
    id: int
    scale: str
    administered_at: datetime
    source: str
    total: int | None
    severity: str | None
    complete: bool
    suicidal_ideation: bool
    triage: str | None
    flags: list[dict[str, Any]]
    answers: dict[str, int]
    entered_by: str
    version: int


class AssessmentCreated(BaseModel):
    assessment: AssessmentOut
    result: dict[str, Any] = Field(description="The scored form: total, band, flags, reasons")


class SelfReportForm(BaseModel):
    link: str
    scale: str
    name: str
    expires_at: datetime
    items: list[dict[str, Any]]
    crisis: dict[str, Any]


class SelfReportDone(BaseModel):
    received: bool
    suicidal_ideation: bool
    crisis: dict[str, Any] | None = Field(
        description="Crisis resources, present when a suicide item was answered positive"
    )


class Alert(BaseModel):
    """An open suicidality alert: a self-report's (by its link) or a staff-entered scale's."""

    kind: Literal["self_report_suicidal_ideation", "suicidal_ideation"]
    link: str | None = Field(description="The self-report link (self-report alerts)")
    assessment: int | None = Field(description="The administration that raised the alert")
    patient: str
    scale: str
    reported_at: datetime | None


class AlertAcknowledged(Alert):
    """An alert once acknowledged: who, when and the note are kept with the assessment."""

    acknowledged_by: str
    acknowledged_at: datetime
    note: str


def assessment_out(row: Assessment, answers: dict[str, int]) -> AssessmentOut:
    return AssessmentOut(
        id=row.id,
        scale=row.scale_id,
        administered_at=row.administered_at,
        source=row.source,
        total=row.total,
        severity=row.severity,
        complete=row.complete,
        suicidal_ideation=row.suicidal_ideation,
        triage=row.triage,
        flags=list(row.flags or []),
        answers=answers,
        entered_by=row.created_by,
        version=row.version,
    )


def link_out(link: LinkRow, patient_ref: str, principal: Principal) -> SelfReportLink:
    """The link as ``principal`` may see it (clinical findings only with ``clinical.read``)."""
    return SelfReportLink(
        ref=link.ref,
        patient=patient_ref,
        scale=link.scale_id,
        created_at=link.created_at,
        created_by=link.created_by,
        expires_at=link.expires_at,
        used_at=link.used_at,
        revoked_at=link.revoked_at,
        status=account_service.link_status(link),
        suicidal_ideation=link.suicidal_ideation
        if may_see_link_field(principal.role, "suicidal_ideation")
        else None,
    )


def _patient(db: Session, principal: Principal, ref: str, purpose: str = "view") -> Patient:
    return patient_service.find_patient(db, principal.actor, ref, purpose=purpose)


# scales -----------------------------------------------------------------------------------
@router.get(
    "/scales",
    response_model=list[responses.ScaleSummary],
    response_model_exclude_unset=True,
    summary="Every rating scale: id, name, item count, total range",
)
def list_scales(_: Annotated[Principal, Depends(Require("clinical.read"))]) -> list[dict[str, Any]]:
    out = []
    for scale_id in SCALE_IDS:
        scale = get_scale(scale_id)
        out.append(
            {
                "id": scale.id,
                "name": scale.name,
                "items": len(scale.items),
                "total_min": scale.total_min,
                "total_max": scale.total_max,
                "self_report": scale.id in account_service.SELF_REPORT_SCALES,
            }
        )
    return out


@router.get(
    "/scales/{scale_id}",
    response_model=responses.Scale,
    response_model_exclude_unset=True,
    summary="One scale as data: items, answers, bands, rules",
)
def get_scale_data(
    _: Annotated[Principal, Depends(Require("clinical.read"))], scale_id: ScaleId
) -> dict[str, Any]:
    return get_scale(scale_id).to_dict()


@router.post(
    "/score",
    response_model=responses.ScaleResult,
    response_model_exclude_unset=True,
    summary="Score a form without storing it (no patient data)",
)
def score_form(
    _: Annotated[Principal, Depends(Require("clinical.read"))], body: Answers
) -> dict[str, Any]:
    return score(body.scale, body.answers).to_dict()


# a patient's assessments ------------------------------------------------------------------
@router.get(
    "/patients/{ref}/assessments",
    response_model=Page[AssessmentOut],
    summary="A patient's assessments, oldest first, with every item answer",
)
def list_assessments(
    db: Db,
    principal: Annotated[Principal, Depends(Require("clinical.read"))],
    ref: PatientRef,
    paging: Paging,
    scale: Annotated[str | None, Query(max_length=20)] = None,
) -> Page[AssessmentOut]:
    patient = _patient(db, principal, ref)
    rows = assessment_service.list_assessments(db, principal.actor, patient, scale_id=scale)
    window = rows[paging.offset : paging.offset + paging.limit]
    answers = assessment_service.assessment_answers(db, window)
    return Page[AssessmentOut](
        items=[assessment_out(r, answers.get(r.id, {})) for r in window],
        total=len(rows),
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post(
    "/patients/{ref}/assessments",
    response_model=AssessmentCreated,
    status_code=201,
    summary="Record a rating scale (scored at entry; safety flags are kept)",
)
def create_assessment(
    db: Db,
    principal: Annotated[Principal, Depends(Require("assessments.write"))],
    ref: PatientRef,
    body: AssessmentCreate,
) -> AssessmentCreated:
    patient = _patient(db, principal, ref, "assessment")
    course = history_service.find_course(db, patient, body.course) if body.course else None
    row, result = assessment_service.record_assessment(
        db,
        principal.actor,
        patient,
        body.scale,
        body.answers,
        administered_at=body.administered_at,
        source="staff",
        course=course,
    )
    return AssessmentCreated(
        assessment=assessment_out(row, dict(result.answers)), result=result.to_dict()
    )


@router.get(
    "/patients/{ref}/outcome",
    response_model=responses.Outcome,
    response_model_exclude_unset=True,
    summary="Response, remission, change and relapse over the patient's course, explained",
)
def outcome(
    db: Db,
    principal: Annotated[Principal, Depends(Require("clinical.read"))],
    ref: PatientRef,
    scale: Annotated[str | None, Query(max_length=20)] = None,
    course: Annotated[str | None, Query(max_length=20)] = None,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref)
    result, chosen = assessment_service.patient_outcome(
        db, principal.actor, patient, scale_id=scale, course_ref=course
    )
    return {"course": chosen.ref if chosen else None, **result.to_dict()}


@router.get(
    "/caseload",
    response_model=list[responses.CaseloadRow],
    response_model_exclude_unset=True,
    summary="Every active patient: latest score and band, change, response/remission, alerts",
)
def caseload(
    db: Db,
    principal: Annotated[Principal, Depends(Require("clinical.read"))],
    scale: Annotated[Literal["phq9", "gad7", "qids_sr16", "hamd17", "madrs"], Query()] = "phq9",
) -> list[dict[str, Any]]:
    entries = assessment_service.caseload_summary(
        db, principal.actor, scale_id=scale, as_of=utc_today()
    )
    audit.record(
        db,
        principal.actor,
        "read",
        "caseload_view",
        detail={"scale": scale, "patient_refs": [e.patient_ref for e in entries]},
    )
    return [e.to_dict() for e in entries]


# self-report links (staff side) -----------------------------------------------------------
@router.get(
    "/patients/{ref}/self-report-links",
    response_model=list[SelfReportLink],
    summary="A patient's self-report links (newest first)",
)
def list_links(
    db: Db,
    principal: Annotated[Principal, Depends(Require("self_report.send"))],
    ref: PatientRef,
) -> list[SelfReportLink]:
    patient = _patient(db, principal, ref, "self_report_links")
    return [
        link_out(link, patient.ref, principal) for link in account_service.list_links(db, patient)
    ]


@router.post(
    "/patients/{ref}/self-report-links",
    response_model=SelfReportLinkCreated,
    status_code=201,
    summary="Create a single-use, expiring self-report link (the URL is shown once)",
)
def create_link(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("self_report.send"))],
    ref: PatientRef,
    body: SelfReportLinkCreate,
) -> SelfReportLinkCreated:
    patient = _patient(db, principal, ref, "self_report_link")
    course = history_service.find_course(db, patient, body.course) if body.course else None
    link, raw = account_service.create_link(
        db,
        principal.actor,
        patient,
        body.scale,
        expires_in_hours=body.expires_in_hours,
        course=course,
    )
    return SelfReportLinkCreated(
        **link_out(link, patient.ref, principal).model_dump(), url=link_url(request, raw)
    )


@router.post(
    "/patients/{ref}/self-report-links/{link_ref}/revoke",
    response_model=SelfReportLink,
    summary="Revoke an open self-report link",
)
def revoke_link(
    db: Db,
    principal: Annotated[Principal, Depends(Require("self_report.send"))],
    ref: PatientRef,
    link_ref: Annotated[str, LINK_REF],
) -> SelfReportLink:
    patient = _patient(db, principal, ref, "self_report_link")
    link = account_service.revoke_link(db, principal.actor, patient, link_ref)
    return link_out(link, patient.ref, principal)


@router.get(
    "/alerts",
    response_model=list[Alert],
    summary="Open suicide alerts: self-reports until acknowledged, staff-entered while recent",
)
def alerts(
    db: Db, principal: Annotated[Principal, Depends(Require("clinical.read"))]
) -> list[Alert]:
    links = account_service.open_alerts(db)
    staff = assessment_service.open_staff_alerts(db, as_of=utc_today())
    audit.record(
        db,
        principal.actor,
        "read",
        "self_report_alerts",
        detail={
            "count": len(links) + len(staff),
            "patient_refs": [ref for _, ref in links] + [a.patient_ref for a in staff],
        },
    )
    return [
        Alert(
            kind="self_report_suicidal_ideation",
            link=link.ref,
            assessment=link.assessment_id,
            patient=patient_ref,
            scale=link.scale_id,
            reported_at=link.used_at,
        )
        for link, patient_ref in links
    ] + [
        Alert(
            kind="suicidal_ideation",
            link=None,
            assessment=a.assessment.id,
            patient=a.patient_ref,
            scale=a.assessment.scale_id,
            reported_at=a.assessment.administered_at,
        )
        for a in staff
    ]


def _acknowledged(row: Assessment, patient: Patient, link_ref: str | None) -> AlertAcknowledged:
    assert row.alert_acknowledged_at is not None
    return AlertAcknowledged(
        kind="self_report_suicidal_ideation" if link_ref else "suicidal_ideation",
        link=link_ref,
        assessment=row.id,
        patient=patient.ref,
        scale=row.scale_id,
        reported_at=row.administered_at,
        acknowledged_by=row.alert_acknowledged_by or "",
        acknowledged_at=row.alert_acknowledged_at,
        note=row.alert_acknowledgement_note or "",
    )


@router.post(
    "/alerts/{link_ref}/acknowledge",
    response_model=AlertAcknowledged,
    summary="Acknowledge a self-report suicide alert with a note (who, when and the note are "
    "kept; a second acknowledgement is a 409)",
    responses={409: {"description": "Already acknowledged"}},
)
def acknowledge(
    db: Db,
    principal: Annotated[Principal, Depends(Require("assessments.write"))],
    link_ref: Annotated[str, LINK_REF],
    body: AlertAcknowledgement,
) -> AlertAcknowledged:
    row, patient = assessment_service.acknowledge_self_report_alert(
        db, principal.actor, link_ref, note=body.note
    )
    return _acknowledged(row, patient, link_ref)


@router.post(
    "/alerts/assessments/{assessment_id}/acknowledge",
    response_model=AlertAcknowledged,
    summary="Acknowledge the suicide alert of a staff-entered scale with a note (a second "
    "acknowledgement is a 409)",
    responses={409: {"description": "Already acknowledged"}},
)
def acknowledge_staff(
    db: Db,
    principal: Annotated[Principal, Depends(Require("assessments.write"))],
    assessment_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: AlertAcknowledgement,
) -> AlertAcknowledged:
    row, patient = assessment_service.acknowledge_staff_alert(
        db, principal.actor, assessment_id, note=body.note
    )
    link = account_service.link_of_assessment(db, row.id)
    return _acknowledged(row, patient, link.ref if link else None)


# the patient's side: the link is the credential ---------------------------------------------
@router.get(
    "/self-report/{token}",
    response_model=SelfReportForm,
    summary="The questionnaire of a self-report link (no account: the link is the credential)",
)
def self_report_form(
    request: Request,
    opened: Annotated[OpenLink, Depends(LinkHolder())],
    token: Annotated[str, TOKEN],
) -> SelfReportForm:
    scale = get_scale(opened.link.scale_id)
    crisis = request.app.state.settings.crisis
    return SelfReportForm(
        link=opened.link.ref,
        scale=scale.id,
        name=scale.name,
        expires_at=opened.link.expires_at,
        items=[
            {"key": i.key, "label": i.label, "options": [o.to_dict() for o in i.options]}
            for i in scale.items
        ],
        crisis=crisis.__dict__,
    )


@router.post(
    "/self-report/{token}",
    response_model=SelfReportDone,
    summary="Answer the questionnaire of a self-report link (once)",
)
def self_report_submit(
    request: Request,
    db: Db,
    opened: Annotated[OpenLink, Depends(LinkHolder())],
    token: Annotated[str, TOKEN],
    body: Annotated[SelfReportAnswers, Body()],
) -> SelfReportDone:
    flagged = submit_self_report(db, opened, body.answers, source=client_source(request))
    crisis = request.app.state.settings.crisis
    return SelfReportDone(
        received=True, suicidal_ideation=flagged, crisis=crisis.__dict__ if flagged else None
    )


# corrections and entered-in-error ----------------------------------------------------------
AssessmentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The assessment's id")]


class AssessmentCorrectionIn(RetireIn):
    """The whole corrected form (every answer, as at entry); the time only if it changes."""

    answers: dict[str, int] = Field(
        description="Item key ('1'..'n') to answer value; unanswered items are left out",
        max_length=40,
    )
    administered_at: datetime | None = Field(
        default=None, description="When it was given, if that was wrong too"
    )


@router.post(
    "/patients/{ref}/assessments/{assessment_id}/correct",
    response_model=AssessmentCreated,
    summary="Correct an assessment: the corrected form is the next version, the old kept",
)
def correct_assessment(
    db: Db,
    principal: Annotated[Principal, Depends(Require("assessments.correct"))],
    ref: PatientRef,
    assessment_id: AssessmentId,
    body: AssessmentCorrectionIn,
) -> AssessmentCreated:
    patient = _patient(db, principal, ref, "assessment_correct")
    row, result = assessment_service.correct_assessment(
        db,
        principal.actor,
        patient,
        assessment_id,
        body.answers,
        reason=body.reason,
        administered_at=body.administered_at,
        expected_version=body.version,
        as_role=principal.role,
    )
    return AssessmentCreated(
        assessment=assessment_out(row, dict(result.answers)), result=result.to_dict()
    )


@router.post(
    "/patients/{ref}/assessments/{assessment_id}/entered-in-error",
    response_model=RecordStateOut,
    summary="Mark an assessment entered in error (kept; out of the outcome and caseload)",
)
def retire_assessment(
    db: Db,
    principal: Annotated[Principal, Depends(Require("assessments.correct"))],
    ref: PatientRef,
    assessment_id: AssessmentId,
    body: RetireIn,
) -> RecordStateOut:
    patient = _patient(db, principal, ref, "assessment_retire")
    row = assessment_service.retire_assessment(
        db,
        principal.actor,
        patient,
        assessment_id,
        reason=body.reason,
        expected_version=body.version,
        as_role=principal.role,
    )
    return state_out(row)


@router.get(
    "/patients/{ref}/assessments/{assessment_id}/versions",
    response_model=list[VersionOut],
    summary="An assessment's earlier versions: who corrected it, when, why, which answers",
)
def assessment_versions(
    db: Db,
    principal: Annotated[Principal, Depends(Require("clinical.read"))],
    ref: PatientRef,
    assessment_id: AssessmentId,
) -> list[VersionOut]:
    patient = _patient(db, principal, ref, "assessment_versions")
    _, entries = assessment_service.assessment_versions(db, principal.actor, patient, assessment_id)
    return versions_out(entries)
