"""Opaque public identifiers.

Patient references that appear in URLs, file names or CLI output are random and carry no
patient data (no MRN, no name, no birth date).
"""

from __future__ import annotations

import secrets

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def new_ref(prefix: str, length: int = 10) -> str:
    """A random opaque reference such as ``P-7K3QZ9M1XA``."""
    body = "".join(secrets.choice(_ALPHABET) for _ in range(length))
    return f"{prefix}-{body}"


def is_ref(value: str, prefix: str) -> bool:
    head = f"{prefix}-"
    return value.startswith(head) and all(c in _ALPHABET for c in value[len(head) :])
