"""Every query of the assessments room."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.memo import memoized
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
        everything = memoized(
            self.session,
            ("assessments.for_patient", patient_id),
            lambda: list(
                self.session.scalars(
                    select(Assessment)
                    .where(Assessment.patient_id == patient_id, Assessment.retired_at.is_(None))
                    .order_by(Assessment.administered_at, Assessment.id)
                )
            ),
        )
        return [a for a in everything if a.scale_id == scale_id] if scale_id else everything

    def caseload(self, *, scale_id: str, recent_since: date) -> list[CaseloadRow]:
        """One row per active patient, in a single round trip.

        Baseline follows the outcome rule of :func:`trdcare.assessments.domain.course_outcome`:
        the last complete assessment on or before the start of the patient's latest course
        (ongoing or finished), otherwise the first one. One ordered pass over the scale's
        rows numbers each patient's assessments (``rn``), counts them (``n``) and counts
        those on or before the course start (``n_before``); the latest is then row ``n`` and
        the baseline row ``n_before`` (or 1). This relies on ``administered_on`` being the
        date of ``administered_at`` (set together in :func:`record_assessment`), so the rows
        on or before the start are the first ``n_before`` in time order.
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
        ranked = (
            select(
                Assessment.patient_id.label("patient_id"),
                Assessment.total.label("total"),
                Assessment.severity.label("severity"),
                Assessment.administered_on.label("on"),
                func.row_number()
                .over(
                    partition_by=Assessment.patient_id,
                    order_by=(Assessment.administered_at, Assessment.id),
                )
                .label("rn"),
                func.count().over(partition_by=Assessment.patient_id).label("n"),
                func.sum(case((Assessment.administered_on <= course.c.start_date, 1), else_=0))
                .over(partition_by=Assessment.patient_id)
                .label("n_before"),
            )
            .join(course, course.c.patient_id == Assessment.patient_id, isouter=True)
            .where(
                Assessment.scale_id == scale_id,
                Assessment.complete.is_(True),
                Assessment.retired_at.is_(None),
            )
            .subquery("ranked")
        )
        is_latest = ranked.c.rn == ranked.c.n
        is_baseline = ranked.c.rn == case((ranked.c.n_before > 0, ranked.c.n_before), else_=1)
        picked = (
            select(
                ranked.c.patient_id.label("patient_id"),
                func.max(case((is_latest, ranked.c.total))).label("latest_total"),
                func.max(case((is_latest, ranked.c.severity))).label("latest_severity"),
                func.max(case((is_latest, ranked.c.on))).label("latest_on"),
                func.max(case((is_baseline, ranked.c.total))).label("baseline_total"),
                func.max(ranked.c.n).label("n"),
            )
            .group_by(ranked.c.patient_id)
            .subquery("picked")
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
        query = (
            select(
                Patient.id,
                Patient.ref,
                Patient.given_name,
                Patient.family_name,
                course.c.start_date,
                picked.c.baseline_total,
                picked.c.latest_total,
                picked.c.latest_severity,
                picked.c.latest_on,
                picked.c.n,
                alerts.c.patient_id.is_not(None),
            )
            .join(course, course.c.patient_id == Patient.id, isouter=True)
            .join(picked, picked.c.patient_id == Patient.id, isouter=True)
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
