"""A served app and simultaneous clients, for the concurrency tests of every single-use or
check-then-write path (see docs/architecture.md, "Check-then-write").

``served_app`` runs the real application under uvicorn in a thread, on a port of its own,
with enough requests in flight (and database connections) that the requests below really
overlap; ``at_once`` sends ``n`` requests from ``n`` threads released together by a
barrier, each with its own HTTP connection, so each request runs in its own database
transaction. The tests assert counts of winners, never timings.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine

from trdcare.accounts import service as account_service
from trdcare.accounts.schemas import TokenCreate
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.web.app import create_app
from web_support import SETUP, add_staff, make_settings, username_for

T = TypeVar("T")
# Requests one served app runs at once in these tests (the default is 4; more in flight
# makes every request of a burst overlap).
IN_FLIGHT = 16
# Simultaneous requests of one burst.
BURST = 6


class ServedApp:
    """The app under uvicorn: its base URL and its engine."""

    def __init__(self, base_url: str, engine: Engine) -> None:
        self.base_url = base_url
        self.engine = engine

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=60, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def served_app(database_url: str, engine: Engine, tmp_path: Path) -> Iterator[ServedApp]:
    """The application served over HTTP on 127.0.0.1 (both databases), with staff accounts."""
    app = create_app(make_settings(database_url, tmp_path, requests_per_worker=IN_FLIGHT))
    add_staff(app.state.engine)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])))
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                pytest.fail("the test server did not start")
            threading.Event().wait(0.01)
        yield ServedApp(f"http://127.0.0.1:{port}", app.state.engine)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
        app.state.engine.dispose()


def at_once(n: int, request: Callable[[int], T]) -> list[T]:
    """Run ``request(i)`` for i in 0..n-1 in n threads released together; their results."""
    barrier = threading.Barrier(n)

    def run(i: int) -> T:
        barrier.wait()
        return request(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def bearer_tokens(app: ServedApp, role: str, n: int) -> list[str]:
    """``n`` API tokens of the test account of ``role``."""
    with unit_of_work(app.engine) as session:
        user = account_service.get_user(session, username_for(role))
        return [
            account_service.create_token(
                session, SETUP, user, TokenCreate(name=f"concurrency {i}", expires_in_days=1)
            )[1]
            for i in range(n)
        ]


@contextmanager
def api(app: ServedApp, role: str) -> Iterator[httpx.Client]:
    """An API client signed in as ``role`` with a bearer token of its own."""
    (token,) = bearer_tokens(app, role, 1)
    with app.client(headers={"authorization": f"Bearer {token}"}) as http:
        yield http


def burst(
    app: ServedApp,
    role: str,
    url: str,
    body: dict[str, Any],
    n: int = BURST,
    method: str = "POST",
) -> Counter[int]:
    """Send ``body`` to ``url`` as ``role`` from ``n`` clients at once; how many got each
    status (a 5xx fails the test at once)."""
    tokens = bearer_tokens(app, role, n)

    def post(i: int) -> int:
        with app.client(headers={"authorization": f"Bearer {tokens[i]}"}) as http:
            response = http.request(method, url, json=body)
        assert response.status_code < 500, response.text
        return response.status_code

    return Counter(at_once(n, post))
