"""The audit key: where it comes from, and which database engine seals with it.

==============================  ==========================================================
``TRDCARE_AUDIT_KEY_FILE``      a file holding the key (at least 32 characters); keep it
                                outside the data folder and the database's backups
``TRDCARE_AUDIT_KEY``           the key itself (at least 32 characters)
(neither, development)          ``<data dir>/audit_key``, created on first use (mode 0600)
(neither, production)           refused: the server and the CLI do not start
==============================  ==========================================================

The key never goes into the database: a database writer who does not also hold the key
cannot reseal an edited chain or sign a checkpoint (see docs/security.md).
"""

from __future__ import annotations

import os
import secrets
import weakref
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from trdcare.audit.domain import MIN_AUDIT_KEY_LENGTH, AuditKey

ENV_AUDIT_KEY = "TRDCARE_AUDIT_KEY"
ENV_AUDIT_KEY_FILE = "TRDCARE_AUDIT_KEY_FILE"
AUDIT_KEY_FILENAME = "audit_key"

_bound: weakref.WeakKeyDictionary[Engine, AuditKey] = weakref.WeakKeyDictionary()
_default: list[AuditKey] = []


class AuditKeyError(RuntimeError):
    """No usable audit key (the message names the setting and what to do)."""


def _from_text(text: str, where: str) -> AuditKey:
    value = text.strip()
    if len(value) < MIN_AUDIT_KEY_LENGTH:
        raise AuditKeyError(
            f"{where}: the audit key is too short (allowed: at least {MIN_AUDIT_KEY_LENGTH} "
            f"characters; given: {len(value)})"
        )
    return AuditKey(value.encode("utf-8"))


def new_key_text() -> str:
    return secrets.token_urlsafe(48)


def _read_key_file(path: Path, where: str) -> AuditKey:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AuditKeyError(f"{where}: no such file ({path})") from None
    except OSError as exc:
        raise AuditKeyError(f"{where}: cannot read {path} ({exc.strerror})") from None
    return _from_text(text, where)


def _data_dir_key(data_dir: Path) -> AuditKey:
    """The embedded default: a random key next to the database, created owner-only once
    (O_EXCL, so several workers starting together end up with one key)."""
    path = data_dir / AUDIT_KEY_FILENAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(new_key_text())
                handle.flush()
                os.fsync(handle.fileno())
    return _read_key_file(path, f"{AUDIT_KEY_FILENAME} in the data folder")


def load_audit_key(data_dir: Path, *, production: bool) -> AuditKey:
    """The configured key (see the module's table); raise :class:`AuditKeyError` if none."""
    key_file = os.environ.get(ENV_AUDIT_KEY_FILE)
    if key_file:
        return _read_key_file(Path(key_file).expanduser(), ENV_AUDIT_KEY_FILE)
    key_text = os.environ.get(ENV_AUDIT_KEY)
    if key_text:
        return _from_text(key_text, ENV_AUDIT_KEY)
    if production:
        raise AuditKeyError(
            f"{ENV_AUDIT_KEY_FILE}: production mode needs an audit key kept outside the "
            f"database (set {ENV_AUDIT_KEY_FILE} to a file holding at least "
            f"{MIN_AUDIT_KEY_LENGTH} random characters, or {ENV_AUDIT_KEY}; see "
            "docs/security.md); refusing to start"
        )
    return _data_dir_key(data_dir)


def bind_key(engine: Engine, key: AuditKey) -> None:
    """Seal the audit events written through ``engine`` with ``key``."""
    _bound[engine] = key


def set_default_key(key: AuditKey | None) -> None:
    """The key for engines that were not bound (tests and benchmarks set one)."""
    _default.clear()
    if key is not None:
        _default.append(key)


def key_for_engine(engine: Engine) -> AuditKey | None:
    return _bound.get(engine) or (_default[0] if _default else None)


def key_for(session: Session) -> AuditKey:
    """The key of the session's database; raise :class:`AuditKeyError` if none is set
    (an unsealed event would weaken the chain, so nothing is written)."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    key = key_for_engine(engine)
    if key is None:
        raise AuditKeyError(
            "no audit key is set for this database: the audit log cannot be sealed "
            f"(set {ENV_AUDIT_KEY_FILE}; see docs/security.md)"
        )
    return key
