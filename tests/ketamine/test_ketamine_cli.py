"""`trdcare ketamine ...` on SQLite and PostgreSQL: calculators without a database, then a
series planned and an infusion from baseline to discharge; bad input exits 2 with one line
naming the field and writes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from trdcare import cli as root_cli
from trdcare.adapters.db.models.ketamine import KetamineInfusion, KetamineSeries
from trdcare.core.clock import utc_now

runner = CliRunner()


def run(url: str | None, *args: str) -> Any:
    pre = ["--database-url", url] if url else []
    return runner.invoke(root_cli.app, [*pre, *args])


def ok(url: str | None, *args: str) -> Any:
    result = run(url, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def bad(url: str | None, field: str, *args: str) -> str:
    result = run(url, *args)
    assert result.exit_code == 2, result.output
    assert field in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    return str(result.stderr)


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


class TestWithoutDatabase:
    def test_dose_json(self) -> None:
        doc = ok(None, "ketamine", "dose", "--weight-kg", "70")
        assert (doc["dose_mg"], doc["infusion_min"]) == (35.0, 40)
        assert doc["off_label"]["off_label"] is True

    def test_text_says_off_label(self) -> None:
        result = run(None, "ketamine", "dose", "--weight-kg", "70")
        assert result.exit_code == 0 and "OFF-LABEL" in result.stdout

    def test_dose_outside_bounds_exits_2(self) -> None:
        err = bad(
            None,
            "dose_mg_per_kg",
            "ketamine",
            "dose",
            "--weight-kg",
            "70",
            "--dose-mg-per-kg",
            "0.6",
        )
        assert "0.5" in err and "0.6" in err

    def test_calendar_is_labelled_unverified(self) -> None:
        doc = ok(None, "ketamine", "calendar", "--start", "2026-01-05")
        assert doc["status"] == "UNVERIFIED" and len(doc["planned"]) == 6
        bad(
            None,
            "infusions_per_week",
            "ketamine",
            "calendar",
            "--start",
            "2026-01-05",
            "--per-week",
            "4",
        )


def test_series_from_plan_to_discharge(database_url: str, engine: Engine) -> None:
    url = database_url
    ref = ok(
        url,
        "patient",
        "add",
        "--mrn",
        "MRN-KCLI",
        "--given",
        "Ada",
        "--family",
        "Byron",
        "--birth-date",
        "1975-03-02",
    )["ref"]
    start = utc_now().date() - timedelta(days=3)
    bad(
        url,
        "weight_kg",
        "ketamine",
        "plan",
        ref,
        "--start",
        start.isoformat(),
        "--weight-kg",
        "300",
        "--physician",
        "Dr A",
    )
    assert count(engine, KetamineSeries) == 0
    doc = ok(
        url,
        "ketamine",
        "plan",
        ref,
        "--start",
        start.isoformat(),
        "--weight-kg",
        "64",
        "--physician",
        "Dr A",
    )
    assert doc["dose_mg"] == 32.0 and doc["rules_status"] == "UNVERIFIED"

    def at(hour: int, minute: int = 0) -> str:
        return datetime(start.year, start.month, start.day, hour, minute, tzinfo=UTC).isoformat()

    bad(
        url,
        "bp_signoff_reason",
        "ketamine",
        "start",
        ref,
        "--by",
        "Nurse B",
        "--systolic",
        "160",
        "--diastolic",
        "85",
        "--at",
        at(9),
    )
    bad(
        url,
        "bp_signer",
        "ketamine",
        "start",
        ref,
        "--by",
        "Nurse B",
        "--systolic",
        "160",
        "--diastolic",
        "85",
        "--at",
        at(9),
        "--bp-signoff-reason",
        "rechecked twice",
    )
    assert count(engine, KetamineInfusion) == 0
    doc = ok(
        url,
        "ketamine",
        "start",
        ref,
        "--by",
        "Nurse B",
        "--systolic",
        "160",
        "--diastolic",
        "85",
        "--at",
        at(9),
        "--bp-signoff-reason",
        "rechecked twice",
        "--physician",
        "Dr A",
    )
    assert doc["bp_warning"] is True and doc["bp_signoff_by"] == "Dr A"
    bad(url, "spo2_pct", "ketamine", "observe", ref, "1", "--at", at(9, 15), "--spo2", "101")
    ok(
        url,
        "ketamine",
        "observe",
        ref,
        "1",
        "--at",
        at(9, 15),
        "--spo2",
        "97",
        "--dissociation",
        "--by",
        "Tech C",
    )
    ok(url, "ketamine", "end", ref, "1", "--at", at(9, 40))
    bad(
        url,
        "discharged_at",
        "ketamine",
        "discharge",
        ref,
        "1",
        "--by",
        "Nurse B",
        "--at",
        at(11, 39),
        "--sedation-resolved",
        "--dissociation-resolved",
        "--respiratory-depression-resolved",
    )
    doc = ok(
        url,
        "ketamine",
        "discharge",
        ref,
        "1",
        "--by",
        "Nurse B",
        "--at",
        at(11, 40),
        "--sedation-resolved",
        "--dissociation-resolved",
        "--respiratory-depression-resolved",
    )
    assert doc["discharged_at"].startswith(start.isoformat())
    doc = ok(
        url,
        "ketamine",
        "correct",
        ref,
        "1",
        "--reason",
        "add site",
        "--note",
        "left arm",
        "--version",
        "1",
    )
    assert doc["changed"] == ["note"]
    status = ok(url, "ketamine", "status", ref)
    assert status["discharged_infusions"] == 1
    ok(url, "ketamine", "stop", ref, "--reason", "patient moved away")
    assert ok(url, "ketamine", "status", ref)["status"] == "stopped"
