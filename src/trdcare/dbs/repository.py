"""Every query of the DBS room."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient, TreatmentCourse
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

    def dashboard_rows(self) -> list[tuple[str, str, str, date | None, int]]:
        """Every ongoing (active or paused) DBS course of an active patient: the patient's
        ref, the course status, the target, the last programming date and how many settings
        are beyond a limit under a physician's override, in one query."""
        last = (
            select(
                DbsProgramming.surgery_id.label("surgery_id"),
                func.max(DbsProgramming.programmed_on).label("last_on"),
                func.sum(case((DbsProgramming.within_limits.is_(False), 1), else_=0)).label(
                    "overridden"
                ),
            )
            .where(DbsProgramming.retired_at.is_(None))
            .group_by(DbsProgramming.surgery_id)
            .subquery()
        )
        rows = self.session.execute(
            select(
                Patient.ref,
                TreatmentCourse.status,
                DbsSurgery.target,
                last.c.last_on,
                func.coalesce(last.c.overridden, 0),
            )
            .join(DbsSurgery, DbsSurgery.patient_id == Patient.id)
            .join(TreatmentCourse, TreatmentCourse.id == DbsSurgery.treatment_course_id)
            .outerjoin(last, last.c.surgery_id == DbsSurgery.id)
            .where(
                Patient.status == "active",
                Patient.retired_at.is_(None),
                DbsSurgery.retired_at.is_(None),
                TreatmentCourse.retired_at.is_(None),
                TreatmentCourse.status.in_(("active", "paused")),
            )
        )
        return [(r, st, t, on, int(n)) for r, st, t, on, n in rows.tuples()]

    def programming(self, patient_id: int, programming_id: int) -> DbsProgramming | None:
        return self.session.scalar(
            select(DbsProgramming).where(
                DbsProgramming.patient_id == patient_id, DbsProgramming.id == programming_id
            )
        )
