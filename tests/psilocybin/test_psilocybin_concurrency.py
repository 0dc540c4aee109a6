"""The psilocybin room's check-then-write use cases under simultaneous requests to a served
app, on SQLite and PostgreSQL: one enrolment is opened, a screen under review is decided
once, one dosing day is open at a time, a dosing day is discharged once and entered in error
once, an enrolment is closed once. The assertions count winners, never timings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from test_psilocybin_pages import record_escitalopram

from concurrency_support import BURST, ServedApp, api, burst, served_app
from trdcare.adapters.db.models import TreatmentCourse
from trdcare.adapters.db.models.psilocybin import PsilocybinDosingDay, PsilocybinEnrolment
from trdcare.core.clock import utc_today
from trdcare.psilocybin.domain import exclusion_questions
from web_support import add_patient, count_rows

FIXTURES = (served_app,)
NO = {q[0]: False for q in exclusion_questions()}


def _screen(**answers: bool) -> dict[str, Any]:
    return {
        "programme": "research_protocol",
        "protocol_id": "NCT03775200",
        "protocol_name": "COMP360 phase 2b",
        "answers": {**NO, **answers},
        "screened_on": (utc_today() - timedelta(days=20)).isoformat(),
    }


def test_one_enrolment_is_opened(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    url = f"/api/v1/patients/{ref}/psilocybin/enrolment"
    statuses = burst(served_app, "clinician", url, _screen())
    assert statuses == {201: 1, 409: BURST - 1}, statuses
    assert count_rows(served_app.engine, PsilocybinEnrolment) == 1
    assert count_rows(served_app.engine, TreatmentCourse) == 1


def test_a_review_is_decided_once(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    base = f"/api/v1/patients/{ref}/psilocybin/enrolment"
    with api(served_app, "clinician") as http:
        r = http.post(base, json=_screen(family_history_psychosis_or_bipolar_i=True))
        assert r.status_code == 201 and r.json()["status"] == "review", r.text
    statuses = burst(
        served_app, "physician", f"{base}/review", {"decision": "enrol", "note": "protocol ok"}
    )
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    assert count_rows(served_app.engine, TreatmentCourse) == 1


def test_a_dosing_day_s_steps_are_each_recorded_once(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    record_escitalopram(ref, served_app, stopped_days_ago=40)
    base = f"/api/v1/patients/{ref}/psilocybin"
    now = datetime.now(UTC)
    with api(served_app, "clinician") as http:
        assert http.post(f"{base}/enrolment", json=_screen()).status_code == 201
        r = http.post(
            f"{base}/sessions",
            json={
                "kind": "preparation",
                "facilitator": "Therapist T",
                "duration_min": 120,
                "held_at": (now - timedelta(days=5)).isoformat(),
            },
        )
        assert r.status_code == 201, r.text
    dose = {
        "dose_mg": 25,
        "administered_at": (now - timedelta(hours=7)).isoformat(),
        "monitored_by": "Facilitator F",
        "support_person": "Partner P",
        "predose_systolic_mmhg": 122,
        "predose_diastolic_mmhg": 78,
    }
    statuses = burst(served_app, "clinician", f"{base}/dosing-days", dose)
    assert statuses == {201: 1, 409: BURST - 1}, statuses
    assert count_rows(served_app.engine, PsilocybinDosingDay) == 1
    discharge = {"effects_resolved": True, "support_person_present": True}
    statuses = burst(served_app, "clinician", f"{base}/dosing-days/1/discharge", discharge)
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    retire = {"version": 1, "reason": "recorded for the wrong patient"}
    statuses = burst(served_app, "physician", f"{base}/dosing-days/1/entered-in-error", retire)
    # The losers find no dosing day 1 any more: it no longer counts once entered in error.
    assert statuses == {200: 1, 404: BURST - 1}, statuses


def test_an_enrolment_is_closed_once(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    base = f"/api/v1/patients/{ref}/psilocybin/enrolment"
    with api(served_app, "clinician") as http:
        assert http.post(base, json=_screen()).status_code == 201
    statuses = burst(
        served_app, "physician", f"{base}/close", {"status": "stopped", "reason": "declined"}
    )
    assert statuses == {200: 1, 409: BURST - 1}, statuses
