"""The audit log on the database (SQLite and PostgreSQL): parallel sealed chains, signed
checkpoints, and what verification finds (issue 14, finding 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, insert, select, update

from trdcare.adapters.db.engine import make_engine, session_factory, unit_of_work
from trdcare.adapters.db.models import AuditEvent
from trdcare.audit import service as audit
from trdcare.audit.domain import (
    GENESIS_HASH,
    AuditKey,
    ChainHead,
    checkpoint_line,
    entry_hash,
    sign_checkpoint,
)
from trdcare.audit.keys import AuditKeyError, key_for_engine, set_default_key
from trdcare.audit.repository import AUDIT_CHAINS, AuditRepository
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_now

ACTOR = Actor(username="dr.test", role="physician", source="test")
# The key the test engines seal with (tests/conftest.py sets it for the whole run).
TEST_AUDIT_KEY = key_for_engine(make_engine("sqlite://"))
assert TEST_AUDIT_KEY is not None
OTHER_KEY = AuditKey(b"another-clinic-key-" + b"z" * 40)


def _record(engine: Engine, n: int = 1) -> None:
    with unit_of_work(engine) as session:
        for i in range(n):
            audit.record(session, ACTOR, "read", "patient", patient_ref=f"P-{i}")


def _ids(engine: Engine, chain: int = 0) -> list[int]:
    with unit_of_work(engine) as session:
        return list(
            session.scalars(
                select(AuditEvent.id).where(AuditEvent.chain == chain).order_by(AuditEvent.id)
            )
        )


def _verify(
    engine: Engine, checkpoints: Path | None = None, key: AuditKey = TEST_AUDIT_KEY
) -> audit.Verification:
    with unit_of_work(engine) as session:
        return audit.verify(session, checkpoint_path=checkpoints, key=key)


def _checkpoint(engine: Engine, path: Path, **kwargs: object) -> tuple[object, bool]:
    with unit_of_work(engine) as session:
        return audit.write_checkpoint(session, path, **kwargs)  # type: ignore[arg-type]


def _reseal_plain(engine: Engine, from_id: int, *, drop_key_id: bool) -> None:
    """What a database writer can do without the key: edit, then recompute every later
    hash with the project's own (plain SHA-256) hash function."""
    with unit_of_work(engine) as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id >= from_id).order_by(AuditEvent.id)
        ).all()
        prev = session.scalar(
            select(AuditEvent.hash)
            .where(AuditEvent.id < from_id)
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        prev = prev or GENESIS_HASH
        rows[0].actor = "intruder"
        for row in rows:
            row.prev_hash = prev
            row.hash = entry_hash(
                prev,
                occurred_at=row.occurred_at,
                actor=row.actor,
                role=row.role,
                source=row.source,
                action=row.action,
                entity=row.entity,
                entity_id=row.entity_id,
                patient_ref=row.patient_ref,
                detail=row.detail,
            )
            if drop_key_id:
                row.key_id = None
            prev = row.hash


def test_one_writer_at_a_time_appends_sealed_entries_to_chain_0(engine: Engine) -> None:
    for _ in range(3):
        _record(engine, 2)
    assert len(_ids(engine, 0)) == 6
    with unit_of_work(engine) as session:
        key_ids = set(session.scalars(select(AuditEvent.key_id)))
    assert key_ids == {TEST_AUDIT_KEY.key_id}
    result = _verify(engine)
    assert (result.entries, result.keyed_entries, result.broken) == (6, 6, None)
    assert result.intact


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
    result = _verify(engine)
    assert (result.entries, result.chains, result.broken) == (AUDIT_CHAINS + 1, AUDIT_CHAINS, None)


def test_a_break_in_any_chain_is_named(engine: Engine) -> None:
    _record(engine, 3)
    with unit_of_work(engine) as session:
        # Events moved to chain 3 as if appended there (links intact), then one edited.
        session.execute(update(AuditEvent).values(chain=3))
    _record(engine, 2)
    chain_3, chain_0 = _ids(engine, 3), _ids(engine, 0)
    assert len(chain_3) == 3 and len(chain_0) == 2
    assert _verify(engine).intact
    with unit_of_work(engine) as session:
        session.execute(
            update(AuditEvent).where(AuditEvent.id == chain_3[1]).values(detail={"x": 1})
        )
    broken = _verify(engine).broken
    assert broken is not None and broken.entry_id == chain_3[1]
    assert "edited" in broken.reason


def test_a_deleted_entry_breaks_its_own_chain(engine: Engine) -> None:
    _record(engine, 4)
    ids = _ids(engine, 0)
    with unit_of_work(engine) as session:
        session.execute(delete(AuditEvent).where(AuditEvent.id == ids[1]))
    broken = _verify(engine).broken
    assert broken is not None and broken.entry_id == ids[2] and "removed" in broken.reason


# --- issue 14, finding 3: what a plain hash chain could not show ---------------------------


def test_deleting_the_newest_entries_is_found_by_the_checkpoint(
    engine: Engine, tmp_path: Path
) -> None:
    checkpoints = tmp_path / "audit-checkpoints.jsonl"
    for _ in range(5):
        _record(engine, 4)
    _checkpoint(engine, checkpoints)
    ids = _ids(engine)
    with unit_of_work(engine) as session:
        session.execute(delete(AuditEvent).where(AuditEvent.id.in_(ids[-7:])))
    # The chain itself still links: only the signed checkpoint can tell.
    alone = _verify(engine)
    assert alone.intact
    assert any("no signed checkpoint was read" in line for line in alone.not_checked)
    result = _verify(engine, checkpoints)
    assert not result.intact
    assert result.broken is not None and result.broken.entry_id == ids[-1]
    assert "deleted from the end of the chain" in result.broken.reason
    # Nor can a later checkpoint launder the deletion.
    with pytest.raises(audit.CheckpointRefused, match=f"entry {ids[-1]}"):
        _checkpoint(engine, checkpoints)


def test_an_edit_resealed_with_the_plain_hash_function_is_found(
    engine: Engine, tmp_path: Path
) -> None:
    for _ in range(3):
        _record(engine, 2)
    ids = _ids(engine)
    _reseal_plain(engine, ids[2], drop_key_id=False)
    broken = _verify(engine).broken
    assert broken is not None and broken.entry_id == ids[2] and "edited" in broken.reason


def test_entries_rewritten_as_plain_hash_entries_are_found(engine: Engine, tmp_path: Path) -> None:
    checkpoints = tmp_path / "cp.jsonl"
    for _ in range(3):
        _record(engine, 2)
    _checkpoint(engine, checkpoints)
    ids = _ids(engine)
    # Rewritten from the middle: a plain entry cannot follow a keyed one.
    _reseal_plain(engine, ids[3], drop_key_id=True)
    broken = _verify(engine).broken
    assert broken is not None and broken.entry_id == ids[3]
    assert "plain-hash entry follows keyed entries" in broken.reason
    # Rewritten from the first entry: every entry plain, so only the checkpoint can tell...
    _reseal_plain(engine, ids[0], drop_key_id=True)
    alone = _verify(engine)
    assert alone.broken is None and alone.plain_entries_unanchored == 6
    assert any("6 plain-hash entries are covered by no keyed entry" in x for x in alone.not_checked)
    # ... and it does: the head it signed no longer carries its seal.
    result = _verify(engine, checkpoints)
    assert result.broken is not None and result.broken.entry_id == ids[-1]
    assert "differs from the checkpoint" in result.broken.reason


def test_deleting_a_whole_chain_is_found(engine: Engine, tmp_path: Path) -> None:
    checkpoints = tmp_path / "cp.jsonl"
    _record(engine, 3)
    with unit_of_work(engine) as session:
        # As if a concurrent writer had appended them to chain 3 (the chains PostgreSQL uses).
        session.execute(update(AuditEvent).values(chain=3))
    _record(engine, 2)
    chain_3 = _ids(engine, 3)
    _checkpoint(engine, checkpoints)
    with unit_of_work(engine) as session:
        session.execute(delete(AuditEvent).where(AuditEvent.chain == 3))
    assert _verify(engine).intact  # chain 0 alone is a perfect chain
    result = _verify(engine, checkpoints)
    assert result.broken is not None and result.broken.entry_id == chain_3[-1]
    assert "or the whole chain" in result.broken.reason


def test_a_tampered_checkpoint_file_is_rejected(engine: Engine, tmp_path: Path) -> None:
    checkpoints = tmp_path / "cp.jsonl"
    _record(engine, 4)
    _checkpoint(engine, checkpoints)
    _record(engine, 2)
    _checkpoint(engine, checkpoints)
    first, second = checkpoints.read_text(encoding="utf-8").splitlines()
    # Lower the recorded count to hide a deletion: the signature no longer matches.
    doc = json.loads(second)
    doc["chains"][0]["count"] -= 2
    checkpoints.write_text(first + "\n" + json.dumps(doc) + "\n", encoding="utf-8")
    result = _verify(engine, checkpoints)
    assert not result.intact and result.broken is None
    assert result.checkpoints == 1
    (problem,) = result.checkpoint_problems
    assert "line 2" in problem and "signature does not match" in problem
    with pytest.raises(audit.CheckpointRefused, match="line 2"):
        _checkpoint(engine, checkpoints)
    # A line signed with another key (forged by someone without this clinic's key).
    forged = sign_checkpoint(OTHER_KEY, utc_now(), [ChainHead(0, 1, 1, "f" * 64)])
    checkpoints.write_text(first + "\n" + checkpoint_line(forged) + "\n", encoding="utf-8")
    result = _verify(engine, checkpoints)
    assert not result.intact
    assert any(
        "line 2" in p and f"not with the configured key {TEST_AUDIT_KEY.key_id}" in p
        for p in result.checkpoint_problems
    )


def test_the_wrong_key_is_named(engine: Engine, tmp_path: Path) -> None:
    checkpoints = tmp_path / "cp.jsonl"
    _record(engine, 3)
    _checkpoint(engine, checkpoints)
    first = _ids(engine)[0]
    result = _verify(engine, checkpoints, key=OTHER_KEY)
    assert not result.intact
    assert result.broken is not None and result.broken.entry_id == first
    assert f"sealed with audit key {TEST_AUDIT_KEY.key_id}" in result.broken.reason
    assert f"not with the configured key {OTHER_KEY.key_id}" in result.broken.reason
    assert result.checkpoint_problems and "signed with audit key" in result.checkpoint_problems[0]


def test_entries_from_before_the_key_stay_verifiable(engine: Engine, tmp_path: Path) -> None:
    """A database upgraded from a plain-hash chain: nothing is rehashed; the old entries are
    checked as plain SHA-256 entries, and the first keyed entry seals them."""
    prev = GENESIS_HASH
    rows = []
    for i in range(3):
        fields = {
            "occurred_at": utc_now(),
            "actor": "dr.before",
            "role": "physician",
            "source": "test",
            "action": "read",
            "entity": "patient",
            "entity_id": None,
            "patient_ref": f"P-{i}",
            "detail": {"n": i},
        }
        digest = entry_hash(prev, **fields)  # type: ignore[arg-type]
        rows.append({**fields, "chain": 0, "prev_hash": prev, "hash": digest, "key_id": None})
        prev = digest
    with unit_of_work(engine) as session:
        session.execute(insert(AuditEvent), rows)
    before = _verify(engine)
    assert before.intact and before.plain_entries == 3 and before.plain_entries_unanchored == 3
    assert any("written before the audit key existed" in line for line in before.checked)
    _record(engine, 2)
    after = _verify(engine)
    assert after.intact
    assert (after.plain_entries, after.keyed_entries, after.plain_entries_unanchored) == (3, 2, 0)
    # A checkpoint covers them too.
    _checkpoint(engine, tmp_path / "cp.jsonl")
    assert _verify(engine, tmp_path / "cp.jsonl").plain_entries_unanchored == 0
    # An old entry is still covered: editing it breaks its plain hash.
    old = _ids(engine)[1]
    with unit_of_work(engine) as session:
        session.execute(update(AuditEvent).where(AuditEvent.id == old).values(actor="x"))
    broken = _verify(engine).broken
    assert broken is not None and broken.entry_id == old


def test_without_a_key_nothing_is_written(database_url: str) -> None:
    engine = make_engine(database_url)  # bound to no key
    set_default_key(None)
    try:
        with pytest.raises(AuditKeyError, match="no audit key is set"):
            _record(engine, 1)
        with engine.connect() as conn:
            assert conn.scalar(select(AuditEvent.id).limit(1)) is None
    finally:
        set_default_key(TEST_AUDIT_KEY)
        engine.dispose()


def test_checkpoints_are_incremental_and_skipped_when_nothing_moved(
    engine: Engine, tmp_path: Path
) -> None:
    checkpoints = tmp_path / "cp.jsonl"
    _record(engine, 3)
    _, written = _checkpoint(engine, checkpoints, only_if_changed=True)
    assert written
    _, written = _checkpoint(engine, checkpoints, only_if_changed=True)
    assert not written
    _record(engine, 2)
    second, written = _checkpoint(engine, checkpoints, only_if_changed=True)
    assert written and second.entries == 5  # type: ignore[attr-defined]
    assert checkpoints.stat().st_mode & 0o077 == 0
    result = _verify(engine, checkpoints)
    assert result.intact and result.checkpoints == 2 and result.entries_after_last_checkpoint == 0
    _record(engine, 1)
    later = _verify(engine, checkpoints)
    assert later.intact and later.entries_after_last_checkpoint == 1
    assert any(
        "entries written after the newest checkpoint (1 now)" in x for x in later.not_checked
    )


def test_a_forged_plain_hash_chain_after_a_checkpoint_is_found(
    engine: Engine, tmp_path: Path
) -> None:
    """A database writer without the key can still write a whole chain of plain-hash
    entries, passing as entries from before the key; once a checkpoint exists, it cannot."""
    checkpoints = tmp_path / "cp.jsonl"
    _record(engine, 3)
    _checkpoint(engine, checkpoints)
    prev, rows = GENESIS_HASH, []
    for i in range(2):
        fields = {
            "occurred_at": utc_now(),
            "actor": "dr.alibi",
            "role": "physician",
            "source": "test",
            "action": "read",
            "entity": "patient",
            "entity_id": None,
            "patient_ref": f"P-{i}",
            "detail": {},
        }
        digest = entry_hash(prev, **fields)  # type: ignore[arg-type]
        rows.append({**fields, "chain": 6, "prev_hash": prev, "hash": digest, "key_id": None})
        prev = digest
    with unit_of_work(engine) as session:
        session.execute(insert(AuditEvent), rows)
    forged = _ids(engine, 6)
    alone = _verify(engine)
    assert alone.intact and alone.plain_entries_unanchored == 2  # said, but not provable
    result = _verify(engine, checkpoints)
    assert result.broken is not None and result.broken.entry_id == forged[0]
    assert "plain-hash entry after the last checkpoint" in result.broken.reason
    with pytest.raises(audit.CheckpointRefused, match=f"entry {forged[0]}"):
        _checkpoint(engine, checkpoints)
