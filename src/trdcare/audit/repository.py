"""Every query of the audit room."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import AuditEvent
from trdcare.audit.domain import GENESIS_HASH, AuditEntry

# A fixed advisory-lock key serialises appends on PostgreSQL so two writers never fork the chain.
_PG_AUDIT_LOCK_KEY = 0x7472_6463  # "trdc"


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_chain(self) -> None:
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(
                text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK_KEY}
            )

    def last_hash(self) -> str:
        value = self.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
        return value or GENESIS_HASH

    def add_all(self, events: list[AuditEvent]) -> None:
        self.session.add_all(events)
        self.session.flush()

    def iter_entries(self, batch: int = 5000) -> Iterator[AuditEntry]:
        last_id = 0
        while True:
            rows = self.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.id > last_id)
                .order_by(AuditEvent.id)
                .limit(batch)
            ).all()
            if not rows:
                return
            for row in rows:
                yield AuditEntry(
                    id=row.id,
                    occurred_at=row.occurred_at,
                    actor=row.actor,
                    role=row.role,
                    source=row.source,
                    action=row.action,
                    entity=row.entity,
                    entity_id=row.entity_id,
                    patient_ref=row.patient_ref,
                    detail=row.detail,
                    prev_hash=row.prev_hash,
                    hash=row.hash,
                )
            last_id = rows[-1].id
