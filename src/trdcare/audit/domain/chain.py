"""The audit hash chain, keyed.

Each entry's seal covers the previous entry's seal and a canonical JSON rendering of the
entry's own fields, so editing, inserting or deleting any entry breaks every later link. This
is the construction of a hash chain as used for tamper-evident logs (Schneier & Kelsey,
"Secure audit logs to support computer forensics", ACM TISSEC 1999;2(2):159-176).

A plain SHA-256 chain can be recomputed by anyone who can write the table. Entries are
therefore sealed with HMAC-SHA256 (RFC 2104) under a secret key kept outside the database:
without the key an edited chain cannot be resealed. Entries written before the key existed
keep their plain SHA-256 seal (``key_id`` is ``None``); the first keyed entry after them
covers their last seal, so they stay anchored, and a plain entry may never follow a keyed one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64
# Domain separation: the key id is an HMAC of this label, never of an entry's payload.
_KEY_ID_LABEL = b"trdcare audit key id v1"
KEY_ID_LENGTH = 16
MIN_AUDIT_KEY_LENGTH = 32


@dataclass(frozen=True, slots=True)
class AuditKey:
    """The secret that seals the chain. ``key_id`` names it without revealing it."""

    secret: bytes = field(repr=False)
    key_id: str = field(init=False)

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_AUDIT_KEY_LENGTH:
            raise ValueError(f"an audit key needs at least {MIN_AUDIT_KEY_LENGTH} bytes")
        digest = hmac.digest(self.secret, _KEY_ID_LABEL, "sha256").hex()
        object.__setattr__(self, "key_id", digest[:KEY_ID_LENGTH])

    def seal(self, message: bytes) -> str:
        return hmac.digest(self.secret, message, "sha256").hex()


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit record as it is sealed (``key_id`` None: a plain SHA-256 entry)."""

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
    key_id: str | None = None


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first entry whose stored seal or link does not match."""

    entry_id: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"entry_id": self.entry_id, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ExpectedHead:
    """A chain head recorded in a signed checkpoint: entry ``head_id`` is the ``count``-th
    entry of its chain and carries ``head_hash``."""

    head_id: int
    count: int
    head_hash: str
    checkpoint: str  # when the checkpoint was written (for the message)


@dataclass(frozen=True, slots=True)
class ChainResult:
    """What walking one chain found."""

    entries: int
    plain_entries: int
    keyed_entries: int
    head_id: int | None
    head_hash: str
    broken: ChainBreak | None
    # Entries after the newest checkpointed head of this chain (0 when none was expected).
    after_checkpoint: int = 0


def _payload(
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
    return json.dumps(
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
    key: AuditKey | None = None,
) -> str:
    """The seal of one entry: HMAC-SHA256 under ``key``, or plain SHA-256 (entries written
    before the audit key existed) when ``key`` is None."""
    message = (
        prev_hash
        + _payload(
            occurred_at=occurred_at,
            actor=actor,
            role=role,
            source=source,
            action=action,
            entity=entity,
            entity_id=entity_id,
            patient_ref=patient_ref,
            detail=detail,
        )
    ).encode("utf-8")
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return key.seal(message)


def _recompute(entry: AuditEntry, key: AuditKey | None) -> str:
    return entry_hash(
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
        key=key,
    )


def walk_chain(
    entries: Iterable[AuditEntry],
    *,
    key: AuditKey | None,
    expected_heads: Mapping[int, ExpectedHead] | None = None,
    start_hash: str = GENESIS_HASH,
    start_count: int = 0,
    plain_allowed_through: int | None = None,
) -> ChainResult:
    """Walk one chain's entries in id order and stop at the first break.

    Checks each link, each seal (keyed entries with ``key``; a keyed entry written under
    another key, or with no key given, is a break), that no plain entry follows a keyed one
    or comes after entry ``plain_allowed_through`` (the chain's newest checkpointed head, 0
    for a chain no checkpoint knows: every entry since the key is keyed, so a later plain
    entry is forged), and that every head in ``expected_heads`` (by entry id) is present at
    its position with its hash. ``start_hash``/``start_count`` resume after a checkpointed
    head.
    """
    heads = dict(expected_heads or {})
    newest_expected = max(heads, default=None)
    expected_prev = start_hash
    count = start_count
    plain = keyed = after = 0
    head_id: int | None = None

    def result(broken: ChainBreak | None) -> ChainResult:
        return ChainResult(
            entries=count - start_count,
            plain_entries=plain,
            keyed_entries=keyed,
            head_id=head_id,
            head_hash=expected_prev,
            broken=broken,
            after_checkpoint=after,
        )

    for entry in entries:
        count += 1
        if entry.prev_hash != expected_prev:
            return result(
                ChainBreak(
                    entry.id,
                    "link to the previous entry does not match (entry removed or reordered)",
                )
            )
        if entry.key_id is None:
            if keyed:
                return result(
                    ChainBreak(
                        entry.id,
                        "a plain-hash entry follows keyed entries (entries rewritten without "
                        "the audit key)",
                    )
                )
            if plain_allowed_through is not None and entry.id > plain_allowed_through:
                return result(
                    ChainBreak(
                        entry.id,
                        "a plain-hash entry after the last checkpoint of its chain (entries "
                        "written since the audit key are all sealed with it: forged)",
                    )
                )
            sealed_with: AuditKey | None = None
        else:
            if key is None:
                return result(
                    ChainBreak(entry.id, "sealed with an audit key, and no audit key is set")
                )
            if entry.key_id != key.key_id:
                return result(
                    ChainBreak(
                        entry.id,
                        f"sealed with audit key {entry.key_id}, not with the configured key "
                        f"{key.key_id} (wrong key, or the entry was forged)",
                    )
                )
            sealed_with = key
        if _recompute(entry, sealed_with) != entry.hash:
            return result(ChainBreak(entry.id, "content does not match its seal (entry edited)"))
        if sealed_with is None:
            plain += 1
        else:
            keyed += 1
        expected = heads.pop(entry.id, None)
        if expected is not None and (expected.count != count or expected.head_hash != entry.hash):
            return result(
                ChainBreak(
                    entry.id,
                    f"differs from the checkpoint of {expected.checkpoint} (it was entry "
                    f"{expected.count} of its chain; now {count}; entries removed, inserted "
                    "or rewritten before it)",
                )
            )
        if newest_expected is not None and entry.id > newest_expected:
            after += 1
        expected_prev = entry.hash
        head_id = entry.id
    if heads:
        missing_id = min(heads)
        missing = heads[missing_id]
        return result(
            ChainBreak(
                missing_id,
                f"missing: the checkpoint of {missing.checkpoint} recorded entry {missing_id} "
                f"as entry {missing.count} of its chain (entries deleted from the end of the "
                "chain, or the whole chain)",
            )
        )
    return result(None)


def verify_chain(
    entries: Iterable[AuditEntry],
    *,
    key: AuditKey | None = None,
    start_hash: str = GENESIS_HASH,
) -> ChainBreak | None:
    """Walk the entries in id order; return the first break, or ``None`` if the chain holds.

    A deleted entry shows as a link mismatch on the entry after it; an edited entry as a seal
    mismatch on itself.
    """
    return walk_chain(entries, key=key, start_hash=start_hash).broken
