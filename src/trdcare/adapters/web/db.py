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
from sqlalchemy.orm import Session

from trdcare.adapters.db.engine import make_engine, unit_of_work


def make_web_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine that never puts statement parameters (patient data) in error messages."""
    if url.startswith("sqlite"):
        engine = make_engine(url, hide_parameters=True)
        _immediate_transactions(engine)
        return engine
    return make_engine(url, hide_parameters=True, pool_size=pool_size, max_overflow=pool_size)


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
