"""Sessions stored on the patient's neurofeedback course, on SQLite and PostgreSQL:
`nf run --patient` opens the course once and numbers its sessions, `nf course` shows the
learning curve, a paused course refuses a new session before it starts, an unknown patient
is refused before anything runs, every read and write is audited (issue 11, item 5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from typer.testing import CliRunner

from trdcare import cli as root_cli
from trdcare.adapters.db.models import AuditEvent, TreatmentCourse
from trdcare.adapters.db.models.neurofeedback import NfSession

runner = CliRunner()


def run(url: str, *args: str) -> Any:
    return runner.invoke(root_cli.app, ["--database-url", url, *args])


def ok(url: str, *args: str) -> Any:
    result = run(url, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def new_patient(url: str, mrn: str) -> str:
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


SESSION = [
    "nf",
    "run",
    "--source",
    "synthetic",
    "--fast",
    "--duration-s",
    "12",
    "--baseline-s",
    "4",
    "--block-s",
    "4",
]


def test_sessions_are_stored_on_one_course_and_shown_as_a_learning_curve(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    ref = new_patient(database_url, "NF-100")
    first = ok(database_url, *SESSION, "--patient", ref, "--record", str(tmp_path / "a.edf"))
    second = ok(database_url, *SESSION, "--patient", "NF-100", "--record", str(tmp_path / "b.edf"))
    assert first["stored"]["course"] == second["stored"]["course"]
    assert [first["stored"]["session_number"], second["stored"]["session_number"]] == [1, 2]
    assert Path(second["stored"]["recording"]) == tmp_path / "b.edf"
    view = ok(database_url, "nf", "course", ref)
    (course,) = view["courses"]
    assert course["status"] == "active" and course["primary_scale"] == "phq9"
    assert [s["session_number"] for s in course["sessions"]] == [1, 2]
    assert course["sessions"][0]["mean_feature"] == first["summary"]["mean_feature"]
    assert course["sessions"][0]["pct_time_rewarded"] == first["summary"]["pct_time_rewarded"]
    with engine.connect() as conn:
        courses = conn.execute(select(TreatmentCourse.modality)).scalars().all()
        assert courses == ["neurofeedback"]
        assert len(conn.execute(select(NfSession.id)).all()) == 2
        actions = set(conn.execute(select(AuditEvent.entity)).scalars())
    assert {"nf_session", "nf_course_view", "course"} <= actions
    text = run(database_url, "nf", "course", ref).output
    assert "session  1" in text and "session  2" in text


def test_a_paused_course_refuses_a_session_before_it_starts(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    ref = new_patient(database_url, "NF-200")
    ok(database_url, *SESSION, "--patient", ref, "--record", str(tmp_path / "a.edf"))
    with engine.begin() as conn:
        conn.execute(TreatmentCourse.__table__.update().values(status="paused"))
    result = run(database_url, *SESSION, "--patient", ref, "--record", str(tmp_path / "b.edf"))
    assert result.exit_code == 2, result.output
    assert "paused" in result.stderr
    assert not (tmp_path / "b.edf").exists()
    with engine.connect() as conn:
        assert len(conn.execute(select(NfSession.id)).all()) == 1


def test_an_unknown_patient_is_refused_before_the_session(
    database_url: str, tmp_path: Path
) -> None:
    result = run(database_url, *SESSION, "--patient", "P-NOPE", "--record", str(tmp_path / "x.edf"))
    assert result.exit_code == 2
    assert "patient" in result.stderr
    assert not (tmp_path / "x.edf").exists()
