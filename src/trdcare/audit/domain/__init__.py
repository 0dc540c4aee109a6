"""Pure hash-chain rules of the audit log."""

from trdcare.audit.domain.chain import (
    GENESIS_HASH,
    AuditEntry,
    ChainBreak,
    entry_hash,
    verify_chain,
)

__all__ = ["GENESIS_HASH", "AuditEntry", "ChainBreak", "entry_hash", "verify_chain"]
