"""Engines and the unit of work: one commit per command or request, never inside services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from trdcare.config import create_private_file, make_private_dir


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; for SQLite make the folder and the file (owner-only) and switch on
    foreign keys and WAL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            # SQLite would create the file (and its -wal and -shm files, which take the
            # file's mode) world-readable under a usual umask: create it owner-only first.
            database = Path(parsed.database).expanduser()
            make_private_dir(database.parent)
            create_private_file(database)
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """A session that commits once at the end, or rolls back everything on any error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def refresh_statistics(session: Session) -> None:
    """Update the planner's statistics after a bulk load (PostgreSQL and SQLite ``ANALYZE``).

    Without them PostgreSQL estimates freshly loaded tables at a row or so and picks nested
    loops for the caseload query.
    """
    session.flush()
    session.execute(text("ANALYZE"))
