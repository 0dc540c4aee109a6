"""Every database query of the IV ketamine room."""

from __future__ import annotations

from sqlalchemy import BindParameter, bindparam, func, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.adapters.db.models.ketamine import KetamineInfusion, KetamineSeries

_PATIENT: BindParameter[int] = bindparam("patient_id")
_SERIES: BindParameter[int] = bindparam("series_id")
_CURRENT_SERIES = (
    select(KetamineSeries)
    .join(TreatmentCourse, TreatmentCourse.id == KetamineSeries.treatment_course_id)
    .where(
        KetamineSeries.patient_id == _PATIENT,
        KetamineSeries.retired_at.is_(None),
        TreatmentCourse.retired_at.is_(None),
    )
    .order_by(KetamineSeries.start_date.desc(), KetamineSeries.id.desc())
    .limit(1)
)
_INFUSIONS = (
    select(KetamineInfusion)
    .where(KetamineInfusion.series_id == _SERIES, KetamineInfusion.retired_at.is_(None))
    .order_by(KetamineInfusion.number)
)
# The dashboard's one read: each active series with its patient's ref and the infusions
# discharged so far.
_DISCHARGED = (
    select(func.count(KetamineInfusion.id))
    .where(
        KetamineInfusion.series_id == KetamineSeries.id,
        KetamineInfusion.retired_at.is_(None),
        KetamineInfusion.discharged_at.is_not(None),
    )
    .correlate(KetamineSeries)
    .scalar_subquery()
)
_OPEN = (
    select(func.count(KetamineInfusion.id))
    .where(
        KetamineInfusion.series_id == KetamineSeries.id,
        KetamineInfusion.retired_at.is_(None),
        KetamineInfusion.discharged_at.is_(None),
    )
    .correlate(KetamineSeries)
    .scalar_subquery()
)
_ACTIVE_SERIES = (
    select(Patient.ref, KetamineSeries.planned_infusions, _DISCHARGED, _OPEN)
    .join(Patient, Patient.id == KetamineSeries.patient_id)
    .join(TreatmentCourse, TreatmentCourse.id == KetamineSeries.treatment_course_id)
    .where(
        KetamineSeries.retired_at.is_(None),
        TreatmentCourse.retired_at.is_(None),
        KetamineSeries.status == "active",
    )
)


class KetamineRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()

    def ref_exists(self, ref: str) -> bool:
        found = self.session.scalar(select(KetamineSeries.id).where(KetamineSeries.ref == ref))
        return found is not None

    def current_series(self, patient_id: int) -> KetamineSeries | None:
        """The latest series whose course is not retired (any status)."""
        return self.session.scalars(_CURRENT_SERIES, {"patient_id": patient_id}).first()

    def series_of_course(self, course_id: int) -> KetamineSeries | None:
        """The series (not retired) of the treatment course ``course_id``, current or earlier."""
        return self.session.scalars(
            select(KetamineSeries).where(
                KetamineSeries.treatment_course_id == course_id,
                KetamineSeries.retired_at.is_(None),
            )
        ).first()

    def infusions(self, series_id: int) -> list[KetamineInfusion]:
        """The series' infusions, entered-in-error ones left out, by number."""
        return list(self.session.scalars(_INFUSIONS, {"series_id": series_id}))

    def infusion(self, series_id: int, number: int) -> KetamineInfusion | None:
        return self.session.scalars(
            select(KetamineInfusion).where(
                KetamineInfusion.series_id == series_id,
                KetamineInfusion.number == number,
                KetamineInfusion.retired_at.is_(None),
            )
        ).first()

    def dashboard_rows(self) -> list[tuple[str, int, int, int]]:
        """(patient ref, planned, discharged, open) infusions of every active series."""
        return [
            (str(r[0]), int(r[1]), int(r[2] or 0), int(r[3] or 0))
            for r in self.session.execute(_ACTIVE_SERIES)
        ]
