"""Assessments corrected or entered in error over the API and the CLI, on both databases
(issue #14 finding 10): the permission (own entries, a physician for a suicide finding),
bad input named by field, nothing written."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from typer.testing import CliRunner

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Assessment
from trdcare.cli import app
from web_support import WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)
PHQ9_12 = {"1": 3, "2": 3, "3": 3, "4": 3, "5": 0, "6": 0, "7": 0, "8": 0, "9": 0}


def _count(client: WebClient) -> int:
    with unit_of_work(client.engine) as session:
        return int(session.scalar(select(func.count()).select_from(Assessment)) or 0)


def _record(client: WebClient, ref: str, answers: dict[str, int]) -> dict[str, Any]:
    r = client.post(
        f"/api/v1/patients/{ref}/assessments", json={"scale": "phq9", "answers": answers}
    )
    assert r.status_code == 201, r.text
    return r.json()["assessment"]  # type: ignore[no-any-return]


def test_correct_and_retire_over_the_api(client: WebClient) -> None:
    ref = add_patient(client.engine)
    client.as_role("clinician")
    row = _record(client, ref, PHQ9_12)
    base = f"/api/v1/patients/{ref}/assessments/{row['id']}"
    before = _count(client)
    client.as_role("technician")  # may correct only what they entered
    denied = client.post(f"{base}/entered-in-error", json={"reason": "wrong pt", "version": 1})
    assert denied.status_code == 403
    client.as_role("clinician")
    empty = client.post(f"{base}/entered-in-error", json={"reason": "", "version": 1})
    assert empty.status_code == 422 and empty.json()["errors"][0]["path"] == "reason"
    bad = client.post(
        f"{base}/correct", json={"reason": "item 1 misread", "version": 1, "answers": {"1": 7}}
    )
    assert bad.status_code == 422 and "1" in bad.json()["errors"][0]["path"]
    assert _count(client) == before
    fixed = client.post(
        f"{base}/correct",
        json={"reason": "item 1 misread", "version": 1, "answers": {**PHQ9_12, "1": 1}},
    )
    assert fixed.status_code == 200, fixed.text
    new = fixed.json()["assessment"]
    assert (new["total"], new["version"]) == (10, 2)
    history = client.get(f"/api/v1/patients/{ref}/assessments/{new['id']}/versions").json()
    changes = {c["field"]: (c["before"], c["after"]) for c in history[0]["changes"]}
    assert changes["total"] == (12, 10) and history[0]["changed_by"] == "clinician.test"
    listed = client.get(f"/api/v1/patients/{ref}/assessments").json()["items"]
    assert [a["id"] for a in listed] == [new["id"]]  # the old version is kept, not listed
    stale = client.post(f"{base}/entered-in-error", json={"reason": "wrong pt", "version": 1})
    assert stale.status_code == 409
    gone = client.post(
        f"/api/v1/patients/{ref}/assessments/{new['id']}/entered-in-error",
        json={"reason": "other patient's form", "version": 2},
    )
    assert gone.status_code == 200, gone.text
    assert gone.json()["retired_reason"] == "entered in error: other patient's form"
    assert client.get(f"/api/v1/patients/{ref}/assessments").json()["items"] == []
    missing = client.post(
        f"/api/v1/patients/{ref}/assessments/999999/entered-in-error",
        json={"reason": "wrong pt", "version": 1},
    )
    assert missing.status_code == 404


def test_a_suicide_finding_is_retired_by_a_physician_only(client: WebClient) -> None:
    ref = add_patient(client.engine)
    client.as_role("clinician")
    row = _record(client, ref, {**PHQ9_12, "9": 2})
    url = f"/api/v1/patients/{ref}/assessments/{row['id']}/entered-in-error"
    denied = client.post(url, json={"reason": "wrong patient", "version": 1})
    assert denied.status_code == 403 and "suicide" in denied.json()["detail"]
    client.as_role("physician")
    assert client.post(url, json={"reason": "wrong patient", "version": 1}).status_code == 200


def test_the_command_line(client: WebClient, database_url: str) -> None:
    ref = add_patient(client.engine)
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(app, ["--database-url", database_url, *args])

    made = run(
        "assess", ref, "phq9", *[f"{k}={v}" for k, v in {**PHQ9_12, "9": 1}.items()], "--json"
    )
    assert made.exit_code == 0, made.output
    aid = str(json.loads(made.stdout)["assessment_id"])
    no_reason = run("assess-retire", ref, aid, "--reason", "")
    assert no_reason.exit_code == 2 and "reason" in no_reason.stderr
    no_physician = run("assess-retire", ref, aid, "--reason", "wrong patient")
    assert no_physician.exit_code == 2 and "physician" in no_physician.stderr
    fixed = run(
        "assess-correct",
        ref,
        aid,
        *[f"{k}={v}" for k, v in {**PHQ9_12, "9": 1, "1": 2}.items()],
        "--reason",
        "item 1 misread",
        "--json",
    )
    assert fixed.exit_code == 0, fixed.output
    doc = json.loads(fixed.stdout)
    assert (doc["version"], doc["total"]) == (2, 12)
    versions = run("assess-versions", ref, str(doc["assessment_id"]), "--json")
    assert json.loads(versions.stdout)[0]["reason"] == "corrected: item 1 misread"
    gone = run(
        "assess-retire",
        ref,
        str(doc["assessment_id"]),
        "--reason",
        "wrong patient",
        "--physician",
        "Dr House",
        "--json",
    )
    assert gone.exit_code == 0, gone.output
    assert json.loads(gone.stdout)["retired_reason"].endswith("(decided by Dr House)")
    assert run("assess-retire", ref, "999999", "--reason", "wrong patient").exit_code == 2


def test_the_pages(client: WebClient) -> None:
    ref = add_patient(client.engine)
    client.as_role("clinician")
    row = _record(client, ref, PHQ9_12)
    client.as_role("clinician", via="session")
    listing = client.get(f"/patients/{ref}/assessments").text
    assert (
        f"/patients/{ref}/assessments/{row['id']}" in listing
        and "Correct · Entered in error" in listing
    )
    page = client.get(f"/patients/{ref}/assessments/{row['id']}")
    assert page.status_code == 200 and 'id="correct-form"' in page.text
    items = {f"item_{k}": str(v) for k, v in PHQ9_12.items()}
    empty = client.form(
        f"/patients/{ref}/assessments/{row['id']}/correct", {**items, "version": "1", "reason": ""}
    )
    assert empty.status_code == 422 and 'id="err-reason"' in empty.text
    bad = client.form(
        f"/patients/{ref}/assessments/{row['id']}/correct",
        {**items, "item_1": "9", "version": "1", "reason": "item 1 misread"},
    )
    assert bad.status_code == 422 and "None" not in bad.text
    done = client.form(
        f"/patients/{ref}/assessments/{row['id']}/correct",
        {**items, "item_1": "1", "version": "1", "reason": "item 1 misread"},
    )
    assert done.status_code == 303, done.text
    record = client.get(done.headers["location"]).text
    assert "corrected by clinician.test on" in record and "item 1 misread" in record
    assert "12 &rarr; 10" in record
    new_id = done.headers["location"].rsplit("/", 1)[1]
    gone = client.form(
        f"/patients/{ref}/assessments/{new_id}/entered-in-error",
        {"version": "2", "reason": "other patient's form"},
    )
    assert gone.status_code == 303
    assert "Marked entered in error" in client.get(gone.headers["location"]).text
