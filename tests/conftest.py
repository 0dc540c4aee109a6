"""Shared fixtures: the database on SQLite and on PostgreSQL, and the shared/ data folder.

Every database test runs on both backends after applying the Alembic migrations. Locally a
missing PostgreSQL server skips its half; with ``CI`` set it fails instead.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from trdcare.adapters.db.engine import make_engine, session_factory
from trdcare.adapters.db.migrate import upgrade
from trdcare.adapters.db.models import Base
from trdcare.audit.domain import AuditKey
from trdcare.audit.keys import ENV_AUDIT_KEY, ENV_AUDIT_KEY_FILE, set_default_key
from trdcare.core.actor import Actor

IN_CI = bool(os.environ.get("CI"))
POSTGRES_URL = os.environ.get(
    "TRDCARE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# ../shared beside the project; a worktree elsewhere names it with TRDCARE_SHARED_DIR.
SHARED_DIR = Path(
    os.environ.get("TRDCARE_SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared"
)
BACKENDS = ("sqlite", "postgresql")

# One audit key for the whole run: engines the tests make seal with it (set_default_key), and
# so do the CLI commands and served apps they start (the environment).
TEST_AUDIT_KEY_TEXT = "test-audit-key-" + "k" * 40
TEST_AUDIT_KEY = AuditKey(TEST_AUDIT_KEY_TEXT.encode("utf-8"))
os.environ[ENV_AUDIT_KEY] = TEST_AUDIT_KEY_TEXT
os.environ.pop(ENV_AUDIT_KEY_FILE, None)
set_default_key(TEST_AUDIT_KEY)


@pytest.fixture(scope="session", autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """CLI commands under test use a data folder of their own, never the user's (its
    checkpoint file or keys would otherwise leak into the tests)."""
    before = os.environ.get("TRDCARE_DATA_DIR")
    os.environ["TRDCARE_DATA_DIR"] = str(tmp_path_factory.mktemp("data-dir"))
    yield
    if before is None:
        os.environ.pop("TRDCARE_DATA_DIR", None)
    else:
        os.environ["TRDCARE_DATA_DIR"] = before


def missing(reason: str) -> None:
    """Skip locally, fail under CI (a service or data the suite needs is absent)."""
    if IN_CI:
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


def shared_path(*parts: str) -> Path:
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        missing(f"shared data {path} is absent")
    return path


def _postgres_schema_url(schema: str) -> str:
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated, empty database per backend (PostgreSQL: a private schema in ``test``)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'trdcare.sqlite3'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    schema = f"trdcare_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        admin.dispose()
        missing(f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc.__class__.__name__}")
    url = _postgres_schema_url(schema)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the migrated database; every table is emptied after the test."""
    eng = make_engine(database_url)
    yield eng
    _empty_all_tables(eng)
    eng.dispose()


def _empty_all_tables(eng: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    if eng.dialect.name != "postgresql":
        with eng.begin() as conn:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
        return
    truncate = text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
    # PostgreSQL's autovacuum can take a table's lock while TRUNCATE waits for the others, and
    # the deadlock detector may pick the TRUNCATE (seen once in CI): the cleanup is tried again.
    for attempt in range(5):
        try:
            with eng.begin() as conn:
                conn.execute(truncate)
            return
        except OperationalError as exc:
            if "deadlock detected" not in str(exc) or attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work the test commits or not; tables are emptied afterwards."""
    sess = session_factory(engine)()
    yield sess
    sess.rollback()
    sess.close()


@pytest.fixture
def actor() -> Actor:
    return Actor(username="dr.test", role="physician", source="test")
