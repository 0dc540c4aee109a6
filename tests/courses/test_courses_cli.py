"""`trdcare course adverse-event / review / acknowledge / safety / adverse-event-*` end to
end, in-process, on SQLite and PostgreSQL: --json documents, exit 2 naming the field with
nothing written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from trdcare.adapters.db.models.courses import CourseAdverseEvent, CoursePause
from trdcare.cli import app
from trdcare.core.clock import utc_today

runner = CliRunner()


def trdcare(url: str, *args: str) -> Any:
    return runner.invoke(app, ["--database-url", url, *args])


def ok_json(url: str, *args: str) -> Any:
    result = trdcare(url, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


def _course(url: str, modality: str = "esketamine") -> tuple[str, str]:
    p = ok_json(
        url,
        "patient",
        "add",
        "--mrn",
        "CLI-1",
        "--given",
        "Ada",
        "--family",
        "Byron",
        "--birth-date",
        "1975-03-02",
    )["ref"]
    start = utc_today().isoformat()
    c = ok_json(url, "course", "add", p, "--modality", modality, "--start", start)["ref"]
    return p, c


def test_report_review_and_safety(database_url: str, engine: Engine) -> None:
    p, c = _course(database_url)
    doc = ok_json(
        database_url,
        "course",
        "adverse-event",
        p,
        c,
        "--kind",
        "sedation",
        "--severity",
        "severe",
        "--serious",
        "life_threatening",
        "--seen-in",
        "esketamine_session:1",
    )
    assert doc["paused"] is True and doc["adverse_event"]["serious_criteria"] == [
        "life_threatening"
    ]
    safety = ok_json(database_url, "course", "safety", p, c)
    assert safety["status"] == "paused" and "physician must review" in safety["refusal"]
    result = trdcare(database_url, "course", "review", p, c, "--by", "Dr A", "--note", "ok")
    assert result.exit_code == 2 and "decision" in result.stderr
    doc = ok_json(
        database_url,
        "course",
        "review",
        p,
        c,
        "--resume",
        "--by",
        "Dr A",
        "--note",
        "awake, SpO2 ok",
    )
    assert doc["pause"]["reviewed_by"] == "Dr A" and doc["course"]["after"] == "active"
    again = trdcare(
        database_url, "course", "review", p, c, "--stop", "--by", "Dr A", "--note", "x y"
    )
    assert again.exit_code == 2 and "not paused" in again.stderr
    assert count(engine, CoursePause) == 1


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--kind", "cough", "--severity", "mild"], "kind"),
        (["--kind", "sedation", "--severity", "awful"], "severity"),
        (["--kind", "sedation", "--severity", "mild", "--on", "2999-01-01"], "occurred_on"),
        (["--kind", "sedation", "--severity", "mild", "--on", "yesterday"], "occurred_on"),
        (["--kind", "sedation", "--severity", "mild", "--serious", "fatal"], "serious_criteria"),
        (["--kind", "other", "--severity", "mild"], "description"),
    ],
)
def test_bad_input_exits_2_naming_the_field_and_writes_nothing(
    database_url: str, engine: Engine, args: list[str], field: str
) -> None:
    p, c = _course(database_url)
    result = trdcare(database_url, "course", "adverse-event", p, c, *args, "--json")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and field in result.stderr, result.stderr
    assert count(engine, CourseAdverseEvent) == 0


def test_acknowledge_correct_retire_and_kinds(database_url: str, engine: Engine) -> None:
    p, c = _course(database_url, "vns")
    ok_json(database_url, "course", "adverse-event", p, c, "--kind", "cough", "--severity", "mild")
    event = ok_json(
        database_url,
        "course",
        "adverse-event",
        p,
        c,
        "--kind",
        "infection",
        "--severity",
        "severe",
        "--serious",
        "hospitalisation",
    )["adverse_event"]
    ok_json(database_url, "course", "review", p, c, "--stop", "--by", "Dr B", "--note", "explant")
    none = trdcare(database_url, "course", "acknowledge", p, c, "--by", "Dr B", "--note", "again")
    assert none.exit_code == 2 and "awaits acknowledgement" in none.stderr
    doc = ok_json(
        database_url,
        "course",
        "adverse-event-correct",
        p,
        str(event["id"]),
        "--reason",
        "not admitted after all",
        "--not-serious",
        "--physician",
        "Dr B",
        "--version",
        "2",
    )
    assert {"serious", "serious_criteria"} <= set(doc["changed"])
    doc = ok_json(
        database_url,
        "course",
        "adverse-event-retire",
        p,
        str(event["id"]),
        "--reason",
        "duplicate entry",
    )
    assert doc["retired_reason"].startswith("entered in error")
    kinds = ok_json(database_url, "course", "adverse-event-kinds", "dbs")
    assert "intracranial_haemorrhage" in [k["id"] for k in kinds["kinds"]]
    bad = trdcare(database_url, "course", "adverse-event-kinds", "tms")
    assert bad.exit_code == 2 and "TMS" in bad.stderr
