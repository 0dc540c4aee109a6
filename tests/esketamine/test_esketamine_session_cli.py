"""`trdcare esketamine plan|session|dose|observe|discharge|sign|rems ...` on SQLite and
PostgreSQL: a session from check-in to REMS submission; bad input exits 2 naming the field
with nothing written."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from trdcare import cli as root_cli
from trdcare.adapters.db.models.esketamine import EsketamineCourse, EsketamineSession

runner = CliRunner()


def run(url: str, *args: str) -> Any:
    return runner.invoke(root_cli.app, ["--database-url", url, *args])


def ok(url: str, *args: str) -> Any:
    result = run(url, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def bad(url: str, field: str, *args: str) -> None:
    result = run(url, *args)
    assert result.exit_code == 2, result.output
    assert field in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def test_a_session_from_the_command_line(database_url: str, engine: Engine) -> None:
    ref = ok(
        database_url,
        "patient",
        "add",
        "--mrn",
        "ESK-CLI",
        "--given",
        "Ada",
        "--family",
        "Byron",
        "--birth-date",
        "1975-03-02",
    )["ref"]
    start = (date.today() - timedelta(days=1)).isoformat()
    bad(database_url, "answers", "esketamine", "plan", ref, "--start", start)
    bad(
        database_url,
        "answers.hypersensitivity",
        "esketamine",
        "plan",
        ref,
        "--start",
        start,
        "--yes",
        "hypersensitivity",
        "--rest-no",
    )
    bad(database_url, "signoff_note", "esketamine", "plan", ref, "--start", start, "--rest-no")
    assert count(engine, EsketamineCourse) == 0
    course = ok(
        database_url,
        "esketamine",
        "plan",
        ref,
        "--start",
        start,
        "--rest-no",
        "--physician",
        "Dr P",
        "--signoff-note",
        "TRD per referral letter",
    )
    assert course["eligibility_verdict"] == "needs_signoff" and len(course["schedule"]) == 16
    now = datetime.now(UTC)
    bad(
        database_url,
        "predose_spo2_pct",
        "esketamine",
        "session",
        ref,
        "--systolic",
        "120",
        "--diastolic",
        "80",
        "--spo2",
        "101",
    )
    assert count(engine, EsketamineSession) == 0
    s = ok(
        database_url,
        "esketamine",
        "session",
        ref,
        "--systolic",
        "145",
        "--diastolic",
        "85",
        "--at",
        iso(now - timedelta(hours=3)),
        "--medication",
        "clonazepam",
    )
    sref = s["ref"]
    assert s["bp_check"]["verdict"] == "warning" and s["concomitant"][0]["name"] == "clonazepam"
    bad(
        database_url,
        "sign off",
        "esketamine",
        "dose",
        ref,
        sref,
        "--dose-mg",
        "56",
        "--devices",
        "2",
        "--lot",
        "L",
    )
    ok(
        database_url,
        "esketamine",
        "bp-signoff",
        ref,
        sref,
        "--physician",
        "Dr P",
        "--note",
        "recheck 138/84",
    )
    bad(
        database_url,
        "dose_mg",
        "esketamine",
        "dose",
        ref,
        sref,
        "--dose-mg",
        "84",
        "--devices",
        "3",
        "--lot",
        "L",
    )  # day 1 is 56 mg
    first = now - timedelta(hours=2, minutes=40)
    s = ok(
        database_url,
        "esketamine",
        "dose",
        ref,
        sref,
        "--dose-mg",
        "56",
        "--devices",
        "2",
        "--lot",
        "LOT-7",
        "--device-at",
        iso(first),
        "--device-at",
        iso(first + timedelta(minutes=5)),
    )
    assert s["status"] == "dosed"
    ok(
        database_url,
        "esketamine",
        "observe",
        ref,
        sref,
        "--purpose",
        "post-dose-40-min",
        "--systolic",
        "150",
        "--diastolic",
        "90",
        "--dissociation",
        "--at",
        iso(first + timedelta(minutes=45)),
    )
    bad(
        database_url,
        "discharged_at",
        "esketamine",
        "discharge",
        ref,
        sref,
        "--by",
        "RN A",
        "--systolic",
        "130",
        "--diastolic",
        "80",
        "--sedation-resolved",
        "--dissociation-resolved",
        "--respiratory-depression-resolved",
        "--safe-transport",
        "--at",
        iso(first + timedelta(hours=1)),
    )
    # A pressure still elevated at discharge needs the review confirmed (modalities.md §1.2,
    # UNVERIFIED); nothing is written without it.
    bad(
        database_url,
        "elevated_bp_reviewed",
        "esketamine",
        "discharge",
        ref,
        sref,
        "--by",
        "RN A",
        "--systolic",
        "160",
        "--diastolic",
        "80",
        "--sedation-resolved",
        "--dissociation-resolved",
        "--respiratory-depression-resolved",
        "--safe-transport",
    )
    s = ok(
        database_url,
        "esketamine",
        "discharge",
        ref,
        sref,
        "--by",
        "RN A",
        "--systolic",
        "130",
        "--diastolic",
        "80",
        "--sedation-resolved",
        "--dissociation-resolved",
        "--respiratory-depression-resolved",
        "--safe-transport",
    )
    assert s["status"] == "discharged" and s["rems"]["state"] == "due"
    tasks = ok(database_url, "esketamine", "rems", "tasks")
    assert tasks["patients"][ref]["alerts"] == ["rems_form_due"]
    form = ok(database_url, "esketamine", "rems", "form", ref, sref)
    assert form["verified_fields"]["dissociation_observed"] is True
    s = ok(database_url, "esketamine", "rems", "submitted", ref, sref, "--by", "RN A")
    assert s["rems"]["state"] == "submitted" and s["rems"]["submitted_by"] == "RN A"
    s = ok(database_url, "esketamine", "sign", ref, sref, "--physician", "Dr P")
    assert s["signed"]["by"] == "Dr P"
    fixed = ok(
        database_url,
        "esketamine",
        "correct",
        ref,
        sref,
        "--lot",
        "LOT-8",
        "--reason",
        "lot misread",
    )
    assert fixed["changed"] == {"lot": ["LOT-7", "LOT-8"]}
    status = ok(database_url, "esketamine", "status", ref)
    assert status["delivered_sessions"] == 1


def test_adverse_event_and_pause_review_from_the_command_line(
    database_url: str, engine: Engine
) -> None:
    ref = ok(
        database_url,
        "patient",
        "add",
        "--mrn",
        "ESK-CLI-AE",
        "--given",
        "Ada",
        "--family",
        "Byron",
        "--birth-date",
        "1975-03-02",
    )["ref"]
    start = (date.today() - timedelta(days=1)).isoformat()
    ok(
        database_url,
        "esketamine",
        "plan",
        ref,
        "--start",
        start,
        "--rest-no",
        "--physician",
        "Dr P",
        "--signoff-note",
        "TRD per referral letter",
    )
    sref = ok(database_url, "esketamine", "session", ref, "--systolic", "120", "--diastolic", "80")[
        "ref"
    ]
    bad(
        database_url,
        "kind",
        "esketamine",
        "adverse-event",
        ref,
        sref,
        "--kind",
        "bogus",
        "--severity",
        "mild",
    )
    doc = ok(
        database_url,
        "esketamine",
        "adverse-event",
        ref,
        sref,
        "--kind",
        "vertigo",
        "--severity",
        "moderate",
        "--serious",
        "important_medical_event",
    )
    assert doc["paused"] is True and doc["serious"] is True
    bad(
        database_url,
        "paused",
        "esketamine",
        "dose",
        ref,
        sref,
        "--dose-mg",
        "56",
        "--devices",
        "2",
        "--lot",
        "L",
    )
    doc = ok(
        database_url,
        "esketamine",
        "pause-review",
        ref,
        "--decision",
        "resume",
        "--physician",
        "Dr P",
        "--note",
        "resolved; proceed",
    )
    assert doc["course_status"] == "active"
