"""The web application's engine and its one-transaction-per-request session.

On SQLite every request transaction starts with ``BEGIN IMMEDIATE``: requests that write
(every read of patient data writes an audit entry) take the database write lock up front
and wait for each other (``busy_timeout``) instead of failing with a stale snapshot, and
the audit chain is appended by one writer at a time. PostgreSQL serialises audit appends
with an advisory lock (:mod:`trdcare.audit.repository`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from trdcare.adapters.db.engine import make_engine, unit_of_work


def make_web_engine(url: str, *, pool_size: int) -> Engine:
    """An engine that never puts statement parameters (patient data) in error messages.

    ``pool_size`` is the number of requests a worker runs at once (see
    :mod:`trdcare.adapters.web.admission`), so an admitted request always gets a connection.
    """
    pool = {"pool_size": pool_size, "max_overflow": 0}
    if url.startswith("sqlite"):
        in_memory = make_url(url).database in (None, "", ":memory:")
        engine = make_engine(url, hide_parameters=True, **({} if in_memory else pool))
        _immediate_transactions(engine)
        return engine
    return make_engine(url, hide_parameters=True, **pool)


def _immediate_transactions(engine: Engine) -> None:
    """SQLAlchemy's documented recipe: let SQLAlchemy, not pysqlite, emit BEGIN."""

    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def get_db(request: Request) -> Iterator[Session]:
    """The request's unit of work: commits once after the endpoint, rolls back on error."""
    with unit_of_work(request.app.state.engine) as session:
        yield session


Db = Annotated[Session, Depends(get_db, scope="function")]
