"""`trdcare dbs candidacy/surgery/program/programming/programming-retire/end` on SQLite and
PostgreSQL: a setting beyond a limit exits 2 writing nothing; an override needs the deciding
physician's name and a reason and is kept."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from trdcare import cli as root_cli
from trdcare.adapters.db.models.dbs import DbsProgramming
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
    return result.stderr


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(DbsProgramming)) or 0)


SETTING = ["--contact", "1", "--pulse-width-us", "90", "--frequency-hz", "130", "--side", "left"]


def test_dbs_course_from_the_command_line(database_url: str, engine: Engine) -> None:
    url = database_url
    ref = ok(
        url,
        "patient",
        "add",
        "--mrn",
        "DBS-CLI",
        "--given",
        "A",
        "--family",
        "B",
        "--birth-date",
        "1970-01-01",
    )["ref"]
    cand = ok(url, "dbs", "candidacy", ref, "--diagnosis", "mdd", "--research-protocol", "no")
    assert cand["investigational"] is True and cand["overall"] == "does_not_meet"
    text = run(url, "dbs", "candidacy", ref)
    assert "INVESTIGATIONAL" in text.stdout

    bad(
        url,
        "protocol_ref",
        "dbs",
        "surgery",
        ref,
        "--on",
        TODAY.isoformat(),
        "--target",
        "scc",
        "--protocol-ref",
        "",
        "--side",
        "left",
    )
    on = (TODAY - timedelta(days=20)).isoformat()
    ok(
        url,
        "dbs",
        "surgery",
        ref,
        "--on",
        on,
        "--target",
        "scc",
        "--protocol-ref",
        "IRB-7",
        "--side",
        "left",
        "--side",
        "right",
    )

    first = ok(url, "dbs", "program", ref, "--amplitude-ma", "4", *SETTING)
    assert first["programming"]["within_limits"] is True

    message = bad(url, "amplitude_ma", "dbs", "program", ref, "--amplitude-ma", "21", *SETTING)
    assert "at most 20 mA" in message and "21" in message
    bad(url, "impedance_ohm", "dbs", "program", ref, "--amplitude-v", "3", *SETTING)
    bad(
        url,
        "override_by",
        "dbs",
        "program",
        ref,
        "--amplitude-ma",
        "21",
        *SETTING,
        "--override-reason",
        "protocol arm B",
    )
    assert count(engine) == 1

    kept = ok(
        url,
        "dbs",
        "program",
        ref,
        "--amplitude-ma",
        "21",
        *SETTING,
        "--override-reason",
        "protocol arm B",
        "--override-by",
        "Dr Prescriber",
    )
    assert kept["programming"]["override"]["by"].startswith("Dr Prescriber")
    listing = run(url, "dbs", "programming", ref)
    assert "BEYOND LIMITS" in listing.stdout and "override by Dr Prescriber" in listing.stdout

    pid = str(first["programming"]["id"])
    ok(url, "dbs", "programming-retire", ref, pid, "--reason", "wrong side")
    assert len(ok(url, "dbs", "programming", ref)["programmings"]) == 1
    ended = ok(
        url,
        "dbs",
        "end",
        ref,
        "--status",
        "stopped",
        "--on",
        TODAY.isoformat(),
        "--reason",
        "protocol ended",
    )
    assert ended["status"] == "stopped"
