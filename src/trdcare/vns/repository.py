"""Every query of the VNS room."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.adapters.db.models.vns import VnsCandidacy, VnsImplant, VnsTitration


class VnsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *rows: VnsCandidacy | VnsImplant | VnsTitration) -> None:
        self.session.add_all(rows)
        self.session.flush()

    def candidacy_ref_exists(self, ref: str) -> bool:
        return (
            self.session.scalar(select(VnsCandidacy.id).where(VnsCandidacy.ref == ref)) is not None
        )

    def latest_candidacy(self, patient_id: int) -> VnsCandidacy | None:
        return self.session.scalar(
            select(VnsCandidacy)
            .where(VnsCandidacy.patient_id == patient_id, VnsCandidacy.retired_at.is_(None))
            .order_by(VnsCandidacy.assessed_for.desc(), VnsCandidacy.id.desc())
            .limit(1)
        )

    def implants(self, patient_id: int) -> list[tuple[VnsImplant, TreatmentCourse]]:
        """The patient's implants (not entered in error) with their courses, newest first."""
        rows = self.session.execute(
            select(VnsImplant, TreatmentCourse)
            .join(TreatmentCourse, TreatmentCourse.id == VnsImplant.treatment_course_id)
            .where(VnsImplant.patient_id == patient_id, VnsImplant.retired_at.is_(None))
            .order_by(VnsImplant.implanted_on.desc(), VnsImplant.id.desc())
        )
        return [(i, c) for i, c in rows.tuples()]

    def titrations(self, implant_id: int, *, retired: bool = False) -> list[VnsTitration]:
        """The implant's titration visits, oldest first (``retired``: those entered in error)."""
        condition = (
            VnsTitration.retired_at.is_not(None) if retired else VnsTitration.retired_at.is_(None)
        )
        return list(
            self.session.scalars(
                select(VnsTitration)
                .where(VnsTitration.implant_id == implant_id, condition)
                .order_by(VnsTitration.visit_on, VnsTitration.id)
            )
        )

    def titration(self, patient_id: int, titration_id: int) -> VnsTitration | None:
        return self.session.scalar(
            select(VnsTitration).where(
                VnsTitration.patient_id == patient_id, VnsTitration.id == titration_id
            )
        )

    def dashboard_rows(self) -> list[tuple[str, str, date, list[tuple[date, float]]]]:
        """Every ongoing (active or paused) VNS course of an active patient: the patient's
        ref, the course status, the implant date and the titration visits (date, mA), in two
        queries."""
        courses = self.session.execute(
            select(Patient.ref, TreatmentCourse.status, VnsImplant.id, VnsImplant.implanted_on)
            .join(VnsImplant, VnsImplant.patient_id == Patient.id)
            .join(TreatmentCourse, TreatmentCourse.id == VnsImplant.treatment_course_id)
            .where(
                Patient.status == "active",
                Patient.retired_at.is_(None),
                VnsImplant.retired_at.is_(None),
                TreatmentCourse.retired_at.is_(None),
                TreatmentCourse.status.in_(("active", "paused")),
            )
        ).tuples()
        found = list(courses)
        visits: dict[int, list[tuple[date, float]]] = {}
        if found:
            for implant_id, on, current in self.session.execute(
                select(
                    VnsTitration.implant_id, VnsTitration.visit_on, VnsTitration.output_current_ma
                )
                .where(
                    VnsTitration.implant_id.in_([f[2] for f in found]),
                    VnsTitration.retired_at.is_(None),
                )
                .order_by(VnsTitration.visit_on, VnsTitration.id)
            ).tuples():
                visits.setdefault(implant_id, []).append((on, current))
        return [(ref, status, on, visits.get(iid, [])) for ref, status, iid, on in found]
