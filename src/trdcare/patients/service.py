"""Patient-record use cases. Flushes, never commits; audits every read and write."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from trdcare.adapters.db.locking import unique_insert
from trdcare.adapters.db.models import Patient
from trdcare.adapters.db.stamping import snapshot, stamp_new
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_today
from trdcare.core.errors import Conflict, InvalidInput, NotFound
from trdcare.core.ids import new_ref
from trdcare.patients.domain import validate_birth_date
from trdcare.patients.repository import PatientRepository
from trdcare.patients.schemas import PatientCreate, PatientUpdate


def add_patient(
    session: Session, actor: Actor, data: PatientCreate, *, today: date | None = None
) -> Patient:
    repo = PatientRepository(session)
    validate_birth_date(data.birth_date, today or utc_today())
    # The MRN itself is not echoed: it is patient data.
    taken = Conflict("mrn: a patient with this MRN already exists")
    if repo.by_mrn(data.mrn) is not None:
        raise taken
    ref = new_ref("P")
    while repo.ref_exists(ref):
        ref = new_ref("P")
    patient = Patient(ref=ref, status="active", **data.model_dump())
    stamp_new(patient, actor)
    with unique_insert(session, taken):
        repo.add(patient)
    audit.record(session, actor, "create", "patient", entity_id=patient.id, patient_ref=ref)
    return patient


def find_patient(session: Session, actor: Actor, key: str, *, purpose: str = "view") -> Patient:
    """Load a patient by opaque ref (``P-...``) or MRN; audit the read."""
    key = key.strip()
    if not key:
        raise InvalidInput.single("patient", "is empty", allowed="a patient ref (P-...) or MRN")
    patient = PatientRepository(session).by_ref_or_mrn(key)
    if patient is None:
        raise NotFound("patient: no patient with this ref or MRN")
    audit.record(
        session,
        actor,
        "read",
        "patient",
        entity_id=patient.id,
        patient_ref=patient.ref,
        detail={"purpose": purpose},
    )
    return patient


def list_patients(
    session: Session,
    actor: Actor,
    *,
    status: str | None = "active",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Patient], int]:
    if not 1 <= limit <= 1000:
        raise InvalidInput.single("limit", "out of range", allowed="1 to 1000", given=limit)
    if offset < 0:
        raise InvalidInput.single("offset", "out of range", allowed=">= 0", given=offset)
    rows, total = PatientRepository(session).list(status=status, limit=limit, offset=offset)
    audit.record(
        session,
        actor,
        "read",
        "patient_list",
        detail={"count": len(rows), "patient_refs": [p.ref for p in rows]},
    )
    return rows, total


def update_patient(
    session: Session,
    actor: Actor,
    patient: Patient,
    data: PatientUpdate,
    *,
    today: date | None = None,
) -> Patient:
    given = data.model_dump(exclude_unset=True, exclude={"reason"}, exclude_none=True)
    # A form sends every field; only a value that differs from the record is a change.
    changes = {k: v for k, v in given.items() if getattr(patient, k) != v}
    if not changes:
        raise InvalidInput.single("update", "names no field to change")
    if "birth_date" in changes:
        validate_birth_date(changes["birth_date"], today or utc_today())
    snapshot(session, patient, actor, data.reason)
    for key, value in changes.items():
        setattr(patient, key, value)
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "patient",
        entity_id=patient.id,
        patient_ref=patient.ref,
        detail={"fields": sorted(changes)},
    )
    return patient
