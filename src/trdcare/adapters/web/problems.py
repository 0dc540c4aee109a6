"""RFC 9457 problem details: one error shape for the whole API, HTML pages for browsers.

Every error names the field it is about: ``errors`` lists one entry per offending field
with its ``path`` (dotted, e.g. ``items.9``), a JSON ``pointer`` into the request body, the
``location`` (body, query, path, header) and what is allowed. Domain errors keep their
stable ``code`` (clients may switch on it). Programming errors are answered with a bare
500 and logged without the request data or the exception message (which can hold values).

References
----------
.. [1] Nottingham M, Wilde E, Dalal S. RFC 9457: Problem Details for HTTP APIs. IETF, 2023.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trdcare.core.errors import DomainError, Issue, PermissionDenied, message_issue
from trdcare.core.input_errors import plain_issue, split_location

PROBLEM_MEDIA_TYPE = "application/problem+json"
logger = logging.getLogger("trdcare.web")


class ProblemIssue(BaseModel):
    path: str = Field(description="Dotted path of the field, e.g. 'items.9'")
    pointer: str = Field(description="JSON pointer into the request, e.g. '#/items/9'")
    location: str = Field(description="body, query, path, header or form")
    message: str
    allowed: str | None = None
    given: str | None = None


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable machine-readable error code")
    errors: list[ProblemIssue] = Field(default_factory=list)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text, "content": {PROBLEM_MEDIA_TYPE: {}}}
    for code, text in (
        (401, "Not signed in (no or invalid credentials)"),
        (403, "Not permitted for this role, or CSRF check failed"),
        (404, "Not found"),
        (409, "Conflicts with the current record or a safety rule"),
        (422, "Invalid input; `errors` names each field"),
    )
}


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401
    title = "Not signed in"


class CsrfFailed(PermissionDenied):
    code = "csrf_failed"
    title = "The form is stale or was not sent by this site"


def _pointer(path: str) -> str:
    return "#/" + path.replace(".", "/") if path else "#"


def issue_out(issue: Issue, location: str = "body") -> ProblemIssue:
    return ProblemIssue(
        path=issue.path,
        pointer=_pointer(issue.path),
        location=location,
        message=issue.message,
        allowed=issue.allowed,
        given=issue.given,
    )


def issues_from_pydantic(
    errors: Iterable[Mapping[str, Any]],
    *,
    default_location: str = "body",
    labels: Mapping[str, str] | None = None,
    examples: Mapping[str, str] | None = None,
) -> list[ProblemIssue]:
    """Map pydantic error entries to problem issues naming the field, in plain words.

    The wording is the one translation of :mod:`trdcare.core.input_errors` (the pages use
    it too); ``labels`` are the fields' human names (the models' ``Field(title=...)``).
    """
    out = []
    for err in errors:
        location, _ = split_location(err.get("loc", ()))
        issue = plain_issue(err, labels, examples=examples)
        out.append(issue_out(issue, location or default_location))
    return out


def render_issues(issues: Sequence[ProblemIssue]) -> str:
    """The detail line: the first problem in plain words (each message names its field)."""
    if not issues:
        return "The request is not valid"
    text = issues[0].message
    if len(issues) > 1:
        text += f" (and {len(issues) - 1} more)"
    return text


def is_page_path(path: str) -> bool:
    """Pages get HTML errors; everything under /api gets problem+json."""
    return not (path == "/api" or path.startswith("/api/"))


def wants_html(request: Request) -> bool:
    return is_page_path(request.url.path)


def problem_response(problem: Problem, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(mode="json"),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def domain_problem(exc: DomainError) -> Problem:
    return Problem(
        type=f"urn:trdcare:problem:{exc.code}",
        title=exc.title,
        status=exc.status,
        detail=exc.render(),
        code=exc.code,
        errors=[issue_out(i) for i in exc.issues],
    )


# Headings of the error page in a clinician's words (the problem's own title otherwise).
PAGE_HEADINGS = {
    400: "The request could not be read",
    403: "Not allowed",
    404: "Not found",
    405: "Not available here",
    413: "Too much was sent",
    422: "Please check what was entered",
    500: "Something went wrong",
}
_FALLBACK_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} · trdcare</title>'
    '<link rel="stylesheet" href="/static/app.css"></head><body><main id="main"><h1>{title}</h1>'
    '<p>{detail}</p><p><a href="/">Home</a></p></main></body></html>'
)


# The router's own words for an address or method it does not know ("Not Found").
PAGE_DETAILS = {
    404: "There is no page at this address.",
    405: "This page cannot be used that way.",
}


def _page_issues(problem: Problem) -> list[Issue]:
    """What the error page says: each issue, or the detail read as one (never a raw path)."""
    if problem.errors:
        return [Issue(e.path, e.message, e.allowed) for e in problem.errors]
    if problem.detail == problem.title and problem.status in PAGE_DETAILS:
        return [Issue("", PAGE_DETAILS[problem.status])]
    return [message_issue(problem.detail)]


def _html_error(request: Request, problem: Problem) -> Response:
    """The error as a page in the app's layout (never a stack trace or the request's values)."""
    from html import escape

    from trdcare.adapters.web.templating import render

    heading = PAGE_HEADINGS.get(problem.status, problem.title)
    try:
        return render(
            request,
            "web/error.html",
            {"problem": problem, "heading": heading, "issues": _page_issues(problem)},
            status_code=problem.status,
        )
    except Exception as exc:  # the layout itself failed: a plain page still answers
        logger.error("error page failed to render: %s", exc.__class__.__name__)
        html = _FALLBACK_PAGE.format(title=escape(heading), detail=escape(problem.detail))
        return HTMLResponse(html, status_code=problem.status)


def error_response(scope: Scope, problem: Problem) -> Response:
    """``problem`` as an HTML page (page routes) or problem+json (``/api/``), from ASGI code."""
    if is_page_path(scope.get("path", "")):
        return _html_error(Request(scope), problem)
    return problem_response(problem)


async def handle_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, NotAuthenticated):
        if wants_html(request):
            target = request.url.path
            return RedirectResponse(f"/login?next={target}", status_code=303)
        return problem_response(domain_problem(exc), {"WWW-Authenticate": 'Bearer realm="trdcare"'})
    problem = domain_problem(exc)
    if wants_html(request):
        return _html_error(request, problem)
    return problem_response(problem)


async def handle_request_validation(request: Request, exc: Exception) -> Response:
    """422 in plain words; a page form with a ``redisplay`` hook is shown again, filled in."""
    assert isinstance(exc, RequestValidationError | ValidationError)
    # forms.py builds on this module (and on auth, which imports it): imported when used.
    from trdcare.adapters.web.forms import (
        FormProblem,
        form_lists,
        form_values,
        labels_of,
        redisplay_hook,
        route_models,
    )

    errors = exc.errors()
    labels, examples = labels_of(*route_models(request))
    issues = issues_from_pydantic(errors, labels=labels, examples=examples)
    if wants_html(request) and isinstance(exc, RequestValidationError):
        hook = redisplay_hook(request)
        body = getattr(exc, "body", None)
        in_body = all(issue.location == "body" for issue in issues)
        if hook is not None and in_body:
            sent = body if isinstance(body, FormData | dict) else None
            refused = FormProblem(
                values=form_values(sent),
                issues=[plain_issue(err, labels, examples=examples) for err in errors],
                lists=form_lists(sent),
            )
            return await _redisplayed(request, hook, refused)
    problem = Problem(
        type="urn:trdcare:problem:invalid_input",
        title="Invalid input",
        status=422,
        detail=render_issues(issues),
        code="invalid_input",
        errors=issues,
    )
    if wants_html(request):
        return _html_error(request, problem)
    return problem_response(problem)


async def handle_form_rejected(request: Request, exc: Exception) -> Response:
    """A page form the service refused: shown again with the service's issues beside fields."""
    from trdcare.adapters.web.forms import (
        FormProblem,
        FormRejected,
        clinic_time_zone,
        domain_issues,
        in_clinic_time_words,
        labelled,
        labels_of,
        redisplay_hook,
        route_models,
    )

    assert isinstance(exc, FormRejected)
    hook = redisplay_hook(request)
    if hook is None:  # a programming slip: fall back to the plain error page
        return await handle_domain_error(request, exc.error)
    # A refusal without issues (a Conflict) becomes one issue: every hook shows issues, so its
    # message is never dropped (before, the form came back unchanged with no word of why).
    labels, _ = labels_of(*route_models(request))
    issues = in_clinic_time_words(
        labelled(domain_issues(exc.error), labels), clinic_time_zone(request)
    )
    problem = FormProblem(values=exc.values, issues=issues, lists=exc.lists)
    return await _redisplayed(request, hook, problem, status=exc.error.status)


async def _redisplayed(request: Request, hook: Any, problem: Any, status: int = 422) -> Response:
    response: Response = await run_in_threadpool(hook, request, problem)
    response.status_code = status
    return response


_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    from http import HTTPStatus

    try:
        title = HTTPStatus(exc.status_code).phrase
    except ValueError:
        title = "Error"
    detail = exc.detail if isinstance(exc.detail, str) else title
    problem = Problem(
        title=title,
        status=exc.status_code,
        detail=detail,
        code=_HTTP_CODES.get(exc.status_code, "http_error"),
    )
    headers = dict(exc.headers or {})
    if wants_html(request):
        response = _html_error(request, problem)
        response.headers.update(headers)
        return response
    return problem_response(problem, headers)


class UnhandledErrorMiddleware:
    """Answer programming errors with a bare 500 and log them without patient data.

    Under ``/api/`` the answer is problem+json; a page route gets an error page in the app's
    layout, in plain words, with the incident id and nothing else.

    The exception's message and traceback locals can contain request values (e.g. a
    database error quoting parameters), so only the exception type, the route and an
    incident id are logged; the client gets the same incident id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            incident = uuid.uuid4().hex[:12]
            route = scope.get("route")
            template = getattr(route, "path", "?")
            logger.error(
                "internal error %s in %s %s: %s",
                incident,
                scope.get("method", "?"),
                template,
                exc.__class__.__name__,
            )
            if started:
                return  # the response is on its way; the client sees a cut-off body
            problem = Problem(
                title="Internal Server Error",
                status=500,
                detail=f"An internal error occurred (incident {incident}); nothing was saved.",
                code="internal_error",
            )
            await error_response(scope, problem)(scope, receive, send)
