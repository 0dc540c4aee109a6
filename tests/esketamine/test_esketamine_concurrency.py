"""The esketamine room's check-then-write use cases under simultaneous requests to a served
app, on SQLite and PostgreSQL: one course is planned, one session is open at a time, a dose,
a discharge, a BP sign-off and a REMS submission are each recorded once. The assertions
count winners, never timings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from concurrency_support import BURST, ServedApp, api, burst, served_app
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import TreatmentCourse
from trdcare.adapters.db.models.esketamine import EsketamineCourse, EsketamineSession
from trdcare.esketamine.domain import question_ids
from web_support import add_patient

FIXTURES = (served_app,)
PLAN = {
    "answers": dict.fromkeys(question_ids(), False),
    "signoff_note": "TRD per referral; history to follow.",
}


def _start() -> str:
    return (datetime.now(UTC) - timedelta(days=1)).date().isoformat()


def _count(app: ServedApp, what: Any) -> int:
    with unit_of_work(app.engine) as session:
        return int(session.scalar(select(func.count()).select_from(what)) or 0)


def test_one_course_is_planned(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    url = f"/api/v1/patients/{ref}/esketamine/plan"
    statuses = burst(served_app, "physician", url, {**PLAN, "start_date": _start()})
    assert statuses == {201: 1, 409: BURST - 1}, statuses
    assert _count(served_app, EsketamineCourse) == 1
    assert _count(served_app, TreatmentCourse) == 1


def test_a_session_s_steps_are_each_recorded_once(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    with api(served_app, "physician") as http:
        r = http.post(
            f"/api/v1/patients/{ref}/esketamine/plan", json={**PLAN, "start_date": _start()}
        )
        assert r.status_code == 201, r.text
    now = datetime.now(UTC)
    check_in = {
        "predose_systolic_mmhg": 150,
        "predose_diastolic_mmhg": 92,
        "checked_in_at": (now - timedelta(hours=3)).isoformat(),
    }
    statuses = burst(
        served_app, "clinician", f"/api/v1/patients/{ref}/esketamine/sessions", check_in
    )
    assert statuses == {201: 1, 409: BURST - 1}, statuses
    with unit_of_work(served_app.engine) as session:
        sref = session.scalars(select(EsketamineSession.ref)).one()
    url = f"/api/v1/patients/{ref}/esketamine/sessions/{sref}"
    statuses = burst(served_app, "physician", f"{url}/bp-signoff", {"note": "repeat 138/86"})
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    first = now - timedelta(hours=2, minutes=50)
    dose = {
        "dose_mg": 56,
        "devices": 2,
        "lot": "L1",
        "device_times": [first.isoformat(), (first + timedelta(minutes=5)).isoformat()],
    }
    statuses = burst(served_app, "clinician", f"{url}/dose", dose)
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    discharge = {
        "discharge_systolic_mmhg": 130,
        "discharge_diastolic_mmhg": 80,
        "sedation_resolved": True,
        "dissociation_resolved": True,
        "respiratory_depression_resolved": True,
        "safe_transport": True,
    }
    statuses = burst(served_app, "clinician", f"{url}/discharge", discharge)
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    statuses = burst(served_app, "clinician", f"{url}/rems-submitted", {})
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    assert _count(served_app, EsketamineSession) == 1
