"""The psilocybin API and CLI on both databases: questions, screen and enrol, preparation,
a dosing day refused on the washout then recorded, observations, discharge refused too
early and signed, integration; roles; every answer carries the restriction notice."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from trdcare import cli as root_cli
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient
from trdcare.core.clock import utc_today
from trdcare.history import service as history_service
from trdcare.history.domain import parse_history
from trdcare.psilocybin.domain import exclusion_questions
from web_support import SETUP, WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)
NO = {q[0]: False for q in exclusion_questions()}
TODAY = utc_today()
runner = CliRunner()


def _history(session: Session, ref: str, *, ongoing: bool) -> None:
    patient = session.query(Patient).filter_by(ref=ref).one()
    trial: dict[str, Any] = {
        "drug": "escitalopram",
        "max_daily_dose_mg": 20,
        "start": (TODAY - timedelta(days=200)).isoformat(),
        "adherence": "good",
    }
    if ongoing:
        trial["outcome"] = "ongoing"
    else:
        trial.update(end=(TODAY - timedelta(days=40)).isoformat(), outcome="no_response")
    doc = {
        "episode": {
            "onset": (TODAY - timedelta(days=300)).isoformat(),
            "as_of": TODAY.isoformat(),
            "severity": "moderate",
        },
        "antidepressant_trials": [trial],
    }
    history_service.import_history(session, SETUP, patient, parse_history(doc, today=TODAY))


def _at(days_ago: int, hour: int) -> str:
    d = TODAY - timedelta(days=days_ago)
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC).isoformat()


SCREEN = {
    "programme": "research_protocol",
    "protocol_id": "NCT03775200",
    "protocol_name": "COMP360 phase 2b",
    "answers": NO,
    "screened_on": (TODAY - timedelta(days=20)).isoformat(),
}
DOSE = {
    "dose_mg": 25,
    "administered_at": _at(3, 9),
    "monitored_by": "Therapist T",
    "support_person": "Sam (partner)",
    "predose_systolic_mmhg": 118,
    "predose_diastolic_mmhg": 76,
}


def test_questions_carry_the_notice(client: WebClient) -> None:
    client.as_role("technician")
    r = client.get("/api/v1/psilocybin/screening-questions")
    assert r.status_code == 200
    assert r.json()["restriction"]["research_or_regulated_only"] is True
    assert len(r.json()["questions"]) == len(NO)


def test_protocol_over_http(client: WebClient) -> None:
    ref = add_patient(client.engine, "MRN-P1")
    with unit_of_work(client.engine) as session:
        _history(session, ref, ongoing=False)
    client.as_role("technician")
    assert (
        client.post(f"/api/v1/patients/{ref}/psilocybin/enrolment", json=SCREEN).status_code == 403
    )
    client.as_role("clinician")
    bad = client.post(
        f"/api/v1/patients/{ref}/psilocybin/enrolment",
        json={**SCREEN, "answers": {**NO, "psychosis_history": None}},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["path"] == "psychosis_history"
    r = client.post(f"/api/v1/patients/{ref}/psilocybin/enrolment", json=SCREEN)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "preparation" and r.json()["restriction"]
    r = client.post(f"/api/v1/patients/{ref}/psilocybin/dosing-days", json=DOSE)
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "administered_at"
    r = client.post(
        f"/api/v1/patients/{ref}/psilocybin/sessions",
        json={
            "kind": "preparation",
            "facilitator": "Therapist T",
            "duration_min": 120,
            "held_at": _at(10, 10),
        },
    )
    assert r.status_code == 201, r.text
    r = client.post(f"/api/v1/patients/{ref}/psilocybin/dosing-days", json={**DOSE, "dose_mg": 20})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "dose_mg"
    r = client.post(f"/api/v1/patients/{ref}/psilocybin/dosing-days", json=DOSE)
    assert r.status_code == 201, r.text
    client.as_role("technician")
    r = client.post(
        f"/api/v1/patients/{ref}/psilocybin/dosing-days/1/observations",
        json={"at": _at(3, 11), "pulse_bpm": 92, "spo2_pct": 98},
    )
    assert r.status_code == 200, r.text
    body = {"discharged_at": _at(3, 15), "effects_resolved": True, "support_person_present": True}
    assert (
        client.post(
            f"/api/v1/patients/{ref}/psilocybin/dosing-days/1/discharge", json=body
        ).status_code
        == 403
    )
    client.as_role("clinician")
    r = client.post(
        f"/api/v1/patients/{ref}/psilocybin/dosing-days/1/discharge",
        json={**body, "discharged_at": _at(3, 14)},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "discharged_at"
    r = client.post(f"/api/v1/patients/{ref}/psilocybin/dosing-days/1/discharge", json=body)
    assert r.status_code == 200, r.text
    r = client.post(
        f"/api/v1/patients/{ref}/psilocybin/sessions",
        json={
            "kind": "integration",
            "facilitator": "Therapist T",
            "duration_min": 60,
            "held_at": _at(2, 10),
        },
    )
    assert r.status_code == 201
    client.as_role("clinician")
    assert (
        client.post(
            f"/api/v1/patients/{ref}/psilocybin/enrolment/close",
            json={"status": "completed", "reason": "done"},
        ).status_code
        == 403
    )
    client.as_role("physician")
    r = client.post(
        f"/api/v1/patients/{ref}/psilocybin/enrolment/close",
        json={"status": "completed", "reason": "protocol complete"},
    )
    assert r.status_code == 200 and r.json()["status"] == "completed"


def test_ongoing_antidepressant_blocks_the_dose(client: WebClient) -> None:
    ref = add_patient(client.engine, "MRN-P2")
    with unit_of_work(client.engine) as session:
        _history(session, ref, ongoing=True)
    client.as_role("physician")
    assert (
        client.post(f"/api/v1/patients/{ref}/psilocybin/enrolment", json=SCREEN).status_code == 201
    )
    client.post(
        f"/api/v1/patients/{ref}/psilocybin/sessions",
        json={
            "kind": "preparation",
            "facilitator": "T",
            "duration_min": 90,
            "held_at": _at(10, 10),
        },
    )
    r = client.post(f"/api/v1/patients/{ref}/psilocybin/dosing-days", json=DOSE)
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["path"] == "washout" and "escitalopram" in str(err["given"])
    doc = client.get(f"/api/v1/patients/{ref}/psilocybin/enrolment").json()
    assert doc["dosing_days"] == [] and doc["washout_today"]["complete"] is False


def test_cli_screen_and_status(database_url: str) -> None:
    def run(*args: str) -> Any:
        return runner.invoke(root_cli.app, ["--database-url", database_url, *args])

    r = run(
        "patient",
        "add",
        "--mrn",
        "MRN-PCLI",
        "--given",
        "A",
        "--family",
        "B",
        "--birth-date",
        "2008-01-01",
        "--json",
    )
    ref = json.loads(r.stdout)["ref"]
    r = run(
        "psilocybin",
        "screen",
        ref,
        "--programme",
        "regulated_programme",
        "--protocol-id",
        "OR-LIC-1",
        "--protocol-name",
        "Oregon centre",
        "--by",
        "T",
        "--json",
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["status"] == "excluded"  # under 21 in the regulated programme
    assert doc["restriction"]["research_or_regulated_only"] is True
    r = run(
        "psilocybin",
        "screen",
        ref,
        "--programme",
        "research_protocol",
        "--protocol-id",
        "X",
        "--protocol-name",
        "Y",
        "--by",
        "T",
        "--yes",
        "nonsense",
    )
    assert r.exit_code == 2 and "yes" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run(
        "psilocybin",
        "session",
        ref,
        "--kind",
        "preparation",
        "--facilitator",
        "T",
        "--duration-min",
        "60",
    )
    assert r.exit_code == 2 and "enrolment" in r.stderr
