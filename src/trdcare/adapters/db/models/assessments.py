from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, true
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
    # A clinician's acknowledgement of the suicidality alert this administration raised: who,
    # when and what was done. The flag itself stays; the alert ends.
    alert_acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    alert_acknowledged_by: Mapped[str | None] = mapped_column(String(120), default=None)
    alert_acknowledgement_note: Mapped[str | None] = mapped_column(Text, default=None)

    __table_args__ = (
        Index("ix_assessments_patient_scale_on", "patient_id", "scale_id", "administered_on"),
        # The caseload's suicidal-ideation alerts read only the few flagged rows.
        Index(
            "ix_assessments_suicidal_ideation_on",
            "administered_on",
            postgresql_where=suicidal_ideation.is_(true()),
            sqlite_where=suicidal_ideation.is_(true()),
        ),
    )


class AssessmentItem(Base):
    """One item answer. Immutable: a corrected assessment is a new version of the whole form."""

    __tablename__ = "assessment_items"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), primary_key=True)
    item_key: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class CaseloadScore(Base):
    """Read model of the caseload: per patient and scale, what the dashboard lists.

    Derived only from ``assessments`` and ``treatment_courses`` (never entered) by
    :func:`trdcare.assessments.service.refresh_caseload_scores`, in the transaction that
    changed them, so the dashboard reads one row per patient instead of every assessment.
    ``read_models`` records which version of the rules filled it.
    """

    __tablename__ = "caseload_scores"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    scale_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    assessments: Mapped[int] = mapped_column(Integer)
    baseline_total: Mapped[int | None] = mapped_column(Integer)
    latest_total: Mapped[int | None] = mapped_column(Integer)
    latest_severity: Mapped[str | None] = mapped_column(String(30))
    latest_on: Mapped[date | None] = mapped_column(Date)
    percent_change: Mapped[float | None] = mapped_column(Float)
    response: Mapped[bool] = mapped_column(Boolean)
    remission: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (Index("ix_caseload_scores_scale", "scale_id"),)


class ReadModel(Base):
    """Which version of its rules filled each read model (rebuilt when the code's differs)."""

    __tablename__ = "read_models"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    rebuilt_at: Mapped[datetime]
