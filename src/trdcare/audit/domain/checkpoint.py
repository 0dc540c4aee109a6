"""Signed checkpoints of the chain heads, kept outside the database.

A hash chain cannot show that its newest entries, or a whole chain, were deleted: nothing
after them is left to break. A checkpoint records each chain's head (entry id, position,
seal) and is signed with HMAC-SHA256 (RFC 2104) under the audit key; it is written to a file
(or copied elsewhere), out of reach of a database writer. Verification then requires every
checkpointed head to still be in its chain, at its position, with its seal.

One checkpoint is one line of JSON (JSON Lines), so a file is appended to, never rewritten.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trdcare.audit.domain.chain import AuditKey

CHECKPOINT_FORMAT = "trdcare-audit-checkpoint/1"
# Domain separation from entry seals (those start with a 64-hex-digit previous seal).
_SIGNING_LABEL = CHECKPOINT_FORMAT + "\n"


@dataclass(frozen=True, slots=True)
class ChainHead:
    chain: int
    head_id: int
    count: int
    head_hash: str


@dataclass(frozen=True, slots=True)
class Checkpoint:
    written_at: datetime
    key_id: str
    heads: tuple[ChainHead, ...]
    signature: str

    @property
    def entries(self) -> int:
        return sum(h.count for h in self.heads)

    def head(self, chain: int) -> ChainHead | None:
        return next((h for h in self.heads if h.chain == chain), None)


class CheckpointRejected(ValueError):
    """A checkpoint line that cannot be trusted (the message says why)."""


def _body(written_at: datetime, key_id: str, heads: tuple[ChainHead, ...]) -> dict[str, Any]:
    return {
        "format": CHECKPOINT_FORMAT,
        "written_at": written_at.isoformat(timespec="microseconds"),
        "key_id": key_id,
        "chains": [
            {"chain": h.chain, "head_id": h.head_id, "count": h.count, "head_hash": h.head_hash}
            for h in sorted(heads, key=lambda h: h.chain)
        ],
    }


def _canonical(body: dict[str, Any]) -> bytes:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return (_SIGNING_LABEL + text).encode("utf-8")


def sign_checkpoint(key: AuditKey, written_at: datetime, heads: list[ChainHead]) -> Checkpoint:
    ordered = tuple(sorted(heads, key=lambda h: h.chain))
    signature = key.seal(_canonical(_body(written_at, key.key_id, ordered)))
    return Checkpoint(written_at, key.key_id, ordered, signature)


def checkpoint_line(checkpoint: Checkpoint) -> str:
    body = _body(checkpoint.written_at, checkpoint.key_id, checkpoint.heads)
    body["signature"] = checkpoint.signature
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def parse_checkpoint_line(line: str, key: AuditKey) -> Checkpoint:
    """Read one line and check its signature; raise :class:`CheckpointRejected` if it is not
    a checkpoint signed with ``key``."""
    try:
        raw = json.loads(line)
        if not isinstance(raw, dict) or raw.get("format") != CHECKPOINT_FORMAT:
            raise CheckpointRejected("not a trdcare audit checkpoint")
        signature = str(raw["signature"])
        key_id = str(raw["key_id"])
        written_at = datetime.fromisoformat(str(raw["written_at"]))
        heads = tuple(
            ChainHead(
                chain=int(c["chain"]),
                head_id=int(c["head_id"]),
                count=int(c["count"]),
                head_hash=str(c["head_hash"]),
            )
            for c in raw["chains"]
        )
    except CheckpointRejected:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointRejected(f"unreadable ({exc.__class__.__name__})") from None
    if key_id != key.key_id:
        raise CheckpointRejected(
            f"signed with audit key {key_id}, not with the configured key {key.key_id}"
        )
    expected = key.seal(_canonical(_body(written_at, key_id, heads)))
    # compare_digest: the comparison time does not tell a forger how much was right.
    if not hmac.compare_digest(expected, signature):
        raise CheckpointRejected("its signature does not match (the line was edited or forged)")
    return Checkpoint(written_at, key_id, heads, signature)
