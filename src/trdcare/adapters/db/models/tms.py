"""TMS pathway tables: safety screens, protocols (custom and overridden), motor-threshold
sessions, course plans linked to the generic ``treatment_courses``, planned sessions,
session logs, adverse events and decision reviews.

Clinical rows are stamped and never deleted: corrections are versions, plans that change are
superseded (``superseded_at``) rather than overwritten.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from trdcare.adapters.db.base import Base, JSONType, Retirable, Stamped


class TmsScreen(Stamped, Retirable, Base):
    """One TMS safety screen of a patient on a date, with its verdict and reasons."""

    __tablename__ = "tms_screens"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    screened_on: Mapped[date] = mapped_column(Date)
    instrument: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    medications: Mapped[list[str]] = mapped_column(JSONType, default=list)
    verdict: Mapped[str] = mapped_column(String(20))
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    catalogue_version: Mapped[str] = mapped_column(String(40))
    acknowledged_by: Mapped[str | None] = mapped_column(String(120), default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledgement_note: Mapped[str | None] = mapped_column(Text, default=None)


class TmsProtocol(Stamped, Retirable, Base):
    """A clinic's custom protocol, with its safety verdict and any physician override."""

    __tablename__ = "tms_protocols"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    based_on: Mapped[str | None] = mapped_column(String(80), default=None)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    safety_verdict: Mapped[str] = mapped_column(String(20))
    safety: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    approval_basis: Mapped[str] = mapped_column(String(20))
    override_by: Mapped[str | None] = mapped_column(String(120), default=None)
    override_reason: Mapped[str | None] = mapped_column(Text, default=None)


class TmsCoursePlan(Stamped, Retirable, Base):
    """The TMS plan of one treatment course (``treatment_courses`` row, modality ``tms``)."""

    __tablename__ = "tms_course_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    treatment_course_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_courses.id"), unique=True
    )
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("tms_screens.id"))
    protocol_key: Mapped[str] = mapped_column(String(80))
    protocol_origin: Mapped[str] = mapped_column(String(20))
    protocol: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    catalogue_version: Mapped[str] = mapped_column(String(40))
    approval: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    start_date: Mapped[date] = mapped_column(Date)
    acute_sessions: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    planned_sessions: Mapped[int] = mapped_column(Integer)
    delivered_sessions: Mapped[int] = mapped_column(Integer, default=0)
    review_required: Mapped[bool] = mapped_column(Boolean, default=False)
    pause_reason: Mapped[str | None] = mapped_column(Text, default=None)
    mt_pct_mso: Mapped[float | None] = mapped_column(Float, default=None)
    intensity: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    target: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    closures: Mapped[list[str]] = mapped_column(JSONType, default=list)
    skipped_days: Mapped[list[str]] = mapped_column(JSONType, default=list)
    first_session_time: Mapped[str] = mapped_column(String(8), default="09:00")
    time_zone: Mapped[str] = mapped_column(String(60), default="UTC")
    decision_points: Mapped[list[int]] = mapped_column(JSONType, default=list)


class TmsPlannedSession(Stamped, Base):
    """One planned session; re-planning supersedes rows instead of changing them."""

    __tablename__ = "tms_planned_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("tms_course_plans.id"))
    number: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime]
    session_of_day: Mapped[int] = mapped_column(Integer, default=1)
    shifted_from: Mapped[date | None] = mapped_column(Date, default=None)
    shift_reason: Mapped[str | None] = mapped_column(Text, default=None)
    superseded_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_tms_planned_sessions_plan_number", "plan_id", "number"),)


class TmsMtSession(Stamped, Retirable, Base):
    """A motor-threshold hunt (ML-PEST) with its serialised state."""

    __tablename__ = "tms_mt_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("tms_course_plans.id"), default=None)
    method: Mapped[str] = mapped_column(String(30))
    measured_on: Mapped[date] = mapped_column(Date)
    state: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    stopped: Mapped[bool] = mapped_column(Boolean, default=False)
    estimate_pct_mso: Mapped[float | None] = mapped_column(Float, default=None)
    pulses: Mapped[int] = mapped_column(Integer, default=0)


class TmsSessionLog(Stamped, Retirable, Base):
    """What was delivered in one session."""

    __tablename__ = "tms_session_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("tms_course_plans.id"), index=True)
    planned_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("tms_planned_sessions.id"), default=None
    )
    session_number: Mapped[int] = mapped_column(Integer)
    delivered_at: Mapped[datetime]
    planned_pulses: Mapped[int] = mapped_column(Integer)
    pulses_delivered: Mapped[int] = mapped_column(Integer)
    excess_reason: Mapped[str | None] = mapped_column(Text, default=None)
    intensity_pct_mso: Mapped[float] = mapped_column(Float)
    mt_pct_mso: Mapped[float] = mapped_column(Float)
    intensity_pct_mt: Mapped[float] = mapped_column(Float)
    trains_delivered: Mapped[int | None] = mapped_column(Integer, default=None)
    coil: Mapped[str] = mapped_column(String(80), default="")
    device: Mapped[str] = mapped_column(String(80), default="")
    target: Mapped[str] = mapped_column(String(80), default="")
    operator: Mapped[str] = mapped_column(String(120))
    mt_rechecked: Mapped[bool] = mapped_column(Boolean, default=False)
    interruptions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    side_effects: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Where the session's time departs from the course (before the start, more sessions
    # on a day than the protocol gives, a gap shorter than the protocol's): kept, not refused.
    timing_flags: Mapped[list[str]] = mapped_column(JSONType, default=list)


class TmsAdverseEvent(Stamped, Retirable, Base):
    """An adverse event of a course (a seizure or syncope is always serious): logged with a
    session (``session_log_id``), or reported on its own (``occurred_on``, no session)."""

    __tablename__ = "tms_adverse_events"
    __table_args__ = (
        CheckConstraint(
            "session_log_id IS NOT NULL OR occurred_on IS NOT NULL", name="session_or_date"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_log_id: Mapped[int | None] = mapped_column(
        ForeignKey("tms_session_logs.id"), index=True, default=None
    )
    occurred_on: Mapped[date | None] = mapped_column(Date, default=None)
    # A physician's review of a serious event (a pause review, or an acknowledgement after
    # the course): until then it is an alert on the dashboard, whatever the course's status.
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by: Mapped[str | None] = mapped_column(String(120), default=None)
    acknowledgement_note: Mapped[str | None] = mapped_column(Text, default=None)
    plan_id: Mapped[int] = mapped_column(ForeignKey("tms_course_plans.id"))
    kind: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(20))
    serious: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")


class TmsDecisionReview(Stamped, Base):
    """A decision-point review (suggestions and the clinician's decision) or a physician's
    review of a paused course."""

    __tablename__ = "tms_decision_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("tms_course_plans.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    sessions_delivered: Mapped[int] = mapped_column(Integer)
    decision_point: Mapped[int | None] = mapped_column(Integer, default=None)
    scale: Mapped[str | None] = mapped_column(String(20), default=None)
    baseline_total: Mapped[int | None] = mapped_column(Integer, default=None)
    current_total: Mapped[int | None] = mapped_column(Integer, default=None)
    suggestions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    primary_action: Mapped[str | None] = mapped_column(String(40), default=None)
    decision: Mapped[str] = mapped_column(String(20), default="pending")
    chosen_action: Mapped[str | None] = mapped_column(String(40), default=None)
    decided_by: Mapped[str | None] = mapped_column(String(120), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
