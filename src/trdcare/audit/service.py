"""Audit use cases: append an event to the chain, verify the chain.

Every service that reads or writes patient data calls :func:`record`. Details carry ids,
counts and field names only, never patient data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from trdcare.adapters.db.models import AuditEvent
from trdcare.audit.domain import AuditEntry, ChainBreak, entry_hash, verify_chain
from trdcare.audit.repository import AuditRepository
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_now

ACTIONS = ("read", "create", "update", "retire", "export", "login", "logout", "denied")


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    *,
    entity_id: str | int | None = None,
    patient_ref: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the hash chain (flushes, never commits)."""
    repo = AuditRepository(session)
    repo.lock_chain()
    prev = repo.last_hash()
    occurred_at = utc_now()
    body = dict(detail or {})
    eid = None if entity_id is None else str(entity_id)
    digest = entry_hash(
        prev,
        occurred_at=occurred_at,
        actor=actor.username,
        role=actor.role,
        source=actor.source,
        action=action,
        entity=entity,
        entity_id=eid,
        patient_ref=patient_ref,
        detail=body,
    )
    return repo.add(
        AuditEvent(
            occurred_at=occurred_at,
            actor=actor.username,
            role=actor.role,
            source=actor.source,
            action=action,
            entity=entity,
            entity_id=eid,
            patient_ref=patient_ref,
            detail=body,
            prev_hash=prev,
            hash=digest,
        )
    )


def verify(session: Session) -> tuple[int, ChainBreak | None]:
    """Check the whole chain; return the number of entries read and the first break."""
    repo = AuditRepository(session)
    count = 0

    def counted() -> Iterator[AuditEntry]:
        nonlocal count
        for entry in repo.iter_entries():
            count += 1
            yield entry

    broken = verify_chain(counted())
    return count, broken
