"""Settings: data directory, database URL and the CLI's acting user.

Resolution order for each setting: explicit argument (CLI option) > environment variable >
default. The embedded default is a SQLite file in a per-user data folder.
"""

from __future__ import annotations

import contextlib
import getpass
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

ENV_DATA_DIR = "TRDCARE_DATA_DIR"
ENV_DATABASE_URL = "TRDCARE_DATABASE_URL"
ENV_ACTOR = "TRDCARE_ACTOR"
SQLITE_FILENAME = "trdcare.sqlite3"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    actor_username: str

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` / ``postgres://`` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_settings(
    *, data_dir: str | os.PathLike[str] | None = None, database_url: str | None = None
) -> Settings:
    resolved_dir = Path(
        data_dir or os.environ.get(ENV_DATA_DIR) or platformdirs.user_data_dir("trdcare")
    ).expanduser()
    url = database_url or os.environ.get(ENV_DATABASE_URL)
    if url:
        url = normalise_database_url(url)
    else:
        url = f"sqlite:///{resolved_dir / SQLITE_FILENAME}"
    actor = os.environ.get(ENV_ACTOR) or _login_name()
    return Settings(data_dir=resolved_dir, database_url=url, actor_username=actor)


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) for trdcare's files: the folder trdcare makes
    is readable by its owner only (0700); an existing folder is left as it is."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=0o700, exist_ok=True)
    return path


def create_private_file(path: Path) -> None:
    """Create an empty file readable and writable by its owner only (0600), unless it
    exists (patient data never sits in a world-readable file, whatever the umask)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        return "unknown"
