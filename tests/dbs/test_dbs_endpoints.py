"""The DBS room over HTTP on both databases (INVESTIGATIONAL for depression): candidacy,
surgery under a research protocol, programming with charge computed, a setting beyond a limit
refused (409, nothing written) unless a physician records an override with a reason (kept and
shown), voltage without impedance refused, entered in error; the charge calculator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import TreatmentCourse
from trdcare.adapters.db.models.dbs import DbsProgramming
from trdcare.core.clock import utc_today
from web_support import WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)
TODAY = utc_today()


def count(client: WebClient, model: type) -> int:
    with unit_of_work(client.engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def operated(client: WebClient, mrn: str) -> str:
    ref = add_patient(client.engine, mrn)
    client.as_role("physician")
    r = client.post(
        f"/api/v1/patients/{ref}/dbs/surgery",
        json={
            "operated_on": (TODAY - timedelta(days=30)).isoformat(),
            "target": "scc",
            "protocol_ref": "IRB-2026-17",
            "sides": ["left", "right"],
            "surgeon": "Dr Stereo",
        },
    )
    assert r.status_code == 201, r.text
    return ref


def program(client: WebClient, ref: str, **body: Any) -> Any:
    values: dict[str, Any] = {
        "side": "left",
        "contacts": [1],
        "pulse_width_us": 90,
        "frequency_hz": 130,
        "programmed_on": (TODAY - timedelta(days=10)).isoformat(),
    }
    values.update(body)
    return client.post(f"/api/v1/patients/{ref}/dbs/programmings", json=values)


def test_the_calculator_keeps_its_json(client: WebClient) -> None:
    client.as_role("front_desk")
    r = client.post("/api/v1/dbs/charge", json={"amplitude_ma": 20, "pulse_width_us": 90})
    assert r.status_code == 200
    doc = r.json()
    assert (doc["charge_per_phase_uc"], doc["charge_density_uc_per_cm2"]) == (1.8, 30)
    assert doc["within_limits"] is True
    bad = client.post("/api/v1/dbs/charge", json={"amplitude_v": 3, "pulse_width_us": 90})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["path"] == "impedance_ohm"


def test_candidacy_is_marked_investigational(client: WebClient) -> None:
    ref = add_patient(client.engine, "DBS-C")
    client.as_role("clinician")
    r = client.post(
        f"/api/v1/patients/{ref}/dbs/candidacy",
        json={"diagnosis": "mdd", "research_protocol": "yes", "protocol_ref": "IRB-1"},
    )
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["investigational"] is True
    verdicts = {c["id"]: c["verdict"] for c in doc["criteria"]}
    assert verdicts["age"] == "met"
    assert verdicts["failed_treatments"] == "unknown"
    assert verdicts["research_protocol"] == "met"
    bad = client.post(f"/api/v1/patients/{ref}/dbs/candidacy", json={"diagnosis": "flu"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "diagnosis"


def test_surgery_needs_a_protocol_and_opens_a_dbs_course(client: WebClient) -> None:
    ref = add_patient(client.engine, "DBS-S")
    client.as_role("physician")
    for body, path in (
        ({"target": "stn"}, "target"),
        ({"sides": []}, "sides"),
        ({"protocol_ref": ""}, "protocol_ref"),
        ({"operated_on": (TODAY + timedelta(days=1)).isoformat()}, "operated_on"),
        ({"operated_on": "1950-01-01"}, "operated_on"),
    ):
        full = {
            "operated_on": TODAY.isoformat(),
            "target": "vc_vs",
            "protocol_ref": "IDE-9",
            "sides": ["left"],
            **body,
        }
        r = client.post(f"/api/v1/patients/{ref}/dbs/surgery", json=full)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["errors"][0]["path"] == path, r.json()
    assert count(client, TreatmentCourse) == 0
    client.as_role("clinician")
    r = client.post(
        f"/api/v1/patients/{ref}/dbs/surgery",
        json={
            "operated_on": TODAY.isoformat(),
            "target": "scc",
            "protocol_ref": "x",
            "sides": ["left"],
        },
    )
    assert r.status_code == 403


def test_programming_within_limits_is_stored_with_its_charge(client: WebClient) -> None:
    ref = operated(client, "DBS-P")
    client.as_role("clinician")
    r = program(client, ref, amplitude_ma=20)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert (doc["charge_per_phase_uc"], doc["charge_density_uc_per_cm2"]) == (1.8, 30)
    assert doc["within_limits"] is True and doc["override"] is None
    volts = program(
        client, ref, side="right", amplitude_v=8, impedance_ohm=1000, pulse_width_us=210
    )
    assert volts.status_code == 201
    assert volts.json()["current_is_estimate"] is True
    overview = client.get(f"/api/v1/patients/{ref}/dbs").json()
    assert overview["investigational"] is True
    assert [s["side"] for s in overview["current_settings"]] == ["left", "right"]


def test_voltage_without_impedance_is_refused_and_nothing_written(client: WebClient) -> None:
    ref = operated(client, "DBS-V")
    before = count(client, DbsProgramming)
    r = program(client, ref, amplitude_v=3)
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == "impedance_ohm"
    assert count(client, DbsProgramming) == before


def test_beyond_limits_is_refused_unless_a_physician_overrides(client: WebClient) -> None:
    ref = operated(client, "DBS-O")
    client.as_role("clinician")
    refused = program(client, ref, amplitude_ma=21)
    assert refused.status_code == 409
    issue = refused.json()["errors"][0]
    assert issue["path"] == "amplitude_ma"
    assert issue["given"] == "21"
    assert issue["allowed"].startswith("at most 20 mA at 90 µs")
    assert count(client, DbsProgramming) == 0
    not_physician = program(client, ref, amplitude_ma=21, override_reason="trial arm requires it")
    assert not_physician.status_code == 403
    assert count(client, DbsProgramming) == 0
    client.as_role("physician")
    kept = program(client, ref, amplitude_ma=21, override_reason="protocol arm B, monitored")
    assert kept.status_code == 201, kept.text
    override = kept.json()["override"]
    assert override["by"] == "physician.test"
    assert override["reason"] == "protocol arm B, monitored"
    assert override["at"]
    assert kept.json()["within_limits"] is False
    pointless = program(client, ref, amplitude_ma=3, override_reason="just because")
    assert pointless.status_code == 422
    assert pointless.json()["errors"][0]["path"] == "override_reason"


def test_bad_programming_input(client: WebClient) -> None:
    ref = operated(client, "DBS-B")
    for body, path in (
        ({"amplitude_ma": 3, "contacts": [7]}, "contacts.0"),
        ({"amplitude_ma": 3, "contacts": []}, "contacts"),
        ({"amplitude_ma": 3, "amplitude_v": 2, "impedance_ohm": 900}, "amplitude"),
        ({}, "amplitude"),
        (
            {"amplitude_ma": 3, "programmed_on": (TODAY + timedelta(days=1)).isoformat()},
            "programmed_on",
        ),
        (
            {"amplitude_ma": 3, "programmed_on": (TODAY - timedelta(days=31)).isoformat()},
            "programmed_on",
        ),
        ({"amplitude_ma": 3, "side": "middle"}, "side"),
        ({"amplitude_ma": 40}, "amplitude_ma"),
    ):
        r = program(client, ref, **body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["errors"][0]["path"] == path, (body, r.json())
    assert count(client, DbsProgramming) == 0


def test_entered_in_error_and_course_end(client: WebClient) -> None:
    ref = operated(client, "DBS-E")
    pid = program(client, ref, amplitude_ma=3).json()["id"]
    client.as_role("clinician")
    mine_not = client.post(
        f"/api/v1/patients/{ref}/dbs/programmings/{pid}/retire",
        json={"reason": "not mine", "version": 1},
    )
    assert mine_not.status_code == 403
    client.as_role("physician")
    gone = client.post(
        f"/api/v1/patients/{ref}/dbs/programmings/{pid}/retire",
        json={"reason": "wrong lead", "version": 1},
    )
    assert gone.status_code == 200
    overview = client.get(f"/api/v1/patients/{ref}/dbs").json()
    assert overview["programmings"] == []
    assert overview["withdrawn_programmings"][0]["retired_reason"] == "entered in error: wrong lead"
    ended = client.post(
        f"/api/v1/patients/{ref}/dbs/end",
        json={"status": "stopped", "on": TODAY.isoformat(), "reason": "explanted"},
    )
    assert ended.status_code == 200
    assert program(client, ref, amplitude_ma=3).status_code == 409


def test_a_paused_course_refuses_programming(client: WebClient) -> None:
    from trdcare.adapters.db.models import Patient
    from trdcare.courses import service as courses_service
    from web_support import SETUP

    ref = operated(client, "DBS-PAUSE")
    course_ref = client.get(f"/api/v1/patients/{ref}/dbs").json()["surgery"]["course"]
    with unit_of_work(client.engine) as session:
        patient = session.scalars(select(Patient).where(Patient.ref == ref)).one()
        course = courses_service.course_of(session, patient, course_ref)
        courses_service.report_adverse_event(
            session,
            SETUP,
            patient,
            course,
            kind="seizure",
            severity="severe",
            occurred_on=TODAY,
            serious_criteria=["important_medical_event"],
        )
    refused = program(client, ref, amplitude_ma=3)
    assert refused.status_code == 409
    assert "paused" in str(refused.json())
    assert count(client, DbsProgramming) == 0
    assert client.get(f"/api/v1/patients/{ref}/dbs").json()["safety"]["paused"] is True
