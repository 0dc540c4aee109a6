"""The psilocybin pages on both databases (RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY, on
every page): the exclusion screen, the physician's review, the washout checked against the
record, preparation and integration sessions, a dosing day with observations until the
effects resolve and the discharge with the support person, entered in error, closing; empty
and absurd values refused beside their field with the values kept and nothing written; the
chart panel and its dashboard line."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient
from trdcare.adapters.db.models.psilocybin import (
    PsilocybinDosingDay,
    PsilocybinEnrolment,
    PsilocybinSession,
)
from trdcare.core.clock import utc_today
from trdcare.history import service as history_service
from trdcare.history.domain import parse_history
from trdcare.psilocybin.domain import exclusion_questions
from web_support import (
    SETUP,
    WebClient,
    add_patient,
    assert_clinic_words,
    client,
    count_rows,
    field_errors,
    local_input,
    web_app,
)

FIXTURES = (client, web_app)
NO = {q[0]: False for q in exclusion_questions()}


def record_escitalopram(ref: str, client: Any, *, stopped_days_ago: int = 0) -> None:
    """A treatment history of escitalopram, still taken or stopped ``stopped_days_ago``
    (``client``: anything with the app's ``engine``)."""
    today = utc_today()
    doc = {
        "episode": {
            "onset": (today - timedelta(days=300)).isoformat(),
            "as_of": today.isoformat(),
            "severity": "moderate",
        },
        "antidepressant_trials": [
            {
                "drug": "escitalopram",
                "max_daily_dose_mg": 20,
                "adherence": "good",
                "start": (today - timedelta(days=200)).isoformat(),
                **(
                    {
                        "end": (today - timedelta(days=stopped_days_ago)).isoformat(),
                        "outcome": "no_response",
                    }
                    if stopped_days_ago
                    else {"outcome": "ongoing"}
                ),
            }
        ],
    }
    with unit_of_work(client.engine) as session:
        patient = session.query(Patient).filter_by(ref=ref).one()
        history_service.import_history(session, SETUP, patient, parse_history(doc, today=today))


def test_chart_panel_and_dashboard(client: WebClient) -> None:
    ref = add_patient(client.engine, "MRN-PPAGE")
    record_escitalopram(ref, client)
    client.as_role("clinician")
    r = client.post(
        f"/api/v1/patients/{ref}/psilocybin/enrolment",
        json={
            "programme": "research_protocol",
            "protocol_id": "NCT03775200",
            "protocol_name": "COMP360",
            "answers": NO,
            "screened_on": (utc_today() - timedelta(days=3)).isoformat(),
        },
    )
    assert r.status_code == 201
    client.as_role("technician", via="session")
    chart = client.get(f"/patients/{ref}")
    assert chart.status_code == 200
    assert "RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY" in chart.text
    assert "Washout not complete" in chart.text and "escitalopram is still taken" in chart.text
    assert not re.search(r"\bNone\b|Undefined", chart.text)
    dashboard = client.get("/dashboard", params={"limit": 100})
    assert "Psilocybin protocol (research/regulated): preparation" in dashboard.text


def test_excluded_screen_shows_its_finding(client: WebClient) -> None:
    ref = add_patient(client.engine, "MRN-PEXCL")
    client.as_role("physician")
    client.post(
        f"/api/v1/patients/{ref}/psilocybin/enrolment",
        json={
            "programme": "research_protocol",
            "protocol_id": "X-1",
            "protocol_name": "Trial",
            "answers": {**NO, "psychosis_history": True},
        },
    )
    client.as_role("physician", via="session")
    chart = client.get(f"/patients/{ref}")
    assert "Personal history of psychosis excludes." in chart.text
    assert "excluded" in chart.text


def _page(client: WebClient, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert "RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY" in r.text
    assert_clinic_words(r.text)
    return r.text


def _screen_form(**extra: str) -> dict[str, str]:
    return {
        "programme": "research_protocol",
        "protocol_id": "NCT03775200",
        "protocol_name": "COMP360 phase 2b",
        "screened_on": (utc_today() - timedelta(days=20)).isoformat(),
        "washout_days": "14",
        **{f"q_{qid}": "no" for qid in NO},
        **extra,
    }


def _ago(client: WebClient, days: int, hour: int) -> str:
    d = utc_today() - timedelta(days=days)
    return local_input(client, datetime(d.year, d.month, d.day, hour, tzinfo=UTC))


def test_a_dosing_day_from_screen_to_integration_on_the_pages(client: WebClient) -> None:
    ref = add_patient(client.engine, "MRN-PWEB")
    record_escitalopram(ref, client, stopped_days_ago=40)
    client.as_role("clinician", via="session")
    assert "Not screened for a psilocybin protocol." in _page(client, f"/patients/{ref}/psilocybin")
    form = _page(client, f"/patients/{ref}/psilocybin/screen")
    assert "Personal history of psychosis?" in form and "a yes excludes; VERIFIED" in form
    r = client.form(f"/patients/{ref}/psilocybin/screen", _screen_form())
    assert r.status_code == 303, r.text
    page = _page(client, f"/patients/{ref}/psilocybin?msg=screened")
    assert "eligible" in page and "preparation" in page
    assert "Washout complete" in page

    # No preparation session yet: the dosing day is refused, the typing kept.
    dose = {
        "dose_mg": "25",
        "administered_at": _ago(client, 3, 9),
        "monitored_by": "Facilitator F",
        "support_person": "Partner P",
        "predose_systolic_mmhg": "124",
        "predose_diastolic_mmhg": "78",
        "predose_pulse_bpm": "70",
    }
    assert "Washout complete" in _page(client, f"/patients/{ref}/psilocybin/dosing-days/new")
    r = client.form(f"/patients/{ref}/psilocybin/dosing-days/new", dose)
    assert r.status_code == 422
    assert_clinic_words(r.text)
    assert "administered_at" in field_errors(r.text)
    assert 'value="Partner P"' in r.text
    assert count_rows(client.engine, PsilocybinDosingDay) == 0

    r = client.form(
        f"/patients/{ref}/psilocybin/sessions/new",
        {
            "kind": "preparation",
            "held_at": _ago(client, 10, 10),
            "duration_min": "120",
            "facilitator": "Therapist T",
            "note": "",
        },
    )
    assert r.status_code == 303, r.text
    r = client.form(f"/patients/{ref}/psilocybin/dosing-days/new", dose)
    assert r.status_code == 303, r.text
    base = f"/patients/{ref}/psilocybin/dosing-days/1"
    page = _page(client, base + "?msg=dosed")
    assert "25 mg, given" in page and "Partner P" in page
    assert "124/78 mmHg, pulse 70/min" in page

    client.as_role("technician", via="session")
    r = client.form(
        base + "/observations",
        {"at": _ago(client, 3, 11), "pulse_bpm": "92", "spo2_pct": "98", "effects_present": "true"},
    )
    assert r.status_code == 303, r.text
    r = client.form(base + "/observations", {"at": _ago(client, 3, 15), "effects_present": "false"})
    assert r.status_code == 303, r.text
    page = _page(client, base)
    assert "still present" in page and "resolved" in page
    assert "pulse 92/min, SpO2 98 %" in page
    assert 'id="discharge-form"' not in page  # a technician does not sign a discharge

    client.as_role("clinician", via="session")
    early = _ago(client, 3, 14)
    r = client.form(base + "/discharge", {"discharged_at": early, "effects_resolved": "true"})
    assert r.status_code == 422
    assert_clinic_words(r.text)
    errors = field_errors(r.text)
    assert {"discharged_at", "support_person_present"} <= set(errors), errors
    assert f'value="{early}"' in r.text
    assert re.search(r'name="effects_resolved" value="true" checked', r.text)
    r = client.form(
        base + "/discharge",
        {
            "discharged_at": _ago(client, 3, 15),
            "effects_resolved": "true",
            "support_person_present": "true",
        },
    )
    assert r.status_code == 303, r.text
    page = _page(client, base + "?msg=discharged")
    assert "360 min after the dose, with the support person" in page

    r = client.form(
        f"/patients/{ref}/psilocybin/sessions/new",
        {
            "kind": "integration",
            "held_at": _ago(client, 2, 10),
            "duration_min": "60",
            "facilitator": "Therapist T",
        },
    )
    assert r.status_code == 303, r.text
    page = _page(client, f"/patients/{ref}/psilocybin?msg=session")
    assert "Integration" in page and "integration" in page
    report = re.search(r'href="(/patients/[^"]+/adverse-event)" id="report-ae"', page)
    assert report and client.get(report.group(1)).status_code == 200

    # A clinician may not close; the physician closes with a reason (empty refused first).
    assert 'id="close-form"' not in page
    client.as_role("physician", via="session")
    r = client.form(f"/patients/{ref}/psilocybin/close", {"status": "completed", "reason": ""})
    assert r.status_code == 422 and "reason" in field_errors(r.text)
    assert_clinic_words(r.text)
    r = client.form(
        f"/patients/{ref}/psilocybin/close", {"status": "completed", "reason": "protocol done"}
    )
    assert r.status_code == 303
    assert "completed" in _page(client, f"/patients/{ref}/psilocybin?msg=closed")


def test_screen_refusals_name_each_field_and_keep_the_values(client: WebClient) -> None:
    ref = add_patient(client.engine, "MRN-PBAD")
    client.as_role("clinician", via="session")
    # Empty: the required fields and every unanswered question named.
    r = client.form(f"/patients/{ref}/psilocybin/screen", {"programme": "", "protocol_id": ""})
    assert r.status_code == 422
    assert_clinic_words(r.text)
    errors = field_errors(r.text)
    assert {"programme", "protocol_id", "protocol_name"} <= set(errors), errors
    # Absurd: a future date and a washout out of range, one question unanswered.
    answers = _screen_form(
        screened_on=(utc_today() + timedelta(days=5)).isoformat(), washout_days="900"
    )
    del answers["q_psychosis_history"]
    r = client.form(f"/patients/{ref}/psilocybin/screen", answers)
    assert r.status_code == 422
    assert_clinic_words(r.text)
    errors = field_errors(r.text)
    assert "screened_on" in errors or "q_psychosis_history" in errors, errors
    assert 'value="900"' in r.text and 'value="NCT03775200"' in r.text
    assert count_rows(client.engine, PsilocybinEnrolment) == 0
    r = client.form(
        f"/patients/{ref}/psilocybin/screen",
        {**_screen_form(washout_days="900"), "q_psychosis_history": ""},
    )
    assert r.status_code == 422
    errors = field_errors(r.text)
    assert "q_psychosis_history" in errors, errors
    r = client.form(f"/patients/{ref}/psilocybin/screen", _screen_form(washout_days="900"))
    assert r.status_code == 422 and "900" in field_errors(r.text)["washout_days"]
    assert count_rows(client.engine, PsilocybinEnrolment) == 0

    # An UNVERIFIED finding: the screen waits for a physician's review.
    r = client.form(
        f"/patients/{ref}/psilocybin/screen",
        _screen_form(q_family_history_psychosis_or_bipolar_i="yes"),
    )
    assert r.status_code == 303
    page = _page(client, f"/patients/{ref}/psilocybin")
    assert "screen awaiting a physician&#39;s review" in page and "needs review" in page
    assert 'id="review-form"' not in page  # a clinician does not decide it
    client.as_role("physician", via="session")
    r = client.form(f"/patients/{ref}/psilocybin/review", {"decision": "enrol", "note": "x"})
    assert r.status_code == 422 and "note" in field_errors(r.text)
    assert_clinic_words(r.text)
    r = client.form(
        f"/patients/{ref}/psilocybin/review",
        {"decision": "enrol", "note": "second-degree relative only; protocol allows"},
    )
    assert r.status_code == 303
    page = _page(client, f"/patients/{ref}/psilocybin?msg=reviewed")
    assert "preparation" in page and "second-degree relative only" in page


def test_dosing_and_session_refusals_then_entered_in_error(client: WebClient) -> None:
    ref = add_patient(client.engine, "MRN-PDOSE")
    record_escitalopram(ref, client)
    client.as_role("clinician", via="session")
    assert client.form(f"/patients/{ref}/psilocybin/screen", _screen_form()).status_code == 303
    # Session: empty and absurd values.
    r = client.form(
        f"/patients/{ref}/psilocybin/sessions/new",
        {"kind": "", "duration_min": "-5", "facilitator": "", "held_at": "2099-13-45T10:00"},
    )
    assert r.status_code == 422
    assert_clinic_words(r.text)
    assert {"kind", "facilitator", "held_at"} <= set(field_errors(r.text))
    assert 'value="-5"' in r.text
    r = client.form(
        f"/patients/{ref}/psilocybin/sessions/new",
        {"kind": "preparation", "duration_min": "-5", "facilitator": "T", "held_at": ""},
    )
    assert r.status_code == 422 and "-5" in field_errors(r.text)["duration_min"]
    r = client.form(
        f"/patients/{ref}/psilocybin/sessions/new",
        {"kind": "integration", "duration_min": "60", "facilitator": "T", "held_at": ""},
    )
    assert r.status_code == 422 and "held_at" in field_errors(r.text)
    assert count_rows(client.engine, PsilocybinSession) == 0
    r = client.form(
        f"/patients/{ref}/psilocybin/sessions/new",
        {
            "kind": "preparation",
            "duration_min": "90",
            "facilitator": "Therapist T",
            "held_at": _ago(client, 5, 10),
        },
    )
    assert r.status_code == 303
    # Dosing: escitalopram still taken (washout against the record), a dose not in the
    # protocol, readings out of range, no support person: each named, nothing written.
    page = _page(client, f"/patients/{ref}/psilocybin/dosing-days/new")
    assert "Washout not complete" in page and "escitalopram is still taken" in page
    r = client.form(
        f"/patients/{ref}/psilocybin/dosing-days/new",
        {
            "dose_mg": "20",
            "monitored_by": "F",
            "support_person": "",
            "predose_systolic_mmhg": "20",
            "predose_diastolic_mmhg": "abc",
        },
    )
    assert r.status_code == 422
    assert_clinic_words(r.text)
    errors = field_errors(r.text)
    assert {"support_person", "predose_systolic_mmhg", "predose_diastolic_mmhg"} <= set(errors)
    assert 'value="abc"' in r.text
    r = client.form(
        f"/patients/{ref}/psilocybin/dosing-days/new",
        {
            "dose_mg": "25",
            "monitored_by": "F",
            "support_person": "Partner P",
            "predose_systolic_mmhg": "120",
            "predose_diastolic_mmhg": "80",
            "administered_at": _ago(client, 1, 9),
        },
    )
    assert r.status_code == 422
    assert "escitalopram" in field_errors(r.text)["washout"]
    assert count_rows(client.engine, PsilocybinDosingDay) == 0
    # The preparation session entered in error (a reason required), then kept.
    page = _page(client, f"/patients/{ref}/psilocybin")
    session_id = re.search(r"/psilocybin/sessions/(\d+)/entered-in-error", page)
    assert session_id
    url = f"/patients/{ref}/psilocybin/sessions/{session_id.group(1)}/entered-in-error"
    r = client.form(url, {"version": "1", "reason": ""})
    assert r.status_code == 422 and "Reason" in r.text
    assert_clinic_words(r.text)
    r = client.form(url, {"version": "1", "reason": "wrong patient"})
    assert r.status_code == 303
    page = _page(client, f"/patients/{ref}/psilocybin?msg=retired")
    assert "No session recorded." in page
    assert count_rows(client.engine, PsilocybinSession) == 1
