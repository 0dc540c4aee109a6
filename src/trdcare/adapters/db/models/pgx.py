"""PGx tables: each gene result stored on the patient's record (called here from a VCF, or
an outside call reported by a lab), with the input file's checksum and the data versions.

Rows are stamped and never deleted: a mistaken result is retired (entered in error) with a
reason.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trdcare.adapters.db.base import Base, JSONType, Retirable, Stamped


class PgxResult(Stamped, Retirable, Base):
    """One gene's result for one patient."""

    __tablename__ = "pgx_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    gene: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(10))  # "vcf" | "outside"
    diplotypes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    phenotype: Mapped[str] = mapped_column(String(80))
    activity_score: Mapped[str | None] = mapped_column(String(20), default=None)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    sample: Mapped[str] = mapped_column(String(120), default="")
    lab: Mapped[str] = mapped_column(String(200), default="")
    reported_on: Mapped[date | None] = mapped_column(Date, default=None)
    data_versions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
