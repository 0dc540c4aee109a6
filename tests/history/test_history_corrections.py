"""Treatment trials and courses of the history corrected or entered in error (issue #14
finding 10), on SQLite and PostgreSQL, over the service, the API and the CLI: kept with
who, when and why; checked as the history is at import; stale changes refused."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from trdcare.adapters.db.models import CaseloadScore, Patient
from trdcare.assessments import service as assessment_service
from trdcare.cli import app
from trdcare.core.actor import Actor
from trdcare.core.errors import Conflict, InvalidInput, NotFound
from trdcare.history import service
from trdcare.history.domain import parse_history
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate
from web_support import WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)
EXAMPLE = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "examples" / "history.json").read_text()
)
ACTOR = Actor(username="dr.b", role="physician", source="test")


def _patient(session: Session, mrn: str) -> Patient:
    p = patient_service.add_patient(
        session,
        ACTOR,
        PatientCreate(mrn=mrn, given_name="A", family_name="B", birth_date=date(1970, 1, 1)),
    )
    service.import_history(session, ACTOR, p, parse_history(EXAMPLE, today=date(2026, 6, 1)))
    return p


def test_a_trial_is_corrected_then_entered_in_error(session: Session, engine: Engine) -> None:
    p = _patient(session, "H-C1")
    sertraline = next(t for t in service.list_trials(session, ACTOR, p) if t.agent == "sertraline")
    with pytest.raises(InvalidInput) as err:
        service.correct_trial(
            session, ACTOR, p, sertraline.id, {"max_daily_dose_mg": 50}, reason=""
        )
    assert err.value.issues[0].path == "reason"
    with pytest.raises(InvalidInput) as err:
        service.correct_trial(
            session, ACTOR, p, sertraline.id, {"end_date": date(2023, 1, 1)}, reason="typo"
        )
    assert "end" in err.value.issues[0].path
    with pytest.raises(InvalidInput, match="cannot be corrected"):
        service.correct_trial(session, ACTOR, p, sertraline.id, {"kind": "ect"}, reason="typo")
    row, changed = service.correct_trial(
        session,
        ACTOR,
        p,
        sertraline.id,
        {"max_daily_dose_mg": 50.0},
        reason="dose misread",
        expected_version=1,
    )
    assert changed == {"max_daily_dose_mg": (200.0, 50.0)} and row.version == 2
    _, versions = service.trial_versions(session, ACTOR, p, sertraline.id)
    assert [(v.changed_by, v.reason) for v in versions] == [("dr.b", "corrected: dose misread")]
    loaded = service.load_history(session, ACTOR, p, as_of=date(2025, 3, 1))
    assert loaded.antidepressant_trials[0].max_daily_dose_mg == 50
    with pytest.raises(Conflict, match="version 1 was shown"):
        service.retire_trial(
            session, ACTOR, p, sertraline.id, reason="not this patient's", expected_version=1
        )
    service.retire_trial(session, ACTOR, p, sertraline.id, reason="not this patient's")
    loaded = service.load_history(session, ACTOR, p, as_of=date(2025, 3, 1))
    assert "sertraline" not in [t.drug for t in loaded.antidepressant_trials]
    with pytest.raises(Conflict, match="already marked entered in error"):
        service.retire_trial(session, ACTOR, p, sertraline.id, reason="again")
    with pytest.raises(NotFound):
        service.retire_trial(session, ACTOR, p, 999999, reason="again")


def test_a_course_entered_in_error_leaves_the_caseload(session: Session, engine: Engine) -> None:
    p = _patient(session, "H-C2")
    for on, item in ((date(2024, 1, 8), 3), (date(2024, 3, 4), 1)):
        assessment_service.record_assessment(
            session,
            ACTOR,
            p,
            "phq9",
            {str(i): item for i in range(1, 10)},
            administered_at=datetime(on.year, on.month, on.day, 12, tzinfo=UTC),
        )
    course = service.add_course(
        session, ACTOR, p, modality="esketamine", start_date=date(2024, 3, 1)
    )
    session.commit()
    assert session.get(CaseloadScore, (p.id, "phq9")).baseline_total == 27  # type: ignore[union-attr]
    service.correct_course(
        session, ACTOR, p, course.ref, {"start_date": date(2024, 3, 10)}, reason="began later"
    )
    session.commit()
    session.expire_all()
    assert session.get(CaseloadScore, (p.id, "phq9")).baseline_total == 9  # type: ignore[union-attr]
    service.retire_course(session, ACTOR, p, course.ref, reason="opened for the wrong patient")
    session.commit()
    session.expire_all()
    assert session.get(CaseloadScore, (p.id, "phq9")).baseline_total == 27  # type: ignore[union-attr]
    tms = service.add_course(session, ACTOR, p, modality="tms", start_date=date(2024, 4, 1))
    with pytest.raises(Conflict, match="TMS page"):
        service.retire_course(session, ACTOR, p, tms.ref, reason="wrong")


def test_the_api_and_the_command_line(client: WebClient, database_url: str) -> None:
    ref = add_patient(client.engine)
    client.as_role("clinician")
    assert client.put(f"/api/v1/patients/{ref}/history", json=EXAMPLE).is_success
    trials = client.get(f"/api/v1/patients/{ref}/history/trials").json()
    trial = next(t for t in trials if t["agent"] == "venlafaxine")
    base = f"/api/v1/patients/{ref}/history/trials/{trial['id']}"
    client.as_role("technician")
    assert (
        client.post(f"{base}/entered-in-error", json={"reason": "wrong", "version": 1}).status_code
        == 403
    )
    client.as_role("clinician")
    empty = client.post(f"{base}/correct", json={"reason": " ", "version": 1, "sessions": 3})
    assert empty.status_code == 422 and empty.json()["errors"][0]["path"] == "reason"
    fixed = client.post(
        f"{base}/correct", json={"reason": "dose misread", "version": 1, "max_daily_dose_mg": 150}
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["changed"] == ["max_daily_dose_mg"]
    history = client.get(f"{base}/versions").json()
    assert history[0]["changes"] == [
        {"field": "max_daily_dose_mg", "before": 225.0, "after": 150.0}
    ]
    stale = client.post(f"{base}/entered-in-error", json={"reason": "wrong", "version": 1})
    assert stale.status_code == 409

    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(app, ["--database-url", database_url, *args])

    listed = run("history", "trials", ref, "--json")
    assert listed.exit_code == 0, listed.output
    ect = next(t for t in json.loads(listed.stdout) if t["kind"] == "ect")
    bad = run("history", "trial-correct", ref, str(ect["id"]), "--reason", "x")
    assert bad.exit_code == 2 and "reason" in bad.stderr
    done = run(
        "history",
        "trial-retire",
        ref,
        str(ect["id"]),
        "--reason",
        "was another patient's",
        "--json",
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["retired_reason"] == "entered in error: was another patient's"
    again = run("history", "trial-retire", ref, str(ect["id"]), "--reason", "again")
    assert again.exit_code == 2 and "already" in again.stderr


def test_the_pages(client: WebClient) -> None:
    ref = add_patient(client.engine)
    client.as_role("clinician")
    assert client.put(f"/api/v1/patients/{ref}/history", json=EXAMPLE).is_success
    trial = next(
        t
        for t in client.get(f"/api/v1/patients/{ref}/history/trials").json()
        if t["agent"] == "sertraline"
    )
    client.as_role("clinician", via="session")
    page = client.get(f"/patients/{ref}/history").text
    url = f"/patients/{ref}/history/trials/{trial['id']}"
    assert url in page and "Correct · Entered in error" in page
    assert 'id="correct-form"' in client.get(url).text
    form = {
        "version": "1",
        "max_daily_dose_mg": "150",
        "start_date": "2024-02-01",
        "end_date": "2024-04-30",
        "adherence": "good",
        "outcome": "no_response",
    }
    empty = client.form(f"{url}/correct", {**form, "reason": ""})
    assert empty.status_code == 422 and 'id="err-reason"' in empty.text
    done = client.form(f"{url}/correct", {**form, "reason": "dose misread"})
    assert done.status_code == 303, done.text
    record = client.get(url).text
    assert "corrected by clinician.test on" in record and "200.0 &rarr; 150.0" in record
    gone = client.form(f"{url}/entered-in-error", {"version": "2", "reason": "other patient"})
    assert gone.status_code == 303
    assert "Marked entered in error" in client.get(gone.headers["location"]).text
    assert "entered in error: other patient" in client.get(url).text


def test_a_course_started_in_2099_is_refused(session: Session) -> None:
    """Before, `trdcare course add --start 2099-01-01` opened an active course silently."""
    p = _patient(session, "MRN-2099")
    with pytest.raises(InvalidInput, match="too far in the future"):
        service.add_course(session, ACTOR, p, modality="tms", start_date=date(2099, 1, 1))
    course = service.add_course(
        session, ACTOR, p, modality="esketamine", start_date=date(2024, 4, 1)
    )
    with pytest.raises(InvalidInput, match="too far in the future"):
        service.correct_course(
            session, ACTOR, p, course.ref, {"start_date": date(2099, 1, 1)}, reason="typo"
        )
