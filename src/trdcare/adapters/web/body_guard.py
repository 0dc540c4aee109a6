"""The request body at the door: a size limit per route, bounded JSON nesting, no NUL character.

Runs before routing and authentication, so an anonymous client must not be able to make the
worker hold or parse more than a route accepts:

* **Size.** Every route accepts at most :data:`DEFAULT_BODY_LIMIT_BYTES` unless it declares
  its own limit with FastAPI's ``max_body_size=n`` (for a file upload; FastAPI then enforces
  it again inside the route). A ``Content-Length`` over the limit is refused with 413
  before one byte of the body is read; a body sent without one (chunked) is counted as it
  arrives and refused as soon as the count passes the limit, without reading the rest. At
  most ``limit`` bytes are ever held for a request.
* **Nesting.** JSON nested deeper than :data:`MAX_JSON_DEPTH` is refused with 422 before any
  parser sees it (Python's recursive parsers and validators raise ``RecursionError`` on
  ``"[" * 100000``).
* **NUL.** PostgreSQL cannot store ``\\x00`` in text; input carrying one is refused with 422
  naming the field, instead of failing in the database (found by the schemathesis fuzz run).
  Each chunk is searched for a NUL as it arrives (a raw byte, JSON's ``\\u0000``, a form's
  ``%00``); only a body that holds one is parsed here, to name its field.

Errors are problem+json under ``/api/`` and an HTML page elsewhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from itertools import accumulate
from urllib.parse import parse_qsl, unquote

from fastapi.routing import RouteContext, iter_route_contexts
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trdcare.adapters.web.problems import Problem, ProblemIssue, error_response
from trdcare.core.checks import find_nul_character

# 1 MB: the largest JSON body or form of the clinic (a full treatment history) is a few
# kilobytes; a megabyte leaves two orders of magnitude of room.
DEFAULT_BODY_LIMIT_BYTES = 1_000_000
# The deepest body of the API nests five levels (history -> trials -> trial -> field);
# 32 leaves room and stays far below Python's recursion limit (1000).
MAX_JSON_DEPTH = 32

_NUL_MARKERS = (b"\x00", b"\\u0000", b"%00")
_MARKER_OVERLAP = max(len(m) for m in _NUL_MARKERS) - 1
# A JSON string, escapes included (unrolled loop: linear, no backtracking).
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(body: bytes) -> int:
    """How deeply ``[`` and ``{`` nest in a JSON text (brackets inside strings do not count)."""
    brackets = _JSON_STRING.sub(b'""', body).translate(None, _NOT_A_BRACKET)
    return max(accumulate(1 if b in b"[{" else -1 for b in brackets), default=0)


def _is_json(content_type: str) -> bool:
    # FastAPI parses a body without a content type as JSON too.
    media = content_type.split(";", 1)[0].strip().lower()
    return not media or media == "application/json" or media.endswith("+json")


def _is_form(content_type: str) -> bool:
    return content_type.lower().startswith("application/x-www-form-urlencoded")


def _form_nul(raw: str) -> str | None:
    return find_nul_character(dict(parse_qsl(raw, keep_blank_values=True)))


def _declared_limit(context: RouteContext) -> int | None:
    limit = getattr(context, "max_body_size", None)
    return limit if isinstance(limit, int) and limit > 0 else None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _fmt_bytes(n: int) -> str:
    return f"{n:,} bytes"


def too_large(limit: int, given: str) -> Problem:
    return Problem(
        type="urn:trdcare:problem:payload_too_large",
        title="Request too large",
        status=413,
        detail=f"body: the request is too large ({given}; at most {_fmt_bytes(limit)} allowed)",
        code="payload_too_large",
        errors=[
            ProblemIssue(
                path="body",
                pointer="#",
                location="body",
                message="the request is too large",
                allowed=f"at most {_fmt_bytes(limit)}",
                given=given,
            )
        ],
    )


def too_deep(depth: int) -> Problem:
    return Problem(
        type="urn:trdcare:problem:invalid_input",
        title="Invalid input",
        status=422,
        detail=f"body: the JSON is nested {depth} levels deep (at most {MAX_JSON_DEPTH} allowed)",
        code="invalid_input",
        errors=[
            ProblemIssue(
                path="body",
                pointer="#",
                location="body",
                message="the JSON is nested too deeply",
                allowed=f"at most {MAX_JSON_DEPTH} levels of [ ] and {{ }}",
                given=f"{depth} levels",
            )
        ],
    )


def holds_nul(path: str, location: str) -> Problem:
    return Problem(
        type="urn:trdcare:problem:invalid_input",
        title="Invalid input",
        status=422,
        detail=f"{path}: contains a NUL character",
        code="invalid_input",
        errors=[
            ProblemIssue(
                path=path,
                pointer="#/" + path.replace(".", "/"),
                location=location,
                message="contains a NUL character",
                allowed="text without control character U+0000",
            )
        ],
    )


class RequestBodyGuard:
    """ASGI middleware: size limit per route, bounded JSON nesting, NUL refused (see module)."""

    def __init__(self, app: ASGIApp, default_limit: int = DEFAULT_BODY_LIMIT_BYTES) -> None:
        self.app = app
        self.default_limit = default_limit
        self._declared: tuple[int, Sequence[RouteContext]] | None = None

    def limit_for(self, scope: Scope) -> int:
        """The body limit of the route this request goes to (the default unless declared)."""
        routes = getattr(scope.get("app"), "routes", ())
        if self._declared is None or self._declared[0] != len(routes):
            declared = [c for c in iter_route_contexts(routes) if _declared_limit(c) is not None]
            self._declared = (len(routes), declared)
        path, method = scope.get("path", ""), scope.get("method", "")
        for context in self._declared[1]:
            if method in (context.methods or ()) and context.path_regex.match(path):
                return _declared_limit(context) or self.default_limit
        return self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in unquote(scope.get("path", "")):
            await error_response(scope, holds_nul("path", "path"))(scope, receive, send)
            return
        query_nul = _form_nul(bytes(scope.get("query_string", b"")).decode("latin-1"))
        if query_nul is not None:
            await error_response(scope, holds_nul(query_nul, "query"))(scope, receive, send)
            return

        limit = self.limit_for(scope)
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdecimal() and int(declared) > limit:
            refusal = too_large(limit, _fmt_bytes(int(declared)))
            await error_response(scope, refusal)(scope, receive, send)
            return

        chunks: list[bytes] = []
        received = 0
        nul_seen = False
        tail = b""
        disconnected: Message | None = None
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                disconnected = message
                break
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                refusal = too_large(limit, f"more than {_fmt_bytes(limit)}")
                await error_response(scope, refusal)(scope, receive, send)
                return
            if chunk:
                window = tail + chunk
                nul_seen = nul_seen or any(m in window for m in _NUL_MARKERS)
                tail = window[-_MARKER_OVERLAP:]
                chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)

        if body:
            content_type = _header(scope, b"content-type") or ""
            problem: Problem | None = None
            if _is_json(content_type):
                depth = json_depth(body)
                if depth > MAX_JSON_DEPTH:
                    problem = too_deep(depth)
                elif nul_seen:
                    try:
                        path = find_nul_character(json.loads(body))
                    except ValueError:
                        path = None  # malformed JSON is the validator's to report
                    problem = holds_nul(path, "body") if path is not None else None
            elif nul_seen and _is_form(content_type):
                path = _form_nul(body.decode("utf-8", errors="replace"))
                problem = holds_nul(path, "form") if path is not None else None
            if problem is not None:
                await error_response(scope, problem)(scope, receive, send)
                return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                if disconnected is not None:
                    return disconnected
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
