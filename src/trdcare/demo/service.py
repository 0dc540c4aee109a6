"""Load the synthetic demo clinic through the same services (validation, stamps, audit) as real input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.engine import refresh_statistics
from trdcare.adapters.db.models import Patient
from trdcare.assessments import service as assessment_service
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_now
from trdcare.core.errors import Conflict
from trdcare.demo.generator import generate_clinic
from trdcare.history import service as history_service
from trdcare.history.domain import parse_history
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate

DEMO_ACTOR = Actor(username="system:demo", role="system", source="job")
DEMO_MRN_PREFIX = "DEMO-"
# The demo visit time of day (UTC) for generated assessments.
_VISIT_TIME = time(10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class DemoLoad:
    loaded: bool
    patients: int
    assessments: int


def demo_state(session: Session) -> tuple[int, int]:
    """(demo patients, other patients) in the database."""
    demo = session.scalar(select(func.count()).where(Patient.mrn.like(f"{DEMO_MRN_PREFIX}%"))) or 0
    total = session.scalar(select(func.count()).select_from(Patient)) or 0
    return int(demo), int(total - demo)


def load_demo(session: Session, *, seed: int, patients: int, as_of: date) -> DemoLoad:
    """Load the demo clinic once. Refuses to mix demo patients into a clinic's real record."""
    demo, other = demo_state(session)
    if demo:
        return DemoLoad(loaded=False, patients=demo, assessments=0)
    if other:
        raise Conflict(
            "database: it already holds real patients; the demo clinic is loaded only into an empty database"
        )
    n_assessments = 0
    for plan in generate_clinic(seed, patients, as_of):
        patient = patient_service.add_patient(
            session,
            DEMO_ACTOR,
            PatientCreate.model_validate(
                {
                    "mrn": plan.mrn,
                    "given_name": plan.given_name,
                    "family_name": plan.family_name,
                    "birth_date": plan.birth_date,
                    "sex": plan.sex,
                }
            ),
            today=as_of,
        )
        history_service.import_history(
            session, DEMO_ACTOR, patient, parse_history(plan.history, today=as_of)
        )
        course = None
        if plan.course:
            course = history_service.add_course(
                session,
                DEMO_ACTOR,
                patient,
                modality=plan.course["modality"],
                start_date=plan.course["start_date"],
                planned_sessions=plan.course["planned_sessions"],
            )
        for item in plan.assessments:
            assessment_service.record_assessment(
                session,
                DEMO_ACTOR,
                patient,
                item.scale_id,
                item.answers,
                administered_at=min(datetime.combine(item.on, _VISIT_TIME), utc_now()),
                course=course if course and item.on >= course.start_date else None,
            )
            n_assessments += 1
    refresh_statistics(session)
    return DemoLoad(loaded=True, patients=patients, assessments=n_assessments)
