"""Psilocybin-assisted therapy tables (RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY): the
enrolment (screen, washout, protocol, its treatment course), preparation and integration
sessions, and dosing days.

Clinical rows are stamped and never deleted: corrections are versions, mistaken records are
retired as entered in error.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trdcare.adapters.db.base import Base, JSONType, Retirable, Stamped


class PsilocybinEnrolment(Stamped, Retirable, Base):
    """A patient screened for a protocol; when eligible, enrolled with a treatment course
    (modality ``psilocybin``)."""

    __tablename__ = "psilocybin_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    treatment_course_id: Mapped[int | None] = mapped_column(
        ForeignKey("treatment_courses.id"), unique=True, default=None
    )
    programme: Mapped[str] = mapped_column(String(30))
    protocol_id: Mapped[str] = mapped_column(String(64))
    protocol_name: Mapped[str] = mapped_column(String(200))
    screened_on: Mapped[date] = mapped_column(Date)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    screen: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    verdict: Mapped[str] = mapped_column(String(20))
    review_by: Mapped[str | None] = mapped_column(String(120), default=None)
    review_note: Mapped[str | None] = mapped_column(Text, default=None)
    washout_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    screened_by: Mapped[str] = mapped_column(String(120))
    catalogue_version: Mapped[str] = mapped_column(String(40))
    stop_reason: Mapped[str | None] = mapped_column(Text, default=None)


class PsilocybinSession(Stamped, Retirable, Base):
    """A preparation or integration session of an enrolment."""

    __tablename__ = "psilocybin_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("psilocybin_enrolments.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    held_at: Mapped[datetime]
    duration_min: Mapped[int] = mapped_column(Integer)
    facilitator: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text, default="")


class PsilocybinDosingDay(Stamped, Retirable, Base):
    """A drug session: dose, time, washout at dosing, vitals, monitoring and discharge."""

    __tablename__ = "psilocybin_dosing_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("psilocybin_enrolments.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    dose_mg: Mapped[float] = mapped_column(Float)
    administered_at: Mapped[datetime]
    administered_by: Mapped[str] = mapped_column(String(120))
    monitored_by: Mapped[str] = mapped_column(String(120))
    support_person: Mapped[str] = mapped_column(String(120))
    predose: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    washout: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    vitals_due: Mapped[list[str]] = mapped_column(JSONType, default=list)
    observations: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    discharged_at: Mapped[datetime | None] = mapped_column(default=None)
    discharge_signed_by: Mapped[str | None] = mapped_column(String(120), default=None)
    discharge: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    support_person_present: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
