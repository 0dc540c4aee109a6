"""DBS tables (investigational for depression): candidacy assessments, the surgery (linked to
the generic ``treatment_courses`` row of modality ``dbs``) and programming sessions with their
computed charge, density and Shannon k, and any physician override.

Clinical rows are stamped and never deleted: corrections are versions, mistakes are retired
with a reason.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trdcare.adapters.db.base import Base, JSONType, Retirable, Stamped


class DbsCandidacy(Stamped, Retirable, Base):
    """One candidacy assessment against the trial criteria, with its verdicts."""

    __tablename__ = "dbs_candidacies"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    assessed_for: Mapped[date] = mapped_column(Date)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    overall: Mapped[str] = mapped_column(String(20))
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    catalogue_version: Mapped[str] = mapped_column(String(40))


class DbsSurgery(Stamped, Retirable, Base):
    """The surgery of one DBS course (``treatment_courses`` row, modality ``dbs``)."""

    __tablename__ = "dbs_surgeries"

    id: Mapped[int] = mapped_column(primary_key=True)
    treatment_course_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_courses.id"), unique=True
    )
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    operated_on: Mapped[date] = mapped_column(Date)
    target: Mapped[str] = mapped_column(String(40))
    protocol_ref: Mapped[str] = mapped_column(String(64))
    lead_model: Mapped[str] = mapped_column(String(60))
    sides: Mapped[list[str]] = mapped_column(JSONType, default=list)
    surgeon: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class DbsProgramming(Stamped, Retirable, Base):
    """One programming setting of one lead, with its computed charge and limits verdict."""

    __tablename__ = "dbs_programmings"

    id: Mapped[int] = mapped_column(primary_key=True)
    surgery_id: Mapped[int] = mapped_column(ForeignKey("dbs_surgeries.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    programmed_on: Mapped[date] = mapped_column(Date)
    side: Mapped[str] = mapped_column(String(10))
    contacts: Mapped[list[int]] = mapped_column(JSONType, default=list)
    amplitude_ma: Mapped[float | None] = mapped_column(Float, default=None)
    amplitude_v: Mapped[float | None] = mapped_column(Float, default=None)
    impedance_ohm: Mapped[float | None] = mapped_column(Float, default=None)
    pulse_width_us: Mapped[float] = mapped_column(Float)
    frequency_hz: Mapped[float] = mapped_column(Float)
    current_ma: Mapped[float] = mapped_column(Float)
    current_is_estimate: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_area_cm2: Mapped[float] = mapped_column(Float)
    charge_per_phase_uc: Mapped[float] = mapped_column(Float)
    charge_density_uc_per_cm2: Mapped[float] = mapped_column(Float)
    shannon_k: Mapped[float] = mapped_column(Float)
    within_limits: Mapped[bool] = mapped_column(Boolean)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    override_by: Mapped[str | None] = mapped_column(String(120), default=None)
    override_at: Mapped[datetime | None] = mapped_column(default=None)
    override_reason: Mapped[str | None] = mapped_column(Text, default=None)
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        CheckConstraint(
            "amplitude_ma IS NOT NULL OR (amplitude_v IS NOT NULL AND impedance_ohm IS NOT NULL)",
            name="amplitude_mode",
        ),
        CheckConstraint(
            "within_limits OR (override_by IS NOT NULL AND override_reason IS NOT NULL)",
            name="beyond_limits_needs_override",
        ),
    )
