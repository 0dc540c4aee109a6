"""`trdcare esketamine schedule|check-bp`: the JSON documents and exit status 2 on bad input
with one line naming the field, what is allowed and what was given."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from trdcare import cli as root_cli

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(root_cli.app, ["esketamine", *args])
    return result.exit_code, result.stdout, result.stderr


def test_schedule_json_shape() -> None:
    code, out, _ = _run("schedule", "--start", "2026-01-05", "--json")
    assert code == 0
    doc = json.loads(out)
    sessions = doc["sessions"]
    assert len(sessions) == 16
    assert sessions[0] == {
        "number": 1,
        "week": 1,
        "date": "2026-01-05",
        "phase": "induction",
        "first_dose": True,
    }
    assert {s["phase"] for s in sessions} == {
        "induction",
        "maintenance_weeks_5_to_8",
        "maintenance_week_9_on",
    }
    assert doc["label"]["first_approved"] == "2019-03-05"
    sources = [s for r in doc["reasons"] for s in r["sources"]]
    assert sources and all(s["citation"] and s["status"] for s in sources)


def test_schedule_every_2_weeks_spelling() -> None:
    code, out, _ = _run(
        "schedule", "--start", "2026-01-05", "--maintenance", "every-2-weeks", "--weeks", "13",
        "--json",
    )  # fmt: skip
    assert code == 0
    later = [s for s in json.loads(out)["sessions"] if s["phase"] == "maintenance_week_9_on"]
    assert [s["date"] for s in later] == ["2026-03-02", "2026-03-16", "2026-03-30"]


def test_schedule_text_names_the_missing_effective_date_in_words() -> None:
    code, out, _ = _run("schedule", "--start", "2026-01-05", "--weeks", "4")
    assert code == 0
    assert "None" not in out
    assert "effective date: not read" in out
    assert "[DESIGN]" in out


def test_check_bp_json() -> None:
    code, out, _ = _run("check-bp", "--systolic", "141", "--diastolic", "90", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["verdict"] == "warning"
    assert doc["needs_prescriber_signoff"] is True
    assert doc["blocks_dosing"] is False
    code, out, _ = _run("check-bp", "--systolic", "140", "--diastolic", "90", "--json")
    assert code == 0
    assert json.loads(out)["verdict"] == "ok"


def test_check_bp_text_warns_without_blocking() -> None:
    code, out, _ = _run("check-bp", "--systolic", "150", "--diastolic", "95")
    assert code == 0
    assert out.startswith("WARNING:")
    assert "not a block" in out


@pytest.mark.parametrize(
    ("args", "field", "given"),
    [
        (["schedule", "--start", "2026-13-01"], "start", "2026-13-01"),
        (["schedule", "--start", "2026-01-05", "--maintenance", "monthly"], "maintenance",
         "monthly"),
        (["schedule", "--start", "2026-01-05", "--weeks", "0"], "weeks", "0"),
        (["schedule", "--start", "2026-01-05", "--weeks", "2.5"], "weeks", "2.5"),
        (["schedule", "--start", "2026-01-05", "--weeks", "many"], "weeks", "many"),
        (["check-bp", "--systolic", "400", "--diastolic", "90"], "systolic_mmhg", "400"),
        (["check-bp", "--systolic", "120", "--diastolic", "abc"], "diastolic_mmhg", "abc"),
        (["check-bp", "--systolic", "120", "--diastolic", "125"], "diastolic_mmhg", "125"),
        (["check-bp", "--systolic", "nan", "--diastolic", "80"], "systolic_mmhg", "nan"),
        (["check-bp", "--systolic", "1e23", "--diastolic", "80"], "systolic_mmhg", "1e+23"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_one_line(args: list[str], field: str, given: str) -> None:
    code, out, err = _run(*args)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {field}: ")
    assert given in lines[0]
    assert "allowed" in lines[0] or "not a" in lines[0]
