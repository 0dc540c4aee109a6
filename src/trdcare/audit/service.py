"""Audit use cases: append events to the hash chains, verify them.

Every service that reads or writes patient data calls :func:`record`. Details carry ids,
counts and field names only, never patient data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from trdcare.audit.domain import AuditEntry, ChainBreak, entry_hash, verify_chain
from trdcare.audit.repository import AuditRepository
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_now

ACTIONS = ("read", "create", "update", "retire", "export", "login", "logout", "denied")


_PENDING_KEY = "trdcare.audit.pending"


@dataclass(frozen=True, slots=True)
class _PendingEvent:
    occurred_at: datetime
    actor: Actor
    action: str
    entity: str
    entity_id: str | None
    patient_ref: str | None
    detail: dict[str, Any]


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    *,
    entity_id: str | int | None = None,
    patient_ref: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Queue one event; it is chained and written when the transaction commits.

    Writing at commit keeps the chain lock (needed so concurrent writers never fork the
    chain) for the moment of the commit only, instead of from the first audited read of a
    request to its end; a rolled-back transaction leaves no event, like its data.
    """
    pending: list[_PendingEvent] = session.info.setdefault(_PENDING_KEY, [])
    pending.append(
        _PendingEvent(
            occurred_at=utc_now(),
            actor=actor,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            patient_ref=patient_ref,
            detail=dict(detail or {}),
        )
    )


def flush_pending(session: Session) -> int:
    """Chain and insert the queued events of ``session`` (called before every commit)."""
    pending: list[_PendingEvent] = session.info.pop(_PENDING_KEY, [])
    if not pending:
        return 0
    # Write the request's own rows first: the chain lock is then held only for the
    # head read, the event insert and the commit.
    session.flush()
    repo = AuditRepository(session)
    chain = repo.lock_a_chain()
    prev = repo.last_hash(chain)
    rows = []
    for item in pending:
        digest = entry_hash(
            prev,
            occurred_at=item.occurred_at,
            actor=item.actor.username,
            role=item.actor.role,
            source=item.actor.source,
            action=item.action,
            entity=item.entity,
            entity_id=item.entity_id,
            patient_ref=item.patient_ref,
            detail=item.detail,
        )
        rows.append(
            {
                "chain": chain,
                "occurred_at": item.occurred_at,
                "actor": item.actor.username,
                "role": item.actor.role,
                "source": item.actor.source,
                "action": item.action,
                "entity": item.entity,
                "entity_id": item.entity_id,
                "patient_ref": item.patient_ref,
                "detail": item.detail,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    repo.add_all(rows)
    return len(rows)


def discard_pending(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


@event.listens_for(Session, "before_commit")
def _write_pending_before_commit(session: Session) -> None:
    flush_pending(session)


@event.listens_for(Session, "after_rollback")
def _discard_pending_after_rollback(session: Session) -> None:
    discard_pending(session)


def verify(session: Session) -> tuple[int, ChainBreak | None]:
    """Check every chain; return the number of entries read and the first break (lowest id)."""
    repo = AuditRepository(session)
    count = 0

    def counted(chain: int) -> Iterator[AuditEntry]:
        nonlocal count
        for entry in repo.iter_entries(chain):
            count += 1
            yield entry

    breaks = [b for chain in repo.chains() if (b := verify_chain(counted(chain))) is not None]
    return count, min(breaks, key=lambda b: b.entry_id, default=None)
