"""`trdcare report course|prior-auth` on SQLite and PostgreSQL: the PDF and JSON files
written, their text checked; bad input exits 2 with one line naming the field and writes no
file; every document made is one audited export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from reports_support import tms_record
from trdcare import cli as root_cli
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import AuditEvent
from trdcare.core.actor import Actor

runner = CliRunner()


def run(url: str, *args: str) -> Any:
    return runner.invoke(root_cli.app, ["--database-url", url, *args])


def exports(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "export")
            )
            or 0
        )


def _record(engine: Engine, actor: Actor) -> tuple[str, str]:
    with unit_of_work(engine) as session:
        rec = tms_record(session, actor)
        return rec.patient.ref, rec.course_ref


def test_course_report_and_packets_are_written(
    database_url: str, engine: Engine, actor: Actor, tmp_path: Path
) -> None:
    patient, course = _record(engine, actor)
    out = tmp_path / "course.pdf"
    result = run(database_url, "report", "course", course, "--out", str(out))
    assert result.exit_code == 0, result.output
    text = "\n".join(p.extract_text() for p in PdfReader(out).pages)
    assert course in text and "headache" in text and "Response" in text

    pdf = tmp_path / "packet.pdf"
    result = run(
        database_url, "report", "prior-auth", patient, "--therapy", "tms", "--out", str(pdf)
    )
    assert result.exit_code == 0, result.output
    assert "item(s) missing from the record" in result.stdout
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "sertraline" in text and "no psychotherapy trial recorded" in text

    doc_file = tmp_path / "packet.json"
    result = run(
        database_url,
        "report",
        "prior-auth",
        patient,
        "--therapy",
        "esketamine",
        "--out",
        str(doc_file),
        "--json",
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(doc_file.read_text())
    assert doc["therapy"] == "esketamine"
    assert [t["drug"] for t in doc["antidepressant_trials"]] == [
        "sertraline",
        "venlafaxine",
        "mirtazapine",
    ]
    assert "planned_protocol" in {m["item"] for m in doc["missing"]}
    assert exports(engine) == 3


def test_bad_input_exits_2_naming_the_field_and_writes_nothing(
    database_url: str, engine: Engine, actor: Actor, tmp_path: Path
) -> None:
    patient, course = _record(engine, actor)
    cases = [
        (("report", "course", "C-NONE", "--out", str(tmp_path / "a.pdf")), "course"),
        (("report", "course", course, "--out", str(tmp_path / "a.txt")), "--out"),
        (("report", "course", course, "--out", str(tmp_path / "no" / "a.pdf")), "--out"),
        (
            ("report", "prior-auth", patient, "--therapy", "ect", "--out", str(tmp_path / "b.pdf")),
            "therapy",
        ),
        (
            (
                "report",
                "prior-auth",
                "P-NONE",
                "--therapy",
                "tms",
                "--out",
                str(tmp_path / "c.pdf"),
            ),
            "patient",
        ),
        (
            (
                "report",
                "prior-auth",
                patient,
                "--therapy",
                "tms",
                "--out",
                str(tmp_path / "d.pdf"),
                "--json",
            ),
            "--out",
        ),
    ]
    for args, field in cases:
        result = run(database_url, *args)
        assert result.exit_code == 2, (args, result.output)
        assert field in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert exports(engine) == 0


def test_without_weasyprint_the_pdf_command_says_so_plainly(
    database_url: str, engine: Engine, actor: Actor, tmp_path: Path, monkeypatch: Any
) -> None:
    import builtins

    _, course = _record(engine, actor)
    real_import = builtins.__import__

    def no_weasyprint(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    out = tmp_path / "course.pdf"
    result = run(database_url, "report", "course", course, "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "WeasyPrint and the Pango library" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()
    assert exports(engine) == 0


def test_the_app_and_the_command_start_without_loading_weasyprint() -> None:
    """WeasyPrint is imported only when a PDF is made: `trdcare serve` and every other
    command start on a machine without Pango."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['weasyprint'] = None\n"
        "from trdcare.adapters.web.app import create_app\n"
        "import trdcare.cli, trdcare.reports.pages, trdcare.reports.endpoints\n"
        "print('started')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "started"
