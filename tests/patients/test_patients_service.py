"""The patient record on SQLite and PostgreSQL: stamping, versions, audit, bad input."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import AuditEvent, Patient, RecordVersion
from trdcare.audit import service as audit_service
from trdcare.core.actor import Actor
from trdcare.core.errors import Conflict, InvalidInput, NotFound
from trdcare.patients import service
from trdcare.patients.schemas import PatientCreate, PatientUpdate


def new_patient(**overrides: object) -> PatientCreate:
    data = {
        "mrn": "MRN-1",
        "given_name": "Ada",
        "family_name": "Byron",
        "birth_date": date(1980, 5, 1),
    }
    data.update(overrides)
    return PatientCreate.model_validate(data)


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_add_find_and_audit(session: Session, actor: Actor) -> None:
    patient = service.add_patient(session, actor, new_patient())
    session.commit()
    assert patient.ref.startswith("P-") and patient.created_by == "dr.test" and patient.version == 1
    assert patient.created_at.tzinfo is not None
    found = service.find_patient(session, actor, "MRN-1")
    assert found.id == patient.id
    assert service.find_patient(session, actor, patient.ref).id == patient.id
    # Audit events are chained and written when the transaction commits.
    assert session.scalars(select(AuditEvent.action)).all() == ["create"]
    session.commit()
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["create", "read", "read"]
    details = session.scalars(select(AuditEvent.detail)).all()
    assert all("Ada" not in str(d) and "MRN-1" not in str(d) for d in details)
    verified = audit_service.verify(session, checkpoint_path=None)
    assert verified.entries == 3 and verified.intact


def test_duplicate_mrn_is_refused_without_echoing_it(session: Session, actor: Actor) -> None:
    service.add_patient(session, actor, new_patient())
    with pytest.raises(Conflict) as err:
        service.add_patient(session, actor, new_patient(given_name="Other"))
    assert "MRN-1" not in str(err.value)


def test_future_birth_date_names_the_field(session: Session, actor: Actor) -> None:
    with pytest.raises(InvalidInput, match="birth_date: is in the future"):
        service.add_patient(session, actor, new_patient(birth_date=date(2999, 1, 1)))
    assert count(session, Patient) == 0


def test_rolled_back_work_leaves_no_audit_event(session: Session, actor: Actor) -> None:
    service.add_patient(session, actor, new_patient())
    session.rollback()
    session.commit()
    assert count(session, AuditEvent) == 0
    assert count(session, Patient) == 0


def test_unknown_patient(session: Session, actor: Actor) -> None:
    with pytest.raises(NotFound, match="patient"):
        service.find_patient(session, actor, "P-NOPE")


def test_correction_keeps_the_old_version(session: Session, actor: Actor) -> None:
    patient = service.add_patient(session, actor, new_patient())
    service.update_patient(
        session, actor, patient, PatientUpdate(family_name="Lovelace", reason="married name")
    )
    session.commit()
    assert patient.family_name == "Lovelace" and patient.version == 2
    old = session.scalars(select(RecordVersion)).one()
    assert old.data["family_name"] == "Byron" and old.reason == "married name" and old.version == 1


def test_list_is_paged(session: Session, actor: Actor) -> None:
    for i in range(5):
        service.add_patient(session, actor, new_patient(mrn=f"M{i}", family_name=f"F{i}"))
    rows, total = service.list_patients(session, actor, limit=2, offset=2)
    assert total == 5 and [p.family_name for p in rows] == ["F2", "F3"]
    with pytest.raises(InvalidInput, match="limit"):
        service.list_patients(session, actor, limit=0)
