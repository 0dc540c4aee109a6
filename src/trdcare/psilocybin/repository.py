"""Every database query of the psilocybin room."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.adapters.db.models.psilocybin import (
    PsilocybinDosingDay,
    PsilocybinEnrolment,
    PsilocybinSession,
)

#: Enrolments still under way (screened and waiting for review, or enrolled).
OPEN_STATUSES = ("review", "preparation", "dosing", "integration")


class PsilocybinRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()

    def ref_exists(self, ref: str) -> bool:
        found = self.session.scalar(
            select(PsilocybinEnrolment.id).where(PsilocybinEnrolment.ref == ref)
        )
        return found is not None

    def latest_enrolment(self, patient_id: int) -> PsilocybinEnrolment | None:
        return self.session.scalars(
            select(PsilocybinEnrolment)
            .where(
                PsilocybinEnrolment.patient_id == patient_id,
                PsilocybinEnrolment.retired_at.is_(None),
            )
            .order_by(PsilocybinEnrolment.screened_on.desc(), PsilocybinEnrolment.id.desc())
            .limit(1)
        ).first()

    def enrolment_of_course(self, course_id: int) -> PsilocybinEnrolment | None:
        """The enrolment (not retired) whose treatment course is ``course_id``."""
        return self.session.scalars(
            select(PsilocybinEnrolment).where(
                PsilocybinEnrolment.treatment_course_id == course_id,
                PsilocybinEnrolment.retired_at.is_(None),
            )
        ).first()

    def sessions(self, enrolment_id: int) -> list[PsilocybinSession]:
        return list(
            self.session.scalars(
                select(PsilocybinSession)
                .where(
                    PsilocybinSession.enrolment_id == enrolment_id,
                    PsilocybinSession.retired_at.is_(None),
                )
                .order_by(PsilocybinSession.held_at, PsilocybinSession.id)
            )
        )

    def session_row(self, enrolment_id: int, session_id: int) -> PsilocybinSession | None:
        row = self.session.get(PsilocybinSession, session_id)
        if row is None or row.enrolment_id != enrolment_id or row.retired_at is not None:
            return None
        return row

    def dosing_days(self, enrolment_id: int) -> list[PsilocybinDosingDay]:
        return list(
            self.session.scalars(
                select(PsilocybinDosingDay)
                .where(
                    PsilocybinDosingDay.enrolment_id == enrolment_id,
                    PsilocybinDosingDay.retired_at.is_(None),
                )
                .order_by(PsilocybinDosingDay.number)
            )
        )

    def dashboard_rows(self) -> list[tuple[str, str]]:
        """(patient ref, status) of every open enrolment (the dashboard)."""
        rows = self.session.execute(
            select(Patient.ref, PsilocybinEnrolment.status)
            .join(Patient, Patient.id == PsilocybinEnrolment.patient_id)
            .where(
                PsilocybinEnrolment.retired_at.is_(None),
                PsilocybinEnrolment.status.in_(OPEN_STATUSES),
            )
        )
        return [(str(r[0]), str(r[1])) for r in rows]
