"""The integrated care plan in a real browser (Playwright driving Debian's Chromium): a
physician opens a patient's chart, opens the care plan, puts TMS and medication on the
timeline, sets a weekly PHQ-9 by self-report (an absurd interval is refused beside its
field; a wrong one saved, then corrected with a reason), ends the medication with a reason,
records a stated preference and sends the measure's link; every version shows who, when and
why. With the clock moved past the measure's due day (the pathway room's one clock function,
``trdcare.pathway.service.utc_today``, patched), the caseload dashboard flags the patient.
Screenshots go to ``test-artifacts/e2e-care-plan/``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from trdcare.accounts import service as account_service
from trdcare.accounts.schemas import UserCreate
from trdcare.adapters.db.engine import make_engine, unit_of_work
from trdcare.adapters.db.migrate import upgrade
from trdcare.adapters.web.app import create_app
from trdcare.adapters.web.settings import CrisisResources, WebSettings
from trdcare.config import Settings
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_today
from trdcare.pathway import service as plan_service
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate

from test_e2e_browser import serve  # isort: skip
from test_e2e_esketamine import CHROMIUM, LAUNCH_ARGS, _missing  # isort: skip

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e-care-plan"
PASSWORD = "a long e2e passphrase"
SETUP = Actor("system:e2e", "system", "test")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, patient ref) of a served app with a physician account."""
    account_service.configure_password_hashing(time_cost=1, memory_cost_kib=8, parallelism=1)
    data = tmp_path_factory.mktemp("e2e-care-plan")
    url = f"sqlite:///{data / 'trdcare.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        account_service.create_user(
            session,
            SETUP,
            UserCreate(
                username="dr.plan", display_name="Dr Plan", role="physician", password=PASSWORD
            ),
        )
        ref = patient_service.add_patient(
            session,
            SETUP,
            PatientCreate(
                mrn="E2E-PLAN",
                given_name="Ada",
                family_name="Lovelace",
                birth_date=date(1979, 6, 3),
            ),
        ).ref
    engine.dispose()
    settings = WebSettings(
        base=Settings(data_dir=data, database_url=url, actor_username="e2e"),
        secret_key="e2e-secret-" + "k" * 40,
        crisis=CrisisResources(clinic_phone="555-0100"),
    )
    with serve(create_app(settings)) as base:
        yield base, ref


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Its own, not the esketamine module's: that fixture empties the esketamine screenshots.
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


def test_a_care_plan_edited_in_the_browser_drives_the_dashboard(
    served: tuple[str, str], browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, ref = served
    errors: list[str] = []
    shots = iter(range(1, 100))
    context = browser.new_context(viewport={"width": 1180, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    def shot(name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{next(shots):02d}-{name}.png"), full_page=True)

    def submit(form: str, button: str) -> str:
        page.locator(f"#form-{form}").get_by_role("button", name=button).click()
        page.wait_for_load_state()
        return str(page.locator("main").inner_text())

    page.goto(f"{base}/login")
    page.get_by_label("Username").fill("dr.plan")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()

    # The chart, then its care plan.
    page.goto(f"{base}/patients/{ref}")
    assert "No care plan yet." in page.locator("#care-plan").inner_text()
    page.locator("#care-plan-link").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/patients/{ref}/care-plan")
    today = utc_today()

    # Two therapies on one timeline.
    add = page.locator("#form-add-therapy")
    page.locator("#add-therapy-therapy").select_option(label="TMS")
    add.get_by_label("Reason for the change").fill("TMS course agreed at today's visit")
    text = submit("add-therapy", "Add the therapy")
    assert "Care plan saved as a new version" in text and "Version 1" in text
    add = page.locator("#form-add-therapy")
    page.locator("#add-therapy-therapy").select_option(label="Medication")
    add.get_by_label("Start date").fill(str(today - timedelta(days=90)))
    add.get_by_label("Details (e.g. the drug and dose, the therapy's form and frequency)").fill(
        "sertraline 150 mg daily"
    )
    add.get_by_label("Reason for the change").fill("current antidepressant")
    text = submit("add-therapy", "Add the therapy")
    assert "sertraline 150 mg daily" in text

    # The schedule: an absurd interval is refused beside its field, nothing saved.
    measure = page.locator("#form-add-measure")
    measure.get_by_label("Scale").select_option(label="Patient Health Questionnaire-9 (PHQ-9)")
    measure.get_by_label("Completed by").select_option(label="Patient (self-report link)")
    measure.get_by_label("Every (days)").fill("4000")
    measure.get_by_label("Reason for the change").fill("weekly self-report")
    # The browser's own range check would stop the form: send it as typed, to see the server's.
    page.evaluate("document.getElementById('form-add-measure').noValidate = true")
    text = submit("add-measure", "Add to the schedule")
    assert "Please correct the form." in text and "Every (days)" in text, text
    assert "Version 2" in text  # nothing was saved
    shot("refused")
    # A wrong interval saved, then corrected with a reason.
    page.locator("#form-add-measure").get_by_label("Every (days)").fill("70")
    text = submit("add-measure", "Add to the schedule")
    assert "Version 3" in text and "70 days" in text
    page.get_by_text("Change PHQ-9 (M1)").click()
    change = page.locator("#form-change-M1")
    change.get_by_label("Every (days)").fill("7")
    change.get_by_label("Reason for the change").fill("typing error: weekly, not 70 days")
    text = submit("change-M1", "Save the change")
    schedule = page.locator("#measures").inner_text()
    assert "Version 4" in text and "7 days" in schedule and "70 days" not in schedule

    # The medication ends, with a reason; a stated preference.
    page.get_by_text("Change or end Medication (T2)").click()
    end = page.locator("#form-change-T2")
    end.get_by_label("End date (empty: ongoing)").fill(str(today))
    end.get_by_label("Reason for the change").fill("tapered off: side effects")
    text = submit("change-T2", "Save the change")
    assert "Version 5" in text
    prefs = page.locator("#form-preferences")
    prefs.get_by_label("Cannot attend daily sessions").check()
    prefs.get_by_label("Reason for the change").fill("works shifts")
    text = submit("preferences", "Save the preferences")
    assert "Cannot attend daily sessions" in text
    versions = page.locator("#versions").inner_text()
    for words in ("typing error: weekly, not 70 days", "Changed PHQ-9 (M1): every 70 -> 7 days",
                  "tapered off: side effects", "by dr.plan"):  # fmt: skip
        assert words in versions, versions

    # The measure's self-report link.
    page.get_by_text("Change PHQ-9 (M1) or send its link").click()
    text = submit("link-M1", "Send the PHQ-9 self-report link")
    assert "/r/" in page.locator("#new-link").inner_text()
    shot("plan")
    assert "None" not in text

    # The dashboard: not due yet today; flagged once the clock passes the due day.
    page.goto(f"{base}/dashboard")
    assert "Care-plan measure overdue" not in page.locator("main").inner_text()
    monkeypatch.setattr(plan_service, "utc_today", lambda: today + timedelta(days=8))
    page.goto(f"{base}/dashboard")
    main = page.locator("main").inner_text()
    assert "Care-plan measure overdue" in main and "Lovelace" in main, main
    shot("dashboard")
    page.goto(f"{base}/patients/{ref}/care-plan")
    assert "Overdue by 1 day" in page.locator("#measures").inner_text()
    # The one refused form (the absurd interval) answered 422 on purpose; nothing else failed.
    assert [e for e in errors if "status of 422" not in e] == [], errors
    assert sum("status of 422" in e for e in errors) == 1, errors
    context.close()
