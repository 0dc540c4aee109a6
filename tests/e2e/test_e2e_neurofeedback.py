"""A synthetic neurofeedback session end to end in a real browser (Playwright driving
Debian's Chromium), issue 11's "done when": a technician starts a session from the patient's
neurofeedback page, the patient's display and the clinician's page update live over the
event stream, the technician stops it, the session is recorded to EDF+ and shown on the
patient's course, and ``nf analyze`` of the recording gives the feature values the browser
showed (within EDF's 16-bit quantisation, 1e-3). A few seconds of signal only. A physician
then marks a stored session entered in error from the course page.

The server runs in a background thread on a free loopback port on its own SQLite file;
stopping it stops any session still running (the app's lifespan). Without Chromium the
suite skips locally and fails under CI.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from test_e2e_browser import ARTIFACTS, PASSWORD, browser, serve, sign_in
from typer.testing import CliRunner

from trdcare.accounts import service as account_service
from trdcare.accounts.schemas import UserCreate
from trdcare.adapters.db.engine import make_engine, unit_of_work
from trdcare.adapters.db.migrate import upgrade
from trdcare.adapters.db.models.neurofeedback import NfSession
from trdcare.adapters.web.app import create_app
from trdcare.adapters.web.settings import CrisisResources, WebSettings
from trdcare.cli import app as cli_app
from trdcare.config import Settings
from trdcare.core.actor import Actor
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate

FIXTURES = (browser,)
SYSTEM = Actor("system:e2e", "system", "test")


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """A served app with a technician, a physician and one patient: (base URL, patient ref,
    db URL)."""
    account_service.configure_password_hashing(time_cost=1, memory_cost_kib=8, parallelism=1)
    data = tmp_path_factory.mktemp("e2e-nf")
    url = f"sqlite:///{data / 'trdcare.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        account_service.create_user(
            session,
            SYSTEM,
            UserCreate(
                username="tech.e2e", display_name="tech.e2e", role="technician", password=PASSWORD
            ),
        )
        account_service.create_user(
            session,
            SYSTEM,
            UserCreate(
                username="doc.e2e", display_name="doc.e2e", role="physician", password=PASSWORD
            ),
        )
        patient = patient_service.add_patient(
            session,
            SYSTEM,
            PatientCreate.model_validate(
                {
                    "mrn": "E2E-NF1",
                    "given_name": "Noor",
                    "family_name": "Haddad",
                    "birth_date": "1984-02-02",
                }
            ),
        )
        ref = patient.ref
    engine.dispose()
    settings = WebSettings(
        base=Settings(data_dir=data, database_url=url, actor_username="e2e"),
        secret_key="e2e-secret-" + "k" * 40,
        crisis=CrisisResources(clinic_phone="555-0100"),
    )
    with serve(create_app(settings), stop_timeout_s=30) as base:
        yield base, ref, url


def _shot(page: Any, name: str) -> None:
    Path(ARTIFACTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"nf-{name}.png"), full_page=True)


def test_a_synthetic_session_in_the_browser_is_recorded_and_reanalysed(
    clinic: tuple[str, str, str], browser: Any
) -> None:
    base, ref, db_url = clinic
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1180, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    sign_in(page, base, "tech.e2e")
    page.goto(f"{base}/patients/{ref}/neurofeedback")
    page.get_by_role("link", name="Start a session").click()
    page.wait_for_load_state()
    # a mistake first: a window far too long is refused beside its field, then corrected
    page.locator("#f-baseline_s").fill("2")
    page.locator("#f-window_s").fill("600")
    page.locator("#f-window_s").evaluate("e => e.removeAttribute('max')")
    page.get_by_role("button", name="Start the session").click()
    page.wait_for_load_state()
    assert "Window (s)" in page.locator("#err-window_s").inner_text()
    assert page.locator("#f-baseline_s").input_value() == "2"
    page.locator("#f-window_s").fill("")
    _shot(page, "start")
    page.get_by_role("button", name="Start the session").click()
    page.wait_for_url("**/neurofeedback/live/*")
    live_url = page.url
    assert ref not in live_url and "Haddad" not in live_url

    # the patient's display, as a second window on the same signed-in browser
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Open the patient's display").click()
    display = popup.value
    display.on("pageerror", lambda exc: errors.append(str(exc)))
    display.wait_for_load_state()
    assert ref not in display.url and "Haddad" not in display.content()
    display.wait_for_function(
        "() => document.getElementById('nf-display').dataset.phase === 'feedback'",
        timeout=15_000,
    )
    level_before = display.locator("#nf-display").get_attribute("data-level")
    display.wait_for_timeout(600)
    assert display.locator("#nf-display").get_attribute("data-level") != level_before
    display.screenshot(path=str(ARTIFACTS / "nf-display.png"))

    # the clinician's page: values, a threshold after the baseline, per-channel quality
    page.wait_for_function(
        "() => document.querySelectorAll('#nf-recent tbody tr').length >= 8", timeout=15_000
    )
    assert page.locator("#nf-threshold").inner_text().startswith(("+", "-"))
    assert page.locator("#nf-quality tbody tr").first.locator("td").nth(3).inner_text() in (
        "good",
        "too large",
        "flat",
    )
    _shot(page, "live")
    shown = {}
    for row in page.locator("#nf-recent tbody tr").all():
        t, value, state = (c.inner_text() for c in row.locator("td").all())
        if value != "-" and not state.startswith("withheld"):
            shown[round(float(t) * 10)] = float(value)
    assert len(shown) >= 5

    page.get_by_role("button", name="Stop and store the session").click()
    page.wait_for_url(f"**/patients/{ref}/neurofeedback?msg=stored")
    assert "Session stopped, recorded and stored on the course." in page.content()
    table = page.locator("table", has_text="Recording")
    assert "stopped by the clinician" in table.inner_text()
    _shot(page, "course")
    display.wait_for_function(
        "() => document.getElementById('nf-display').dataset.ended === 'true'", timeout=10_000
    )

    # re-analysed offline by `nf analyze`: the values the browser showed
    engine = make_engine(db_url)
    with unit_of_work(engine) as db:
        (row,) = db.scalars(select(NfSession)).all()
        recording = Path(row.recording)
    engine.dispose()
    result = CliRunner().invoke(cli_app, ["nf", "analyze", str(recording), "--json"])
    assert result.exit_code == 0, result.output
    per_window = {
        round(w["t_s"] * 10): w["feature"] for w in json.loads(result.stdout)["per_window"]
    }
    for key, value in shown.items():
        assert per_window[key] == pytest.approx(value, abs=1e-3), key / 10
    # the refused first try answers 422 (the browser logs it); nothing else went wrong
    assert [e for e in errors if "status of 422" not in e] == []


def test_a_physician_marks_a_stored_session_entered_in_error(
    clinic: tuple[str, str, str], browser: Any
) -> None:
    from datetime import UTC, datetime

    from trdcare.adapters.db.models import Patient
    from trdcare.neurofeedback import service as nf_service

    base, ref, db_url = clinic
    engine = make_engine(db_url)
    with unit_of_work(engine) as db:
        patient = db.scalars(select(Patient).where(Patient.ref == ref)).one()
        row, _ = nf_service.record_session(
            db,
            SYSTEM,
            patient,
            started_at=datetime.now(UTC),
            header={"source": "synthetic:e2e", "protocol": {"kind": "faa"}},
            summary={"duration_s": 600.0, "mean_feature": 0.3, "pct_time_rewarded": 60.0},
            ended="duration",
            recording="/data/neurofeedback/session-wrong-patient.edf",
        )
        number = row.session_number
    engine.dispose()
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1180, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base, "doc.e2e")
    page.goto(f"{base}/patients/{ref}/neurofeedback")
    form = page.locator(f"form[action$='/sessions/{number}/entered-in-error']")
    page.get_by_text("Mark a session entered in error").click()
    # no reason (the browser's own check taken away): refused beside the field
    form.locator("input[name=reason]").evaluate("e => e.removeAttribute('required')")
    form.get_by_role("button", name=f"Mark session {number} entered in error").click()
    page.wait_for_load_state()
    assert "Reason" in page.locator("#err-reason").inner_text()
    assert page.locator("#f-reason").is_visible()
    _shot(page, "retire-refused")
    page.locator("#f-reason").fill("run on the wrong patient")
    page.locator("#f-reason").locator("xpath=ancestor::form").get_by_role(
        "button", name=f"Mark session {number} entered in error"
    ).click()
    page.wait_for_url(f"**/patients/{ref}/neurofeedback?msg=retired")
    listed = page.locator("ul[id^=nf-entered-in-error]").inner_text()
    assert f"Session {number} of" in listed and "run on the wrong patient (doc.e2e" in listed
    assert "session-wrong-patient.edf is kept" in listed
    assert page.locator(f"form[action$='/sessions/{number}/entered-in-error']").count() == 0
    _shot(page, "retired")
    assert [e for e in errors if "status of 422" not in e] == []
