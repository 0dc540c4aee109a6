"""VNS tables: candidacy assessments, the implant (linked to the generic
``treatment_courses`` row of modality ``vns``) and the titration log.

Clinical rows are stamped and never deleted: corrections are versions, mistakes are retired
with a reason.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trdcare.adapters.db.base import Base, JSONType, Retirable, Stamped


class VnsCandidacy(Stamped, Retirable, Base):
    """One candidacy assessment against the coverage criteria, with its verdicts."""

    __tablename__ = "vns_candidacies"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    assessed_for: Mapped[date] = mapped_column(Date)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    overall: Mapped[str] = mapped_column(String(20))
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    catalogue_version: Mapped[str] = mapped_column(String(40))


class VnsImplant(Stamped, Retirable, Base):
    """The implant of one VNS course (``treatment_courses`` row, modality ``vns``)."""

    __tablename__ = "vns_implants"

    id: Mapped[int] = mapped_column(primary_key=True)
    treatment_course_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_courses.id"), unique=True
    )
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    implanted_on: Mapped[date] = mapped_column(Date)
    generator_model: Mapped[str] = mapped_column(String(200))
    lead_model: Mapped[str] = mapped_column(String(200), default="")
    serial_number: Mapped[str] = mapped_column(String(64), default="")
    surgeon: Mapped[str] = mapped_column(String(120), default="")
    side: Mapped[str] = mapped_column(String(10), default="left")
    note: Mapped[str] = mapped_column(Text, default="")


class VnsTitration(Stamped, Retirable, Base):
    """One titration visit: the settings programmed, the duty cycle, side effects, flags."""

    __tablename__ = "vns_titrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    implant_id: Mapped[int] = mapped_column(ForeignKey("vns_implants.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    visit_on: Mapped[date] = mapped_column(Date)
    output_current_ma: Mapped[float] = mapped_column(Float)
    frequency_hz: Mapped[float] = mapped_column(Float)
    pulse_width_us: Mapped[float] = mapped_column(Float)
    on_time_s: Mapped[float] = mapped_column(Float)
    off_time_min: Mapped[float] = mapped_column(Float)
    duty_cycle_pct: Mapped[float] = mapped_column(Float)
    side_effects: Mapped[list[str]] = mapped_column(JSONType, default=list)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
