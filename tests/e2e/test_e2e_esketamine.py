"""An esketamine session in a real browser (Playwright driving Debian's Chromium), from
check-in to discharge, and its REMS Patient Monitoring Form task: it appears on the caseload
dashboard, turns overdue when the clock is moved past its 7 days, and clears when the form
is marked submitted.

The server runs in a background thread of this process on its own SQLite file, so the test
moves the esketamine room's clock by patching its one clock function
(``trdcare.esketamine.service.utc_now``) with pytest's monkeypatch: no time switch exists in
the product. Roles: the physician plans and signs, the nurse (clinician) checks in, doses
and discharges, the technician records an observation and is not offered the discharge.
Screenshots go to ``test-artifacts/e2e-esketamine/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from test_e2e_browser import serve  # isort: skip
from trdcare.accounts import service as account_service
from trdcare.accounts.schemas import UserCreate
from trdcare.adapters.db.engine import make_engine, unit_of_work
from trdcare.adapters.db.migrate import upgrade
from trdcare.adapters.web.app import create_app
from trdcare.adapters.web.settings import CrisisResources, WebSettings
from trdcare.config import Settings
from trdcare.core.actor import Actor
from trdcare.esketamine import service as esk_service
from trdcare.esketamine.domain import question_ids
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate

CHROMIUM = os.environ.get("TRDCARE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e-esketamine"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "a long e2e passphrase"
SETUP = Actor("system:e2e", "system", "test")


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """(base URL, patient ref, clinic time zone) of a served app with three staff accounts."""
    account_service.configure_password_hashing(time_cost=1, memory_cost_kib=8, parallelism=1)
    data = tmp_path_factory.mktemp("e2e-esk")
    url = f"sqlite:///{data / 'trdcare.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        for name, role in (
            ("dr.e2e", "physician"),
            ("rn.e2e", "clinician"),
            ("tech.e2e", "technician"),
        ):
            account_service.create_user(
                session,
                SETUP,
                UserCreate(username=name, display_name=name, role=role, password=PASSWORD),  # type: ignore[arg-type]
            )
        patient = patient_service.add_patient(
            session,
            SETUP,
            PatientCreate(
                mrn="E2E-ESK", given_name="Robin", family_name="Quinn", birth_date=date(1980, 4, 2)
            ),
        )
        ref = patient.ref
    engine.dispose()
    settings = WebSettings(
        base=Settings(data_dir=data, database_url=url, actor_username="e2e"),
        secret_key="e2e-secret-" + "k" * 40,
        crisis=CrisisResources(clinic_phone="555-0100"),
    )
    with serve(create_app(settings)) as base:
        yield base, ref, settings.timezone


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        _missing(f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed")
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield instance
        instance.close()


def signed_in(browser: Any, base: str, username: str, errors: list[str]) -> Any:
    context = browser.new_context(viewport={"width": 1180, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return page


def test_an_esketamine_session_from_check_in_to_discharge_and_its_rems_task(
    served: tuple[str, str, str], browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, ref, tz_name = served
    tz = ZoneInfo(tz_name)
    errors: list[str] = []
    shots = iter(range(1, 100))

    def shot(page: Any, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{next(shots):02d}-{name}.png"), full_page=True)

    def local(moment: datetime) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%dT%H:%M")

    now = datetime.now(UTC)

    # The physician screens and plans the course.
    dr = signed_in(browser, base, "dr.e2e", errors)
    dr.goto(f"{base}/patients/{ref}/esketamine/plan")
    for qid in question_ids():
        dr.locator(f'input[name="q_{qid}"][value="no"]').check()
    dr.get_by_label("First dose on").fill(
        (now - timedelta(days=1)).astimezone(tz).date().isoformat()
    )
    dr.locator("#f-signoff_note").fill("No treatment history on file yet; TRD per the referral.")
    shot(dr, "plan")
    dr.get_by_role("button", name="Screen and plan").click()
    dr.wait_for_load_state()
    assert "Course planned" in dr.content()

    # The nurse checks the patient in and records the dose.
    rn = signed_in(browser, base, "rn.e2e", errors)
    rn.goto(f"{base}/patients/{ref}/esketamine")
    rn.locator("#check-in").click()
    rn.get_by_label("Pre-dose systolic (mmHg)").fill("128")
    rn.get_by_label("Pre-dose diastolic (mmHg)").fill("80")
    rn.get_by_label("Pre-dose SpO2 (%)").fill("98")
    rn.get_by_label("Checked in at").fill(local(now - timedelta(hours=3)))
    rn.get_by_role("button", name="Check in").click()
    rn.wait_for_load_state()
    assert "Checked in." in rn.content(), rn.locator("main").inner_text()
    session_url = rn.url.split("?")[0]
    first = now - timedelta(hours=2, minutes=50)
    rn.get_by_label("Devices (28 mg each)").fill("2")
    rn.get_by_label("Lot number").fill("LOT-E2E")
    rn.get_by_label("Device 1 given at").fill(local(first))
    rn.get_by_label("Device 2 given at").fill(local(first + timedelta(minutes=5)))
    rn.get_by_role("button", name="Record the dose").click()
    rn.wait_for_load_state()
    assert "Dose recorded" in rn.content() and "56 mg in 2 devices" in rn.content()
    shot(rn, "dosed")

    # The technician records the ~40-minute observation and is not offered the discharge.
    tech = signed_in(browser, base, "tech.e2e", errors)
    tech.goto(session_url)
    tech.get_by_label("Observed at").fill(local(first + timedelta(minutes=45)))
    tech.get_by_label("Purpose").select_option("post_dose_40_min")
    tech.get_by_label("Sedation present").check()
    tech.get_by_label("Systolic (mmHg)").fill("146")
    tech.get_by_label("Diastolic (mmHg)").fill("88")
    tech.get_by_role("button", name="Record the observation").click()
    tech.wait_for_load_state()
    assert "Observation recorded." in tech.content()
    assert tech.locator("#discharge").count() == 0
    assert "A physician or nurse signs the discharge." in tech.content()

    # The nurse discharges: first with a criterion missing (refused beside its field), then right.
    rn.goto(session_url)
    assert "not ready" in rn.content()  # sedation seen at 40 minutes, not yet cleared
    rn.get_by_label("Systolic at discharge (mmHg)").fill("132")
    rn.get_by_label("Diastolic at discharge (mmHg)").fill("82")
    rn.get_by_label("Sedation resolved").check()
    rn.get_by_label("Dissociation resolved").check()
    rn.get_by_label("Respiratory depression resolved").check()
    rn.get_by_role("button", name="Discharge as rn.e2e").click()
    rn.wait_for_load_state()
    assert rn.locator("#err-safe_transport").count() == 1
    shot(rn, "discharge-refused")
    rn.get_by_label("Safe way home arranged").check()
    rn.get_by_role("button", name="Discharge as rn.e2e").click()
    rn.wait_for_load_state()
    assert "Discharged." in rn.content()
    assert rn.locator("#rems-state .badge").inner_text() == "due"

    # The task appears on the dashboard, and the printable form has the session's content.
    rn.goto(f"{base}/dashboard")
    assert "REMS form due" in rn.content()
    shot(rn, "dashboard-due")
    rn.goto(session_url)
    rn.locator("#rems-form-link").click()
    rn.wait_for_load_state()
    assert "146/88" in rn.content() and "Signs of sedation during monitoring" in rn.content()
    assert rn.locator("button[data-print]").is_visible()
    shot(rn, "rems-form")

    # Nine days later the task is overdue.
    later = datetime.now(UTC) + timedelta(days=9)
    monkeypatch.setattr(esk_service, "utc_now", lambda: later)
    rn.goto(f"{base}/dashboard")
    assert "REMS form overdue" in rn.content() and "REMS form due" not in rn.content()
    shot(rn, "dashboard-overdue")
    rn.goto(session_url)
    assert rn.locator("#rems-state .badge").inner_text() == "overdue"

    # Marked submitted: who and when are kept, and the task clears from the dashboard.
    rn.get_by_role("button", name="Mark the REMS form submitted").click()
    rn.wait_for_load_state()
    assert "REMS form marked submitted." in rn.content()
    assert "submitted by rn.e2e (rn.e2e)" in rn.locator("#rems-state").inner_text()
    rn.goto(f"{base}/dashboard")
    assert "REMS form" not in rn.content()
    shot(rn, "dashboard-clear")

    # The prescriber signs the session.
    dr.goto(session_url)
    dr.get_by_role("button", name="Sign the session as dr.e2e").click()
    dr.wait_for_load_state()
    assert "Signed by dr.e2e (dr.e2e)" in dr.locator("#signed").inner_text()
    # The one refused form (the discharge without a safe way home) answered 422 on purpose.
    unexpected = [e for e in errors if "status of 422" not in e]
    assert unexpected == [], unexpected
    assert len(errors) == 1
