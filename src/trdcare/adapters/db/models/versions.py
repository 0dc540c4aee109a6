from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from trdcare.adapters.db.base import Base, JSONType


class RecordVersion(Base):
    """The earlier version of a corrected or retired clinical row, with who, when and why."""

    __tablename__ = "record_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_name: Mapped[str] = mapped_column(String(60))
    row_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    changed_at: Mapped[datetime]
    changed_by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(500))

    __table_args__ = (Index("ix_record_versions_row", "table_name", "row_id"),)
