"""The audit log on the database (SQLite and PostgreSQL): parallel chains, verification."""

from __future__ import annotations

from sqlalchemy import Engine, delete, select, update

from trdcare.adapters.db.engine import session_factory, unit_of_work
from trdcare.adapters.db.models import AuditEvent
from trdcare.audit import service as audit
from trdcare.audit.repository import AUDIT_CHAINS, AuditRepository
from trdcare.core.actor import Actor

ACTOR = Actor(username="dr.test", role="physician", source="test")


def _record(engine: Engine, n: int = 1) -> None:
    with unit_of_work(engine) as session:
        for i in range(n):
            audit.record(session, ACTOR, "read", "patient", patient_ref=f"P-{i}")


def _ids(engine: Engine, chain: int) -> list[int]:
    with unit_of_work(engine) as session:
        return list(
            session.scalars(
                select(AuditEvent.id).where(AuditEvent.chain == chain).order_by(AuditEvent.id)
            )
        )


def test_one_writer_at_a_time_appends_to_chain_0(engine: Engine) -> None:
    for _ in range(3):
        _record(engine, 2)
    assert len(_ids(engine, 0)) == 6
    with unit_of_work(engine) as session:
        assert audit.verify(session) == (6, None)


def test_concurrent_writers_take_separate_chains_that_each_verify(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        # SQLite serialises write transactions: one chain is all it needs.
        with unit_of_work(engine) as session:
            assert AuditRepository(session).lock_a_chain() == 0
        return
    factory = session_factory(engine)
    holders = [factory() for _ in range(AUDIT_CHAINS + 1)]
    try:
        # Each open transaction holds its chain's lock until it commits: the next writer
        # takes the next free chain without waiting.
        for n, session in enumerate(holders[:AUDIT_CHAINS]):
            audit.record(session, ACTOR, "read", "patient", patient_ref=f"P-{n}")
            audit.flush_pending(session)
        chains = [
            session.scalar(select(AuditEvent.chain).where(AuditEvent.patient_ref == f"P-{n}"))
            for n, session in enumerate(holders[:AUDIT_CHAINS])
        ]
        assert chains == list(range(AUDIT_CHAINS))
        for session in holders[:AUDIT_CHAINS]:
            session.commit()
        # Free again: the next writer appends to chain 0, linked to its last entry.
        audit.record(holders[-1], ACTOR, "read", "patient", patient_ref="P-last")
        holders[-1].commit()
    finally:
        for session in holders:
            session.close()
    assert len(_ids(engine, 0)) == 2
    with unit_of_work(engine) as session:
        assert audit.verify(session) == (AUDIT_CHAINS + 1, None)


def test_a_break_in_any_chain_is_named(engine: Engine) -> None:
    _record(engine, 3)
    with unit_of_work(engine) as session:
        # Events moved to chain 3 as if appended there (links intact), then one edited.
        session.execute(update(AuditEvent).values(chain=3))
    _record(engine, 2)
    chain_3, chain_0 = _ids(engine, 3), _ids(engine, 0)
    assert len(chain_3) == 3 and len(chain_0) == 2
    with unit_of_work(engine) as session:
        assert audit.verify(session) == (5, None)
        session.execute(
            update(AuditEvent).where(AuditEvent.id == chain_3[1]).values(detail={"x": 1})
        )
    with unit_of_work(engine) as session:
        _, broken = audit.verify(session)
    assert broken is not None and broken.entry_id == chain_3[1]
    assert "edited" in broken.reason


def test_a_deleted_entry_breaks_its_own_chain(engine: Engine) -> None:
    _record(engine, 4)
    ids = _ids(engine, 0)
    with unit_of_work(engine) as session:
        session.execute(delete(AuditEvent).where(AuditEvent.id == ids[1]))
    with unit_of_work(engine) as session:
        _, broken = audit.verify(session)
    assert broken is not None and broken.entry_id == ids[2] and "removed" in broken.reason
