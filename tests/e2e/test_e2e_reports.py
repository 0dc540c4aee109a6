"""The documents in a real browser (Playwright driving Debian's Chromium): a physician opens
the chart's Documents panel, reads a TMS course's report (trajectory chart, outcome), downloads
its PDF, opens the TMS prior-authorization packet, downloads its PDF and JSON, and asks for a
therapy that has no packet. Screenshots go to ``test-artifacts/e2e/``.

The server runs in a background thread on a free loopback port on its own SQLite file.
Without Chromium the suite skips locally and fails under CI.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from test_e2e_browser import ARTIFACTS, PASSWORD, browser, serve, sign_in

from reports_support import Built, dbs_course, tms_record
from trdcare.accounts import service as account_service
from trdcare.accounts.schemas import UserCreate
from trdcare.adapters.db.engine import make_engine, unit_of_work
from trdcare.adapters.db.migrate import upgrade
from trdcare.adapters.web.app import create_app
from trdcare.adapters.web.settings import CrisisResources, WebSettings
from trdcare.config import Settings
from trdcare.core.actor import Actor

FIXTURES = (browser,)
SYSTEM = Actor("system:e2e", "system", "test")


@pytest.fixture(scope="module")
def clinic(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str, str, Built]]:
    """A served app with a physician, one patient with a TMS course and one with a DBS
    course: (URL, patient, TMS course, the DBS course)."""
    account_service.configure_password_hashing(time_cost=1, memory_cost_kib=8, parallelism=1)
    data = tmp_path_factory.mktemp("e2e-reports")
    url = f"sqlite:///{data / 'trdcare.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        account_service.create_user(
            session,
            SYSTEM,
            UserCreate(
                username="dr.docs", display_name="Dr Docs", role="physician", password=PASSWORD
            ),
        )
        rec = tms_record(session, SYSTEM)
        ref, course_ref = rec.patient.ref, rec.course_ref
        dbs = dbs_course(session, SYSTEM, "MRN-E2E-DBS")
    engine.dispose()
    settings = WebSettings(
        base=Settings(data_dir=data, database_url=url, actor_username="e2e"),
        secret_key="e2e-secret-" + "k" * 40,
        crisis=CrisisResources(clinic_phone="555-0100"),
    )
    with serve(create_app(settings)) as base:
        yield base, ref, course_ref, dbs


def _shot(page: Any, name: str) -> None:
    Path(ARTIFACTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"reports-{name}.png"), full_page=True)


def _pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(path).pages)


def test_a_physician_reads_and_downloads_both_documents(
    clinic: tuple[str, str, str, Built], browser: Any, tmp_path: Path
) -> None:
    base, ref, course, _ = clinic
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1180, "height": 820}, accept_downloads=True)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base, "dr.docs")

    page.goto(f"{base}/patients/{ref}")
    panel = page.locator("#documents")
    assert "Documents" in panel.inner_text()
    page.locator(f"#course-report-{course}").click()
    page.wait_for_load_state()
    text = page.inner_text("main")
    assert "Course report: Transcranial magnetic stimulation (TMS)" in text
    assert "Response" in text and "headache" in text
    assert "None" not in text and "_" not in text.replace(course, "")
    assert page.locator("svg.chart").count() == 1
    _shot(page, "course")
    with page.expect_download() as info:
        page.locator("#download-course-pdf").click()
    pdf = tmp_path / "course.pdf"
    info.value.save_as(pdf)
    assert info.value.suggested_filename == f"course-report-{course}.pdf"
    assert course in _pdf_text(pdf)

    page.goto(f"{base}/patients/{ref}")
    page.locator("#prior-auth-tms").click()
    page.wait_for_load_state()
    text = page.inner_text("main")
    assert "Missing from the record" in text and "sertraline" in text
    assert "None" not in text
    _shot(page, "packet")
    with page.expect_download() as info:
        page.locator("#download-packet-pdf").click()
    packet_pdf = tmp_path / "packet.pdf"
    info.value.save_as(packet_pdf)
    assert "no psychotherapy trial recorded" in _pdf_text(packet_pdf)
    with page.expect_download() as info:
        page.locator("#download-packet-json").click()
    packet_json = tmp_path / "packet.json"
    info.value.save_as(packet_json)
    doc = json.loads(packet_json.read_text())
    assert doc["therapy"] == "tms"
    assert "psychotherapy" in {m["item"] for m in doc["missing"]}

    # An absurd therapy in the address: the page names the field and what is allowed.
    response = page.goto(f"{base}/patients/{ref}/prior-auth/lobotomy")
    assert response is not None and response.status == 422
    assert "tms, esketamine" in page.inner_text("main")
    _shot(page, "bad-therapy")
    assert errors == []


def test_a_dbs_course_report_shows_the_room_s_facts_in_the_page_and_the_pdf(
    clinic: tuple[str, str, str, Built], browser: Any, tmp_path: Path
) -> None:
    base, _, _, dbs = clinic
    ref, course = dbs.patient.ref, dbs.course_ref
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1180, "height": 820}, accept_downloads=True)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base, "dr.docs")
    page.goto(f"{base}/patients/{ref}")
    page.locator(f"#course-report-{course}").click()
    page.wait_for_load_state()
    text = " ".join(page.inner_text("main").split())
    for needle in dbs.needles:
        assert needle in text, needle
    assert "None" not in text and "_" not in text.replace(course, "")
    _shot(page, "course-dbs")
    with page.expect_download() as info:
        page.locator("#download-course-pdf").click()
    pdf = tmp_path / "dbs.pdf"
    info.value.save_as(pdf)
    printed = " ".join(_pdf_text(pdf).split())
    for needle in dbs.needles:
        assert needle in printed, needle
    assert errors == []
