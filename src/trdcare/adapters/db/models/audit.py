from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from trdcare.adapters.db.base import Base, JSONType


class AuditEvent(Base):
    """Append-only, hash-chained record of every read and write of patient data.

    ``detail`` never holds patient data (no names, MRNs or answers): ids, counts, field names.
    Each entry is sealed with HMAC-SHA256 under the audit key kept outside the database
    (``key_id`` names the key). Events form several independent chains (``chain``), each linked in ``id`` order, so
    concurrent requests append in parallel (:mod:`trdcare.audit.repository`).
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_chain_id", "chain", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    chain: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    occurred_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40), default=None)
    patient_ref: Mapped[str | None] = mapped_column(String(20), default=None, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # Which audit key sealed the entry (HMAC-SHA256); None: a plain SHA-256 entry written
    # before the key existed (see trdcare.audit.domain.chain).
    key_id: Mapped[str | None] = mapped_column(String(16), default=None)
