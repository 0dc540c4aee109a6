"""Every query of the labs room."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import LabResult


class LabsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: LabResult) -> None:
        self.session.add(row)
        self.session.flush()

    def results(self, patient_id: int, *, retired: bool = False) -> list[LabResult]:
        """The patient's results, newest collection first."""
        condition = LabResult.retired_at.is_not(None) if retired else LabResult.retired_at.is_(None)
        return list(
            self.session.scalars(
                select(LabResult)
                .where(LabResult.patient_id == patient_id, condition)
                .order_by(LabResult.collected_on.desc(), LabResult.id.desc())
            )
        )

    def result(self, patient_id: int, result_id: int) -> LabResult | None:
        return self.session.scalar(
            select(LabResult).where(LabResult.patient_id == patient_id, LabResult.id == result_id)
        )
