"""Esketamine room tables: the course (linked to the generic ``treatment_courses``) with its
eligibility screen and label calendar, the session record (check-in, pre-dose blood pressure
and its sign-off, dose and devices, monitoring, discharge, the prescriber's signature, the
REMS Patient Monitoring Form's submission) and timed observations.

Clinical rows are stamped and never deleted: corrections are versions, mistakes are retired
(entered in error) with a reason.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trdcare.adapters.db.base import Base, JSONType, Retirable, Stamped


class EsketamineCourse(Stamped, Retirable, Base):
    """The esketamine plan of one treatment course (``treatment_courses``, modality
    ``esketamine``): the eligibility screen, its sign-off and the label calendar."""

    __tablename__ = "esketamine_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    treatment_course_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_courses.id"), unique=True
    )
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    population: Mapped[str] = mapped_column(String(20))
    maintenance: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[date] = mapped_column(Date)
    weeks: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="active")
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    eligibility_verdict: Mapped[str] = mapped_column(String(20))
    signed_off_by: Mapped[str | None] = mapped_column(String(120), default=None)
    signed_off_at: Mapped[datetime | None] = mapped_column(default=None)
    signoff_note: Mapped[str | None] = mapped_column(Text, default=None)
    schedule: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    label: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class EsketamineSession(Stamped, Retirable, Base):
    """One treatment session from check-in to discharge."""

    __tablename__ = "esketamine_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("esketamine_courses.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(30))
    # checked_in -> dosed -> discharged (signed once a prescriber signs it)
    status: Mapped[str] = mapped_column(String(20), default="checked_in")
    checked_in_at: Mapped[datetime]
    predose_systolic_mmhg: Mapped[int] = mapped_column(Integer)
    predose_diastolic_mmhg: Mapped[int] = mapped_column(Integer)
    predose_pulse_bpm: Mapped[int | None] = mapped_column(Integer, default=None)
    predose_spo2_pct: Mapped[int | None] = mapped_column(Integer, default=None)
    bp_check: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    bp_signoff_by: Mapped[str | None] = mapped_column(String(120), default=None)
    bp_signoff_at: Mapped[datetime | None] = mapped_column(default=None)
    bp_signoff_note: Mapped[str | None] = mapped_column(Text, default=None)
    medications: Mapped[list[str]] = mapped_column(JSONType, default=list)
    concomitant: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    first_treatment: Mapped[bool] = mapped_column(Boolean, default=False)
    dose_mg: Mapped[int | None] = mapped_column(Integer, default=None)
    devices: Mapped[int | None] = mapped_column(Integer, default=None)
    lot: Mapped[str | None] = mapped_column(String(64), default=None)
    device_times: Mapped[list[str]] = mapped_column(JSONType, default=list)
    device_flags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    administered_by: Mapped[str | None] = mapped_column(String(120), default=None)
    monitoring_start: Mapped[datetime | None] = mapped_column(default=None)
    monitoring_end: Mapped[datetime | None] = mapped_column(default=None)
    discharge_systolic_mmhg: Mapped[int | None] = mapped_column(Integer, default=None)
    discharge_diastolic_mmhg: Mapped[int | None] = mapped_column(Integer, default=None)
    discharge_pulse_bpm: Mapped[int | None] = mapped_column(Integer, default=None)
    discharge_spo2_pct: Mapped[int | None] = mapped_column(Integer, default=None)
    sedation_resolved: Mapped[bool | None] = mapped_column(Boolean, default=None)
    dissociation_resolved: Mapped[bool | None] = mapped_column(Boolean, default=None)
    respiratory_depression_resolved: Mapped[bool | None] = mapped_column(Boolean, default=None)
    safe_transport: Mapped[bool | None] = mapped_column(Boolean, default=None)
    discharged_by: Mapped[str | None] = mapped_column(String(120), default=None)
    discharge_note: Mapped[str | None] = mapped_column(Text, default=None)
    signed_by: Mapped[str | None] = mapped_column(String(120), default=None)
    signed_at: Mapped[datetime | None] = mapped_column(default=None)
    rems_due: Mapped[date | None] = mapped_column(Date, default=None)
    rems_submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    rems_submitted_by: Mapped[str | None] = mapped_column(String(120), default=None)
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_esketamine_sessions_course_number", "course_id", "number"),)


class EsketamineObservation(Stamped, Retirable, Base):
    """A timed observation during monitoring: sedation, dissociation, respiratory
    depression, and vital signs (the ~40-minute blood pressure is one, ``purpose``)."""

    __tablename__ = "esketamine_observations"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("esketamine_sessions.id"), index=True)
    observed_at: Mapped[datetime]
    purpose: Mapped[str] = mapped_column(String(30), default="routine")
    sedation: Mapped[bool] = mapped_column(Boolean, default=False)
    dissociation: Mapped[bool] = mapped_column(Boolean, default=False)
    respiratory_depression: Mapped[bool] = mapped_column(Boolean, default=False)
    systolic_mmhg: Mapped[int | None] = mapped_column(Integer, default=None)
    diastolic_mmhg: Mapped[int | None] = mapped_column(Integer, default=None)
    pulse_bpm: Mapped[int | None] = mapped_column(Integer, default=None)
    spo2_pct: Mapped[int | None] = mapped_column(Integer, default=None)
    respiratory_rate_per_min: Mapped[int | None] = mapped_column(Integer, default=None)
    note: Mapped[str] = mapped_column(Text, default="")
