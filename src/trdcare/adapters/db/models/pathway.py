"""Pathway tables: the patient's integrated care plan (one row per patient; each change is a
new version, the earlier ones kept in ``record_versions`` with who, when and why)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from trdcare.adapters.db.base import Base, JSONType, Stamped


class CarePlanRow(Stamped, Base):
    """The current version of a patient's care plan: therapies on one timeline, the
    measurement schedule and the stated preferences (JSON documents written by
    ``trdcare.pathway.domain.care_plan``), and why this version was made."""

    __tablename__ = "care_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), unique=True)
    therapies: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    measures: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    preferences: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    change_reason: Mapped[str] = mapped_column(Text, default="")
