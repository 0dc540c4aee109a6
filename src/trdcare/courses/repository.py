"""Every query of the courses room (adverse events and pauses of non-TMS courses)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.adapters.db.models.courses import CourseAdverseEvent, CoursePause
from trdcare.courses.domain import OWN_ROOM_MODALITIES

_COURSE: BindParameter[int] = bindparam("course_id")
_EVENTS = (
    select(CourseAdverseEvent)
    .where(CourseAdverseEvent.course_id == _COURSE, CourseAdverseEvent.retired_at.is_(None))
    .order_by(CourseAdverseEvent.occurred_on, CourseAdverseEvent.id)
)
_RETIRED_EVENTS = (
    select(CourseAdverseEvent)
    .where(CourseAdverseEvent.course_id == _COURSE, CourseAdverseEvent.retired_at.is_not(None))
    .order_by(CourseAdverseEvent.id)
)
_UNACKNOWLEDGED_SERIOUS = (
    select(CourseAdverseEvent)
    .where(
        CourseAdverseEvent.course_id == _COURSE,
        CourseAdverseEvent.serious.is_(True),
        CourseAdverseEvent.retired_at.is_(None),
        CourseAdverseEvent.acknowledged_at.is_(None),
    )
    .order_by(CourseAdverseEvent.id)
)
_PAUSES = select(CoursePause).where(CoursePause.course_id == _COURSE).order_by(CoursePause.id)
_OPEN_PAUSE = (
    select(CoursePause)
    .where(CoursePause.course_id == _COURSE, CoursePause.reviewed_at.is_(None))
    .order_by(CoursePause.id.desc())
    .limit(1)
)


def _caseload_rows(*, active_patients: bool) -> Select[tuple[Any, ...]]:
    """Per non-TMS current course that is ongoing (active or paused) or has a serious event
    no physician has reviewed: patient ref, course ref, modality, status, the number of
    such events (one query for the whole caseload, active patients only for the caseload)."""
    serious = (
        select(CourseAdverseEvent.course_id, func.count().label("n"))
        .where(
            CourseAdverseEvent.serious.is_(True),
            CourseAdverseEvent.retired_at.is_(None),
            CourseAdverseEvent.acknowledged_at.is_(None),
        )
        .group_by(CourseAdverseEvent.course_id)
        .subquery()
    )
    query = (
        select(
            Patient.ref,
            TreatmentCourse.ref,
            TreatmentCourse.modality,
            TreatmentCourse.status,
            serious.c.n,
        )
        .join(Patient, Patient.id == TreatmentCourse.patient_id)
        .join(serious, serious.c.course_id == TreatmentCourse.id, isouter=True)
        .where(
            TreatmentCourse.retired_at.is_(None),
            TreatmentCourse.modality.not_in(OWN_ROOM_MODALITIES),
            or_(TreatmentCourse.status.in_(("active", "paused")), serious.c.n.is_not(None)),
        )
        .order_by(TreatmentCourse.start_date, TreatmentCourse.id)
    )
    if active_patients:
        query = query.where(Patient.status == "active", Patient.retired_at.is_(None))
    return query


_CASELOAD_ROWS = _caseload_rows(active_patients=True)
_PATIENT_ROWS = _caseload_rows(active_patients=False).where(
    TreatmentCourse.patient_id == bindparam("patient_id")
)


class CoursesRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *rows: CourseAdverseEvent | CoursePause) -> None:
        self.session.add_all(rows)
        self.session.flush()

    def events(self, course_id: int) -> list[CourseAdverseEvent]:
        return list(self.session.scalars(_EVENTS, {"course_id": course_id}))

    def retired_events(self, course_id: int) -> list[CourseAdverseEvent]:
        return list(self.session.scalars(_RETIRED_EVENTS, {"course_id": course_id}))

    def unacknowledged_serious(self, course_id: int) -> list[CourseAdverseEvent]:
        return list(self.session.scalars(_UNACKNOWLEDGED_SERIOUS, {"course_id": course_id}))

    def event(self, patient_id: int, event_id: int) -> CourseAdverseEvent | None:
        """An event of the patient's courses, retired or not."""
        return self.session.scalars(
            select(CourseAdverseEvent).where(
                CourseAdverseEvent.id == event_id, CourseAdverseEvent.patient_id == patient_id
            )
        ).first()

    def pauses(self, course_id: int) -> list[CoursePause]:
        return list(self.session.scalars(_PAUSES, {"course_id": course_id}))

    def open_pause(self, course_id: int) -> CoursePause | None:
        return self.session.scalars(_OPEN_PAUSE, {"course_id": course_id}).first()

    def caseload_rows(self, patient_id: int | None = None) -> list[tuple[str, str, str, str, int]]:
        """(patient ref, course ref, modality, status, unacknowledged serious events) per
        ongoing course or course with an alert (:func:`_caseload_rows`)."""
        if patient_id is None:
            rows = self.session.execute(_CASELOAD_ROWS)
        else:
            rows = self.session.execute(_PATIENT_ROWS, {"patient_id": patient_id})
        return [(p, c, m, s, int(n or 0)) for p, c, m, s, n in rows]
