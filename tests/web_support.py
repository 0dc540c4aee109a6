"""Fixtures and helpers of the web tests (imported by the web test modules).

Every web test runs on SQLite and PostgreSQL through the shared ``database_url`` fixture.
Identities come from :func:`staff` (one account per role) and :class:`WebClient`, never
hand-rolled: ``client.as_role("physician")`` signs in with a bearer token (API) or a
session cookie plus its CSRF token (pages).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from trdcare.accounts import service as account_service
from trdcare.accounts.domain import STAFF_ROLES
from trdcare.accounts.schemas import TokenCreate, UserCreate
from trdcare.accounts.service import SessionPolicy
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.web.app import create_app
from trdcare.adapters.web.security import SESSION_COOKIE, csrf_token
from trdcare.adapters.web.settings import CrisisResources, WebSettings
from trdcare.config import Settings
from trdcare.core.actor import Actor
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate

SECRET = "test-secret-key-" + "x" * 32
PASSWORD = "a long test passphrase 42"
SETUP = Actor(username="system:test", role="system", source="test")

# Argon2id at its cheapest for tests (production keeps the RFC 9106 default).
account_service.configure_password_hashing(time_cost=1, memory_cost_kib=8, parallelism=1)


def make_settings(database_url: str, data_dir: Path, **overrides: Any) -> WebSettings:
    values: dict[str, Any] = {
        "base": Settings(data_dir=data_dir, database_url=database_url, actor_username="test"),
        "secret_key": SECRET,
        "session_policy": SessionPolicy(),
        "crisis": CrisisResources(clinic_phone="555-0100"),
    }
    values.update(overrides)
    return WebSettings(**values)


def username_for(role: str) -> str:
    return f"{role.replace('_', '.')}.test"


class WebClient(TestClient):
    """A TestClient that knows the staff accounts and can act as any role."""

    engine: Engine

    def as_role(self, role: str | None, *, via: str = "token") -> WebClient:
        """Clear credentials, then authenticate as ``role`` (None: anonymous)."""
        self.cookies.clear()
        self.headers.pop("authorization", None)
        self.csrf = ""
        if role is None:
            return self
        user_name = username_for(role)
        with unit_of_work(self.engine) as session:
            user = account_service.get_user(session, user_name)
            if via == "token":
                _, raw = account_service.create_token(
                    session, SETUP, user, TokenCreate(name="test", expires_in_days=1)
                )
            else:
                raw = account_service.start_session(
                    session, user, source="testclient", user_agent="pytest", policy=SessionPolicy()
                )
        if via == "token":
            self.headers["authorization"] = f"Bearer {raw}"
        else:
            self.cookies.set(SESSION_COOKIE, raw)
            self.csrf = csrf_token(SECRET, "session", raw)
        return self

    def form(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """POST a page form with this session's CSRF token."""
        body = {"csrf_token": self.csrf, **(data or {})}
        return self.post(url, data=body, follow_redirects=False, **kwargs)


@pytest.fixture
def web_app(database_url: str, engine: Engine, tmp_path: Path) -> Iterator[FastAPI]:
    """The app on a migrated database with one account per staff role."""
    app = create_app(make_settings(database_url, tmp_path))
    add_staff(app.state.engine)
    yield app
    app.state.engine.dispose()


def add_staff(engine: Engine) -> None:
    """One account per staff role (``username_for(role)``, password :data:`PASSWORD`)."""
    with unit_of_work(engine) as session:
        for role in STAFF_ROLES:
            account_service.create_user(
                session,
                SETUP,
                UserCreate(
                    username=username_for(role),
                    display_name=f"Test {role}",
                    role=role,  # type: ignore[arg-type]
                    password=PASSWORD,
                ),
            )


@pytest.fixture
def client(web_app: FastAPI) -> Iterator[WebClient]:
    with WebClient(web_app, base_url="http://testserver") as test_client:
        test_client.engine = web_app.state.engine
        test_client.csrf = ""
        yield test_client


def add_patient(engine: Engine, mrn: str = "MRN-1", **overrides: Any) -> str:
    """Register a patient through the service; return its ref."""
    data = {
        "mrn": mrn,
        "given_name": "Ada",
        "family_name": "Byron",
        "birth_date": date(1980, 5, 1),
        **overrides,
    }
    with unit_of_work(engine) as session:
        patient = patient_service.add_patient(session, SETUP, PatientCreate.model_validate(data))
        return patient.ref


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


# What a page must never show a clinician: a library's own wording (pydantic, a regex).
LIBRARY_WORDING = (
    "String should",
    "Input should",
    "Field required",
    "Value error",
    "valid date",
    "valid number",
    "^[a-z]",
)


def field_errors(page: str) -> dict[str, str]:
    """The error shown beside each field of a form page: field id -> text."""
    found = re.findall(r'<p class="field-error" id="err-([^"]+)">(.*?)</p>', page, re.S)
    return {name: html.unescape(text.strip()) for name, text in found}


def assert_plain(page: str) -> None:
    """The page says its problems in plain words, not in a library's."""
    text = html.unescape(page)
    for phrase in LIBRARY_WORDING:
        assert phrase not in text, phrase


_MACHINE_WORD = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")


def machine_words(page: str) -> set[str]:
    """Identifiers (``not_resistant``, ``qids_sr16``) in a page's visible text.

    Markup, scripts, styles, ``<code>`` (where an id is shown on purpose, as the API's
    permission names) and ``<cite>`` (a source's citation key, listed with its citation) are
    left out.
    """
    body = re.sub(r"<(script|style|code|cite|textarea)\b.*?</\1>", " ", page, flags=re.S | re.I)
    visible = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return set(_MACHINE_WORD.findall(visible))


def assert_clinic_words(page: str) -> None:
    """What a clinician reads: no library wording, no identifiers, no "None"."""
    assert_plain(page)
    assert machine_words(page) == set(), machine_words(page)
    assert ">None<" not in page and " None " not in page and "Undefined" not in page


def local_input(client: TestClient, moment: datetime) -> str:
    """``moment`` as a page's date-and-time field takes it: the clinic's local time."""
    tz = ZoneInfo(client.app.state.settings.timezone)  # type: ignore[attr-defined]
    return moment.astimezone(tz).strftime("%Y-%m-%dT%H:%M")


# What a rendered page must never show: Python's None, a template's Undefined, a dict or list.
LEAKS = re.compile(r"\bNone\b|Undefined|undefined|\{'|\['")


def plain_page(client: WebClient, url: str, status: int = 200, response: Any = None) -> str:
    """The page at ``url`` (or the ``response`` already had), checked: the expected status,
    nothing leaked (:data:`LEAKS`: also a dict or list as Python prints it), and
    :func:`assert_clinic_words`."""
    r = response if response is not None else client.get(url)
    assert r.status_code == status, (url, r.status_code)
    text: str = r.text
    found = LEAKS.search(html.unescape(text))
    assert not found, text[max(found.start() - 200, 0) : found.end() + 50] if found else ""
    assert_clinic_words(text)
    return text


def count_rows(engine: Engine, model: Any) -> int:
    """How many rows the table of ``model`` holds (entered-in-error ones too)."""
    with unit_of_work(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)
