"""Every query of the pathway room's care plans."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import CarePlanRow, Patient, RecordVersion


class CarePlanRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def plan(self, patient_id: int) -> CarePlanRow | None:
        return self.session.scalar(select(CarePlanRow).where(CarePlanRow.patient_id == patient_id))

    def add(self, row: CarePlanRow) -> None:
        self.session.add(row)
        self.session.flush()

    def kept_versions(self, row: CarePlanRow) -> list[RecordVersion]:
        """The plan's earlier versions, oldest first."""
        return list(
            self.session.scalars(
                select(RecordVersion)
                .where(
                    RecordVersion.table_name == CarePlanRow.__tablename__,
                    RecordVersion.row_id == row.id,
                )
                .order_by(RecordVersion.version, RecordVersion.id)
            )
        )

    def active_plans(self) -> list[tuple[str, int, CarePlanRow]]:
        """(patient ref, patient id, plan) of every active patient with a care plan."""
        found = self.session.execute(
            select(Patient.ref, Patient.id, CarePlanRow)
            .join(CarePlanRow, CarePlanRow.patient_id == Patient.id)
            .where(Patient.status == "active", Patient.retired_at.is_(None))
        )
        return [(ref, pid, row) for ref, pid, row in found.all()]
