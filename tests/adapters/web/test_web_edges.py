"""The HTTP edges: body size limits, nested JSON, NUL characters, and error pages.

The size tests drive the ASGI app directly with a ``receive`` that counts what the server
pulled: a refused body must be refused before it is read (``Content-Length``) or as soon as
the count passes the limit (chunked), so a large body never sits in the worker's memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel

from trdcare.adapters.web.body_guard import (
    DEFAULT_BODY_LIMIT_BYTES,
    MAX_JSON_DEPTH,
    json_depth,
)
from web_support import WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)
CHUNK = 64 * 1024
MB = 1_000_000
JSON = {"content-type": "application/json"}


class Upload(BaseModel):
    data: str


class Sent:
    """What the app answered, and how many body bytes it pulled from the client."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self.body = b""
        self.pulled = 0


def call(
    app: FastAPI,
    path: str,
    chunks: Iterator[bytes],
    *,
    content_type: str = "application/json",
    content_length: int | None = None,
    method: str = "POST",
) -> Sent:
    """Send ``chunks`` to ``app`` at the ASGI level, counting the bytes it asks for."""
    sent = Sent()
    headers = [(b"content-type", content_type.encode()), (b"host", b"testserver")]
    if content_length is not None:
        headers.append((b"content-length", str(content_length).encode()))
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "state": {},
    }
    pending = iter(chunks)

    async def receive() -> dict[str, Any]:
        chunk = next(pending, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        sent.pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            sent.status = message["status"]
            sent.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            sent.body += message.get("body", b"")

    anyio.run(app, scope, receive, send)
    return sent


def many_chunks(total: int) -> Iterator[bytes]:
    """``total`` bytes of one JSON string, in 64 KiB chunks, made as they are asked for."""
    yield b'{"mrn": "'
    for _ in range(total // CHUNK):
        yield b"x" * CHUNK
    yield b'"}'


class TestBodyLimit:
    def test_a_declared_length_over_the_limit_is_refused_before_reading(
        self, web_app: FastAPI
    ) -> None:
        size = 100 * MB
        sent = call(web_app, "/api/v1/patients", many_chunks(size), content_length=size)
        assert sent.status == 413
        assert sent.pulled == 0
        assert sent.headers["content-type"].startswith("application/problem+json")
        assert b"at most 1,000,000 bytes" in sent.body
        assert b'"payload_too_large"' in sent.body

    def test_a_chunked_body_is_cut_off_once_past_the_limit(self, web_app: FastAPI) -> None:
        sent = call(web_app, "/api/v1/patients", many_chunks(100 * MB))
        assert sent.status == 413
        # Read up to the limit and one chunk more, never the 100 MB.
        assert DEFAULT_BODY_LIMIT_BYTES < sent.pulled <= DEFAULT_BODY_LIMIT_BYTES + CHUNK
        assert sent.headers["content-type"].startswith("application/problem+json")

    def test_a_page_answers_413_with_a_page(self, web_app: FastAPI) -> None:
        for length in (50 * MB, None):
            sent = call(
                web_app,
                "/patients/new",
                many_chunks(50 * MB),
                content_type="application/x-www-form-urlencoded",
                content_length=length,
            )
            assert sent.status == 413
            assert sent.headers["content-type"].startswith("text/html")
            assert b"Too much was sent" in sent.body
            assert b"at most 1,000,000 bytes" in sent.body
            assert sent.pulled <= DEFAULT_BODY_LIMIT_BYTES + CHUNK

    def test_over_http_the_anonymous_body_is_refused_before_authentication(
        self, client: WebClient
    ) -> None:
        response = client.post(
            "/api/v1/patients",
            content=b'{"mrn": "' + b"x" * (2 * MB) + b'"}',
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 413
        assert response.json()["errors"][0]["path"] == "body"

    def test_a_body_within_the_limit_goes_through(self, client: WebClient) -> None:
        client.as_role("physician")
        response = client.post(
            "/api/v1/patients",
            json={
                "mrn": "M-1",
                "given_name": "A" * 100,
                "family_name": "B",
                "birth_date": "1980-01-01",
            },
        )
        assert response.status_code == 201

    def test_a_route_may_declare_a_larger_limit(self, web_app: FastAPI) -> None:
        @web_app.post("/api/v1/test-upload", max_body_size=3 * MB)
        def upload(body: Upload) -> dict[str, int]:
            return {"received": len(body.data)}

        @web_app.post("/api/v1/test-small")
        def small(body: Upload) -> dict[str, int]:
            return {"received": len(body.data)}

        payload = b'{"data": "' + b"x" * (2 * MB) + b'"}'
        with WebClient(web_app) as test_client:
            big = test_client.post("/api/v1/test-upload", content=payload, headers=JSON)
            assert big.status_code == 200, big.text
            assert big.json() == {"received": 2 * MB}
            small_refused = test_client.post("/api/v1/test-small", content=payload, headers=JSON)
            assert small_refused.status_code == 413
            too_big = test_client.post(
                "/api/v1/test-upload",
                content=b'{"data": "' + b"x" * (4 * MB) + b'"}',
                headers=JSON,
            )
            assert too_big.status_code == 413
            assert "at most 3,000,000 bytes" in too_big.json()["detail"]


def json_routes(app: FastAPI) -> list[RouteContext]:
    """Every API route that reads a JSON body (from the router)."""
    return [
        context
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        and (context.path or "").startswith("/api/")
        and context.original_route.body_field is not None
    ]


class TestNestedJson:
    def test_json_depth_ignores_brackets_in_strings(self) -> None:
        assert json_depth(b'{"a": [1, {"b": "[[[[[[{{{{"}]}') == 3
        assert json_depth(b'"[[[\\"[["') == 0
        assert json_depth(b"[" * 100000 + b"]" * 100000) == 100000

    def test_deep_nesting_is_a_422_naming_it_on_every_json_route(self, client: WebClient) -> None:
        ref = add_patient(client.engine, "DEEP-1")
        routes = json_routes(client.app)  # type: ignore[arg-type]
        assert len(routes) > 20
        body = b"[" * 100000 + b"]" * 100000
        for role in (None, "physician"):
            client.as_role(role)
            for route in routes:
                path = str(route.path).replace("{ref}", ref)
                for name in route.param_convertors:
                    path = path.replace("{" + name + "}", "x")
                for method in route.methods or ():
                    response = client.request(
                        method, path, content=body, headers={"content-type": "application/json"}
                    )
                    where = f"{method} {route.path} as {role}"
                    assert response.status_code == 422, where
                    problem = response.json()
                    assert problem["errors"][0]["path"] == "body", where
                    assert "nested too deeply" in problem["errors"][0]["message"], where
                    assert f"at most {MAX_JSON_DEPTH}" in problem["detail"], where

    def test_without_a_content_type_the_body_is_still_checked(self, client: WebClient) -> None:
        response = client.post("/api/v1/patients", content=b"{" * 5000)
        assert response.status_code == 422
        assert "nested" in response.json()["detail"]

    def test_ordinary_nesting_passes(self, client: WebClient) -> None:
        client.as_role("physician")
        response = client.post(
            "/api/v1/score",
            json={"scale": "phq9", "answers": {str(i): 1 for i in range(1, 10)}},
        )
        assert response.status_code == 200, response.text


class TestNulCharacter:
    def test_nul_in_json_names_the_field_even_across_chunks(self, web_app: FastAPI) -> None:
        # "\u0000" split between two chunks is still found.
        chunks = iter([b'{"mrn": "ab\\u00', b'00", "given_name": "x"}'])
        sent = call(web_app, "/api/v1/patients", chunks)
        assert sent.status == 422
        assert b'"path":"mrn"' in sent.body
        assert b"NUL" in sent.body

    def test_nul_in_a_form_names_the_field(self, client: WebClient) -> None:
        response = client.post(
            "/login",
            content=b"username=a%00b&password=x",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("text/html")
        assert "contains a NUL character" in response.text

    def test_nul_in_the_query_is_refused(self, client: WebClient) -> None:
        client.as_role("physician")
        response = client.get("/api/v1/patients", params={"q": "a\x00"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["location"] == "query"

    def test_an_escaped_backslash_before_u0000_is_no_nul(self, client: WebClient) -> None:
        client.as_role("physician")
        response = client.post(
            "/api/v1/patients",
            content=b'{"mrn": "M\\\\u0000", "given_name": "A", "family_name": "B", '
            b'"birth_date": "1980-01-01"}',
            headers={"content-type": "application/json"},
        )
        assert "NUL" not in response.text


class TestErrorPages:
    @pytest.fixture
    def boom_app(self, web_app: FastAPI) -> FastAPI:
        @web_app.get("/boom-page")
        def boom_page() -> None:
            raise RuntimeError("secret patient detail P-ABC Byron")

        @web_app.get("/api/v1/boom")
        def boom_api() -> None:
            raise RuntimeError("secret patient detail P-ABC Byron")

        return web_app

    def test_a_page_error_renders_a_page(self, boom_app: FastAPI) -> None:
        with WebClient(boom_app, raise_server_exceptions=False) as test_client:
            response = test_client.get("/boom-page")
        assert response.status_code == 500
        assert response.headers["content-type"].startswith("text/html")
        html = response.text
        assert "<h1>Something went wrong</h1>" in html
        assert "nothing was saved" in html
        assert 'href="/static/app.css' in html  # the app's layout
        for leak in ("secret", "Byron", "RuntimeError", "Traceback", "internal_error", "{"):
            assert leak not in html.split("<main", 1)[1], leak

    def test_an_api_error_stays_problem_json(self, boom_app: FastAPI) -> None:
        with WebClient(boom_app, raise_server_exceptions=False) as test_client:
            response = test_client.get("/api/v1/boom")
        assert response.status_code == 500
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "internal_error"

    def test_a_page_error_keeps_the_signed_in_layout(self, web_app: FastAPI) -> None:
        with WebClient(web_app) as test_client:
            test_client.engine = web_app.state.engine
            test_client.as_role("physician", via="session")
            response = test_client.get("/patients/P-NOPE")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "<h1>Not found</h1>" in response.text
        assert "Sign out" in response.text

    def test_a_422_page_says_each_problem_once(self, client: WebClient) -> None:
        client.as_role("physician", via="session")
        response = client.get("/patients", params={"limit": "many"})
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("text/html")
        main = response.text.split("<main", 1)[1]
        assert main.lower().count("limit") == 1, main
        assert "code <code>" not in main
        assert "<h1>Please check what was entered</h1>" in main

    def test_an_unknown_method_on_a_page_is_a_page(self, client: WebClient) -> None:
        response = client.delete("/login")
        assert response.status_code == 405
        assert response.headers["content-type"].startswith("text/html")
        assert "<h1>Not available here</h1>" in response.text
