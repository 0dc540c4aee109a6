"""Labs table: biomarker results with their LOINC code, unit, the laboratory's reference
range and the abnormal flag computed against it. Stamped; never deleted (entered in error
is a retirement with a reason)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trdcare.adapters.db.base import Base, Retirable, Stamped


class LabResult(Stamped, Retirable, Base):
    __tablename__ = "lab_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    analyte: Mapped[str] = mapped_column(String(40))
    loinc: Mapped[str] = mapped_column(String(10))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    reference_low: Mapped[float | None] = mapped_column(Float, default=None)
    reference_high: Mapped[float | None] = mapped_column(Float, default=None)
    flag: Mapped[str] = mapped_column(String(1))
    collected_on: Mapped[date] = mapped_column(Date)
    lab: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    catalogue_version: Mapped[str] = mapped_column(String(40))
