"""Refuse request input holding a NUL character, naming the field (RFC 9457, 422).

PostgreSQL cannot store ``\\x00`` in text; without this guard such input reached the database
and failed there (found by the schemathesis fuzz run). Query, path, JSON and form bodies are
checked; the body is buffered and replayed to the application unchanged.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trdcare.adapters.web.problems import Problem, ProblemIssue, problem_response
from trdcare.core.checks import find_nul_character


def _form_nul(raw: str) -> str | None:
    pairs = parse_qsl(raw, keep_blank_values=True)
    return find_nul_character(dict(pairs))


class NulCharacterGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        location, path = "", None
        if "\x00" in unquote(scope.get("path", "")):
            location, path = "path", "path"
        else:
            path = _form_nul(scope.get("query_string", b"").decode("latin-1"))
            location = "query" if path is not None else ""
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if path is None and body:
            content_type = (
                dict(scope.get("headers", [])).get(b"content-type", b"").decode("latin-1")
            )
            if "json" in content_type:
                try:
                    path = find_nul_character(json.loads(body))
                except ValueError:
                    path = None  # malformed JSON is the validator's to report
                location = "body"
            elif "application/x-www-form-urlencoded" in content_type:
                path = _form_nul(body.decode("utf-8", errors="replace"))
                location = "form"
        if path is not None:
            problem = Problem(
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
            await problem_response(problem)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
