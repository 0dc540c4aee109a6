"""A database from before the audit key, upgraded (migration 0008) on SQLite and PostgreSQL:
its events keep their hashes and verify as plain SHA-256 entries, sealed by the first keyed
entry after them; nothing is rehashed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from conftest import BACKENDS, POSTGRES_URL, missing
from trdcare.adapters.db.engine import make_engine, unit_of_work
from trdcare.adapters.db.migrate import upgrade
from trdcare.adapters.db.models import AuditEvent
from trdcare.audit import service as audit
from trdcare.audit.domain import GENESIS_HASH, entry_hash
from trdcare.core.actor import Actor

ACTOR = Actor(username="dr.test", role="physician", source="test")


@pytest.fixture(params=BACKENDS)
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database migrated only as far as the plain-hash audit chains (0003)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
        upgrade(engine, "0003_audit_chains")
        yield engine
        engine.dispose()
        return
    schema = f"trdcare_upgrade_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        admin.dispose()
        missing(f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc.__class__.__name__}")
    engine = make_engine(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    try:
        upgrade(engine, "0003_audit_chains")
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _write_plain_events(engine: Engine, n: int) -> list[str]:
    """Events as the code before the key wrote them (no key_id column yet)."""
    prev, hashes = GENESIS_HASH, []
    with engine.begin() as conn:
        for i in range(n):
            at = datetime(2026, 11, 1, 9, i, tzinfo=UTC)
            fields = {
                "occurred_at": at,
                "actor": "dr.before",
                "role": "physician",
                "source": "test",
                "action": "read",
                "entity": "patient",
                "entity_id": None,
                "patient_ref": f"P-{i}",
                "detail": {},
            }
            digest = entry_hash(prev, **fields)  # type: ignore[arg-type]
            conn.execute(
                text(
                    "INSERT INTO audit_events (chain, occurred_at, actor, role, source, action, "
                    "entity, entity_id, patient_ref, detail, prev_hash, hash) VALUES (0, :at, "
                    "'dr.before', 'physician', 'test', 'read', 'patient', NULL, :ref, '{}', "
                    ":prev, :hash)"
                ),
                {"at": at, "ref": f"P-{i}", "prev": prev, "hash": digest},
            )
            hashes.append(digest)
            prev = digest
    return hashes


def test_an_upgraded_database_keeps_its_old_events_verifiable(old_database: Engine) -> None:
    old_hashes = _write_plain_events(old_database, 3)
    upgrade(old_database)
    with unit_of_work(old_database) as session:
        stored = session.scalars(select(AuditEvent.hash).order_by(AuditEvent.id)).all()
        assert list(stored) == old_hashes  # nothing rehashed
        before = audit.verify(session, checkpoint_path=None)
    assert before.intact and before.plain_entries == 3 and before.plain_entries_unanchored == 3
    assert any("could have rewritten them" in line for line in before.not_checked)
    with unit_of_work(old_database) as session:
        audit.record(session, ACTOR, "read", "patient", patient_ref="P-new")
    with unit_of_work(old_database) as session:
        after = audit.verify(session, checkpoint_path=None)
    assert after.intact
    assert (after.plain_entries, after.keyed_entries, after.plain_entries_unanchored) == (3, 1, 0)
