"""Admission control: at most as many requests inside one worker as it has connections.

A request takes a database connection at its first query and keeps it until its commit,
across several hops between the event loop and the thread pool. Without a bound, a burst of
requests (say 60 at once on one worker) takes every pooled connection while the threads that
would finish them wait for one: requests then fail after the pool's timeout. Holding each
request at the door until one of ``limit`` places is free, first come first served, queues the
burst in the event loop instead, where waiting costs no thread and no connection.

Paths that never touch the database (the liveness check, static files) are not held: they
need no connection, and a liveness check should answer while the worker is busy.
"""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send


class AdmissionLimit:
    """ASGI middleware: at most ``limit`` HTTP requests of this process run at once."""

    def __init__(self, app: ASGIApp, limit: int, exempt_prefixes: tuple[str, ...] = ()) -> None:
        if limit < 1:
            raise ValueError(f"limit: must be at least 1 (given: {limit})")
        self.app = app
        self.limit = limit
        self.exempt_prefixes = exempt_prefixes
        self._places: anyio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt_prefixes):
            await self.app(scope, receive, send)
            return
        if self._places is None:  # made in the running event loop
            self._places = anyio.Semaphore(self.limit)
        async with self._places:
            await self.app(scope, receive, send)
