"""The care plan over HTTP on both databases: built step by step over the API (each change a
new version with who, when and why; the earlier kept), refused naming the field with
nothing written, a stale version refused, roles from the one matrix, the scheduled
measure's self-report link, scores attributed to the therapies active when taken, the
editor page and its forms (a refused form shown again in plain words), the chart panel,
and the dashboard's overdue flag once the clock passes a measure's due day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import AuditEvent, CarePlanRow, RecordVersion, SelfReportLink
from trdcare.core.clock import utc_today
from trdcare.pathway import service as plan_service
from trdcare.patients import service as patient_service
from web_support import (
    SETUP,
    WebClient,
    add_patient,
    assert_plain,
    client,
    field_errors,
    machine_words,
    web_app,
)

FIXTURES = (client, web_app)
TODAY = utc_today()


def api(ref: str, tail: str = "") -> str:
    return f"/api/v1/patients/{ref}/care-plan{tail}"


def versions_kept(client: WebClient) -> tuple[int, int]:
    with unit_of_work(client.engine) as session:
        plans = session.scalar(select(func.count()).select_from(CarePlanRow)) or 0
        kept = session.scalar(
            select(func.count()).select_from(RecordVersion)
            .where(RecordVersion.table_name == "care_plans")
        ) or 0  # fmt: skip
        return int(plans), int(kept)


def build(client: WebClient, ref: str) -> dict[str, Any]:
    """TMS + psychotherapy + medication and a weekly PHQ-9 by self-report; version 4."""
    start = TODAY - timedelta(days=20)
    r = client.post(api(ref, "/therapies"), json={
        "therapy": "medication", "start_date": str(start - timedelta(days=60)),
        "detail": "sertraline 150 mg daily", "reason": "current antidepressant", "version": 0})  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json() == {"version": 1, "key": "T1"}
    r = client.post(api(ref, "/therapies"), json={
        "therapy": "tms", "start_date": str(start), "reason": "TMS course planned",
        "version": 1})  # fmt: skip
    assert r.status_code == 201, r.text
    r = client.post(api(ref, "/therapies"), json={
        "therapy": "psychotherapy", "start_date": str(start), "detail": "CBT weekly",
        "reason": "CBT alongside", "version": 2})  # fmt: skip
    assert r.status_code == 201, r.text
    r = client.post(api(ref, "/measures"), json={
        "scale": "phq9", "completed_by": "patient", "every_days": 7, "start_date": str(start),
        "reason": "weekly self-report", "version": 3})  # fmt: skip
    assert r.status_code == 201 and r.json() == {"version": 4, "key": "M1"}, r.text
    return client.get(api(ref)).json()


def test_a_plan_built_and_changed_keeps_every_version(client: WebClient) -> None:
    ref = add_patient(client.engine, "CP-1")
    client.as_role("clinician")
    # A score before the plan and one while all three ran.
    for days_ago, value in ((25, 3), (6, 2)):
        r = client.post(f"/api/v1/patients/{ref}/assessments", json={
            "scale": "phq9", "answers": {str(i): value for i in range(1, 10)},
            "administered_at": (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()})  # fmt: skip
        assert r.status_code == 201, r.text
    plan = build(client, ref)
    assert [t["label"] for t in plan["therapies"]] == ["Medication", "TMS", "Psychotherapy"]
    assert all(t["active_today"] for t in plan["therapies"])
    (m,) = plan["measures"]
    assert m["scale_name"] == "PHQ-9" and m["last_on"] == str(TODAY - timedelta(days=6))
    assert m["due_on"] == str(TODAY + timedelta(days=1)) and not m["overdue"]
    latest = plan["attributed_scores"][-1]
    assert latest["therapies"] == ["T1", "T2", "T3"]
    assert plan["attributed_scores"][0]["therapies"] == ["T1"]  # before TMS and CBT began
    tms = next(o for o in plan["outcomes"] if o["therapy_key"] == "T2")
    assert (tms["baseline_total"], tms["latest_total"]) == (27, 18)  # the outcome rule's baseline

    # A mistake, then its correction: the interval typed as 70, corrected to 7 days.
    r = client.post(api(ref, "/measures/M1"), json={
        "completed_by": "patient", "every_days": 70, "start_date": m["start_date"],
        "reason": "fortnightly", "version": 4})  # fmt: skip
    assert r.status_code == 200, r.text
    r = client.post(api(ref, "/measures/M1"), json={
        "completed_by": "patient", "every_days": 14, "start_date": m["start_date"],
        "reason": "typing error: 14, not 70", "version": 5})  # fmt: skip
    assert r.status_code == 200 and r.json()["version"] == 6
    r = client.post(api(ref, "/therapies/T3/remove"), json={
        "reason": "CBT not started: entered in error", "version": 6})  # fmt: skip
    assert r.status_code == 200
    r = client.put(api(ref, "/preferences"), json={
        "drug_free": True, "note": "would rather not take more tablets",
        "reason": "discussed at the visit", "version": 7})  # fmt: skip
    assert r.status_code == 200 and r.json()["version"] == 8
    plan = client.get(api(ref)).json()
    assert plan["version"] == 8 and plan["updated_by"] == "clinician.test"
    assert plan["preferences"]["stated"] == [
        "Wants a drug-free option",
        "would rather not take more tablets",
    ]
    assert [t["key"] for t in plan["therapies"] if t["current"]] == ["T1", "T2"]
    assert plan["attributed_scores"][-1]["therapies"] == ["T1", "T2"]
    versions = client.get(api(ref, "/versions")).json()
    assert [v["version"] for v in versions] == [8, 7, 6, 5, 4, 3, 2, 1]
    assert versions[2]["reason"] == "typing error: 14, not 70"
    assert versions[2]["changes"] == ["Changed PHQ-9 (M1): every 70 -> 14 days"]
    assert versions[1]["changes"] == ["Removed Psychotherapy (T3) as entered in error"]
    assert versions[-1]["changes"][0].startswith("Added Medication (T1) from ")
    assert versions_kept(client) == (1, 7)
    with unit_of_work(client.engine) as session:
        kinds = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity == "care_plan")
        ).all()
    assert kinds.count("create") == 1 and kinds.count("update") == 7 and "read" in kinds
    # What the treatment-options engine reads.
    with unit_of_work(client.engine) as session:
        patient = patient_service.find_patient(session, SETUP, ref)
        prefs = plan_service.care_plan_preferences(session, SETUP, patient)
    assert prefs.drug_free and not prefs.cannot_attend_daily


def test_a_stale_version_is_refused_with_nothing_written(client: WebClient) -> None:
    ref = add_patient(client.engine, "CP-2")
    client.as_role("physician")
    build(client, ref)
    before = versions_kept(client)
    r = client.post(api(ref, "/therapies"), json={
        "therapy": "ect", "start_date": str(TODAY), "reason": "shown an old plan", "version": 3})  # fmt: skip
    assert r.status_code == 409, r.text
    assert "was corrected by physician.test" in r.json()["detail"]
    r = client.post(api(ref, "/therapies"), json={
        "therapy": "ect", "start_date": str(TODAY), "reason": "thought it was new", "version": 0})  # fmt: skip
    assert r.status_code == 409 and "since it was shown" in r.json()["detail"]
    assert versions_kept(client) == before


BAD = [
    ("/therapies", {"therapy": "ultrasound"}, "therapy", "is not a therapy trdcare knows"),
    ("/therapies", {"end_date": "2000-01-01"}, "end_date", "is before the start"),
    (
        "/therapies",
        {"start_date": "1950-01-01"},
        "start_date",
        "before the patient's date of birth",
    ),
    ("/therapies", {"start_date": "2099-01-01"}, "start_date", "too far in the future"),
    ("/therapies", {"course_ref": "C-NOPE"}, "course_ref", "is not a course of this patient"),
    ("/therapies", {"reason": ""}, "reason", "Reason for the change"),
    ("/therapies", {"start_date": "soon"}, "start_date", "Start date"),
    ("/therapies", {"colour": "red"}, "colour", "colour"),
    ("/measures", {"scale": "bdi"}, "scale", "is not a scale trdcare scores"),
    ("/measures", {"scale": "madrs"}, "completed_by", "cannot complete this scale"),
    ("/measures", {"completed_by": "family"}, "completed_by", "is not who can complete"),
    ("/measures", {"every_days": 0}, "every_days", "Every (days)"),
    ("/measures", {"every_days": 10000}, "every_days", "Every (days)"),
    ("/measures", {"every_days": "weekly"}, "every_days", "Every (days)"),
    ("/measures", {"version": -1}, "version", "Version shown"),
]


@pytest.mark.parametrize(("tail", "change", "field", "words"), BAD)
def test_bad_input_names_the_field_and_writes_nothing(
    client: WebClient, tail: str, change: dict[str, Any], field: str, words: str
) -> None:
    ref = add_patient(client.engine, "CP-3", birth_date=date(1980, 5, 1))
    client.as_role("physician")
    base = (
        {"therapy": "tms", "start_date": str(TODAY), "reason": "plan", "version": 0}
        if tail == "/therapies"
        else {"scale": "phq9", "completed_by": "patient", "every_days": 7,
              "start_date": str(TODAY), "reason": "plan", "version": 0}
    )  # fmt: skip
    r = client.post(api(ref, tail), json={**base, **change})
    assert r.status_code == 422, r.text
    assert words in r.text, r.text
    assert any(field in str(e.get("loc", e.get("field", ""))) or field in str(e)
               for e in r.json().get("errors", [r.json()])), r.text  # fmt: skip
    assert versions_kept(client) == (0, 0)


def test_unknown_entries_and_patients(client: WebClient) -> None:
    ref = add_patient(client.engine, "CP-4")
    client.as_role("physician")
    build(client, ref)
    r = client.post(api(ref, "/therapies/T9"), json={
        "start_date": str(TODAY), "reason": "fix", "version": 4})  # fmt: skip
    assert r.status_code == 404 and "no therapy T9" in r.text
    r = client.post(api(ref, "/measures/X1/remove"), json={"reason": "fix", "version": 4})
    assert r.status_code == 422
    assert client.get(api("P-0000000000")).status_code == 404


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [("physician", 200, 201), ("clinician", 200, 201), ("technician", 200, 403),
     ("front_desk", 403, 403), ("admin", 403, 403), (None, 401, 401)],
)  # fmt: skip
def test_roles_from_the_one_matrix(
    client: WebClient, role: str | None, read: int, write: int
) -> None:
    ref = add_patient(client.engine, "CP-5")
    client.as_role(role)
    assert client.get(api(ref)).status_code == read
    r = client.post(api(ref, "/therapies"), json={
        "therapy": "tms", "start_date": str(TODAY), "reason": "plan", "version": 0})  # fmt: skip
    assert r.status_code == write


def test_the_measure_s_self_report_link(client: WebClient) -> None:
    ref = add_patient(client.engine, "CP-6")
    client.as_role("clinician")
    build(client, ref)
    r = client.post(api(ref, "/measures/M1/link"), json={"expires_in_hours": 48})
    assert r.status_code == 201, r.text
    assert r.json()["scale"] == "phq9" and "/r/" in r.json()["url"]
    r = client.post(api(ref, "/measures"), json={
        "scale": "madrs", "completed_by": "clinician", "every_days": 28,
        "start_date": str(TODAY), "reason": "clinician rating", "version": 4})  # fmt: skip
    assert r.status_code == 201
    r = client.post(api(ref, "/measures/M2/link"), json={})
    assert r.status_code == 422 and "is completed by a clinician" in r.text
    with unit_of_work(client.engine) as session:
        assert session.scalar(select(func.count()).select_from(SelfReportLink)) == 1
    # The link the patient answers is the schedule's: the measure is no longer due.
    r = client.get(api(ref)).json()
    assert r["measures"][0]["last_on"] is None


def test_the_dashboard_flags_an_overdue_measure(
    client: WebClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = add_patient(client.engine, "CP-7", given_name="Grace", family_name="Hopper")
    client.as_role("physician")
    build(client, ref)  # PHQ-9 weekly from 20 days ago, never completed: due 13 days ago
    client.as_role("physician", via="session")
    page = client.get("/dashboard").text
    row = page[page.index("Hopper") :][:3000]
    assert "Care-plan measure overdue" in row
    client.as_role("physician")
    r = client.post(f"/api/v1/patients/{ref}/assessments", json={
        "scale": "phq9", "answers": {str(i): 1 for i in range(1, 10)}})  # fmt: skip
    assert r.status_code == 201, r.text
    client.as_role("physician", via="session")
    page = client.get("/dashboard").text
    assert "Care-plan measure overdue" not in page[page.index("Hopper") :][:3000]
    # Eight days later (the clock moved), the weekly measure is overdue again.
    later = TODAY + timedelta(days=8)
    monkeypatch.setattr(plan_service, "utc_today", lambda: later)
    page = client.get("/dashboard").text
    assert "Care-plan measure overdue" in page[page.index("Hopper") :][:3000]
    chart = client.get(f"/patients/{ref}").text
    assert "overdue by 1 day" in chart


def test_the_editor_page_and_its_forms(client: WebClient) -> None:
    ref = add_patient(client.engine, "CP-8")
    client.as_role("clinician", via="session")
    page = client.get(f"/patients/{ref}/care-plan")
    assert page.status_code == 200 and "No care plan yet" in page.text
    form = {"therapy": "tms", "start_date": str(TODAY), "end_date": "", "detail": "",
            "course_ref": "", "reason": "TMS planned", "version": "0"}  # fmt: skip
    r = client.form(f"/patients/{ref}/care-plan/therapies", form)
    assert r.status_code == 303, r.text
    # Empty and absurd values: shown again in plain words beside their fields, nothing saved.
    r = client.form(f"/patients/{ref}/care-plan/measures", {
        "scale": "madrs", "completed_by": "patient", "every_days": "", "start_date": str(TODAY),
        "reason": "", "version": "1"})  # fmt: skip
    assert r.status_code == 422
    assert_plain(r.text)
    errors = field_errors(r.text)
    assert "every_days" in errors and "reason" in errors, errors
    r = client.form(f"/patients/{ref}/care-plan/measures", {
        "scale": "madrs", "completed_by": "patient", "every_days": "99999",
        "start_date": str(TODAY), "reason": "weekly", "version": "1"})  # fmt: skip
    assert r.status_code == 422 and "every_days" in field_errors(r.text)
    r = client.form(f"/patients/{ref}/care-plan/measures", {
        "scale": "madrs", "completed_by": "patient", "every_days": "7",
        "start_date": str(TODAY), "reason": "weekly", "version": "1"})  # fmt: skip
    assert r.status_code == 422
    assert "cannot complete this scale" in field_errors(r.text)["completed_by"]
    assert 'value="weekly"' in r.text  # the values typed are kept
    # The correction.
    r = client.form(f"/patients/{ref}/care-plan/measures", {
        "scale": "madrs", "completed_by": "clinician", "every_days": "28",
        "start_date": str(TODAY), "reason": "monthly clinician rating", "version": "1"})  # fmt: skip
    assert r.status_code == 303, r.text
    r = client.form(f"/patients/{ref}/care-plan/preferences", {
        "cannot_attend_daily": "on", "note": "", "reason": "told us", "version": "2"})  # fmt: skip
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"]).text
    for words in ("Care plan saved as a new version", "Cannot attend daily sessions",
                  "MADRS", "Clinician (rated at a visit)", "Version 3", "monthly clinician rating"):  # fmt: skip
        assert words in page, words
    assert "None" not in page.replace("none on the plan", "")
    assert not machine_words(page), machine_words(page)
    chart = client.get(f"/patients/{ref}").text
    assert "Care plan" in chart and "Open the care plan editor" in chart
    client.as_role("technician", via="session")
    page = client.get(f"/patients/{ref}/care-plan").text
    assert "Add the therapy" not in page and "MADRS" in page
