"""VNS and DBS in a real browser (Playwright driving Debian's Chromium), on the server of
test_e2e_browser.py: a physician records a VNS implant and titration visits (a current above
the device maximum is refused beside the field), then a DBS surgery and a programming setting
beyond the rated density (refused beside the amplitude, then kept with the physician's
override and shown); the technician sees the DBS page but no programming form.
Screenshots go to ``test-artifacts/e2e/``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from test_e2e_browser import ARTIFACTS, browser, server, sign_in

from trdcare.core.clock import utc_today

FIXTURES = (browser, server)


def test_vns_and_dbs_on_the_pages(server: str, browser: Any) -> None:
    errors: list[str] = []
    staff = browser.new_context(viewport={"width": 1180, "height": 820})
    page = staff.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, server, "dr.e2e")

    page.goto(f"{server}/patients/new")
    page.get_by_label("Medical record number (MRN)").fill("E2E-NEURO-1")
    page.get_by_label("Given name").fill("Alex")
    page.get_by_label("Family name").fill("Morgan")
    page.get_by_label("Date of birth").fill("1975-06-01")
    page.get_by_role("button", name="Register").click()
    page.wait_for_load_state()
    ref = re.search(r"/patients/(P-[0-9A-Z]{10})", page.url).group(1)  # type: ignore[union-attr]
    today = utc_today()

    # VNS: implant, then a titration visit above the device maximum, then a good one.
    page.goto(f"{server}/patients/{ref}/vns/implant")
    page.get_by_label("Implant date").fill((today - timedelta(days=30)).isoformat())
    page.get_by_label("Pulse generator model").fill("SenTiva 1000")
    page.get_by_role("button", name="Record the implant").click()
    page.wait_for_load_state()
    assert "Implant recorded" in page.content()
    page.goto(f"{server}/patients/{ref}/vns/titration")
    page.get_by_label("Output current (mA)").fill("3.75")
    # The browser's own max check would stop the submit: the server's check is under test.
    page.eval_on_selector("#vns-titration-form", "f => f.setAttribute('novalidate', '')")
    page.get_by_role("button", name="Record the visit").click()
    page.wait_for_load_state()
    assert "3.5" in page.locator("#err-output_current_ma").inner_text()
    page.screenshot(path=str(ARTIFACTS / "vns-refused.png"), full_page=True)
    page.get_by_label("Output current (mA)").fill("0.25")
    page.get_by_label("Cough").check()
    page.get_by_role("button", name="Record the visit").click()
    page.wait_for_load_state()
    table = page.locator("#vns-titrations").inner_text()
    assert "0.25 mA" in table and "9.09 %" in table and "Cough" in table
    assert "too early to call non-response" in page.locator("#vns-timeline").inner_text()
    page.screenshot(path=str(ARTIFACTS / "vns-log.png"), full_page=True)

    # DBS: surgery in a research protocol, a setting beyond the rated density, the override.
    page.goto(f"{server}/patients/{ref}/dbs/surgery")
    assert "Investigational" in page.locator("#dbs-investigational").inner_text()
    page.get_by_label("Surgery date").fill((today - timedelta(days=20)).isoformat())
    page.get_by_label("Target").select_option("scc")
    page.get_by_label("Research protocol reference (IRB / IDE)").fill("IRB-E2E-1")
    page.get_by_label("Left").check()
    page.get_by_role("button", name="Record the surgery").click()
    page.wait_for_load_state()
    page.goto(f"{server}/patients/{ref}/dbs/programming")
    page.get_by_label("Contact 1").check()
    page.get_by_label("Amplitude (mA)").fill("21")
    page.get_by_role("button", name="Record the setting").click()
    page.wait_for_load_state()
    assert "at most 20 mA" in page.locator("#err-amplitude_ma").inner_text()
    page.get_by_label("Contact 1").check()
    page.get_by_label("Physician's override reason (only for a setting beyond a limit)").fill(
        "Protocol arm B, monitored"
    )
    page.get_by_role("button", name="Record the setting").click()
    page.wait_for_load_state()
    assert "Protocol arm B, monitored" in page.locator("#dbs-programmings").inner_text()
    page.screenshot(path=str(ARTIFACTS / "dbs-override.png"), full_page=True)

    technician = browser.new_context().new_page()
    sign_in(technician, server, "tech.e2e")
    technician.goto(f"{server}/patients/{ref}/dbs")
    assert "Record a programming setting" not in technician.content()
    assert "Protocol arm B" in technician.content()
    assert not errors, errors
