"""The audit hash chain.

Each entry's hash is SHA-256 over the previous entry's hash and a canonical JSON rendering of
the entry's own fields, so editing, inserting or deleting any entry breaks every later link.
This is the construction of a hash chain as used for tamper-evident logs (Schneier & Kelsey,
"Secure audit logs to support computer forensics", ACM TISSEC 1999;2(2):159-176).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit record as it is hashed."""

    id: int
    occurred_at: datetime
    actor: str
    role: str
    source: str
    action: str
    entity: str
    entity_id: str | None
    patient_ref: str | None
    detail: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first entry whose stored hash or link does not match."""

    entry_id: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"entry_id": self.entry_id, "reason": self.reason}


def entry_hash(
    prev_hash: str,
    *,
    occurred_at: datetime,
    actor: str,
    role: str,
    source: str,
    action: str,
    entity: str,
    entity_id: str | None,
    patient_ref: str | None,
    detail: Mapping[str, Any],
) -> str:
    """SHA-256 of the previous hash and the canonical JSON of the entry's fields."""
    payload = json.dumps(
        {
            "occurred_at": occurred_at.isoformat(timespec="microseconds"),
            "actor": actor,
            "role": role,
            "source": source,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "patient_ref": patient_ref,
            "detail": detail,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def verify_chain(
    entries: Iterable[AuditEntry], *, start_hash: str = GENESIS_HASH
) -> ChainBreak | None:
    """Walk the entries in id order; return the first break, or ``None`` if the chain holds.

    A deleted entry shows as a link mismatch on the entry after it; an edited entry as a hash
    mismatch on itself.
    """
    expected_prev = start_hash
    for entry in entries:
        if entry.prev_hash != expected_prev:
            return ChainBreak(
                entry.id, "link to the previous entry does not match (entry removed or reordered)"
            )
        recomputed = entry_hash(
            entry.prev_hash,
            occurred_at=entry.occurred_at,
            actor=entry.actor,
            role=entry.role,
            source=entry.source,
            action=entry.action,
            entity=entry.entity,
            entity_id=entry.entity_id,
            patient_ref=entry.patient_ref,
            detail=entry.detail,
        )
        if recomputed != entry.hash:
            return ChainBreak(entry.id, "content does not match its hash (entry edited)")
        expected_prev = entry.hash
    return None
