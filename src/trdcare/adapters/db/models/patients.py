from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from trdcare.adapters.db.base import Base, Retirable, Stamped


class Patient(Stamped, Retirable, Base):
    """The patient record. ``ref`` is the opaque public id used in URLs and output."""

    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    mrn: Mapped[str] = mapped_column(String(64), unique=True)
    given_name: Mapped[str] = mapped_column(String(120))
    family_name: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(20), default="unknown")
    status: Mapped[str] = mapped_column(String(20), default="active")

    __table_args__ = (Index("ix_patients_status", "status"),)


class Episode(Stamped, Retirable, Base):
    """A depressive episode: onset, (end) and the baseline severity used for staging."""

    __tablename__ = "episodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    onset: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date, default=None)
    severity: Mapped[str] = mapped_column(String(40))
