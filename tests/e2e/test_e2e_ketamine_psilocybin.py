"""IV ketamine (off-label) and a psilocybin dosing day (research protocol or regulated
programme only) in a real browser (Playwright driving Debian's Chromium), on the server of
test_e2e_browser.py.

Ketamine: the physician plans a series (an empty weight, then an absurd one, refused beside
the field and corrected), starts an infusion above 140/90 (refused until the sign-off reason
is typed), the dose computed from the day's weight is shown; the technician records vital
signs and dissociation and is not offered the discharge; the physician records the end, is
refused a discharge with the criteria unticked, discharges, and corrects a note. Psilocybin:
the treatment history is entered, the exclusion screen answered (an unanswered question
named), a preparation session, a dosing day refused without a support person then recorded,
observations until the effects resolve, and the discharge with the support person. Every page
says off-label / research-or-regulated-only, and never "None". Screenshots go to
``test-artifacts/e2e/``.
"""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from test_e2e_browser import ARTIFACTS, browser, server, sign_in

from trdcare.adapters.web.settings import WebSettings
from trdcare.psilocybin.domain import exclusion_questions

FIXTURES = (browser, server)


def _clinic_tz() -> ZoneInfo:
    # The server of test_e2e_browser.py keeps the settings' default clinic time zone.
    default = next(f.default for f in fields(WebSettings) if f.name == "timezone")
    return ZoneInfo(str(default))


def _local(moment: datetime) -> str:
    return moment.astimezone(_clinic_tz()).strftime("%Y-%m-%dT%H:%M")


def _plain(page: Any) -> None:
    text = page.inner_text("main")
    assert "None" not in text and "Undefined" not in text, text
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), re.findall(r"\b[a-z]+_[a-z_]+\b", text)
    assert "Input should" not in text and "Field required" not in text


def _submit(page: Any, form: str, button: str) -> None:
    # The browser's own checks would stop the submit: the server's checks are under test.
    page.eval_on_selector(form, "f => f.setAttribute('novalidate', '')")
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()
    _plain(page)


def test_a_ketamine_infusion_and_a_psilocybin_dosing_day(server: str, browser: Any) -> None:
    errors: list[str] = []
    dr = browser.new_context(viewport={"width": 1180, "height": 900}).new_page()
    dr.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(dr, server, "dr.e2e")
    dr.goto(f"{server}/patients/new")
    dr.get_by_label("Medical record number (MRN)").fill("E2E-KET-PSI")
    dr.get_by_label("Given name").fill("Sam")
    dr.get_by_label("Family name").fill("Rivera")
    dr.get_by_label("Date of birth").fill("1979-09-12")
    dr.get_by_role("button", name="Register").click()
    dr.wait_for_load_state()
    ref = re.search(r"/patients/(P-[0-9A-Z]{10})", dr.url).group(1)  # type: ignore[union-attr]
    now = datetime.now(UTC)

    # -- IV ketamine: plan, with an empty then an absurd weight corrected.
    dr.goto(f"{server}/patients/{ref}/ketamine/plan")
    assert "OFF-LABEL" in dr.locator("#off-label").inner_text()
    dr.get_by_label("First infusion on").fill(_local(now - timedelta(days=1))[:10])
    _submit(dr, "#plan-form", "Plan the series as dr.e2e")
    assert "required" in dr.locator("#err-weight_kg").inner_text()
    dr.get_by_label("Weight (kg)").fill("700")
    _submit(dr, "#plan-form", "Plan the series as dr.e2e")
    assert "700" in dr.locator("#err-weight_kg").inner_text()
    assert dr.get_by_label("Weight (kg)").input_value() == "700"
    dr.screenshot(path=str(ARTIFACTS / "ketamine-plan-refused.png"), full_page=True)
    dr.get_by_label("Weight (kg)").fill("70")
    _submit(dr, "#plan-form", "Plan the series as dr.e2e")
    assert "Series planned (off-label)" in dr.content()
    assert "35 mg (0.5 mg/kg at 70 kg) over 40 min" in dr.locator("#series-dose").inner_text()

    # Start: 150/95 needs the physician's reason; the dose at today's weight is shown.
    begun = now - timedelta(hours=3)
    dr.locator("#start-infusion").click()
    dr.wait_for_load_state()
    assert "35 mg" in dr.locator("#planned-dose").inner_text()
    dr.get_by_label("Systolic blood pressure (mmHg)").fill("150")
    dr.get_by_label("Diastolic blood pressure (mmHg)").fill("95")
    dr.get_by_label("Weight today (kg)").fill("72")
    dr.get_by_label(re.compile("^Started at")).fill(_local(begun))
    _submit(dr, "#start-form", "Start the infusion as dr.e2e")
    assert "physician" in dr.locator("#err-bp_signoff_reason").inner_text()
    assert dr.get_by_label("Systolic blood pressure (mmHg)").input_value() == "150"
    dr.get_by_label(re.compile("^Physician's reason")).fill("Rechecked 145/90 after rest")
    _submit(dr, "#start-form", "Start the infusion as dr.e2e")
    dose = dr.locator("#dose-computed").inner_text()
    assert "36 mg = 0.5 mg/kg × 72 kg, over 40 min (0.9 mg/min)" in dose, dose
    assert "OFF-LABEL" in dr.locator("#off-label").inner_text()
    infusion_url = dr.url.split("?")[0]

    # The technician records vital signs and dissociation; no discharge form.
    tech = browser.new_context(viewport={"width": 1180, "height": 900}).new_page()
    tech.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(tech, server, "tech.e2e")
    tech.goto(infusion_url)
    tech.get_by_label(re.compile("^Observed at")).fill(_local(begun + timedelta(minutes=20)))
    tech.get_by_label("Systolic blood pressure (mmHg)").fill("600")
    _submit(tech, "#observe-form", "Record the observation")
    assert "600" in tech.locator("#err-systolic_mmhg").inner_text()
    tech.get_by_label("Systolic blood pressure (mmHg)").fill("148")
    tech.get_by_label("Diastolic blood pressure (mmHg)").fill("88")
    tech.get_by_label("Pulse (beats/min)").fill("90")
    tech.get_by_label("Dissociation present").check()
    _submit(tech, "#observe-form", "Record the observation")
    observations = tech.locator("#observations").inner_text()
    assert "148/88 mmHg, pulse 90/min" in observations and "during the infusion" in observations
    assert tech.locator("#discharge-form").count() == 0
    tech.screenshot(path=str(ARTIFACTS / "ketamine-monitoring.png"), full_page=True)

    # The physician records the end, is refused an early discharge, then discharges.
    dr.goto(infusion_url)
    dr.get_by_label(re.compile("^Infusion ended at")).fill(_local(begun + timedelta(minutes=40)))
    _submit(dr, "#end-form", "Record the end of the infusion")
    dr.get_by_label(re.compile("^Discharged at")).fill(_local(begun + timedelta(minutes=100)))
    dr.get_by_label("Sedation resolved").check()
    _submit(dr, "#discharge-form", "Sign the discharge as dr.e2e")
    assert "120" in dr.locator("#err-discharged_at").inner_text()
    assert dr.locator("#err-dissociation_resolved").count() == 1
    assert dr.get_by_label("Sedation resolved").is_checked()
    dr.screenshot(path=str(ARTIFACTS / "ketamine-discharge-refused.png"), full_page=True)
    dr.get_by_label(re.compile("^Discharged at")).fill(_local(begun + timedelta(minutes=165)))
    dr.get_by_label("Dissociation resolved").check()
    dr.get_by_label("Respiratory depression resolved").check()
    _submit(dr, "#discharge-form", "Sign the discharge as dr.e2e")
    assert "signed by dr.e2e (dr.e2e)" in dr.locator("#discharged").inner_text()
    # A correction of the note, kept with its reason.
    dr.locator("#correct-form").get_by_label("Note").fill("cannula in the left arm")
    dr.locator("#correct-form").get_by_label("Reason for the correction").fill("note added")
    _submit(dr, "#correct-form", "Save correction")
    assert "cannula in the left arm" in dr.locator("#version-history").inner_text()
    dr.screenshot(path=str(ARTIFACTS / "ketamine-discharged.png"), full_page=True)

    # -- Psilocybin: history (the last antidepressant stopped 60 days ago), screen, session.
    today = now.astimezone(_clinic_tz()).date()
    dr.goto(f"{server}/patients/{ref}/history/edit")
    dr.get_by_label("Onset of the current episode").fill((today - timedelta(days=400)).isoformat())
    dr.get_by_label("Baseline severity (clinician-rated)").select_option("moderate")
    dr.get_by_label("Trial 1 drug").fill("sertraline")
    dr.get_by_label("Trial 1 maximum daily dose in mg").fill("200")
    dr.get_by_label("Trial 1 start").fill((today - timedelta(days=200)).isoformat())
    dr.get_by_label("Trial 1 end").fill((today - timedelta(days=60)).isoformat())
    dr.get_by_label("Trial 1 adherence").select_option("good")
    dr.get_by_label("Trial 1 outcome").select_option("no_response")
    dr.get_by_role("button", name="Save and stage").click()
    dr.wait_for_load_state()

    dr.goto(f"{server}/patients/{ref}/psilocybin/screen")
    assert (
        "RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY" in dr.locator("#restriction").inner_text()
    )
    dr.get_by_label("Programme").select_option("research_protocol")
    dr.get_by_label("Protocol registration or licence id").fill("NCT03775200")
    dr.get_by_label("Protocol name").fill("COMP360 phase 2b")
    dr.get_by_label("Screened on").fill((today - timedelta(days=20)).isoformat())
    questions = [q[0] for q in exclusion_questions()]
    for qid in questions[1:]:
        dr.locator(f'input[name="q_{qid}"][value="no"]').check()
    _submit(dr, "#screen-form", "Record the screen as dr.e2e")
    assert "not answered" in dr.locator(f"#err-q_{questions[0]}").inner_text()
    assert dr.get_by_label("Protocol name").input_value() == "COMP360 phase 2b"
    dr.locator(f'input[name="q_{questions[0]}"][value="no"]').check()
    _submit(dr, "#screen-form", "Record the screen as dr.e2e")
    assert "eligible" in dr.locator("#verdict").inner_text()
    assert "Washout complete" in dr.locator("#washout").inner_text()

    dr.locator("#add-session").click()
    dr.wait_for_load_state()
    dr.screenshot(path=str(ARTIFACTS / "psilocybin-session-form.png"), full_page=True)
    dr.locator("#f-kind").select_option("preparation")
    dr.get_by_label(re.compile("^Held at")).fill(_local(now - timedelta(days=10)))
    dr.get_by_label("Length (min)").fill("120")
    dr.get_by_label("Facilitator or therapist").fill("Therapist T")
    _submit(dr, "#session-form", "Record the session")
    assert "Therapist T" in dr.locator("#sessions").inner_text()

    # The dosing day: refused without a support person, then recorded.
    dosed = now - timedelta(hours=7)
    dr.locator("#add-dosing-day").click()
    dr.wait_for_load_state()
    dr.get_by_label(re.compile("^Dose")).select_option("25")
    dr.get_by_label(re.compile("^Given at")).fill(_local(dosed))
    dr.get_by_label("Monitoring facilitator").fill("Facilitator F")
    dr.get_by_label("Systolic blood pressure (mmHg)").fill("124")
    dr.get_by_label("Diastolic blood pressure (mmHg)").fill("78")
    _submit(dr, "#dosing-form", "Record the dosing day as dr.e2e")
    assert dr.locator("#err-support_person").count() == 1
    assert dr.get_by_label("Monitoring facilitator").input_value() == "Facilitator F"
    dr.get_by_label("Support person for the way home").fill("Partner P")
    _submit(dr, "#dosing-form", "Record the dosing day as dr.e2e")
    assert "25 mg, given" in dr.locator("#dose").inner_text()
    day_url = dr.url.split("?")[0]

    tech.goto(day_url)
    tech.get_by_label(re.compile("^Observed at")).fill(_local(dosed + timedelta(hours=2)))
    tech.get_by_label("Pulse (beats/min)").fill("96")
    tech.locator("#f-effects_present").select_option("true")
    _submit(tech, "#observe-form", "Record the observation")
    tech.get_by_label(re.compile("^Observed at")).fill(_local(dosed + timedelta(hours=6)))
    tech.locator("#f-effects_present").select_option("false")
    _submit(tech, "#observe-form", "Record the observation")
    table = tech.locator("#observations").inner_text()
    assert "still present" in table and "resolved" in table
    assert tech.locator("#discharge-form").count() == 0

    dr.goto(day_url)
    dr.get_by_label(re.compile("^Discharged at")).fill(
        _local(dosed + timedelta(hours=6, minutes=5))
    )
    dr.get_by_label("Effects resolved").check()
    _submit(dr, "#discharge-form", "Sign the discharge as dr.e2e")
    assert dr.locator("#err-support_person_present").count() == 1
    dr.locator("#f-support_person_present").check()
    _submit(dr, "#discharge-form", "Sign the discharge as dr.e2e")
    assert "with the support person" in dr.locator("#discharged").inner_text()
    dr.screenshot(path=str(ARTIFACTS / "psilocybin-discharged.png"), full_page=True)

    dr.goto(f"{server}/patients/{ref}")
    chart = dr.inner_text("main")
    assert "IV ketamine (off-label)" in chart and "1 of 6 infusions completed" in chart
    assert "Psilocybin (research protocol or regulated programme only)" in chart
    assert not errors, errors
