"""Esketamine pages on both databases: every form of the session, refused input shown beside
its field with the values kept (and nothing written), the chart panel, the dashboard task,
the printable REMS form, and what each role is offered."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from trdcare.adapters.web.app import create_app
from trdcare.esketamine.domain import question_ids
from web_support import (
    WebClient,
    add_patient,
    add_staff,
    assert_plain,
    client,
    field_errors,
    machine_words,
    make_settings,
    web_app,
)

FIXTURES = (client, web_app)


def plain(page: str) -> None:
    """No library wording, no identifiers, no "None" shown to a clinician."""
    assert_plain(page)
    assert machine_words(page) == set()
    assert ">None<" not in page and " None " not in page


def local(client: WebClient, moment: datetime) -> str:
    tz = ZoneInfo(client.app.state.settings.timezone)  # type: ignore[attr-defined]
    return moment.astimezone(tz).strftime("%Y-%m-%dT%H:%M")


def now(client: WebClient) -> datetime:
    return datetime.now(ZoneInfo("UTC"))


def plan(client: WebClient, ref: str, **extra: str) -> None:
    client.as_role("physician", via="session")
    answers = {f"q_{q}": "no" for q in question_ids()}
    start = (now(client) - timedelta(days=1)).date().isoformat()
    r = client.form(
        f"/patients/{ref}/esketamine/plan",
        {
            **answers,
            "start_date": start,
            "population": "trd",
            "maintenance": "weekly",
            "weeks": "12",
            "signoff_note": "TRD per referral; history to follow.",
            **extra,
        },
    )
    assert r.status_code == 303, r.text


def checked_in(client: WebClient, ref: str, **extra: str) -> str:
    client.as_role("clinician", via="session")
    r = client.form(
        f"/patients/{ref}/esketamine/check-in",
        {
            "predose_systolic_mmhg": "126",
            "predose_diastolic_mmhg": "80",
            "checked_in_at": local(client, now(client) - timedelta(hours=3)),
            "extra_medications": "",  # the box left empty, as a browser sends it
            **extra,
        },
    )
    assert r.status_code == 303, r.text
    match = re.search(r"/sessions/([^?]+)\?", r.headers["location"])
    assert match
    return match.group(1)


def test_plan_form_refusals_name_each_question_and_keep_values(client: WebClient) -> None:
    ref = add_patient(client.engine, "ESK-P1")
    client.as_role("physician", via="session")
    page = client.get(f"/patients/{ref}/esketamine/plan")
    assert page.status_code == 200 and "Aneurysmal vascular disease" in page.text
    r = client.form(
        f"/patients/{ref}/esketamine/plan",
        {"q_hypersensitivity": "yes", "start_date": "2020-13-01", "weeks": "500"},
    )
    assert r.status_code == 422
    errors = field_errors(r.text)
    assert "start_date" in errors and "weeks" in errors
    plain(r.text)
    answers = {f"q_{q}": "no" for q in question_ids()}
    r = client.form(
        f"/patients/{ref}/esketamine/plan",
        {**answers, "q_intracerebral_haemorrhage": "yes", "start_date": "2026-01-05"},
    )
    assert r.status_code == 409  # contraindicated
    assert "q_intracerebral_haemorrhage" in field_errors(r.text)
    r = client.form(
        f"/patients/{ref}/esketamine/plan",
        {**answers, "start_date": "1900-01-05", "signoff_note": "ok to go"},
    )
    assert r.status_code == 422 and "start_date" in field_errors(r.text)
    assert client.get(f"/patients/{ref}/esketamine").text.count("No esketamine course") == 1


def test_a_session_through_the_pages(client: WebClient) -> None:
    ref = add_patient(client.engine, "ESK-P2")
    plan(client, ref)
    sref = checked_in(
        client,
        ref,
        predose_systolic_mmhg="150",
        predose_diastolic_mmhg="92",
        extra_medications="lorazepam",
    )
    url = f"/patients/{ref}/esketamine/sessions/{sref}"
    page = client.get(url).text
    plain(page)
    assert 'id="bp-warning"' in page and "lorazepam" in page
    assert 'id="record-dose"' in page  # the form is there; the sign-off comes first
    r = client.form(f"{url}/dose", {"dose_mg": "56", "devices": "2", "lot": "L1"})
    assert r.status_code == 409 and "sign off" in r.text
    client.as_role("physician", via="session")
    r = client.form(f"{url}/bp-signoff", {"note": ""})
    assert r.status_code == 422 and "note" in field_errors(r.text)
    assert client.form(f"{url}/bp-signoff", {"note": "Repeat 144/88; proceed."}).status_code == 303
    client.as_role("clinician", via="session")
    first = now(client) - timedelta(hours=2, minutes=30)
    r = client.form(
        f"{url}/dose",
        {"dose_mg": "56", "devices": "3", "lot": "L1", "device_1_at": local(client, first)},
    )
    assert r.status_code == 422 and "devices" in field_errors(r.text)
    r = client.form(
        f"{url}/dose",
        {
            "dose_mg": "56",
            "devices": "2",
            "lot": "L1",
            "device_1_at": local(client, first),
            "device_2_at": local(client, first + timedelta(minutes=5)),
        },
    )
    assert r.status_code == 303, r.text
    client.as_role("technician", via="session")
    page = client.get(url).text
    assert 'id="record-observation"' in page and 'id="discharge"' not in page
    r = client.form(
        f"{url}/observations", {"spo2_pct": "101", "observed_at": local(client, now(client))}
    )
    assert r.status_code == 422 and "spo2_pct" in field_errors(r.text)
    r = client.form(
        f"{url}/observations",
        {
            "purpose": "post_dose_40_min",
            "systolic_mmhg": "148",
            "diastolic_mmhg": "90",
            "sedation": "true",
            "observed_at": local(client, first + timedelta(minutes=45)),
        },
    )
    assert r.status_code == 303, r.text
    client.as_role("clinician", via="session")
    discharge = {
        "discharge_systolic_mmhg": "152",
        "discharge_diastolic_mmhg": "94",
        "sedation_resolved": "true",
        "dissociation_resolved": "true",
        "respiratory_depression_resolved": "true",
    }
    r = client.form(f"{url}/discharge", discharge)
    assert r.status_code == 422
    errors = field_errors(r.text)
    assert "safe_transport" in errors and "elevated_bp_reviewed" in errors
    assert "152/94 mmHg is still elevated" in errors["elevated_bp_reviewed"]
    assert 'name="sedation_resolved" value="true" checked' in r.text  # kept after the error
    r = client.form(
        f"{url}/discharge", {**discharge, "safe_transport": "true", "elevated_bp_reviewed": "true"}
    )
    assert r.status_code == 303, r.text
    page = client.get(url).text
    plain(page)
    assert 'id="discharge-bp"' in page and "Systolic 152 mmHg is above 140 mmHg." in page
    assert 'id="rems-state"' in page and ">due<" in page
    form = client.get(f"{url}/rems-form").text
    plain(form)
    assert "Signs of sedation during monitoring" in form and "148/90" in form
    dashboard = client.get("/dashboard").text
    assert "REMS form due" in dashboard
    chart = client.get(f"/patients/{ref}").text
    assert "REMS form due" in chart
    assert client.form(f"{url}/rems-submitted", {}).status_code == 303
    assert "REMS form due" not in client.get("/dashboard").text
    client.as_role("physician", via="session")
    assert client.form(f"{url}/sign", {}).status_code == 303
    assert 'id="signed"' in client.get(url).text
    calendar = client.get(f"/patients/{ref}/esketamine/calendar")
    assert calendar.status_code == 200 and "&#10003; #1" in calendar.text
    for path in (
        f"/patients/{ref}/esketamine",
        f"/patients/{ref}/esketamine/plan",
        f"/patients/{ref}/esketamine/calendar",
        f"/patients/{ref}",
        url,
    ):
        plain(client.get(path).text)


def test_check_in_refusals_and_corrections(client: WebClient) -> None:
    ref = add_patient(client.engine, "ESK-P3")
    plan(client, ref)
    client.as_role("clinician", via="session")
    r = client.form(
        f"/patients/{ref}/esketamine/check-in",
        {"predose_systolic_mmhg": "1200", "predose_diastolic_mmhg": "", "predose_spo2_pct": "9"},
    )
    assert r.status_code == 422
    errors = field_errors(r.text)
    assert {"predose_systolic_mmhg", "predose_diastolic_mmhg", "predose_spo2_pct"} <= set(errors)
    assert 'value="1200"' in r.text
    plain(r.text)
    sref = checked_in(client, ref)
    url = f"/patients/{ref}/esketamine/sessions/{sref}"
    r = client.form(f"{url}/correct", {"version": "1", "lot": "", "note": "left", "reason": "x"})
    assert r.status_code == 422
    r = client.form(f"{url}/correct", {"version": "1", "note": "left arm", "reason": "wrong arm"})
    assert r.status_code == 303
    r = client.form(f"{url}/entered-in-error", {"version": "1", "reason": "stale"})
    assert r.status_code == 409  # shown version 1, now 2
    r = client.form(f"{url}/entered-in-error", {"version": "2", "reason": "wrong patient"})
    assert r.status_code == 303
    assert "entered in error" in client.get(url).text


def test_adverse_event_and_pause_review_through_the_pages(client: WebClient) -> None:
    ref = add_patient(client.engine, "ESK-P4")
    plan(client, ref)
    sref = checked_in(client, ref)
    url = f"/patients/{ref}/esketamine/sessions/{sref}"
    client.as_role("technician", via="session")
    page = client.get(url).text
    assert 'id="report-ae"' in page and "Respiratory depression" in page
    r = client.form(f"{url}/adverse-events", {"kind": "", "severity": "severe"})
    assert r.status_code == 422 and "kind" in field_errors(r.text)
    plain(r.text)
    r = client.form(
        f"{url}/adverse-events",
        {
            "kind": "sedation",
            "severity": "severe",
            "serious_criteria": "hospitalisation",
            "description": "transferred to ED",
        },
    )
    assert r.status_code == 303 and "ae_paused" in r.headers["location"]
    overview = client.get(f"/patients/{ref}/esketamine").text
    assert 'id="course-paused"' in overview and 'id="pause-review"' not in overview
    assert 'id="check-in"' not in overview
    client.as_role("physician", via="session")
    overview = client.get(f"/patients/{ref}/esketamine").text
    plain(overview)
    r = client.form(f"/patients/{ref}/esketamine/course/pause-review", {"decision": "resume"})
    assert r.status_code == 422 and "note" in field_errors(r.text)
    r = client.form(
        f"/patients/{ref}/esketamine/course/pause-review",
        {"decision": "resume", "note": "Seen in ED, discharged well; resume."},
    )
    assert r.status_code == 303
    assert 'id="course-paused"' not in client.get(f"/patients/{ref}/esketamine").text
    assert "Sedation" in client.get(url).text


@pytest.fixture
def auckland_client(database_url: str, engine: Engine, tmp_path: Path) -> Iterator[WebClient]:
    """A clinic far from UTC (Pacific/Auckland, UTC+12/+13)."""
    app = create_app(make_settings(database_url, tmp_path, timezone="Pacific/Auckland"))
    add_staff(app.state.engine)
    with WebClient(app, base_url="http://testserver") as c:
        c.engine = app.state.engine
        c.csrf = ""
        yield c
    app.state.engine.dispose()


def test_session_times_show_in_the_clinic_time_zone(auckland_client: WebClient) -> None:
    """The forms take the clinic's local time; the session pages showed UTC beside them
    (a check-in typed as 09:00 read '20:00 UTC' the day before in Auckland)."""
    client = auckland_client
    ref = add_patient(client.engine, "ESK-TZ")
    plan(client, ref)
    at = now(client) - timedelta(hours=3)
    sref = checked_in(client, ref, checked_in_at=local(client, at))
    shown = local(client, at).replace("T", " ")
    page = client.get(f"/patients/{ref}/esketamine/sessions/{sref}").text
    assert f"Checked in {shown} (times in Pacific/Auckland)" in page
    assert " UTC" not in re.sub(r"<[^>]+>", " ", page)
    listing = client.get(f"/patients/{ref}/esketamine").text
    assert shown in listing and "Checked in (Pacific/Auckland)" in listing


def test_refusals_name_moments_in_the_clinic_time_zone(auckland_client: WebClient) -> None:
    """A refusal's moment (the services write UTC) is shown in the clinic's time, as its form
    takes it: before, a future observation time in Auckland was refused 'on or before ...
    UTC' beside a field labelled Pacific/Auckland."""
    client = auckland_client
    ref = add_patient(client.engine, "ESK-TZ2")
    plan(client, ref)
    future = now(client) + timedelta(days=1)
    client.as_role("clinician", via="session")
    r = client.form(
        f"/patients/{ref}/esketamine/check-in",
        {
            "predose_systolic_mmhg": "126",
            "predose_diastolic_mmhg": "80",
            "checked_in_at": local(client, future),
            "extra_medications": "",
        },
    )
    assert r.status_code == 422
    error = field_errors(r.text)["checked_in_at"]
    assert "in the future" in error and "(Pacific/Auckland)" in error and "UTC" not in error
    assert local(client, future).replace("T", " ") in error  # the given moment, as typed
