"""Row locks and unique inserts for check-then-write use cases (see docs/architecture.md,
"Check-then-write").

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

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import bindparam, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from trdcare.adapters.db.memo import forget
from trdcare.adapters.db.models import Patient
from trdcare.core.errors import Conflict

# The whole patient row: the lock's one round trip also refreshes the (expired) Patient.
_LOCK_PATIENT = (
    select(Patient)
    .where(Patient.id == bindparam("patient_id"))
    .with_for_update(key_share=True)
    .execution_options(populate_existing=True)
)
_LOCKED_KEY = "trdcare.locked_patients"


def lock_patient(session: Session, patient_id: int) -> None:
    """Hold the patient's row lock until the transaction ends; then read afresh.

    The session's own pending changes are flushed first; every object it loaded before the
    lock is expired (and the read memo dropped), so the checks that follow see what the
    previous holder of the lock committed, not a copy read before it.

    A patient already locked in this transaction is not locked again: the lock is held
    until the transaction ends, so no other writer of this patient's records has committed
    since, and what the session read after taking it is current. (The demo clinic logs
    every session of a course in one transaction: re-locking cost a round trip and a
    reload of every object each time.) The set of held locks is dropped when any
    transaction or savepoint ends, so after a savepoint rollback the lock is taken again.
    """
    locked: set[int] = session.info.setdefault(_LOCKED_KEY, set())
    if patient_id in locked:
        return
    session.flush()
    session.expire_all()  # before the lock: nothing is reloaded until it is held
    forget(session)
    session.execute(_LOCK_PATIENT, {"patient_id": patient_id})
    locked.add(patient_id)


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session: Session, transaction: SessionTransaction) -> None:
    # Every flush runs in a subtransaction of its own: its end releases no lock.
    if transaction.parent is None or transaction.nested:
        session.info.pop(_LOCKED_KEY, None)


@contextmanager
def unique_insert(session: Session, taken: Conflict) -> Iterator[None]:
    """Flush an insert that a unique rule guards (an MRN, a username, a protocol key).

    The use case checks first and answers ``taken`` itself; two simultaneous inserts both
    pass that check on PostgreSQL, and the second then breaks the unique index when the
    first commits. Its flush runs in a savepoint: that error becomes ``taken`` (409, the
    answer a later request gets) and the transaction stays usable. SQLite writers run one at
    a time (the check sees the first insert), and pysqlite's savepoints are unsafe in a
    transaction that has not written yet, so there the flush runs as it is.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        session.flush()
        return
    try:
        with session.begin_nested():
            yield
            session.flush()
    except IntegrityError:
        raise taken from None
