"""ORM model of the neurofeedback room: one row per feedback session, on the patient's
neurofeedback treatment course (history's TreatmentCourse, modality ``neurofeedback``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from trdcare.adapters.db.base import Base, JSONType, Retirable, Stamped, UTCDateTime


class NfSession(Stamped, Retirable, Base):
    """A session's summary, its settings and where its EDF+ recording is."""

    __tablename__ = "nf_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    treatment_course_id: Mapped[int] = mapped_column(ForeignKey("treatment_courses.id"), index=True)
    session_number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(200))
    protocol_kind: Mapped[str] = mapped_column(String(20))
    ended: Mapped[str] = mapped_column(String(40))
    duration_s: Mapped[float] = mapped_column(Float)
    mean_feature: Mapped[float | None] = mapped_column(Float, nullable=True)
    pct_time_rewarded: Mapped[float | None] = mapped_column(Float, nullable=True)
    pct_artifact: Mapped[float | None] = mapped_column(Float, nullable=True)
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    recording: Mapped[str] = mapped_column(String(1000), default="")
    header: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
