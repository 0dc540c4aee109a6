"""Pure rules of the audit log: the keyed hash chain and its signed checkpoints."""

from trdcare.audit.domain.chain import (
    GENESIS_HASH,
    MIN_AUDIT_KEY_LENGTH,
    AuditEntry,
    AuditKey,
    ChainBreak,
    ChainResult,
    ExpectedHead,
    entry_hash,
    verify_chain,
    walk_chain,
)
from trdcare.audit.domain.checkpoint import (
    ChainHead,
    Checkpoint,
    CheckpointRejected,
    checkpoint_line,
    parse_checkpoint_line,
    sign_checkpoint,
)

__all__ = [
    "GENESIS_HASH",
    "MIN_AUDIT_KEY_LENGTH",
    "AuditEntry",
    "AuditKey",
    "ChainBreak",
    "ChainHead",
    "ChainResult",
    "Checkpoint",
    "CheckpointRejected",
    "ExpectedHead",
    "checkpoint_line",
    "entry_hash",
    "parse_checkpoint_line",
    "sign_checkpoint",
    "verify_chain",
    "walk_chain",
]
