"""Every query of the assessments room."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Assessment, AssessmentItem, Patient, TreatmentCourse


@dataclass(frozen=True, slots=True)
class CaseloadRow:
    """Per active patient: baseline and latest total of one scale, and alert inputs."""

    patient_id: int
    patient_ref: str
    given_name: str
    family_name: str
    course_start: date | None
    baseline_total: int | None
    latest_total: int | None
    latest_severity: str | None
    latest_on: date | None
    assessments: int
    recent_suicidal_ideation: bool


class AssessmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, assessment: Assessment, answers: dict[str, int]) -> Assessment:
        self.session.add(assessment)
        self.session.flush()
        self.session.add_all(
            AssessmentItem(assessment_id=assessment.id, item_key=key, value=value)
            for key, value in answers.items()
        )
        self.session.flush()
        return assessment

    def get(self, assessment_id: int) -> Assessment | None:
        return self.session.get(Assessment, assessment_id)

    def items(self, assessment_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {i: {} for i in assessment_ids}
        if not assessment_ids:
            return out
        rows = self.session.execute(
            select(
                AssessmentItem.assessment_id, AssessmentItem.item_key, AssessmentItem.value
            ).where(AssessmentItem.assessment_id.in_(assessment_ids))
        )
        for assessment_id, key, value in rows:
            out[assessment_id][key] = value
        return out

    def for_patient(self, patient_id: int, scale_id: str | None = None) -> list[Assessment]:
        query = select(Assessment).where(
            Assessment.patient_id == patient_id, Assessment.retired_at.is_(None)
        )
        if scale_id:
            query = query.where(Assessment.scale_id == scale_id)
        return list(self.session.scalars(query.order_by(Assessment.administered_at, Assessment.id)))

    def caseload(self, *, scale_id: str, recent_since: date) -> list[CaseloadRow]:
        """One row per active patient, in a single round trip.

        Baseline follows the outcome rule of :func:`trdcare.assessments.domain.course_outcome`:
        the last complete assessment on or before the start of the patient's latest course
        (ongoing or finished), otherwise the first one.
        """
        course = (
            select(
                TreatmentCourse.patient_id.label("patient_id"),
                func.max(TreatmentCourse.start_date).label("start_date"),
            )
            .where(TreatmentCourse.retired_at.is_(None))
            .group_by(TreatmentCourse.patient_id)
            .cte("course")
        )
        on_or_before_start = and_(
            course.c.start_date.is_not(None), Assessment.administered_on <= course.c.start_date
        )
        scored = (
            select(
                Assessment.patient_id.label("patient_id"),
                Assessment.administered_on.label("on"),
                Assessment.total.label("total"),
                Assessment.severity.label("severity"),
                func.row_number()
                .over(
                    partition_by=Assessment.patient_id,
                    order_by=(Assessment.administered_at.desc(), Assessment.id.desc()),
                )
                .label("rank_latest"),
                # Baseline rank: on/before the course start first (latest of those), else the
                # earliest assessment overall.
                func.row_number()
                .over(
                    partition_by=Assessment.patient_id,
                    order_by=(
                        case((on_or_before_start, 0), else_=1),
                        case((on_or_before_start, Assessment.administered_at), else_=None).desc(),
                        case((on_or_before_start, Assessment.id), else_=None).desc(),
                        Assessment.administered_at,
                        Assessment.id,
                    ),
                )
                .label("rank_baseline"),
                func.count().over(partition_by=Assessment.patient_id).label("n"),
            )
            .join(course, course.c.patient_id == Assessment.patient_id, isouter=True)
            .where(
                Assessment.scale_id == scale_id,
                Assessment.complete.is_(True),
                Assessment.retired_at.is_(None),
            )
            .cte("scored")
        )
        alerts = (
            select(Assessment.patient_id.label("patient_id"))
            .where(
                Assessment.suicidal_ideation.is_(True),
                Assessment.retired_at.is_(None),
                Assessment.administered_on >= recent_since,
            )
            .group_by(Assessment.patient_id)
            .cte("alerts")
        )
        latest = scored.alias("latest")
        baseline = scored.alias("baseline")
        query = (
            select(
                Patient.id,
                Patient.ref,
                Patient.given_name,
                Patient.family_name,
                course.c.start_date,
                baseline.c.total,
                latest.c.total,
                latest.c.severity,
                latest.c.on,
                latest.c.n,
                alerts.c.patient_id.is_not(None),
            )
            .join(course, course.c.patient_id == Patient.id, isouter=True)
            .join(
                latest,
                and_(latest.c.patient_id == Patient.id, latest.c.rank_latest == 1),
                isouter=True,
            )
            .join(
                baseline,
                and_(baseline.c.patient_id == Patient.id, baseline.c.rank_baseline == 1),
                isouter=True,
            )
            .join(alerts, alerts.c.patient_id == Patient.id, isouter=True)
            .where(Patient.status == "active", Patient.retired_at.is_(None))
            .order_by(Patient.family_name, Patient.given_name, Patient.id)
        )
        return [
            CaseloadRow(
                patient_id=r[0],
                patient_ref=r[1],
                given_name=r[2],
                family_name=r[3],
                course_start=r[4],
                baseline_total=r[5],
                latest_total=r[6],
                latest_severity=r[7],
                latest_on=r[8],
                assessments=int(r[9] or 0),
                recent_suicidal_ideation=bool(r[10]),
            )
            for r in self.session.execute(query)
        ]
