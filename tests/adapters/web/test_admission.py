"""Admission control: a burst waits its turn instead of exhausting the connection pool."""

from __future__ import annotations

import anyio
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.pool import QueuePool
from starlette.types import Receive, Scope, Send

from trdcare.adapters.web.admission import AdmissionLimit
from web_support import web_app  # noqa: F401 - fixture


class SlowApp:
    """Answers after a pause, counting how many requests are inside at once."""

    def __init__(self) -> None:
        self.inside = 0
        self.most_inside = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        await anyio.sleep(0.01)
        self.inside -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def test_a_burst_is_admitted_a_few_at_a_time_and_all_answered() -> None:
    inner = SlowApp()
    app = AdmissionLimit(inner, limit=3)
    statuses: list[int] = []

    async def burst() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

            async def one() -> None:
                statuses.append((await client.get("/")).status_code)

            async with anyio.create_task_group() as group:
                for _ in range(40):
                    group.start_soon(one)

    anyio.run(burst)
    assert statuses == [200] * 40
    assert inner.most_inside == 3


def test_paths_without_database_work_are_not_held() -> None:
    inner = SlowApp()
    app = AdmissionLimit(inner, limit=1, exempt_prefixes=("/api/v1/health",))

    async def burst() -> None:
        transport = httpx.ASGITransport(app=app)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://t") as client,
            anyio.create_task_group() as group,
        ):
            for _ in range(5):
                group.start_soon(client.get, "/api/v1/health")

    anyio.run(burst)
    assert inner.most_inside == 5


def test_the_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="limit: must be at least 1"):
        AdmissionLimit(SlowApp(), limit=0)


def test_the_app_admits_no_more_requests_than_its_pool_has_connections(
    web_app: FastAPI,  # noqa: F811 - the fixture
) -> None:
    per_worker = web_app.state.settings.requests_per_worker
    limits = [m.kwargs["limit"] for m in web_app.user_middleware if m.cls is AdmissionLimit]
    assert limits == [per_worker]
    pool = web_app.state.engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.size() == per_worker and pool._max_overflow == 0
