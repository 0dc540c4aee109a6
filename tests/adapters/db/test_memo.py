"""The per-transaction read memo: one query per read, never older than the session's writes."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, event, update
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import TreatmentCourse
from trdcare.core.actor import Actor
from trdcare.history.repository import HistoryRepository
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _course(patient_id: int, ref: str, start: date) -> TreatmentCourse:
    return TreatmentCourse(
        ref=ref,
        patient_id=patient_id,
        modality="tms",
        start_date=start,
        created_at=NOW,
        created_by="t",
        updated_at=NOW,
        updated_by="t",
    )


def test_a_read_is_selected_once_until_something_is_written(
    engine: Engine, session: Session, actor: Actor
) -> None:
    patient = patient_service.add_patient(
        session,
        actor,
        PatientCreate(mrn="M-1", given_name="A", family_name="B", birth_date=date(1980, 1, 1)),
    )
    selects: list[str] = []
    event.listen(
        engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_: (
            # the courses read itself (a commit also refreshes the caseload, which joins them)
            selects.append(statement)
            if statement.startswith("SELECT treatment_courses.id")
            else None
        ),
    )
    repo = HistoryRepository(session)
    first = repo.courses(patient.id)
    first.append("mutated by a caller")  # type: ignore[arg-type]
    assert repo.courses(patient.id) == [] and len(selects) == 1
    repo.add(_course(patient.id, "C-1", date(2026, 1, 5)))  # a flush forgets
    assert [c.ref for c in repo.courses(patient.id)] == ["C-1"] and len(selects) == 2
    session.execute(update(TreatmentCourse).values(start_date=date(2026, 2, 2)))  # so does a write
    assert repo.courses(patient.id)[0].ref == "C-1" and len(selects) == 3
    session.commit()  # and the end of the transaction
    repo.courses(patient.id)
    assert len(selects) == 4
