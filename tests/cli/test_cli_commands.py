"""The `trdcare` command end to end, in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner

from trdcare.adapters.db.models import (
    Assessment,
    AssessmentItem,
    AuditEvent,
    Patient,
    TreatmentTrial,
)
from trdcare.cli import app

EXAMPLE_HISTORY = Path(__file__).resolve().parents[2] / "docs" / "examples" / "history.json"
runner = CliRunner()


def trdcare(url: str, *args: str, input: str | None = None) -> Any:
    return runner.invoke(app, ["--database-url", url, *args], input=input)


def ok_json(url: str, *args: str) -> Any:
    result = trdcare(url, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


def add_patient(url: str, mrn: str = "MRN-7") -> str:
    doc = ok_json(
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


class TestNoDatabase:
    def test_score_json(self) -> None:
        result = runner.invoke(
            app, ["score", "phq9", "1", "1", "1", "1", "1", "1", "1", "1", "1", "--json"]
        )
        assert result.exit_code == 0, result.output
        doc = json.loads(result.stdout)
        assert doc["scale"] == "phq9"
        assert doc["total"] == 9
        assert doc["severity"] == "mild"
        assert [f["code"] for f in doc["flags"]] == ["suicidal_ideation"]

    def test_score_qids_uses_max_of_groups(self) -> None:
        items = ["1", "3", "0", "2", "2", "0", "2", "0", "1", "1", "1", "0", "2", "1", "1", "3"]
        doc = json.loads(runner.invoke(app, ["score", "qids_sr16", *items, "--json"]).stdout)
        assert (doc["total"], doc["severity"]) == (15, "moderate")

    @pytest.mark.parametrize(
        ("args", "field"),
        [
            (["score", "phq10", "1"], "scale"),
            (["score", "phq9", "1", "1", "1", "1", "1", "1", "1", "1", "4"], "9"),
            (["score", "gad7", "1", "x", "1", "1", "1", "1", "1"], "2"),
        ],
    )
    def test_bad_scores_exit_2_naming_the_field(self, args: list[str], field: str) -> None:
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert result.stderr.startswith("error: ")
        assert field in result.stderr.splitlines()[0]

    def test_stage_from_history_file(self) -> None:
        result = runner.invoke(app, ["stage", "--history", str(EXAMPLE_HISTORY), "--json"])
        assert result.exit_code == 0, result.output
        doc = json.loads(result.stdout)
        assert doc["trd"]["status"] in ("resistant", "not_resistant", "insufficient_information")
        assert isinstance(doc["trd"]["failed_adequate_trials"], int)
        assert 3 <= doc["maudsley"]["total"] <= 15
        assert doc["maudsley"]["band"] in ("mild", "moderate", "severe")
        assert doc["maudsley"]["components"]
        assert doc["thase_rush"]["stage"] in ("0", "I", "II", "III", "IV", "V", None)
        assert doc["mgh_s"]["total"] >= 0

    def test_stage_rejects_malformed_json(self, tmp_path: Path) -> None:
        bad = tmp_path / "h.json"
        bad.write_text('{"episode": ', encoding="utf-8")
        result = runner.invoke(app, ["stage", "--history", str(bad)])
        assert result.exit_code == 2
        assert "history: malformed JSON" in result.stderr

    def test_stage_refuses_nul_characters(self, tmp_path: Path) -> None:
        data = json.loads(EXAMPLE_HISTORY.read_text(encoding="utf-8"))
        data["antidepressant_trials"][0]["drug"] = "sertra\u0000line"
        bad = tmp_path / "h.json"
        bad.write_text(json.dumps(data), encoding="utf-8")
        result = runner.invoke(app, ["stage", "--history", str(bad)])
        assert result.exit_code == 2
        assert "antidepressant_trials.0.drug: contains a NUL character" in result.stderr

    def test_stage_names_a_bad_date_order(self, tmp_path: Path) -> None:
        data = json.loads(EXAMPLE_HISTORY.read_text(encoding="utf-8"))
        data["antidepressant_trials"][0]["end"] = "2024-01-15"
        bad = tmp_path / "h.json"
        bad.write_text(json.dumps(data), encoding="utf-8")
        result = runner.invoke(app, ["stage", "--history", str(bad)])
        assert result.exit_code == 2
        assert "antidepressant_trials.0.end" in result.stderr


class TestWithDatabase:
    def test_db_upgrade_and_status(self, database_url: str, engine: Engine) -> None:
        assert ok_json(database_url, "db", "upgrade")["to_revision"]
        assert ok_json(database_url, "db", "status")["up_to_date"] is True

    def test_patient_lifecycle(self, database_url: str, engine: Engine) -> None:
        ref = add_patient(database_url)
        listed = ok_json(database_url, "patient", "list")
        assert listed["total"] == 1
        assert listed["items"][0]["ref"] == ref
        shown = ok_json(database_url, "patient", "show", "MRN-7")
        assert shown["ref"] == ref
        updated = ok_json(
            database_url, "patient", "update", ref, "--reason", "spelling", "--family", "Lovelace"
        )
        assert (updated["family_name"], updated["version"]) == ("Lovelace", 2)

    @pytest.mark.parametrize(
        ("args", "field"),
        [
            (["--birth-date", "2999-01-01"], "birth_date"),
            (["--birth-date", "1-2-3"], "birth_date"),
            (["--birth-date", "1980-01-01", "--sex", "robot"], "sex"),
        ],
    )
    def test_bad_patient_writes_nothing(
        self, database_url: str, engine: Engine, args: list[str], field: str
    ) -> None:
        result = trdcare(
            database_url, "patient", "add", "--mrn", "X1", "--given", "A", "--family", "B", *args
        )
        assert result.exit_code == 2, result.output
        assert field in result.stderr
        assert count(engine, Patient) == 0

    def test_assess_history_stage_outcome_caseload(
        self, database_url: str, engine: Engine, tmp_path: Path
    ) -> None:
        ref = add_patient(database_url)
        ok_json(database_url, "history", "import", ref, "--file", str(EXAMPLE_HISTORY))
        assert count(engine, TreatmentTrial) == 6
        staged = ok_json(database_url, "stage", ref)
        from_file = json.loads(
            runner.invoke(app, ["stage", "--history", str(EXAMPLE_HISTORY), "--json"]).stdout
        )
        assert staged["maudsley"]["components"] and staged["trd"]["status"]
        assert staged["thase_rush"]["stage"] == from_file["thase_rush"]["stage"]
        assert staged["mgh_s"]["total"] == from_file["mgh_s"]["total"]
        start = date.today() - timedelta(weeks=3)
        ok_json(
            database_url, "course", "add", ref, "--modality", "tms", "--start", start.isoformat()
        )
        totals = [
            [3, 3, 3, 2, 2, 2, 2, 2, 0],
            [2, 2, 2, 1, 1, 1, 1, 1, 1],
            [1, 1, 1, 1, 1, 0, 0, 0, 0],
            [1, 1, 0, 0, 0, 0, 0, 0, 0],
        ]
        for week, answers in enumerate(totals):
            on = (start + timedelta(weeks=week)).isoformat()
            ok_json(database_url, "assess", ref, "phq9", *map(str, answers), "--at", on)
        assert count(engine, Assessment) == 4
        assert count(engine, AssessmentItem) == 36
        outcome = ok_json(database_url, "outcome", ref)
        assert outcome["course"].startswith("C-")
        caseload = ok_json(database_url, "caseload")
        (row,) = caseload["items"]
        assert (row["patient"], row["baseline_total"], row["latest_total"]) == (ref, 19, 2)
        assert row["response"] is True
        assert row["remission"] is True
        assert "suicidal_ideation" in row["alerts"]  # a week ago item 9 was 1
        verified = ok_json(database_url, "audit", "verify")
        assert verified["intact"] is True

    def test_bad_assessment_writes_nothing(self, database_url: str, engine: Engine) -> None:
        ref = add_patient(database_url)
        before = count(engine, AuditEvent)
        result = trdcare(
            database_url, "assess", ref, "phq9", "1", "1", "1", "1", "1", "1", "1", "1", "9"
        )
        assert result.exit_code == 2
        assert count(engine, Assessment) == 0
        assert count(engine, AuditEvent) == before
        future = (date.today() + timedelta(days=3)).isoformat()
        result = trdcare(database_url, "assess", ref, "phq9", *["1"] * 9, "--at", future)
        assert result.exit_code == 2
        assert "administered_at" in result.stderr
        assert count(engine, Assessment) == 0

    def test_unknown_patient_and_drug(
        self, database_url: str, engine: Engine, tmp_path: Path
    ) -> None:
        result = trdcare(database_url, "assess", "P-NOPE", "phq9", *["0"] * 9)
        assert result.exit_code == 2
        assert "patient" in result.stderr
        ref = add_patient(database_url)
        data = json.loads(EXAMPLE_HISTORY.read_text(encoding="utf-8"))
        data["antidepressant_trials"][0]["drug"] = "notadrug"
        data["antidepressant_trials"][1]["max_daily_dose_mg"] = -5
        bad = tmp_path / "h.json"
        bad.write_text(json.dumps(data), encoding="utf-8")
        result = trdcare(database_url, "history", "import", ref, "--file", str(bad))
        assert result.exit_code == 2
        assert "antidepressant_trials.0.drug" in result.stderr
        assert "(and 1 more)" in result.stderr
        assert count(engine, TreatmentTrial) == 0

    def test_tampering_is_detected(self, database_url: str, engine: Engine) -> None:
        add_patient(database_url, "M1")
        add_patient(database_url, "M2")
        with engine.begin() as conn:
            second = conn.scalar(select(AuditEvent.id).order_by(AuditEvent.id).offset(1).limit(1))
            conn.execute(
                text("UPDATE audit_events SET actor = 'someone else' WHERE id = :i"), {"i": second}
            )
        result = trdcare(database_url, "audit", "verify", "--json")
        assert result.exit_code == 1
        assert json.loads(result.stdout)["first_broken"]["entry_id"] == second

    def test_demo_is_deterministic_and_loads_once(self, database_url: str, engine: Engine) -> None:
        first = ok_json(database_url, "demo", "--patients", "12", "--seed", "7")
        assert first["loaded"] is True
        assert first["patients"] == 12
        assert len(first["caseload"]) == 12
        again = ok_json(database_url, "demo", "--patients", "12", "--seed", "7")
        assert again["loaded"] is False
        assert count(engine, Patient) == 12
        assert ok_json(database_url, "audit", "verify")["intact"] is True
