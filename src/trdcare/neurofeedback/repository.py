"""Every query of the neurofeedback room."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import TreatmentCourse
from trdcare.adapters.db.models.neurofeedback import NfSession


class NeurofeedbackRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: NfSession) -> None:
        self.session.add(row)
        self.session.flush()

    def ongoing_course(self, patient_id: int) -> TreatmentCourse | None:
        """The patient's ongoing (active or paused) neurofeedback course, newest first."""
        return self.session.scalar(
            select(TreatmentCourse)
            .where(
                TreatmentCourse.patient_id == patient_id,
                TreatmentCourse.modality == "neurofeedback",
                TreatmentCourse.status.in_(("active", "paused")),
                TreatmentCourse.retired_at.is_(None),
            )
            .order_by(TreatmentCourse.start_date.desc(), TreatmentCourse.id.desc())
            .limit(1)
        )

    def next_number(self, course_id: int) -> int:
        """One past the highest number of the course's current sessions (a session entered
        in error leaves its number to the next one only when it was the last)."""
        top = self.session.scalar(
            select(func.max(NfSession.session_number)).where(
                NfSession.treatment_course_id == course_id, NfSession.retired_at.is_(None)
            )
        )
        return int(top or 0) + 1

    def sessions(self, patient_id: int) -> list[tuple[NfSession, TreatmentCourse]]:
        """The patient's sessions (not entered in error) with their courses, oldest first."""
        rows = self.session.execute(
            select(NfSession, TreatmentCourse)
            .join(TreatmentCourse, TreatmentCourse.id == NfSession.treatment_course_id)
            .where(NfSession.patient_id == patient_id, NfSession.retired_at.is_(None))
            .order_by(NfSession.started_at, NfSession.id)
        )
        return [(s, c) for s, c in rows.tuples()]

    def numbered(self, patient_id: int, number: int) -> list[tuple[NfSession, TreatmentCourse]]:
        """The patient's sessions numbered ``number`` on any of their courses, entered in
        error ones too (newest first)."""
        rows = self.session.execute(
            select(NfSession, TreatmentCourse)
            .join(TreatmentCourse, TreatmentCourse.id == NfSession.treatment_course_id)
            .where(NfSession.patient_id == patient_id, NfSession.session_number == number)
            .order_by(NfSession.id.desc())
        )
        return [(s, c) for s, c in rows.tuples()]

    def retired(self, patient_id: int) -> list[tuple[NfSession, TreatmentCourse]]:
        """The patient's sessions marked entered in error, with their courses, oldest first."""
        rows = self.session.execute(
            select(NfSession, TreatmentCourse)
            .join(TreatmentCourse, TreatmentCourse.id == NfSession.treatment_course_id)
            .where(NfSession.patient_id == patient_id, NfSession.retired_at.is_not(None))
            .order_by(NfSession.started_at, NfSession.id)
        )
        return [(s, c) for s, c in rows.tuples()]
