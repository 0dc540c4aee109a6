from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from trdcare.adapters.db.base import Base, JSONType, Retirable, Stamped


class Assessment(Stamped, Retirable, Base):
    """One administration of a rating scale, with its score computed at entry.

    Every item answer is kept in ``assessment_items``; the total, band and flags are stored
    too so lists and alerts need no re-scoring, and are re-derivable from the items.
    """

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_courses.id"), default=None)
    scale_id: Mapped[str] = mapped_column(String(20))
    administered_at: Mapped[datetime]
    # The clinical date of the administration (calendar and outcome rules work in dates).
    administered_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20), default="staff")
    total: Mapped[int | None] = mapped_column(Integer, default=None)
    severity: Mapped[str | None] = mapped_column(String(30), default=None)
    complete: Mapped[bool] = mapped_column(Boolean, default=True)
    suicidal_ideation: Mapped[bool] = mapped_column(Boolean, default=False)
    triage: Mapped[str | None] = mapped_column(String(20), default=None)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)

    __table_args__ = (
        Index("ix_assessments_patient_scale_on", "patient_id", "scale_id", "administered_on"),
    )


class AssessmentItem(Base):
    """One item answer. Immutable: a corrected assessment is a new version of the whole form."""

    __tablename__ = "assessment_items"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), primary_key=True)
    item_key: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
