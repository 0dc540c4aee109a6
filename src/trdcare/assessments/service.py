"""Assessment use cases: record a scale, list, outcomes for a course, the caseload summary.

Flushes, never commits; audits every read and write of patient data. The scoring and the
outcome rules are the pure domain's (:mod:`trdcare.assessments.domain`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Assessment, Patient, TreatmentCourse
from trdcare.adapters.db.stamping import stamp_new
from trdcare.assessments.domain import (
    CourseOutcome,
    ScaleResult,
    ScorePoint,
    course_outcome,
    get_scale,
    quick_summary,
    score,
)
from trdcare.assessments.repository import AssessmentRepository
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.clock import ensure_utc, utc_now
from trdcare.core.errors import InvalidInput, NotFound
from trdcare.history import service as history_service

# Clock skew tolerated between a device entering an assessment and the server.
_FUTURE_TOLERANCE = timedelta(minutes=5)
ASSESSMENT_SOURCES = ("staff", "self_report", "import")

# Workflow settings of the caseload view (clinic policy, not clinical facts): how recent a
# suicidal-ideation flag must be to show as an alert, and when a weekly measure is overdue.
DEFAULT_ALERT_WINDOW_DAYS = 14
DEFAULT_OVERDUE_AFTER_DAYS = 10


def record_assessment(
    session: Session,
    actor: Actor,
    patient: Patient,
    scale_id: str,
    answers: Mapping[str, int],
    *,
    administered_at: datetime | None = None,
    source: str = "staff",
    course: TreatmentCourse | None = None,
) -> tuple[Assessment, ScaleResult]:
    """Score and store one administration with every item answer. Safety flags are kept."""
    result = score(scale_id, answers)
    if source not in ASSESSMENT_SOURCES:
        raise InvalidInput.single(
            "source", "unknown value", allowed=", ".join(ASSESSMENT_SOURCES), given=source
        )
    now = utc_now()
    when = ensure_utc(administered_at) if administered_at else now
    if when > now + _FUTURE_TOLERANCE:
        raise InvalidInput.single(
            "administered_at",
            "is in the future",
            allowed=f"on or before {now.isoformat()}",
            given=when.isoformat(),
        )
    if course is not None and course.patient_id != patient.id:
        raise InvalidInput.single("course", "belongs to another patient")
    row = Assessment(
        patient_id=patient.id,
        course_id=course.id if course else None,
        scale_id=result.scale_id,
        administered_at=when,
        administered_on=when.date(),
        source=source,
        total=result.total,
        severity=result.severity,
        complete=result.complete,
        suicidal_ideation=any(f.code == "suicidal_ideation" for f in result.flags),
        triage=result.triage,
        flags=[f.to_dict() for f in result.flags],
    )
    stamp_new(row, actor)
    AssessmentRepository(session).add(row, dict(result.answers))
    audit.record(
        session,
        actor,
        "create",
        "assessment",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"scale": result.scale_id, "source": source},
    )
    return row, result


def list_assessments(
    session: Session, actor: Actor, patient: Patient, *, scale_id: str | None = None
) -> list[Assessment]:
    if scale_id is not None:
        get_scale(scale_id)
    rows = AssessmentRepository(session).for_patient(patient.id, scale_id)
    audit.record(
        session,
        actor,
        "read",
        "assessment_list",
        patient_ref=patient.ref,
        detail={"scale": scale_id, "count": len(rows)},
    )
    return rows


def assessment_answers(session: Session, rows: list[Assessment]) -> dict[int, dict[str, int]]:
    return AssessmentRepository(session).items([r.id for r in rows])


def select_course(
    session: Session, patient: Patient, course_ref: str | None
) -> TreatmentCourse | None:
    return history_service.find_course(session, patient, course_ref)


def patient_outcome(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    scale_id: str | None = None,
    course_ref: str | None = None,
    reliability: float | None = None,
    baseline_sd: float | None = None,
) -> tuple[CourseOutcome, TreatmentCourse | None]:
    """Outcome of the patient's course (the given one, else the current one) on one scale."""
    course = history_service.find_course(session, patient, course_ref)
    scale = scale_id or (course.primary_scale if course else "phq9")
    get_scale(scale)
    rows = [
        r
        for r in AssessmentRepository(session).for_patient(patient.id, scale)
        if r.complete and r.total is not None
    ]
    if not rows:
        raise NotFound(f"assessments: no complete {scale} assessment for this patient")
    points = [ScorePoint(on=r.administered_on, total=int(r.total or 0)) for r in rows]
    outcome = course_outcome(
        scale,
        points,
        course_start=course.start_date if course else None,
        reliability=reliability,
        baseline_sd=baseline_sd,
    )
    audit.record(
        session,
        actor,
        "read",
        "outcome",
        patient_ref=patient.ref,
        detail={"scale": scale, "course": course.ref if course else None, "points": len(points)},
    )
    return outcome, course


@dataclass(frozen=True)
class CaseloadEntry:
    patient_ref: str
    name: str
    scale_id: str
    latest_total: int | None
    latest_severity: str | None
    latest_on: date | None
    baseline_total: int | None
    percent_change: float | None
    response: bool
    remission: bool
    assessments: int
    alerts: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient": self.patient_ref,
            "name": self.name,
            "scale": self.scale_id,
            "latest_total": self.latest_total,
            "latest_severity": self.latest_severity,
            "latest_on": self.latest_on.isoformat() if self.latest_on else None,
            "baseline_total": self.baseline_total,
            "percent_change": self.percent_change,
            "response": self.response,
            "remission": self.remission,
            "assessments": self.assessments,
            "alerts": list(self.alerts),
        }


def caseload_summary(
    session: Session,
    actor: Actor,
    *,
    scale_id: str = "phq9",
    as_of: date,
    alert_window_days: int = DEFAULT_ALERT_WINDOW_DAYS,
    overdue_after_days: int = DEFAULT_OVERDUE_AFTER_DAYS,
) -> list[CaseloadEntry]:
    """Every active patient with latest score and band, change, response/remission and alerts."""
    get_scale(scale_id)
    rows = AssessmentRepository(session).caseload(
        scale_id=scale_id, recent_since=as_of - timedelta(days=alert_window_days)
    )
    out = []
    for row in rows:
        percent_change: float | None = None
        response = remission = False
        if row.baseline_total is not None and row.latest_total is not None:
            percent_change, response, remission = quick_summary(
                scale_id, row.baseline_total, row.latest_total
            )
        alerts = []
        if row.recent_suicidal_ideation:
            alerts.append("suicidal_ideation")
        if row.latest_on is None or (as_of - row.latest_on).days > overdue_after_days:
            alerts.append("assessment_overdue")
        out.append(
            CaseloadEntry(
                patient_ref=row.patient_ref,
                name=f"{row.family_name}, {row.given_name}",
                scale_id=scale_id,
                latest_total=row.latest_total,
                latest_severity=row.latest_severity,
                latest_on=row.latest_on,
                baseline_total=row.baseline_total,
                percent_change=percent_change,
                response=response,
                remission=remission,
                assessments=row.assessments,
                alerts=tuple(alerts),
            )
        )
    audit.record(
        session, actor, "read", "caseload", detail={"scale": scale_id, "patients": len(out)}
    )
    return out
