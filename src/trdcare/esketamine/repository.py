"""Every database query of the esketamine room."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.adapters.db.models.esketamine import (
    EsketamineCourse,
    EsketamineObservation,
    EsketamineSession,
)


class EsketamineRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: Any) -> None:
        self.session.add(row)
        self.session.flush()

    # courses ------------------------------------------------------------------------------
    def current_course(self, patient_id: int) -> EsketamineCourse | None:
        """The patient's latest esketamine course that is not retired (ongoing or ended)."""
        return self.session.scalars(
            select(EsketamineCourse)
            .join(TreatmentCourse, TreatmentCourse.id == EsketamineCourse.treatment_course_id)
            .where(
                EsketamineCourse.patient_id == patient_id,
                EsketamineCourse.retired_at.is_(None),
                TreatmentCourse.retired_at.is_(None),
            )
            .order_by(EsketamineCourse.start_date.desc(), EsketamineCourse.id.desc())
            .limit(1)
        ).first()

    def course_of_treatment(self, treatment_course_id: int) -> EsketamineCourse | None:
        """The esketamine course (not retired) of that treatment course, current or earlier."""
        return self.session.scalars(
            select(EsketamineCourse).where(
                EsketamineCourse.treatment_course_id == treatment_course_id,
                EsketamineCourse.retired_at.is_(None),
            )
        ).first()

    def treatment_course(self, course: EsketamineCourse) -> TreatmentCourse:
        return self.session.get_one(TreatmentCourse, course.treatment_course_id)

    # sessions -----------------------------------------------------------------------------
    def sessions(self, course_id: int, *, retired: bool = False) -> Sequence[EsketamineSession]:
        query = select(EsketamineSession).where(EsketamineSession.course_id == course_id)
        if not retired:
            query = query.where(EsketamineSession.retired_at.is_(None))
        return self.session.scalars(
            query.order_by(EsketamineSession.number, EsketamineSession.id)
        ).all()

    def session_by_ref(self, patient_id: int, ref: str) -> EsketamineSession | None:
        return self.session.scalars(
            select(EsketamineSession).where(
                EsketamineSession.patient_id == patient_id, EsketamineSession.ref == ref
            )
        ).first()

    def ref_exists(self, ref: str) -> bool:
        return (
            self.session.scalar(
                select(func.count())
                .select_from(EsketamineSession)
                .where(EsketamineSession.ref == ref)
            )
            or 0
        ) > 0

    def open_session(self, course_id: int) -> EsketamineSession | None:
        return self.session.scalars(
            select(EsketamineSession).where(
                EsketamineSession.course_id == course_id,
                EsketamineSession.retired_at.is_(None),
                EsketamineSession.status.in_(("checked_in", "dosed")),
            )
        ).first()

    def next_number(self, course_id: int) -> int:
        top = self.session.scalar(
            select(func.max(EsketamineSession.number)).where(
                EsketamineSession.course_id == course_id, EsketamineSession.retired_at.is_(None)
            )
        )
        return int(top or 0) + 1

    def observations(
        self, session_ids: Sequence[int], *, retired: bool = False
    ) -> Sequence[EsketamineObservation]:
        if not session_ids:
            return []
        query = select(EsketamineObservation).where(
            EsketamineObservation.session_id.in_(session_ids)
        )
        if not retired:
            query = query.where(EsketamineObservation.retired_at.is_(None))
        return self.session.scalars(
            query.order_by(EsketamineObservation.observed_at, EsketamineObservation.id)
        ).all()

    def observation(self, session_id: int, observation_id: int) -> EsketamineObservation | None:
        return self.session.scalars(
            select(EsketamineObservation).where(
                EsketamineObservation.session_id == session_id,
                EsketamineObservation.id == observation_id,
            )
        ).first()

    # dashboard ----------------------------------------------------------------------------
    def dashboard_rows(self) -> list[tuple[str, EsketamineCourse, TreatmentCourse]]:
        """Every patient's not-retired esketamine course with its treatment course."""
        rows = self.session.execute(
            select(Patient.ref, EsketamineCourse, TreatmentCourse)
            .join(EsketamineCourse, EsketamineCourse.patient_id == Patient.id)
            .join(TreatmentCourse, TreatmentCourse.id == EsketamineCourse.treatment_course_id)
            .where(EsketamineCourse.retired_at.is_(None), TreatmentCourse.retired_at.is_(None))
            .order_by(EsketamineCourse.start_date, EsketamineCourse.id)
        ).all()
        return [(r[0], r[1], r[2]) for r in rows]

    def discharged_counts(self) -> dict[int, int]:
        """Course id -> sessions discharged (not retired), in one query."""
        rows = self.session.execute(
            select(EsketamineSession.course_id, func.count())
            .where(EsketamineSession.retired_at.is_(None), EsketamineSession.status == "discharged")
            .group_by(EsketamineSession.course_id)
        ).all()
        return {int(course_id): int(n) for course_id, n in rows}

    def open_tasks(self) -> list[tuple[str, EsketamineSession]]:
        """Sessions whose REMS form is not submitted, or that await a sign-off."""
        rows = self.session.execute(
            select(Patient.ref, EsketamineSession)
            .join(EsketamineSession, EsketamineSession.patient_id == Patient.id)
            .where(
                EsketamineSession.retired_at.is_(None),
                (
                    (
                        (EsketamineSession.status == "discharged")
                        & EsketamineSession.rems_submitted_at.is_(None)
                    )
                    | (
                        (EsketamineSession.status == "checked_in")
                        & EsketamineSession.bp_signoff_at.is_(None)
                    )
                ),
            )
            .order_by(EsketamineSession.id)
        ).all()
        return [(r[0], r[1]) for r in rows]
