"""The IV ketamine (OFF-LABEL) pages on both databases: a series planned, an infusion started
(the dose computed from the day's weight and shown), monitoring entries, the end, discharge
readiness and discharge, a correction and entered in error; empty and absurd values refused
beside their field with the values kept and nothing written; every page says off-label; the
chart panel and the dashboard line; what each role is offered."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models.ketamine import KetamineInfusion, KetamineSeries
from trdcare.core.clock import utc_now
from web_support import (
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


def _page(client: WebClient, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert "OFF-LABEL" in r.text
    assert_clinic_words(r.text)
    return r.text


def _plan(client: WebClient, ref: str, **extra: str) -> None:
    client.as_role("physician", via="session")
    start = (utc_now() - timedelta(days=1)).date().isoformat()
    r = client.form(
        f"/patients/{ref}/ketamine/plan",
        {
            "weight_kg": "70",
            "dose_mg_per_kg": "0.5",
            "infusion_min": "40",
            "start": start,
            "infusions": "6",
            "infusions_per_week": "2",
            "primary_scale": "madrs",
            **extra,
        },
    )
    assert r.status_code == 303, r.text


def _start(client: WebClient, ref: str, started: datetime, **extra: str) -> None:
    r = client.form(
        f"/patients/{ref}/ketamine/infusions/new",
        {
            "predose_systolic_mmhg": "128",
            "predose_diastolic_mmhg": "82",
            "predose_pulse_bpm": "",
            "predose_spo2_pct": "",
            "weight_kg": "",
            "started_at": local_input(client, started),
            "bp_signoff_reason": "",
            "note": "",
            **extra,
        },
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"].endswith("/ketamine/infusions/1?msg=started")


def test_an_infusion_from_plan_to_discharge_on_the_pages(client: WebClient) -> None:
    ref = add_patient(client.engine, "MRN-KWEB")
    client.as_role("physician", via="session")
    page = _page(client, f"/patients/{ref}/ketamine")
    assert "No IV ketamine series." in page
    form = _page(client, f"/patients/{ref}/ketamine/plan")
    assert "0.5 mg/kg over 40 minutes" in form
    _plan(client, ref)
    page = _page(client, f"/patients/{ref}/ketamine?msg=planned")
    assert "Series planned (off-label)" in page
    assert "35 mg (0.5 mg/kg at 70 kg) over 40 min" in page
    assert page.count("not given") == 6

    client.as_role("clinician", via="session")
    start = _page(client, f"/patients/{ref}/ketamine/infusions/new")
    assert "At the planned weight of 70 kg: <strong>35 mg</strong>" in start
    begun = datetime.now(UTC) - timedelta(hours=3)
    _start(client, ref, begun, weight_kg="80", predose_pulse_bpm="72")
    base = f"/patients/{ref}/ketamine/infusions/1"
    page = _page(client, base + "?msg=started")
    # The dose at the day's weight, computed and shown with the rate.
    assert "<strong>40 mg</strong> = 0.5 mg/kg &times; 80 kg, over 40 min (1 mg/min)" in page
    assert "128/82 mmHg, pulse 72/min" in page
    assert "Not ready for discharge yet." in page

    client.as_role("technician", via="session")
    r = client.form(
        base + "/observations",
        {
            "at": local_input(client, begun + timedelta(minutes=20)),
            "systolic_mmhg": "150",
            "diastolic_mmhg": "90",
            "pulse_bpm": "88",
            "spo2_pct": "97",
            "respiratory_rate_per_min": "14",
            "dissociation": "true",
            "note": "feels detached",
        },
    )
    assert r.status_code == 303, r.text
    page = _page(client, base)
    assert "150/90 mmHg, pulse 88/min, SpO2 97 %, RR 14/min" in page
    assert "during the infusion" in page and "feels detached" in page
    assert 'id="discharge-form"' not in page  # a technician does not sign a discharge

    client.as_role("clinician", via="session")
    ended = begun + timedelta(minutes=40)
    r = client.form(base + "/end", {"ended_at": local_input(client, ended)})
    assert r.status_code == 303, r.text
    r = client.form(
        base + "/observations",
        {"at": local_input(client, ended + timedelta(minutes=130)), "note": "settled"},
    )
    assert r.status_code == 303, r.text
    page = _page(client, base)
    assert "Ready for discharge now." in page and "after the infusion" in page

    # Too early: refused beside the time, the ticks kept, nothing written.
    early = local_input(client, ended + timedelta(minutes=60))
    r = client.form(
        base + "/discharge",
        {"discharged_at": early, "sedation_resolved": "true", "dissociation_resolved": "true"},
    )
    assert r.status_code == 422
    assert_clinic_words(r.text)
    errors = field_errors(r.text)
    assert "discharged_at" in errors and "respiratory_depression_resolved" in errors, errors
    assert f'value="{early}"' in r.text
    assert re.search(r'name="dissociation_resolved" value="true" checked', r.text)
    with unit_of_work(client.engine) as session:
        assert session.scalars(select(KetamineInfusion.discharged_at)).one() is None

    r = client.form(
        base + "/discharge",
        {
            "discharged_at": local_input(client, ended + timedelta(minutes=125)),
            "sedation_resolved": "true",
            "dissociation_resolved": "true",
            "respiratory_depression_resolved": "true",
        },
    )
    assert r.status_code == 303, r.text
    page = _page(client, base + "?msg=discharged")
    assert "signed by Test clinician (clinician.test), 125 min after the infusion" in page
    # Adverse events are the courses room's: its report form is linked and opens.
    series = _page(client, f"/patients/{ref}/ketamine")
    report = re.search(r'href="(/patients/[^"]+/adverse-event)" id="report-ae"', series)
    assert report and client.get(report.group(1)).status_code == 200
    chart = _page(client, f"/patients/{ref}")
    assert "1 of 6 infusions completed" in chart
    dashboard = client.get("/dashboard", params={"limit": 100})
    assert "IV ketamine (off-label): 1 of 6 infusions" in dashboard.text


def test_refused_forms_name_the_field_keep_the_values_and_write_nothing(
    client: WebClient,
) -> None:
    ref = add_patient(client.engine, "MRN-KBAD")
    client.as_role("physician", via="session")
    # Empty: every required field named.
    r = client.form(f"/patients/{ref}/ketamine/plan", {"weight_kg": "", "start": ""})
    assert r.status_code == 422
    assert_clinic_words(r.text)
    assert {"weight_kg", "start"} <= set(field_errors(r.text))
    # Absurd: each named with what is allowed and what was given, the values kept.
    r = client.form(
        f"/patients/{ref}/ketamine/plan",
        {
            "weight_kg": "700",
            "dose_mg_per_kg": "5",
            "infusion_min": "40",
            "start": "2020-01-01",
            "infusions": "6",
            "infusions_per_week": "2",
        },
    )
    assert r.status_code == 422
    assert_clinic_words(r.text)
    errors = field_errors(r.text)
    assert "700" in errors["weight_kg"] and "kg" in errors["weight_kg"], errors
    assert 'value="700"' in r.text and 'value="5"' in r.text
    assert count_rows(client.engine, KetamineSeries) == 0
    r = client.form(
        f"/patients/{ref}/ketamine/plan",
        {"weight_kg": "NaN", "start": "9999-99-99", "infusions": "lots"},
    )
    assert r.status_code == 422
    assert_clinic_words(r.text)
    assert {"weight_kg", "start", "infusions"} <= set(field_errors(r.text))
    assert 'value="lots"' in r.text
    _plan(client, ref)
    r = client.form(f"/patients/{ref}/ketamine/plan", {"weight_kg": "70", "start": "2026-01-01"})
    assert r.status_code == 409 and "already active" in r.text
    assert count_rows(client.engine, KetamineSeries) == 1

    # Start: readings out of range and a future start, each beside its field.
    client.as_role("clinician", via="session")
    future = local_input(client, datetime.now(UTC) + timedelta(days=2))
    r = client.form(
        f"/patients/{ref}/ketamine/infusions/new",
        {
            "predose_systolic_mmhg": "400",
            "predose_diastolic_mmhg": "",
            "predose_spo2_pct": "150",
            "started_at": future,
        },
    )
    assert r.status_code == 422
    assert_clinic_words(r.text)
    errors = field_errors(r.text)
    assert {"predose_systolic_mmhg", "predose_diastolic_mmhg", "predose_spo2_pct"} <= set(errors)
    assert "400" in errors["predose_systolic_mmhg"]
    assert 'value="400"' in r.text and 'value="150"' in r.text
    r = client.form(
        f"/patients/{ref}/ketamine/infusions/new",
        {"predose_systolic_mmhg": "120", "predose_diastolic_mmhg": "80", "started_at": future},
    )
    assert r.status_code == 422 and "future" in field_errors(r.text)["started_at"]
    # Above 140/90 a physician signs off with a reason; a clinician cannot.
    r = client.form(
        f"/patients/{ref}/ketamine/infusions/new",
        {"predose_systolic_mmhg": "162", "predose_diastolic_mmhg": "95"},
    )
    assert r.status_code == 422
    assert "physician" in field_errors(r.text)["bp_signoff_reason"]
    assert count_rows(client.engine, KetamineInfusion) == 0
    client.as_role("physician", via="session")
    r = client.form(
        f"/patients/{ref}/ketamine/infusions/new",
        {"predose_systolic_mmhg": "162", "predose_diastolic_mmhg": "95"},
    )
    assert r.status_code == 422 and 'value="162"' in r.text
    _start(
        client,
        ref,
        datetime.now(UTC) - timedelta(hours=1),
        predose_systolic_mmhg="162",
        predose_diastolic_mmhg="95",
        bp_signoff_reason="rechecked 150/88 after rest; benefit outweighs",
    )
    base = f"/patients/{ref}/ketamine/infusions/1"
    page = _page(client, base)
    assert "signed off by Test physician (physician.test)" in page

    # Observation: absurd readings and a time before the start, all named, nothing written.
    r = client.form(
        base + "/observations",
        {"systolic_mmhg": "9999", "pulse_bpm": "-5", "spo2_pct": "abc", "sedation": "true"},
    )
    assert r.status_code == 422
    assert_clinic_words(r.text)
    assert {"systolic_mmhg", "pulse_bpm", "spo2_pct"} <= set(field_errors(r.text))
    assert 'value="9999"' in r.text and 'value="abc"' in r.text
    assert re.search(r'name="sedation" value="true" checked', r.text)
    r = client.form(
        base + "/observations",
        {"at": local_input(client, datetime.now(UTC) - timedelta(days=1))},
    )
    assert r.status_code == 422 and "at" in field_errors(r.text)
    # Discharge before the end is recorded: said in words, nothing written.
    r = client.form(base + "/discharge", {"sedation_resolved": "true"})
    assert r.status_code == 409 and "end of infusion 1 is not recorded" in r.text
    with unit_of_work(client.engine) as session:
        assert session.scalars(select(KetamineInfusion.observations)).one() == []
    # An end before the start.
    r = client.form(
        base + "/end", {"ended_at": local_input(client, datetime.now(UTC) - timedelta(hours=2))}
    )
    assert r.status_code == 422 and "ended_at" in field_errors(r.text)
    assert_clinic_words(r.text)


def test_a_mistake_corrected_then_an_infusion_entered_in_error(client: WebClient) -> None:
    ref = add_patient(client.engine, "MRN-KFIX")
    _plan(client, ref)
    client.as_role("clinician", via="session")
    begun = datetime.now(UTC) - timedelta(hours=4)
    _start(client, ref, begun, note="left arm")
    base = f"/patients/{ref}/ketamine/infusions/1"
    r = client.form(base + "/end", {"ended_at": local_input(client, begun + timedelta(minutes=40))})
    assert r.status_code == 303
    # A wrong correction (the end before the start) is refused, the typing kept.
    bad_start = local_input(client, begun + timedelta(hours=2))
    r = client.form(
        base + "/correct",
        {"version": "1", "started_at": bad_start, "note": "right arm", "reason": "wrong arm"},
    )
    assert r.status_code == 422
    assert_clinic_words(r.text)
    assert "ended_at" in field_errors(r.text) or "started_at" in field_errors(r.text)
    assert 'value="right arm"' in r.text and 'value="wrong arm"' in r.text
    # Without a reason: named.
    r = client.form(base + "/correct", {"version": "1", "note": "right arm", "reason": ""})
    assert r.status_code == 422 and "reason" in field_errors(r.text)
    # Corrected: the earlier version kept with the reason.
    fixed = begun + timedelta(minutes=5)
    r = client.form(
        base + "/correct",
        {
            "version": "1",
            "started_at": local_input(client, fixed),
            "note": "right arm",
            "reason": "typed the wrong arm and time",
        },
    )
    assert r.status_code == 303, r.text
    page = _page(client, base + "?msg=corrected")
    assert "version 2" in page and "typed the wrong arm and time" in page
    history = page[page.index('id="version-history"') :]
    assert "note: left arm &rarr; right arm" in history[:2000], history[:2000]
    was, now = (local_input(client, t).replace("T", " ") for t in (begun, fixed))
    assert f"started at: {was} &rarr; {now}" in history[:2000], history[:2000]
    # A stale version is refused.
    r = client.form(base + "/correct", {"version": "1", "note": "x", "reason": "again please"})
    assert r.status_code == 409
    assert_clinic_words(r.text)
    # Entered in error: gone from the series, kept in the database.
    r = client.form(base + "/entered-in-error", {"version": "2", "reason": "wrong patient"})
    assert r.status_code == 303
    page = _page(client, f"/patients/{ref}/ketamine?msg=retired")
    assert "Marked entered in error" in page and page.count("not given") == 6
    assert client.get(base).status_code == 404
    assert count_rows(client.engine, KetamineInfusion) == 1


def test_each_role_is_offered_what_it_may_do(client: WebClient) -> None:
    ref = add_patient(client.engine, "MRN-KROLE")
    _plan(client, ref)
    client.as_role("technician", via="session")
    page = _page(client, f"/patients/{ref}/ketamine")
    assert "Stop the series" not in page and "Plan a series" not in page
    assert client.get(f"/patients/{ref}/ketamine/plan").status_code == 403
    client.as_role("front_desk", via="session")
    assert client.get(f"/patients/{ref}/ketamine").status_code == 403
    # The physician stops the series with a reason (empty reason refused first).
    client.as_role("physician", via="session")
    r = client.form(f"/patients/{ref}/ketamine/series/stop", {"reason": "", "on": ""})
    assert r.status_code == 422 and "reason" in field_errors(r.text)
    assert_clinic_words(r.text)
    r = client.form(f"/patients/{ref}/ketamine/series/stop", {"reason": "patient declined"})
    assert r.status_code == 303
    page = _page(client, f"/patients/{ref}/ketamine?msg=stopped")
    assert "stopped" in page and "patient declined" in page


def test_chart_panel_and_dashboard(client: WebClient) -> None:
    ref = add_patient(client.engine, "MRN-KPAGE")
    start = utc_now().date() - timedelta(days=2)
    client.as_role("physician")
    assert (
        client.post(
            f"/api/v1/patients/{ref}/ketamine/series",
            json={"start": start.isoformat(), "weight_kg": 70},
        ).status_code
        == 201
    )
    r = client.post(
        f"/api/v1/patients/{ref}/ketamine/infusions",
        json={
            "predose_systolic_mmhg": 150,
            "predose_diastolic_mmhg": 85,
            "bp_signoff_reason": "rechecked after rest",
        },
    )
    assert r.status_code == 201, r.text
    client.as_role("technician", via="session")
    chart = client.get(f"/patients/{ref}")
    assert chart.status_code == 200
    assert "OFF-LABEL" in chart.text and "IV ketamine (off-label)" in chart.text
    assert "0 of 6 infusions completed" in chart.text
    assert "signed off by" in chart.text and "not yet" in chart.text
    assert not re.search(r"\bNone\b|Undefined", chart.text)
    dashboard = client.get("/dashboard", params={"limit": 100})
    assert "IV ketamine (off-label): 0 of 6 infusions, infusion under way" in dashboard.text


def test_a_chart_without_a_series_says_so(client: WebClient) -> None:
    ref = add_patient(client.engine, "MRN-KNONE")
    client.as_role("clinician", via="session")
    chart = client.get(f"/patients/{ref}")
    assert chart.status_code == 200 and "No IV ketamine series." in chart.text


def test_the_dose_calculator_page(client: WebClient) -> None:
    client.as_role("technician", via="session")
    page = _page(client, "/ketamine/dose")
    assert 'value="0.5"' in page and 'value="40"' in page and "dose-computed" not in page
    page = _page(client, "/ketamine/dose?weight_kg=82.5&dose_mg_per_kg=0.5&infusion_min=40")
    assert "<strong>41.2 mg</strong> = 0.5 mg/kg &times; 82.5 kg, over 40 min" in page
    # Absurd, empty and wrong-type values: beside their field, kept, no dose shown.
    r = client.get("/ketamine/dose", params={"weight_kg": "700", "infusion_min": "abc"})
    assert r.status_code == 422
    assert_clinic_words(r.text)
    errors = field_errors(r.text)
    assert "700" in errors["weight_kg"] and "infusion_min" in errors, errors
    assert 'value="700"' in r.text and 'value="abc"' in r.text and "dose-computed" not in r.text
    r = client.get("/ketamine/dose", params={"weight_kg": "", "dose_mg_per_kg": "0.5"})
    assert r.status_code == 422 and "weight_kg" in field_errors(r.text)
    client.as_role("front_desk", via="session")
    assert client.get("/ketamine/dose").status_code == 403
