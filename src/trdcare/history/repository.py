"""Every query of the history room."""

from __future__ import annotations

from sqlalchemy import BindParameter, bindparam, func, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.memo import memoized
from trdcare.adapters.db.models import Episode, TreatmentCourse, TreatmentTrial

# Every chart reads these: built once (see the TMS repository for why).
_PATIENT: BindParameter[int] = bindparam("patient_id")
_CURRENT_EPISODE = (
    select(Episode)
    .where(Episode.patient_id == _PATIENT, Episode.retired_at.is_(None))
    .order_by(Episode.onset.desc(), Episode.id.desc())
    .limit(1)
)
_TRIALS = (
    select(TreatmentTrial)
    .where(
        TreatmentTrial.episode_id == bindparam("episode_id"),
        TreatmentTrial.retired_at.is_(None),
    )
    .order_by(TreatmentTrial.start_date, TreatmentTrial.id)
)
_COURSES = (
    select(TreatmentCourse)
    .where(TreatmentCourse.patient_id == _PATIENT, TreatmentCourse.retired_at.is_(None))
    .order_by(TreatmentCourse.start_date.desc(), TreatmentCourse.id.desc())
)


class HistoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def current_episode(self, patient_id: int) -> Episode | None:
        return memoized(
            self.session,
            ("history.current_episode", patient_id),
            lambda: self.session.scalar(_CURRENT_EPISODE, {"patient_id": patient_id}),
        )

    def add(self, *rows: Episode | TreatmentTrial | TreatmentCourse) -> None:
        self.session.add_all(rows)
        self.session.flush()

    def trials(self, episode_id: int) -> list[TreatmentTrial]:
        return list(self.session.scalars(_TRIALS, {"episode_id": episode_id}))

    def courses(self, patient_id: int) -> list[TreatmentCourse]:
        return memoized(
            self.session,
            ("history.courses", patient_id),
            lambda: list(self.session.scalars(_COURSES, {"patient_id": patient_id})),
        )

    def course_by_ref(self, patient_id: int, ref: str) -> TreatmentCourse | None:
        return self.session.scalar(
            select(TreatmentCourse).where(
                TreatmentCourse.patient_id == patient_id,
                TreatmentCourse.retired_at.is_(None),
                TreatmentCourse.ref == ref,
            )
        )

    def course_by_ref_any(self, patient_id: int, ref: str) -> TreatmentCourse | None:
        """The patient's course ``ref``, retired or not (to show or refuse a change)."""
        return self.session.scalar(
            select(TreatmentCourse).where(
                TreatmentCourse.patient_id == patient_id, TreatmentCourse.ref == ref
            )
        )

    def course_by_ref_only(self, ref: str) -> TreatmentCourse | None:
        """A current course by its ref alone (the documents room addresses a course so)."""
        return self.session.scalar(
            select(TreatmentCourse).where(
                TreatmentCourse.ref == ref, TreatmentCourse.retired_at.is_(None)
            )
        )

    def course_ref_exists(self, ref: str) -> bool:
        return self.session.scalar(select(func.count()).where(TreatmentCourse.ref == ref)) != 0
