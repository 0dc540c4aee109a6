"""The checkpoint file: signed chain heads, one JSON line each, appended, never rewritten.

==================================  ========================================================
``TRDCARE_AUDIT_CHECKPOINT_FILE``   where checkpoints are appended and read (default
                                    ``<data dir>/audit-checkpoints.jsonl``); put it where a
                                    database writer cannot write, and copy it off the host
==================================  ========================================================
"""

from __future__ import annotations

import os
from pathlib import Path

try:  # POSIX: serialise appends from several writers (serve's timer, a cron job).
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

ENV_AUDIT_CHECKPOINT_FILE = "TRDCARE_AUDIT_CHECKPOINT_FILE"
CHECKPOINT_FILENAME = "audit-checkpoints.jsonl"


def default_checkpoint_path(data_dir: Path) -> Path:
    configured = os.environ.get(ENV_AUDIT_CHECKPOINT_FILE)
    return Path(configured).expanduser() if configured else data_dir / CHECKPOINT_FILENAME


def read_lines(path: Path) -> list[str]:
    """The file's non-empty lines (none when the file does not exist yet)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [line for line in text.splitlines() if line.strip()]


def append_line(path: Path, line: str) -> None:
    """Append one line and sync it to disk (created owner-only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())
