"""Every query of the patients room."""

from __future__ import annotations

from sqlalchemy import BindParameter, bindparam, func, or_, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient

# Every request about one patient starts here: built once (see the TMS repository for why).
_KEY: BindParameter[str] = bindparam("key")
_BY_REF_OR_MRN = select(Patient).where(
    Patient.retired_at.is_(None), or_(Patient.ref == _KEY, Patient.mrn == _KEY)
)


class PatientRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, patient: Patient) -> Patient:
        self.session.add(patient)
        self.session.flush()
        return patient

    def by_ref_or_mrn(self, key: str) -> Patient | None:
        return self.session.scalar(_BY_REF_OR_MRN, {"key": key})

    def by_mrn(self, mrn: str) -> Patient | None:
        return self.session.scalar(select(Patient).where(Patient.mrn == mrn))

    def ref_exists(self, ref: str) -> bool:
        return self.session.scalar(select(func.count()).where(Patient.ref == ref)) != 0

    def list(self, *, status: str | None, limit: int, offset: int) -> tuple[list[Patient], int]:
        query = select(Patient).where(Patient.retired_at.is_(None))
        if status:
            query = query.where(Patient.status == status)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(
            query.order_by(Patient.family_name, Patient.given_name, Patient.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return list(rows), int(total)
