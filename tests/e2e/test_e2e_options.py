"""The options view in a real browser (Playwright driving Debian's Chromium): a physician opens
the chart's treatment-options panel, follows it to the printable options view, reads the
statuses with their reasons and sources, states the patient's preferences and sees the
conflicts, and prints (the form is not printed). Screenshots go to ``test-artifacts/e2e/``.

The server runs in a background thread on a free loopback port on its own SQLite file.
Without Chromium the suite skips locally and fails under CI.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from test_e2e_browser import ARTIFACTS, PASSWORD, browser, serve, sign_in

from pathway_support import RESISTANT, tms_screen
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
from trdcare.history.domain import parse_history
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate
from trdcare.tms import service as tms_service

FIXTURES = (browser,)
SYSTEM = Actor("system:e2e", "system", "test")


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A served app with a physician and one patient with a TMS-resistant history: (URL, ref)."""
    account_service.configure_password_hashing(time_cost=1, memory_cost_kib=8, parallelism=1)
    data = tmp_path_factory.mktemp("e2e-options")
    url = f"sqlite:///{data / 'trdcare.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        account_service.create_user(
            session,
            SYSTEM,
            UserCreate(
                username="dr.options",
                display_name="Dr Options",
                role="physician",
                password=PASSWORD,
            ),
        )
        patient = patient_service.add_patient(
            session,
            SYSTEM,
            PatientCreate.model_validate(
                {
                    "mrn": "E2E-OPT",
                    "given_name": "Ada",
                    "family_name": "Byron",
                    "birth_date": date(1980, 5, 1),
                }
            ),
        )
        history_service.import_history(
            session, SYSTEM, patient, parse_history(RESISTANT, today=utc_today())
        )
        tms_service.record_screen(
            session, SYSTEM, patient, instrument="rossi2011", answers=tms_screen()["answers"]
        )
        ref = patient.ref
    engine.dispose()
    settings = WebSettings(
        base=Settings(data_dir=data, database_url=url, actor_username="e2e"),
        secret_key="e2e-secret-" + "k" * 40,
        crisis=CrisisResources(clinic_phone="555-0100"),
    )
    with serve(create_app(settings)) as base:
        yield base, ref


def _shot(page: Any, name: str) -> None:
    Path(ARTIFACTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"options-{name}.png"), full_page=True)


def test_a_physician_reads_the_options_and_states_preferences(
    clinic: tuple[str, str], browser: Any
) -> None:
    base, ref = clinic
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1180, "height": 820})
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base, "dr.options")

    page.goto(f"{base}/patients/{ref}")
    panel = page.locator("#panel-option-tms")
    assert "Available" in panel.inner_text()
    assert "Investigational only" in page.locator("#panel-option-dbs").inner_text() or (
        "Needs information" in page.locator("#panel-option-dbs").inner_text()
    )
    page.get_by_role("link", name="Open the options view").click()
    page.wait_for_load_state()
    text = page.inner_text("main")
    assert "Treatment options" in text
    assert "TRD status: resistant" in text
    assert "Needs information" in text  # esketamine: no screen on record
    assert "None" not in text
    tms = page.locator("#option-tms").inner_text()
    assert "Available" in tms and "Expected time to response" in tms and "Perera" in tms
    _shot(page, "view")

    page.get_by_label("Cannot attend daily").check()
    page.get_by_label("Wants a drug-free option").check()
    page.get_by_role("button", name="Show the options with these preferences").click()
    page.wait_for_load_state()
    assert "cannot attend daily" in page.locator("#options-stated").inner_text()
    assert "Against the stated preferences" in page.locator("#option-tms").inner_text()
    assert "drug-free" in page.locator("#option-esketamine").inner_text()
    assert "Against the stated preferences" not in page.locator("#option-ect").inner_text()
    assert page.url.endswith(f"/patients/{ref}/options")  # preferences are not in the address
    _shot(page, "preferences")

    page.emulate_media(media="print")
    assert not page.locator("#options-preferences").is_visible()
    assert page.locator("#option-tms").is_visible()
    _shot(page, "print")
    assert errors == []
