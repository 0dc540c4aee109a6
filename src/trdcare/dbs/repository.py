"""Every query of the DBS room."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import TreatmentCourse
from trdcare.adapters.db.models.dbs import DbsCandidacy, DbsProgramming, DbsSurgery


class DbsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *rows: DbsCandidacy | DbsSurgery | DbsProgramming) -> None:
        self.session.add_all(rows)
        self.session.flush()

    def candidacy_ref_exists(self, ref: str) -> bool:
        return (
            self.session.scalar(select(DbsCandidacy.id).where(DbsCandidacy.ref == ref)) is not None
        )

    def latest_candidacy(self, patient_id: int) -> DbsCandidacy | None:
        return self.session.scalar(
            select(DbsCandidacy)
            .where(DbsCandidacy.patient_id == patient_id, DbsCandidacy.retired_at.is_(None))
            .order_by(DbsCandidacy.assessed_for.desc(), DbsCandidacy.id.desc())
            .limit(1)
        )

    def surgeries(self, patient_id: int) -> list[tuple[DbsSurgery, TreatmentCourse]]:
        rows = self.session.execute(
            select(DbsSurgery, TreatmentCourse)
            .join(TreatmentCourse, TreatmentCourse.id == DbsSurgery.treatment_course_id)
            .where(DbsSurgery.patient_id == patient_id, DbsSurgery.retired_at.is_(None))
            .order_by(DbsSurgery.operated_on.desc(), DbsSurgery.id.desc())
        )
        return [(s, c) for s, c in rows.tuples()]

    def programmings(self, surgery_id: int, *, retired: bool = False) -> list[DbsProgramming]:
        condition = (
            DbsProgramming.retired_at.is_not(None)
            if retired
            else DbsProgramming.retired_at.is_(None)
        )
        return list(
            self.session.scalars(
                select(DbsProgramming)
                .where(DbsProgramming.surgery_id == surgery_id, condition)
                .order_by(DbsProgramming.programmed_on, DbsProgramming.id)
            )
        )

    def programming(self, patient_id: int, programming_id: int) -> DbsProgramming | None:
        return self.session.scalar(
            select(DbsProgramming).where(
                DbsProgramming.patient_id == patient_id, DbsProgramming.id == programming_id
            )
        )
