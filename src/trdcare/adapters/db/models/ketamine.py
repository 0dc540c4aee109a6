"""IV ketamine (OFF-LABEL) tables: the infusion series of a treatment course (``treatment_courses``
row, modality ``ketamine``) and its infusion records.

Clinical rows are stamped and never deleted: corrections are versions, a mistaken infusion is
retired as entered in error.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trdcare.adapters.db.base import Base, JSONType, Retirable, Stamped


class KetamineSeries(Stamped, Retirable, Base):
    """The planned series: weight-based dose, infusions and their calendar."""

    __tablename__ = "ketamine_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    treatment_course_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_courses.id"), unique=True
    )
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    weight_kg: Mapped[float] = mapped_column(Float)
    dose_mg_per_kg: Mapped[float] = mapped_column(Float)
    infusion_min: Mapped[int] = mapped_column(Integer)
    dose_mg: Mapped[float] = mapped_column(Float)
    planned_infusions: Mapped[int] = mapped_column(Integer)
    infusions_per_week: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="active")
    planned_by: Mapped[str] = mapped_column(String(120))
    calendar: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    rules_status: Mapped[str] = mapped_column(String(20))
    catalogue_version: Mapped[str] = mapped_column(String(40))
    stop_reason: Mapped[str | None] = mapped_column(Text, default=None)


class KetamineInfusion(Stamped, Retirable, Base):
    """One infusion: dose given, baseline readings, observations and discharge."""

    __tablename__ = "ketamine_infusions"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("ketamine_series.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    weight_kg: Mapped[float] = mapped_column(Float)
    dose_mg_per_kg: Mapped[float] = mapped_column(Float)
    infusion_min: Mapped[int] = mapped_column(Integer)
    dose_mg: Mapped[float] = mapped_column(Float)
    administered_by: Mapped[str] = mapped_column(String(120))
    predose: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    bp_warning: Mapped[bool] = mapped_column(Boolean, default=False)
    bp_signoff_by: Mapped[str | None] = mapped_column(String(120), default=None)
    bp_signoff_reason: Mapped[str | None] = mapped_column(Text, default=None)
    observations: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    discharged_at: Mapped[datetime | None] = mapped_column(default=None)
    discharge_signed_by: Mapped[str | None] = mapped_column(String(120), default=None)
    discharge: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_ketamine_infusions_series_number", "series_id", "number"),)
