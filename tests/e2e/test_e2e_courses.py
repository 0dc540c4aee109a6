"""A non-TMS course's serious adverse event in a real browser (Playwright driving Debian's
Chromium): a technician reports respiratory depression on an esketamine course, the course
pauses and the dashboard shows the alerts; a physician reviews the pause and resumes the
course; the alerts clear. Screenshots go to ``test-artifacts/e2e/``.

The server runs in a background thread on a free loopback port on its own SQLite file.
Without Chromium the suite skips locally and fails under CI.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from test_e2e_browser import ARTIFACTS, PASSWORD, browser, serve, sign_in

from trdcare.accounts import service as account_service
from trdcare.accounts.schemas import UserCreate
from trdcare.adapters.db.engine import make_engine, unit_of_work
from trdcare.adapters.db.migrate import upgrade
from trdcare.adapters.web.app import create_app
from trdcare.adapters.web.settings import CrisisResources, WebSettings
from trdcare.config import Settings
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_today
from trdcare.history import service as history_service
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate

FIXTURES = (browser,)
SYSTEM = Actor("system:e2e", "system", "test")


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """A served app with a physician, a technician and one patient on an esketamine course:
    (base URL, patient ref, course ref)."""
    account_service.configure_password_hashing(time_cost=1, memory_cost_kib=8, parallelism=1)
    data = tmp_path_factory.mktemp("e2e-courses")
    url = f"sqlite:///{data / 'trdcare.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        for name, role in (("dr.e2e", "physician"), ("tech.e2e", "technician")):
            account_service.create_user(
                session,
                SYSTEM,
                UserCreate(username=name, display_name=name, role=role, password=PASSWORD),  # type: ignore[arg-type]
            )
        patient = patient_service.add_patient(
            session,
            SYSTEM,
            PatientCreate.model_validate(
                {
                    "mrn": "E2E-C1",
                    "given_name": "Sam",
                    "family_name": "Reed",
                    "birth_date": "1979-04-04",
                }
            ),
        )
        course = history_service.add_course(
            session,
            SYSTEM,
            patient,
            modality="esketamine",
            start_date=utc_today() - timedelta(days=10),
        )
        ref, course_ref = patient.ref, course.ref
    engine.dispose()
    settings = WebSettings(
        base=Settings(data_dir=data, database_url=url, actor_username="e2e"),
        secret_key="e2e-secret-" + "k" * 40,
        crisis=CrisisResources(clinic_phone="555-0100"),
    )
    with serve(create_app(settings)) as base:
        yield base, ref, course_ref


def _shot(page: Any, name: str) -> None:
    Path(ARTIFACTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"courses-{name}.png"), full_page=True)


def test_a_serious_event_pauses_the_course_until_a_physician_resumes_it(
    clinic: tuple[str, str, str], browser: Any
) -> None:
    base, ref, course = clinic
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1180, "height": 820})
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # The technician reports from the chart's course panel; a first try without a kind.
    sign_in(page, base, "tech.e2e")
    page.goto(f"{base}/patients/{ref}")
    page.get_by_role("link", name="Report an adverse event").first.click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Report").click()  # the browser asks for the kind
    assert page.url.endswith("/adverse-event")
    page.locator("#f-kind").select_option("respiratory_depression")
    page.locator("#f-severity").select_option("severe")
    page.locator("#f-description").fill("SpO2 88% at 35 minutes")
    _shot(page, "report")
    page.get_by_role("button", name="Report").click()
    page.wait_for_load_state()
    assert "PAUSED" in page.content()
    assert "A physician reviews the pause" in page.content()
    _shot(page, "paused")

    # The physician sees both alerts on the dashboard, then reviews the pause.
    context.clear_cookies()
    sign_in(page, base, "dr.e2e")
    row = page.locator("tr", has_text="Reed")
    assert "Course paused" in row.inner_text() and "Serious adverse event" in row.inner_text()
    _shot(page, "dashboard-alerts")
    page.goto(f"{base}/patients/{ref}/courses/{course}/safety")
    page.get_by_role("button", name="Record the review").click()  # no note: the browser asks
    page.locator("#f-decision").select_option("resume")
    page.locator("#f-note").fill("Recovered on room air")
    page.get_by_role("button", name="Record the review").click()
    page.wait_for_load_state()
    assert "Pause reviewed: the course resumes." in page.content()
    assert "Resumed</strong> by dr.e2e" in page.content()
    _shot(page, "resumed")
    page.goto(f"{base}/dashboard")
    row = page.locator("tr", has_text="Reed")
    assert "Course paused" not in row.inner_text()
    assert "Serious adverse event" not in row.inner_text()
    assert errors == []
