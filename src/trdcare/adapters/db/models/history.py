from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from trdcare.adapters.db.base import Base, JSONType, Retirable, Stamped


class TreatmentTrial(Stamped, Retirable, Base):
    """One past or current treatment of an episode.

    ``kind`` is ``antidepressant``, ``augmentation``, ``ect`` or ``psychotherapy``; ``agent`` is
    the drug, augmenting agent or psychotherapy modality (``ect`` for ECT courses).
    """

    __tablename__ = "treatment_trials"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    agent: Mapped[str] = mapped_column(String(80))
    max_daily_dose_mg: Mapped[float | None] = mapped_column(Float, default=None)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)
    adherence: Mapped[str | None] = mapped_column(String(20), default=None)
    outcome: Mapped[str] = mapped_column(String(30))
    dose_optimised: Mapped[bool] = mapped_column(Boolean, default=False)
    sessions: Mapped[int | None] = mapped_column(Integer, default=None)
    electrode_placement: Mapped[str | None] = mapped_column(String(30), default=None)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class TreatmentCourse(Stamped, Retirable, Base):
    """A course of treatment delivered by the clinic (TMS, esketamine...), for outcomes."""

    __tablename__ = "treatment_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    modality: Mapped[str] = mapped_column(String(30))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)
    status: Mapped[str] = mapped_column(String(20), default="active")
    primary_scale: Mapped[str] = mapped_column(String(20), default="phq9")
    planned_sessions: Mapped[int | None] = mapped_column(Integer, default=None)
