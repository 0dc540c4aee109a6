"""`trdcare options`: the history-file path (no database) and the patient path (SQLite and
PostgreSQL), bad input (exit 2, the field named, nothing written) and the audited read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from pathway_support import RESISTANT, facts
from trdcare.adapters.db.models import AuditEvent
from trdcare.cli import app
from trdcare.pathway.domain.data_schema import THERAPY_IDS

runner = CliRunner()


def write(tmp_path: Path, name: str, doc: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


class TestHistoryFile:
    def test_json_lists_every_therapy_with_status_and_reasons(self, tmp_path: Path) -> None:
        result = runner.invoke(
            app,
            [
                "options",
                "--history",
                write(tmp_path, "h.json", RESISTANT),
                "--facts",
                write(tmp_path, "f.json", facts()),
                "--json",
            ],
        )
        assert result.exit_code == 0, result.output
        doc = json.loads(result.stdout)
        assert sorted(o["therapy"] for o in doc["options"]) == sorted(THERAPY_IDS)
        for option in doc["options"]:
            assert {"therapy", "status", "reasons"} <= option.keys()
            assert option["expected_time_to_response"]["text"]
            assert option["evidence"]["sources"] and option["guideline"]["sources"]
        assert doc["ordering_rule"]["text"]

    @pytest.mark.parametrize("with_facts", [True, False])
    def test_every_reason_cites_a_resolved_source(self, tmp_path: Path, with_facts: bool) -> None:
        """A reason without a source read as VERIFIED (the weakest of no statuses), and the
        proxy-dose facts cited bare catalogue tags ('scottish2024') as their citation."""
        args = ["options", "--history", write(tmp_path, "h.json", RESISTANT), "--json"]
        if with_facts:
            args[3:3] = ["--facts", write(tmp_path, "f.json", facts())]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        for option in json.loads(result.stdout)["options"]:
            for r in option["reasons"]:
                assert r["sources"], (option["therapy"], r["rule"])
                for s in r["sources"]:
                    assert s["citation"] != s["tag"], (option["therapy"], r["rule"], s)
                if all(s["tag"] == "record" for s in r["sources"]):
                    assert r["status"] == "DERIVED", (option["therapy"], r["rule"])

    def test_without_facts_and_filtered(self, tmp_path: Path) -> None:
        result = runner.invoke(
            app,
            [
                "options",
                "--history",
                write(tmp_path, "h.json", RESISTANT),
                "--therapy",
                "tms",
                "--therapy",
                "dbs",
                "--cannot-attend-daily",
                "--json",
            ],
        )
        assert result.exit_code == 0, result.output
        doc = json.loads(result.stdout)
        by_id = {o["therapy"]: o for o in doc["options"]}
        assert set(by_id) == {"tms", "dbs"}
        assert by_id["tms"]["status"] == "needs_information"
        assert by_id["dbs"]["status"] == "needs_information"  # no age without a facts file
        assert by_id["tms"]["preference_conflicts"]

    def test_text_output_names_status_and_reasons(self, tmp_path: Path) -> None:
        result = runner.invoke(app, ["options", "--history", write(tmp_path, "h.json", RESISTANT)])
        assert result.exit_code == 0, result.output
        assert "Transcranial magnetic stimulation" in result.stdout
        assert "Needs information" in result.stdout
        assert "Order: " in result.stdout

    @pytest.mark.parametrize(
        ("facts_doc", "words"),
        [
            ({"agee": 40}, "agee"),
            ({"age_years": "forty"}, "age_years"),
            (
                {"contraindications": [{"therapy": "ecx", "finding": "x"}]},
                "contraindications.0.therapy",
            ),
            ({"tms_screen": {"answers": {}}}, "tms_screen.answers"),
        ],
    )
    def test_bad_facts_exit_2_naming_the_field(
        self, tmp_path: Path, facts_doc: dict[str, Any], words: str
    ) -> None:
        result = runner.invoke(
            app,
            [
                "options",
                "--history",
                write(tmp_path, "h.json", RESISTANT),
                "--facts",
                write(tmp_path, "f.json", facts_doc),
                "--json",
            ],
        )
        assert result.exit_code == 2
        assert words in result.stderr
        assert result.stdout == ""

    def test_unknown_therapy_exit_2(self, tmp_path: Path) -> None:
        result = runner.invoke(
            app,
            ["options", "--history", write(tmp_path, "h.json", RESISTANT), "--therapy", "magic"],
        )
        assert result.exit_code == 2
        assert "therapy: unknown therapy" in result.stderr
        assert "magic" in result.stderr

    def test_neither_patient_nor_history(self) -> None:
        result = runner.invoke(app, ["options", "--json"])
        assert result.exit_code == 2
        assert "patient" in result.stderr


def trdcare(url: str, *args: str) -> Any:
    return runner.invoke(app, ["--database-url", url, *args])


def test_patient_options_are_read_from_the_record_and_audited(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    added = trdcare(
        database_url,
        "patient",
        "add",
        "--mrn",
        "MRN-OPT",
        "--given",
        "Ada",
        "--family",
        "Byron",
        "--birth-date",
        "1975-03-02",
        "--json",
    )
    assert added.exit_code == 0, added.output
    ref = json.loads(added.stdout)["ref"]
    before = trdcare(database_url, "options", ref, "--json")
    assert before.exit_code == 0, before.output
    doc = json.loads(before.stdout)
    by_id = {o["therapy"]: o for o in doc["options"]}
    assert by_id["medication"]["status"] == "needs_information"
    assert "No treatment history" in by_id["medication"]["reasons"][0]["finding"]
    imported = trdcare(
        database_url, "history", "import", ref, "--file", write(tmp_path, "h.json", RESISTANT)
    )
    assert imported.exit_code == 0, imported.output
    after = json.loads(trdcare(database_url, "options", ref, "--json").stdout)
    by_id = {o["therapy"]: o for o in after["options"]}
    assert after["patient"] == ref
    assert by_id["medication"]["status"] == "available"
    assert by_id["iv_ketamine"]["status"] == "available"
    assert by_id["tms"]["status"] == "needs_information"  # no screen recorded
    assert by_id["dbs"]["status"] in ("needs_information", "not_indicated")
    with engine.connect() as conn:
        actions = (
            conn.execute(select(AuditEvent.entity).where(AuditEvent.patient_ref == ref))
            .scalars()
            .all()
        )
    assert "treatment_options" in actions


def test_patient_options_unknown_patient_exit_2(database_url: str) -> None:
    result = trdcare(database_url, "options", "P-NOSUCH", "--json")
    assert result.exit_code == 2
    assert result.stdout == ""


def test_patient_with_facts_file_is_refused(database_url: str, tmp_path: Path) -> None:
    result = trdcare(database_url, "options", "P-X", "--facts", write(tmp_path, "f.json", {}))
    assert result.exit_code == 2
    assert "facts" in result.stderr
