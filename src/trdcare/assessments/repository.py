"""Every query of the assessments room."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.memo import memoized
from trdcare.adapters.db.models import (
    Assessment,
    AssessmentItem,
    CaseloadScore,
    Patient,
    ReadModel,
    TreatmentCourse,
)


class ScoredAdministration(NamedTuple):
    """A complete administration, as the caseload read model is computed from."""

    patient_id: int
    scale_id: str
    administered_on: date
    total: int | None
    severity: str | None
    course_start: date | None


class CaseloadRow(NamedTuple):
    """Per active patient: the stored caseload figures of one scale, and alert inputs."""

    patient_ref: str
    given_name: str
    family_name: str
    baseline_total: int | None
    latest_total: int | None
    latest_severity: str | None
    latest_on: date | None
    assessments: int | None
    percent_change: float | None
    response: bool | None
    remission: bool | None
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

    def scored_administrations(
        self, patient_ids: Collection[int] | None = None
    ) -> list[ScoredAdministration]:
        """Every complete, current administration with its patient's latest course start.

        ``patient_ids`` None: every patient. Ordered by patient, scale and time (then entry),
        the order :func:`trdcare.assessments.domain.caseload_figures` reads them in.
        """
        course_query = select(
            TreatmentCourse.patient_id.label("patient_id"),
            func.max(TreatmentCourse.start_date).label("start_date"),
        ).where(TreatmentCourse.retired_at.is_(None))
        query = select(
            Assessment.patient_id,
            Assessment.scale_id,
            Assessment.administered_on,
            Assessment.total,
            Assessment.severity,
        ).where(Assessment.complete.is_(True), Assessment.retired_at.is_(None))
        if patient_ids is not None:
            course_query = course_query.where(TreatmentCourse.patient_id.in_(patient_ids))
            query = query.where(Assessment.patient_id.in_(patient_ids))
        course = course_query.group_by(TreatmentCourse.patient_id).subquery("course")
        query = (
            query.add_columns(course.c.start_date)
            .join(course, course.c.patient_id == Assessment.patient_id, isouter=True)
            .order_by(
                Assessment.patient_id,
                Assessment.scale_id,
                Assessment.administered_at,
                Assessment.id,
            )
        )
        return list(map(ScoredAdministration._make, self.session.connection().execute(query).all()))

    def lock_patients(self, patient_ids: Collection[int]) -> None:
        """Row locks on the patients (PostgreSQL; in id order, so two writers cannot deadlock).

        A writer that refreshes a patient's caseload rows holds it until commit: another
        transaction's refresh of the same patient then waits and, reading afresh, sees both.
        FOR NO KEY UPDATE, not FOR UPDATE: the key-share locks that inserting an assessment
        takes on its patient do not conflict with it (with FOR UPDATE, two transactions that
        each inserted an assessment for the patient would deadlock on each other's).
        SQLite has one writer at a time and ignores the clause.
        """
        self.session.execute(
            select(Patient.id)
            .where(Patient.id.in_(sorted(patient_ids)))
            .order_by(Patient.id)
            .with_for_update(key_share=True)
        ).all()

    def replace_caseload_scores(
        self, patient_ids: Collection[int] | None, rows: Sequence[dict[str, object]]
    ) -> None:
        """Replace the stored caseload rows of ``patient_ids`` (None: of everyone)."""
        remove = delete(CaseloadScore)
        if patient_ids is not None:
            remove = remove.where(CaseloadScore.patient_id.in_(patient_ids))
        self.session.execute(remove)
        if rows:
            self.session.execute(
                insert(CaseloadScore).execution_options(render_nulls=True), list(rows)
            )

    def read_model_version(self, name: str) -> int | None:
        return self.session.scalar(select(ReadModel.version).where(ReadModel.name == name))

    def set_read_model_version(self, name: str, version: int, at: datetime) -> None:
        self.session.execute(delete(ReadModel).where(ReadModel.name == name))
        self.session.execute(insert(ReadModel).values(name=name, version=version, rebuilt_at=at))

    def caseload(self, *, scale_id: str, recent_since: date) -> list[CaseloadRow]:
        """One row per active patient (by name) from the caseload read model, one round trip."""
        alerts = (
            select(Assessment.patient_id.label("patient_id"))
            .where(
                Assessment.suicidal_ideation.is_(True),
                Assessment.retired_at.is_(None),
                Assessment.administered_on >= recent_since,
            )
            .group_by(Assessment.patient_id)
            .subquery("alerts")
        )
        score = CaseloadScore
        query = (
            select(
                Patient.ref,
                Patient.given_name,
                Patient.family_name,
                score.baseline_total,
                score.latest_total,
                score.latest_severity,
                score.latest_on,
                score.assessments,
                score.percent_change,
                score.response,
                score.remission,
                alerts.c.patient_id.is_not(None),
            )
            .join(
                score,
                and_(score.patient_id == Patient.id, score.scale_id == scale_id),
                isouter=True,
            )
            .join(alerts, alerts.c.patient_id == Patient.id, isouter=True)
            .where(Patient.status == "active", Patient.retired_at.is_(None))
            .order_by(Patient.family_name, Patient.given_name, Patient.id)
        )
        # Core, not ORM, execution: plain tuples for the 2,000-row page without ORM loading.
        return list(map(CaseloadRow._make, self.session.connection().execute(query).all()))
