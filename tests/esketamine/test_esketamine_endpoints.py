"""The esketamine API on both databases: plan, a session from check-in to discharge with the
roles the matrix gives (a technician observes but cannot discharge or sign), refusals that
name the field (422) with nothing written, the REMS form and its submission."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from trdcare.esketamine.domain import question_ids
from web_support import WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)
NO = dict.fromkeys(question_ids(), False)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _plan(client: WebClient, ref: str, **kw: Any) -> Any:
    client.as_role("physician")
    body = {
        "answers": NO,
        "start_date": (datetime.now(UTC) - timedelta(days=1)).date().isoformat(),
        "signoff_note": "TRD established at referral; history import pending.",
        **kw,
    }
    return client.post(f"/api/v1/patients/{ref}/esketamine/plan", json=body)


def _checked_in(client: WebClient, ref: str, *, hours_ago: float = 3, **kw: Any) -> str:
    client.as_role("clinician")
    now = datetime.now(UTC)
    body = {
        "predose_systolic_mmhg": 124,
        "predose_diastolic_mmhg": 78,
        "predose_spo2_pct": 98,
        "checked_in_at": _iso(now - timedelta(hours=hours_ago, minutes=15)),
        **kw,
    }
    r = client.post(f"/api/v1/patients/{ref}/esketamine/sessions", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["ref"])


def test_the_whole_session_over_the_api(client: WebClient) -> None:
    ref = add_patient(client.engine, "ESK-API")
    r = _plan(client, ref)
    assert r.status_code == 201, r.text
    course = r.json()
    assert course["eligibility_verdict"] == "needs_signoff"
    assert course["signoff"]["by"].endswith("(physician.test)")
    assert course["schedule"][0]["phase"] == "induction"
    sref = _checked_in(client, ref)
    now = datetime.now(UTC)
    first = now - timedelta(hours=3)
    r = client.post(
        f"/api/v1/patients/{ref}/esketamine/sessions/{sref}/dose",
        json={
            "dose_mg": 56,
            "devices": 2,
            "lot": "LOT-9",
            "device_times": [_iso(first), _iso(first + timedelta(minutes=5))],
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["monitoring_start"] == _iso(first + timedelta(minutes=5))
    client.as_role("technician")
    r = client.post(
        f"/api/v1/patients/{ref}/esketamine/sessions/{sref}/observations",
        json={
            "purpose": "post_dose_40_min",
            "observed_at": _iso(first + timedelta(minutes=45)),
            "systolic_mmhg": 146,
            "diastolic_mmhg": 86,
            "sedation": True,
            "spo2_pct": 96,
        },
    )
    assert r.status_code == 201, r.text
    discharge = {
        "discharge_systolic_mmhg": 128,
        "discharge_diastolic_mmhg": 80,
        "sedation_resolved": True,
        "dissociation_resolved": True,
        "respiratory_depression_resolved": True,
        "safe_transport": True,
    }
    url = f"/api/v1/patients/{ref}/esketamine/sessions/{sref}"
    assert client.post(f"{url}/discharge", json=discharge).status_code == 403  # technician
    assert client.post(f"{url}/sign", json={}).status_code == 403
    client.as_role("clinician")
    r = client.get(f"{url}/readiness")
    assert r.status_code == 200 and r.json()["ready"] is False  # sedation seen, not cleared
    r = client.post(f"{url}/discharge", json=discharge)
    assert r.status_code == 200, r.text
    assert r.json()["rems"]["state"] == "due"
    assert r.json()["discharge"]["by"].endswith("(clinician.test)")
    assert client.post(f"{url}/sign", json={}).status_code == 403  # a nurse does not sign
    client.as_role("physician")
    assert client.post(f"{url}/sign", json={}).json()["signed"]["by"].endswith("(physician.test)")
    form = client.get(f"{url}/rems-form").json()
    assert form["verified_fields"]["sedation_observed"] is True
    assert form["unverified_fields"]["dose_mg"] == 56
    client.as_role("clinician")
    r = client.post(f"{url}/rems-submitted", json={})
    assert r.json()["rems"]["state"] == "submitted"
    assert r.json()["rems"]["submitted_by"].endswith("(clinician.test)")
    assert client.post(f"{url}/rems-submitted", json={}).status_code == 409


def test_refusals_name_the_field_and_write_nothing(client: WebClient) -> None:
    ref = add_patient(client.engine, "ESK-BAD")
    r = _plan(client, ref, answers={**NO, "aneurysmal_vascular_disease": True})
    assert r.status_code == 409
    assert r.json()["errors"][0]["path"] == "answers.aneurysmal_vascular_disease"
    r = _plan(client, ref, signoff_note="")
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "signoff_note"
    client.as_role("physician")
    assert client.get(f"/api/v1/patients/{ref}/esketamine/course").status_code == 404
    assert _plan(client, ref).status_code == 201
    client.as_role("clinician")
    for body, field in (
        ({"predose_systolic_mmhg": 301, "predose_diastolic_mmhg": 80}, "predose_systolic_mmhg"),
        (
            {"predose_systolic_mmhg": 120, "predose_diastolic_mmhg": 80, "predose_spo2_pct": 101},
            "predose_spo2_pct",
        ),
        (
            {"predose_systolic_mmhg": 120, "predose_diastolic_mmhg": 80, "predose_pulse_bpm": 300},
            "predose_pulse_bpm",
        ),
        (
            {
                "predose_systolic_mmhg": 120,
                "predose_diastolic_mmhg": 80,
                "checked_in_at": _iso(datetime.now(UTC) + timedelta(days=2)),
            },
            "checked_in_at",
        ),
    ):
        r = client.post(f"/api/v1/patients/{ref}/esketamine/sessions", json=body)
        assert r.status_code == 422, r.text
        error = r.json()["errors"][0]
        assert error["path"] == field and error["allowed"] and error["given"]
    course = client.get(f"/api/v1/patients/{ref}/esketamine/course").json()
    assert course["sessions"] == []
    sref = _checked_in(client, ref, hours_ago=1)
    url = f"/api/v1/patients/{ref}/esketamine/sessions/{sref}"
    r = client.post(f"{url}/dose", json={"dose_mg": 70, "devices": 3, "lot": "L"})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "dose_mg"
    assert "56 mg" in r.json()["errors"][0]["allowed"]
    assert (
        client.post(f"{url}/dose", json={"dose_mg": 56, "devices": 2, "lot": "L"}).status_code
        == 200
    )
    r = client.post(
        f"{url}/discharge",
        json={
            "discharge_systolic_mmhg": 120,
            "discharge_diastolic_mmhg": 80,
            "sedation_resolved": True,
            "dissociation_resolved": True,
            "respiratory_depression_resolved": True,
            "safe_transport": True,
        },
    )
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "discharged_at"
    assert client.get(url).json()["status"] == "dosed"


def test_elevated_bp_is_a_warning_a_prescriber_signs_off(client: WebClient) -> None:
    ref = add_patient(client.engine, "ESK-BP")
    assert _plan(client, ref).status_code == 201
    sref = _checked_in(client, ref, predose_systolic_mmhg=152, predose_diastolic_mmhg=94)
    url = f"/api/v1/patients/{ref}/esketamine/sessions/{sref}"
    session = client.get(url).json()
    assert session["bp_check"]["verdict"] == "warning"
    assert session["bp_check"]["blocks_dosing"] is False
    assert (
        client.post(f"{url}/dose", json={"dose_mg": 56, "devices": 2, "lot": "L"}).status_code
        == 409
    )
    assert (
        client.post(f"{url}/bp-signoff", json={"note": "Recheck 146/90, proceed"}).status_code
        == 403
    )
    client.as_role("physician")
    r = client.post(f"{url}/bp-signoff", json={"note": "Recheck 146/90, proceed"})
    assert r.status_code == 200 and r.json()["bp_signoff"]["note"] == "Recheck 146/90, proceed"
    client.as_role("clinician")
    assert (
        client.post(f"{url}/dose", json={"dose_mg": 56, "devices": 2, "lot": "L"}).status_code
        == 200
    )


def test_corrections_and_entered_in_error(client: WebClient) -> None:
    ref = add_patient(client.engine, "ESK-COR")
    assert _plan(client, ref).status_code == 201
    sref = _checked_in(client, ref)
    url = f"/api/v1/patients/{ref}/esketamine/sessions/{sref}"
    client.as_role("technician")
    r = client.post(f"{url}/correct", json={"reason": "typo", "version": 1, "note": "x"})
    assert r.status_code == 403  # recorded by the clinician
    client.as_role("clinician")
    r = client.post(
        f"{url}/correct", json={"reason": "typo fixed", "version": 1, "note": "left arm"}
    )
    assert r.status_code == 200 and r.json()["changed"] == ["note"]
    r = client.post(f"{url}/correct", json={"reason": "again", "version": 1, "note": "right"})
    assert r.status_code == 409
    assert client.get(f"{url}/versions").json()[0]["changes"][0]["field"] == "note"
    r = client.post(f"{url}/entered-in-error", json={"reason": "wrong patient", "version": 2})
    assert r.status_code == 200 and r.json()["retired"] is True
    # the course takes a new check-in once the mistaken session is gone
    assert _checked_in(client, ref) != sref


def test_adverse_event_from_a_session_pauses_and_a_physician_reviews(client: WebClient) -> None:
    ref = add_patient(client.engine, "ESK-AE")
    assert _plan(client, ref).status_code == 201
    sref = _checked_in(client, ref)
    url = f"/api/v1/patients/{ref}/esketamine/sessions/{sref}/adverse-events"
    client.as_role("technician")
    r = client.post(url, json={"kind": "nausea_vomiting", "severity": "mild"})
    assert r.status_code == 201 and r.json()["paused"] is False, r.text
    r = client.post(url, json={"kind": "loss_of_consciousness", "severity": "severe"})
    assert r.status_code == 201 and r.json()["paused"] is True
    assert r.json()["course_status"] == "paused"
    assert len(client.get(url).json()) == 2
    review = f"/api/v1/patients/{ref}/esketamine/course/pause-review"
    assert client.post(review, json={"decision": "resume", "note": "ok"}).status_code == 403
    client.as_role("physician")
    r = client.post(review, json={"decision": "resume", "note": "MOAA/s back to 5; proceed"})
    assert r.status_code == 200 and r.json()["course_status"] == "active", r.text
    assert client.post(review, json={"decision": "resume", "note": "again"}).status_code == 409
