"""Every query of the assessments room."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import and_, case, delete, func, insert, select
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


class CaseloadScoreRow(NamedTuple):
    """Per patient and scale, computed from the records: what the read model stores."""

    patient_id: int
    scale_id: str
    assessments: int
    baseline_total: int | None
    latest_total: int | None
    latest_severity: str | None
    latest_on: date | None


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

    def caseload_scores(self, patient_ids: Collection[int] | None = None) -> list[CaseloadScoreRow]:
        """Baseline and latest complete assessment per patient and scale, from the records.

        ``patient_ids`` None: every patient. Baseline follows the outcome rule of
        :func:`trdcare.assessments.domain.course_outcome`: the last complete assessment on or
        before the start of the patient's latest course (ongoing or finished), otherwise the
        first one. One ordered pass over the rows numbers each patient's assessments of a
        scale (``rn``), counts them (``n``) and counts those on or before the course start
        (``n_before``); the latest is then row ``n`` and the baseline row ``n_before`` (or 1).
        This relies on ``administered_on`` being the date of ``administered_at`` (set
        together in :func:`record_assessment`), so the rows on or before the start are the
        first ``n_before`` in time order.
        """
        course_query = select(
            TreatmentCourse.patient_id.label("patient_id"),
            func.max(TreatmentCourse.start_date).label("start_date"),
        ).where(TreatmentCourse.retired_at.is_(None))
        rows_query = select(
            Assessment.patient_id.label("patient_id"),
            Assessment.scale_id.label("scale_id"),
            Assessment.total.label("total"),
            Assessment.severity.label("severity"),
            Assessment.administered_on.label("on"),
        ).where(Assessment.complete.is_(True), Assessment.retired_at.is_(None))
        if patient_ids is not None:
            course_query = course_query.where(TreatmentCourse.patient_id.in_(patient_ids))
            rows_query = rows_query.where(Assessment.patient_id.in_(patient_ids))
        course = course_query.group_by(TreatmentCourse.patient_id).subquery("course")
        per_scale = (Assessment.patient_id, Assessment.scale_id)
        ranked = (
            rows_query.add_columns(
                func.row_number()
                .over(partition_by=per_scale, order_by=(Assessment.administered_at, Assessment.id))
                .label("rn"),
                func.count().over(partition_by=per_scale).label("n"),
                func.sum(case((Assessment.administered_on <= course.c.start_date, 1), else_=0))
                .over(partition_by=per_scale)
                .label("n_before"),
            )
            .join(course, course.c.patient_id == Assessment.patient_id, isouter=True)
            .subquery("ranked")
        )
        is_latest = ranked.c.rn == ranked.c.n
        is_baseline = ranked.c.rn == case((ranked.c.n_before > 0, ranked.c.n_before), else_=1)
        query = (
            select(
                ranked.c.patient_id,
                ranked.c.scale_id,
                func.max(ranked.c.n),
                func.max(case((is_baseline, ranked.c.total))),
                func.max(case((is_latest, ranked.c.total))),
                func.max(case((is_latest, ranked.c.severity))),
                func.max(case((is_latest, ranked.c.on))),
            )
            .group_by(ranked.c.patient_id, ranked.c.scale_id)
            .order_by(ranked.c.patient_id, ranked.c.scale_id)
        )
        return [CaseloadScoreRow(*row) for row in self.session.execute(query)]

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
            self.session.execute(insert(CaseloadScore), list(rows))

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
