"""Row locks for check-then-write use cases (see docs/architecture.md, "Check-then-write").

A use case that reads a record's state, decides, then writes (log the next session, review
a pause, acknowledge an event once) is a race on PostgreSQL: two transactions read the same
state and both write. The patient row is the lock of everything recorded for one patient:
such a use case first calls :func:`lock_patient`, which waits for any other transaction
holding it, and then reads the state that transaction committed.

``FOR NO KEY UPDATE`` (not ``FOR UPDATE``): the key-share locks that inserting rows which
refer to the patient take do not conflict with it, and it is the mode the caseload refresh
takes on the same rows (:mod:`trdcare.assessments.repository`), so a transaction holding
both never waits on itself. SQLite has no row locks: the web application begins every
request with ``BEGIN IMMEDIATE`` (one writer at a time), which serialises the same steps.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.memo import forget
from trdcare.adapters.db.models import Patient

_LOCK_PATIENT = (
    select(Patient.id).where(Patient.id == bindparam("patient_id")).with_for_update(key_share=True)
)


def lock_patient(session: Session, patient_id: int) -> None:
    """Hold the patient's row lock until the transaction ends; then read afresh.

    The session's own pending changes are flushed first; every object it loaded before the
    lock is expired (and the read memo dropped), so the checks that follow see what the
    previous holder of the lock committed, not a copy read before it.
    """
    session.flush()
    session.execute(_LOCK_PATIENT, {"patient_id": patient_id})
    session.expire_all()
    forget(session)
