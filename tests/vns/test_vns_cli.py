"""`trdcare vns ...` end to end on SQLite and PostgreSQL: candidacy, implant, titration log
with the device maximum refused (exit 2, nothing written), correction, entered in error."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from trdcare import cli as root_cli
from trdcare.adapters.db.models import TreatmentCourse
from trdcare.adapters.db.models.vns import VnsImplant, VnsTitration
from trdcare.core.clock import utc_today

runner = CliRunner()
TODAY = utc_today()


def run(url: str, *args: str) -> Any:
    return runner.invoke(root_cli.app, ["--database-url", url, *args])


def ok(url: str, *args: str) -> Any:
    result = run(url, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def bad(url: str, field: str, *args: str) -> str:
    result = run(url, *args)
    assert result.exit_code == 2, result.output
    assert field in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""
    return result.stderr


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


def patient(url: str, mrn: str) -> str:
    doc = ok(
        url,
        "patient",
        "add",
        "--mrn",
        mrn,
        "--given",
        "Ada",
        "--family",
        "Byron",
        "--birth-date",
        "1975-03-02",
    )
    return str(doc["ref"])


SETTING = [
    "--frequency-hz",
    "20",
    "--pulse-width-us",
    "250",
    "--on-time-s",
    "30",
    "--off-time-min",
    "5",
]


def test_vns_course_from_the_command_line(database_url: str, engine: Engine) -> None:
    url = database_url
    ref = patient(url, "VNS-CLI")
    cand = ok(url, "vns", "candidacy", ref, "--episodes", "5", "--exclusion", "suicidal_intent=no")
    verdicts = {c["id"]: c["verdict"] for c in cand["criteria"]}
    assert verdicts["chronicity"] == "met"
    assert verdicts["exclusion_suicidal_intent"] == "met"
    assert verdicts["failed_treatments"] == "unknown"

    implanted = (TODAY - timedelta(days=40)).isoformat()
    imp = ok(url, "vns", "implant", ref, "--on", implanted, "--generator", "SenTiva 1000")
    assert imp["implant"]["implanted_on"] == implanted

    visit = (TODAY - timedelta(days=20)).isoformat()
    first = ok(url, "vns", "titrate", ref, "--current-ma", "0.25", "--on", visit, *SETTING)
    assert first["titration"]["duty_cycle_pct"] == 9.09

    before = count(engine, VnsTitration)
    message = bad(url, "output_current_ma", "vns", "titrate", ref, "--current-ma", "3.6", *SETTING)
    assert "3.5" in message and "3.6" in message
    bad(url, "output_current_ma", "vns", "titrate", ref, "--current-ma", "abc", *SETTING)
    future = (TODAY + timedelta(days=1)).isoformat()
    bad(url, "visit_on", "vns", "titrate", ref, "--current-ma", "0.5", "--on", future, *SETTING)
    bad(
        url,
        "side_effects",
        "vns",
        "titrate",
        ref,
        "--current-ma",
        "0.5",
        "--side-effect",
        "hiccups",
        *SETTING,
    )
    assert count(engine, VnsTitration) == before

    log = ok(url, "vns", "titration", ref)
    assert [t["output_current_ma"] for t in log["titrations"]] == [0.25]
    assert log["timeline"]["phase"] == "too_early"
    text = run(url, "vns", "titration", ref)
    assert text.exit_code == 0 and "too early to call non-response" in text.stdout

    tid = str(first["titration"]["id"])
    fixed = ok(
        url,
        "vns",
        "titration-correct",
        ref,
        tid,
        "--current-ma",
        "0.5",
        "--reason",
        "typed wrong",
        "--version",
        "1",
    )
    assert fixed["titration"]["version"] == 2
    assert ok(url, "vns", "versions", ref, tid)[0]["reason"] == "corrected: typed wrong"
    ok(url, "vns", "titration-retire", ref, tid, "--reason", "wrong patient")
    assert ok(url, "vns", "titration", ref)["titrations"] == []

    bad(
        url,
        "status",
        "vns",
        "end",
        ref,
        "--status",
        "paused",
        "--on",
        TODAY.isoformat(),
        "--reason",
        "explant",
    )
    ended = ok(
        url,
        "vns",
        "end",
        ref,
        "--status",
        "stopped",
        "--on",
        TODAY.isoformat(),
        "--reason",
        "explanted",
    )
    assert ended["status"] == "stopped"
    assert count(engine, VnsImplant) == 1
    with engine.connect() as conn:
        assert conn.scalar(select(TreatmentCourse.modality)) == "vns"
