"""Every query of the PGx room."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import PgxResult


class PgxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *rows: PgxResult) -> None:
        self.session.add_all(rows)
        self.session.flush()

    def results(self, patient_id: int, *, retired: bool = False) -> list[PgxResult]:
        """The patient's gene results, newest first (``retired``: those entered in error)."""
        condition = PgxResult.retired_at.is_not(None) if retired else PgxResult.retired_at.is_(None)
        return list(
            self.session.scalars(
                select(PgxResult)
                .where(PgxResult.patient_id == patient_id, condition)
                .order_by(PgxResult.created_at.desc(), PgxResult.id.desc())
            )
        )

    def result(self, patient_id: int, result_id: int) -> PgxResult | None:
        return self.session.scalar(
            select(PgxResult).where(PgxResult.patient_id == patient_id, PgxResult.id == result_id)
        )
