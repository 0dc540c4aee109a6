"""The caseload read model (SQLite and PostgreSQL): kept equal to the records it derives from.

``caseload_scores`` is refreshed in the transaction that changes a patient's assessments or
courses. These tests change the records in many ways and compare the stored rows with a
rebuild from scratch, check that two concurrent writers for one patient both count, and that
a database filled by other rules (or an older schema) is rebuilt.
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.engine import session_factory, unit_of_work
from trdcare.adapters.db.models import Assessment, CaseloadScore, ReadModel, TreatmentCourse
from trdcare.adapters.db.stamping import retire
from trdcare.assessments import service
from trdcare.assessments.repository import AssessmentRepository
from trdcare.core.actor import Actor
from trdcare.history import service as history_service
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate

TODAY = date(2026, 6, 1)
ACTOR = Actor(username="nurse.a", role="clinician", source="test")


def make_patient(session: Session, mrn: str) -> Any:
    return patient_service.add_patient(
        session,
        ACTOR,
        PatientCreate(mrn=mrn, given_name="Sam", family_name=mrn, birth_date=date(1980, 1, 1)),
        today=TODAY,
    )


def answers_for(scale_id: str, total: int) -> dict[str, int]:
    """Item answers of PHQ-9 (9 items, 0-3) or GAD-7 (7 items, 0-3) adding up to ``total``."""
    items = 9 if scale_id == "phq9" else 7
    out = {}
    for i in range(1, items + 1):
        out[str(i)] = min(3, total)
        total -= out[str(i)]
    return out


def stored(session: Session) -> list[tuple[Any, ...]]:
    columns = list(CaseloadScore.__table__.columns)
    rows = session.execute(
        select(*columns).order_by(CaseloadScore.patient_id, CaseloadScore.scale_id)
    )
    return [tuple(r) for r in rows]


def rebuilt(session: Session) -> list[tuple[Any, ...]]:
    found = AssessmentRepository(session).scored_administrations(None)
    names = [c.name for c in CaseloadScore.__table__.columns]
    return [tuple(row[n] for n in names) for row in service.caseload_rows(found)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_read_model_equals_a_rebuild_after_any_sequence_of_changes(
    session: Session, seed: int
) -> None:
    rng = random.Random(seed)
    patients = [make_patient(session, f"RM-{seed}-{n}") for n in range(3)]
    session.commit()
    for step in range(40):
        patient = rng.choice(patients)
        op = rng.choice(["assess", "assess", "assess", "course", "retire_one", "retire_course"])
        if op == "assess":
            scale = rng.choice(["phq9", "gad7"])
            day = TODAY - timedelta(days=rng.randint(0, 90))
            total = rng.randint(0, 21)
            service.record_assessment(
                session,
                ACTOR,
                patient,
                scale,
                answers_for(scale, total),
                administered_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
            )
        elif op == "course":
            start = TODAY - timedelta(days=rng.randint(0, 90))
            history_service.add_course(session, ACTOR, patient, modality="tms", start_date=start)
        else:
            model = Assessment if op == "retire_one" else TreatmentCourse
            live = session.scalars(
                select(model).where(model.patient_id == patient.id, model.retired_at.is_(None))
            ).all()
            if live:
                retire(session, rng.choice(live), ACTOR, "entered in error")
        if rng.random() < 0.3:
            session.rollback()  # nothing of it reaches the read model either
        elif rng.random() < 0.6:
            session.commit()
            assert stored(session) == rebuilt(session), f"after step {step} ({op})"
    session.commit()
    assert stored(session) == rebuilt(session)
    assert len(stored(session)) > 0


def test_a_caseload_read_sees_the_transactions_own_changes(session: Session) -> None:
    patient = make_patient(session, "OWN")
    service.record_assessment(
        session, ACTOR, patient, "phq9", answers_for("phq9", 20), administered_at=None
    )
    (entry,) = service.caseload_summary(session, ACTOR, as_of=date.today())
    assert (entry.latest_total, entry.assessments) == (20, 1)
    session.rollback()
    assert stored(session) == []


def test_two_writers_for_one_patient_both_count(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        patient_id = make_patient(session, "BOTH").id
    factory = session_factory(engine)
    first, second = factory(), factory()
    concurrent = engine.dialect.name == "postgresql"  # SQLite: one writer at a time
    try:
        for session in (first, second):
            patient = patient_service.find_patient(session, ACTOR, "BOTH")
            service.record_assessment(session, ACTOR, patient, "phq9", answers_for("phq9", 12))
            if not concurrent:
                session.commit()
        if concurrent:
            service.refresh_pending(first)  # the first writer now holds the patient's lock
            errors: list[BaseException] = []

            def commit_second() -> None:
                try:
                    second.commit()  # waits for the first writer, then reads both rows
                except BaseException as exc:  # reported by the assertion below
                    errors.append(exc)

            thread = threading.Thread(target=commit_second)
            thread.start()
            thread.join(timeout=1.0)
            assert thread.is_alive(), "the second refresh did not wait for the first writer"
            first.commit()
            thread.join(timeout=30)
            assert not thread.is_alive() and not errors, errors
    finally:
        first.close()
        second.close()
    with unit_of_work(engine) as session:
        row = session.get(CaseloadScore, (patient_id, "phq9"))
        assert row is not None and row.assessments == 2


def test_other_rules_or_none_are_rebuilt_once(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        patient = make_patient(session, "REB")
        service.record_assessment(session, ACTOR, patient, "phq9", answers_for("phq9", 15))
    with unit_of_work(engine) as session:
        # As a database migrated from before the read model (or filled by older rules) is.
        session.execute(delete(CaseloadScore))
        session.execute(delete(ReadModel))
    with unit_of_work(engine) as session:
        assert service.ensure_caseload_scores(session, ACTOR) is True
    with unit_of_work(engine) as session:
        assert service.ensure_caseload_scores(session, ACTOR) is False
        assert stored(session) == rebuilt(session) and len(stored(session)) == 1
        version = session.get(ReadModel, service.CASELOAD_READ_MODEL)
        assert version is not None and version.version == service.CASELOAD_RULES_VERSION
