"""The IV ketamine API on both databases: calculators, plan, infusion from baseline to
discharge, the blood-pressure sign-off, bad input (422 naming the field, nothing written),
roles, corrections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from trdcare.core.clock import utc_now
from web_support import WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)

START = utc_now().date() - timedelta(days=7)


def _at(days: int, hour: int, minute: int = 0) -> str:
    d = START + timedelta(days=days)
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=UTC).isoformat()


def _plan(client: WebClient, ref: str) -> None:
    client.as_role("physician")
    r = client.post(
        f"/api/v1/patients/{ref}/ketamine/series",
        json={"start": START.isoformat(), "weight_kg": 80},
    )
    assert r.status_code == 201, r.text


class TestTools:
    def test_dose_is_off_label_and_sourced(self, client: WebClient) -> None:
        client.as_role("technician")
        r = client.post("/api/v1/ketamine/dose", json={"weight_kg": 70})
        assert r.status_code == 200
        doc = r.json()
        assert (doc["dose_mg"], doc["infusion_min"], doc["rate_mg_per_min"]) == (35.0, 40, 0.88)
        assert doc["off_label"]["off_label"] is True

    def test_a_dose_outside_bounds_is_422_naming_field_allowed_given(
        self, client: WebClient
    ) -> None:
        client.as_role("physician")
        r = client.post("/api/v1/ketamine/dose", json={"weight_kg": 70, "dose_mg_per_kg": 2})
        assert r.status_code == 422
        err = r.json()["errors"][0]
        assert err["path"] == "dose_mg_per_kg"
        assert "0.5" in err["allowed"] and "2" in str(err["given"])

    def test_calendar_is_unverified(self, client: WebClient) -> None:
        client.as_role("clinician")
        r = client.get("/api/v1/ketamine/series-calendar", params={"start": "2026-01-05"})
        assert r.status_code == 200
        assert r.json()["status"] == "UNVERIFIED" and len(r.json()["planned"]) == 6

    def test_front_desk_is_refused(self, client: WebClient) -> None:
        client.as_role("front_desk")
        assert client.post("/api/v1/ketamine/dose", json={"weight_kg": 70}).status_code == 403


class TestInfusionDay:
    def test_from_baseline_to_discharge(self, client: WebClient) -> None:
        ref = add_patient(client.engine, "MRN-K1")
        _plan(client, ref)
        client.as_role("clinician")
        r = client.post(
            f"/api/v1/patients/{ref}/ketamine/infusions",
            json={
                "predose_systolic_mmhg": 125,
                "predose_diastolic_mmhg": 82,
                "predose_spo2_pct": 98,
                "started_at": _at(0, 9),
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["dose"]["dose_mg"] == 40.0 and r.json()["number"] == 1
        client.as_role("technician")
        r = client.post(
            f"/api/v1/patients/{ref}/ketamine/infusions/1/observations",
            json={
                "at": _at(0, 9, 20),
                "systolic_mmhg": 138,
                "diastolic_mmhg": 88,
                "pulse_bpm": 84,
                "spo2_pct": 97,
                "dissociation": True,
            },
        )
        assert r.status_code == 200, r.text
        client.as_role("clinician")
        assert (
            client.post(
                f"/api/v1/patients/{ref}/ketamine/infusions/1/end", json={"ended_at": _at(0, 9, 40)}
            ).status_code
            == 200
        )
        # the technician cannot sign a discharge
        client.as_role("technician")
        body = {
            "discharged_at": _at(0, 11, 40),
            "sedation_resolved": True,
            "dissociation_resolved": True,
            "respiratory_depression_resolved": True,
        }
        assert (
            client.post(
                f"/api/v1/patients/{ref}/ketamine/infusions/1/discharge", json=body
            ).status_code
            == 403
        )
        client.as_role("clinician")
        early = {**body, "discharged_at": _at(0, 11, 39)}
        r = client.post(f"/api/v1/patients/{ref}/ketamine/infusions/1/discharge", json=early)
        assert r.status_code == 422
        assert r.json()["errors"][0]["path"] == "discharged_at"
        r = client.post(f"/api/v1/patients/{ref}/ketamine/infusions/1/discharge", json=body)
        assert r.status_code == 200, r.text
        assert r.json()["discharge_signed_by"]
        doc = client.get(f"/api/v1/patients/{ref}/ketamine/series").json()
        assert doc["discharged_infusions"] == 1 and doc["next_infusion"]["number"] == 2
        assert doc["off_label"]["off_label"] is True

    def test_elevated_bp_needs_a_physician(self, client: WebClient) -> None:
        ref = add_patient(client.engine, "MRN-K2")
        _plan(client, ref)
        client.as_role("clinician")
        body = {"predose_systolic_mmhg": 150, "predose_diastolic_mmhg": 85, "started_at": _at(0, 9)}
        r = client.post(f"/api/v1/patients/{ref}/ketamine/infusions", json=body)
        assert r.status_code == 422
        assert r.json()["errors"][0]["path"] == "bp_signoff_reason"
        r = client.post(
            f"/api/v1/patients/{ref}/ketamine/infusions",
            json={**body, "bp_signoff_reason": "rechecked, benefit outweighs"},
        )
        assert r.status_code == 403
        client.as_role("physician")
        r = client.post(
            f"/api/v1/patients/{ref}/ketamine/infusions",
            json={**body, "bp_signoff_reason": "rechecked, benefit outweighs"},
        )
        assert r.status_code == 201, r.text
        assert r.json()["bp_warning"] is True and r.json()["bp_signoff_by"]

    def test_vitals_out_of_range_are_refused_and_nothing_written(self, client: WebClient) -> None:
        ref = add_patient(client.engine, "MRN-K3")
        _plan(client, ref)
        client.as_role("physician")
        r = client.post(
            f"/api/v1/patients/{ref}/ketamine/infusions",
            json={
                "predose_systolic_mmhg": 1200,
                "predose_diastolic_mmhg": 80,
                "predose_spo2_pct": 9,
            },
        )
        assert r.status_code == 422
        paths = [e["path"] for e in r.json()["errors"]]
        assert paths == ["predose_systolic_mmhg", "predose_spo2_pct"]
        assert client.get(f"/api/v1/patients/{ref}/ketamine/series").json()["infusions"] == []

    def test_future_start_is_refused(self, client: WebClient) -> None:
        ref = add_patient(client.engine, "MRN-K4")
        _plan(client, ref)
        client.as_role("physician")
        later = (utc_now() + timedelta(days=1)).isoformat()
        r = client.post(
            f"/api/v1/patients/{ref}/ketamine/infusions",
            json={"predose_systolic_mmhg": 120, "predose_diastolic_mmhg": 80, "started_at": later},
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["path"] == "started_at"

    def test_only_a_physician_plans(self, client: WebClient) -> None:
        ref = add_patient(client.engine, "MRN-K5")
        client.as_role("clinician")
        r = client.post(
            f"/api/v1/patients/{ref}/ketamine/series",
            json={"start": START.isoformat(), "weight_kg": 80},
        )
        assert r.status_code == 403

    def test_correct_and_retire_with_versions(self, client: WebClient) -> None:
        ref = add_patient(client.engine, "MRN-K6")
        _plan(client, ref)
        r = client.post(
            f"/api/v1/patients/{ref}/ketamine/infusions",
            json={
                "predose_systolic_mmhg": 120,
                "predose_diastolic_mmhg": 80,
                "started_at": _at(0, 9),
            },
        )
        assert r.status_code == 201
        r = client.post(
            f"/api/v1/patients/{ref}/ketamine/infusions/1/correct",
            json={"note": "cannula left arm", "reason": "add site", "version": 1},
        )
        assert r.status_code == 200, r.text
        assert r.json()["changed"] == ["note"] and r.json()["record"]["version"] == 2
        r = client.post(
            f"/api/v1/patients/{ref}/ketamine/infusions/1/entered-in-error",
            json={"reason": "wrong chart", "version": 1},
        )
        assert r.status_code == 409
        r = client.post(
            f"/api/v1/patients/{ref}/ketamine/infusions/1/entered-in-error",
            json={"reason": "wrong chart", "version": 2},
        )
        assert r.status_code == 200
        r = client.get(f"/api/v1/patients/{ref}/ketamine/infusions/1/versions")
        assert r.status_code == 404  # retired: no longer in the series
