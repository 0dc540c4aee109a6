"""Tables of the courses room: adverse events of non-TMS treatment courses, and the pauses
a serious one causes with the physician's review of each.

Clinical rows are stamped and never deleted: corrections are versions, a mistaken event is
retired (entered in error) with its reason.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trdcare.adapters.db.base import Base, JSONType, Retirable, Stamped, UTCDateTime


class CourseAdverseEvent(Stamped, Retirable, Base):
    """An adverse event of a treatment course (``treatment_courses``, any modality but TMS).

    ``serious_criteria`` lists the serious criteria it meets (empty: not serious);
    ``criteria_added`` those the always-serious rule of its kind added.
    """

    __tablename__ = "course_adverse_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("treatment_courses.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(20))
    serious: Mapped[bool] = mapped_column(default=False)
    serious_criteria: Mapped[list[str]] = mapped_column(JSONType, default=list)
    criteria_added: Mapped[list[str]] = mapped_column(JSONType, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    # The therapy room's own record the event was seen in (e.g. "esketamine_session:12").
    delivery_ref: Mapped[str | None] = mapped_column(String(80), default=None)
    catalogue_version: Mapped[str] = mapped_column(String(40))
    # A physician's review of a serious event (a pause review, or an acknowledgement): until
    # then it is an alert on the dashboard, whatever the course's status.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    acknowledged_by: Mapped[str | None] = mapped_column(String(120), default=None)
    acknowledgement_note: Mapped[str | None] = mapped_column(Text, default=None)


class CoursePause(Stamped, Base):
    """A pause of a course by a serious adverse event, and the physician's review that
    ended it (resume or stop): who, when and why."""

    __tablename__ = "course_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("treatment_courses.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("course_adverse_events.id"))
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(20), default=None)
    reviewed_by: Mapped[str | None] = mapped_column(String(120), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    review_note: Mapped[str | None] = mapped_column(Text, default=None)
