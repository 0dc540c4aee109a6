"""The permission matrix, enforced: every route x every role is allowed or refused as the
matrix in :mod:`trdcare.accounts.domain.permissions` says.

Every route must declare exactly one permission (``Require``, or ``LinkHolder`` for the
patient's self-report link) unless it is on the short public list. Staff call the API with
a bearer token and the pages with a session cookie (and its CSRF token); the patient has no
account, so every staff route answers 401 (API) or sends the browser to sign in (pages),
and the self-report routes open for the link holder only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from trdcare.accounts import service as account_service
from trdcare.accounts.domain import PERMISSIONS, ROLES, is_allowed
from trdcare.accounts.schemas import TokenCreate
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Require
from trdcare.adapters.web.security import csrf_token
from trdcare.adapters.web.selfreport import LinkHolder
from trdcare.assessments import service as assessment_service
from web_support import SECRET, SETUP, WebClient, add_patient, client, username_for, web_app

FIXTURES = (client, web_app)

# Routes anyone may call (sign-in itself and liveness).
PUBLIC = {("GET", "/api/v1/health"), ("GET", "/login"), ("POST", "/login")}


@dataclass(frozen=True)
class RouteCase:
    method: str
    path: str
    permission: str
    link: bool

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")


def _guards(dependant: Any) -> Iterator[object]:
    for sub in dependant.dependencies:
        if isinstance(sub.call, Require | LinkHolder):
            yield sub.call
        yield from _guards(sub)


def route_cases(app: FastAPI) -> list[RouteCase]:
    cases = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        path = context.path
        for method in sorted((context.methods or set()) - {"HEAD"}):
            guards = list(_guards(route.dependant))
            if (method, path) in PUBLIC:
                assert not guards, f"{method} {path} is public but declares a guard"
                continue
            assert len(guards) == 1, f"{method} {path} must declare exactly one permission"
            guard = guards[0]
            assert isinstance(guard, Require | LinkHolder)
            cases.append(RouteCase(method, path, guard.permission, isinstance(guard, LinkHolder)))
    return cases


def test_every_permission_is_used_and_every_route_is_guarded(web_app: FastAPI) -> None:
    cases = route_cases(web_app)
    assert len(cases) > 40
    used = {c.permission for c in cases}
    assert used == set(PERMISSIONS), f"unused permissions: {set(PERMISSIONS) - used}"


class Fixtures:
    """Fresh real values for path parameters (a link may be used up or revoked by a call)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self.patient = add_patient(client.engine, "MRN-MATRIX")

    def values(self) -> dict[str, str]:
        with unit_of_work(self.client.engine) as session:
            patient = session.query(Patient).filter_by(ref=self.patient).one()
            link, token = account_service.create_link(
                session, SETUP, patient, "phq9", expires_in_hours=2
            )
            flagged, _ = assessment_service.record_assessment(
                session, SETUP, patient, "phq9", {str(i): 1 for i in range(1, 10)}
            )
            user = account_service.get_user(session, username_for("clinician"))
            api_token, _ = account_service.create_token(
                session, SETUP, user, TokenCreate(name="victim", expires_in_days=1)
            )
        return {
            "ref": self.patient,
            "token": token,
            "link_csrf": csrf_token(SECRET, "self_report", link.ref),
            "link_ref": link.ref,
            "assessment_id": str(flagged.id),
            "token_ref": api_token.ref,
            "username": username_for("technician"),
            "scale_id": "phq9",
            "protocol_id": "hf10-left-dlpfc",
            # Records that need not exist: a role allowed is answered 404/409/422, never 403.
            "number": "1",
            "event_id": "1",
            "session_id": "1",
            "trial_id": "1",
            "course_ref": "C-NONE",
            "session_ref": "K-NONE",
            "observation_id": "1",
            "therapy": "tms",
            "sid": "no-such-live-session",
            "therapy_key": "T1",
            "measure_key": "M1",
        }


def fill(path: str, values: dict[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"no test value for path parameter {name!r} in {path}"
        return values[name]

    return re.sub(r"\{(\w+)\}", sub, path)


def call(client: WebClient, case: RouteCase, url: str, csrf: str | None = None) -> Any:
    if case.method == "GET":
        return client.get(url, follow_redirects=False)
    if case.is_api:
        return client.request(case.method, url, json={}, follow_redirects=False)
    return client.request(
        case.method, url, data={"csrf_token": csrf or client.csrf}, follow_redirects=False
    )


def refused_anonymous(case: RouteCase, response: Any) -> bool:
    if case.is_api:
        return response.status_code == 401
    return response.status_code == 303 and response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ROLES)
def test_matrix(client: WebClient, role: str) -> None:
    fixtures = Fixtures(client)
    values = fixtures.values()
    problems = []
    stale = False
    for case in route_cases(client.app):  # type: ignore[arg-type]
        if stale or case.method != "GET":
            values = fixtures.values()  # a state change may use up or revoke what it was given
        stale = case.method != "GET"
        url = fill(case.path, values)
        if case.link:
            # The link is the credential, whoever holds it; an unknown token opens nothing.
            client.as_role(None)
            ok = call(client, case, url, values["link_csrf"])
            bad = call(client, case, re.sub(r"/(r|self-report)/[^/]+", r"/\1/" + "x" * 43, url))
            if ok.status_code in (401, 403, 404) or bad.status_code != 404:
                problems.append(
                    f"{case.method} {case.path}: link {ok.status_code}/{bad.status_code}"
                )
            continue
        if role == "patient":
            client.as_role(None)
            response = call(client, case, url)
            if not refused_anonymous(case, response):
                problems.append(f"{case.method} {case.path}: anonymous got {response.status_code}")
            continue
        client.as_role(role, via="token" if case.is_api else "session")
        response = call(client, case, url)
        allowed = is_allowed(role, case.permission)
        if allowed and (
            response.status_code in (401, 403)
            or (
                response.status_code == 303
                and response.headers["location"].startswith("/login?next=")
            )
        ):
            problems.append(f"{case.method} {case.path}: {role} refused ({response.status_code})")
        if not allowed and response.status_code != 403:
            problems.append(
                f"{case.method} {case.path}: {role} not refused ({response.status_code})"
            )
        assert response.status_code < 500, f"{case.method} {case.path} as {role}: 5xx"
    assert not problems, "\n".join(problems)
