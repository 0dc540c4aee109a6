"""The VNS room's check-then-write use cases under simultaneous requests to a served app, on
SQLite and PostgreSQL: one implant opens one course, a titration visit is corrected or marked
entered in error once per version, and a course is ended once. The assertions count winners,
never timings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from concurrency_support import BURST, ServedApp, api, burst, served_app
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import TreatmentCourse
from trdcare.adapters.db.models.vns import VnsImplant, VnsTitration
from trdcare.core.clock import utc_today
from web_support import add_patient

FIXTURES = (served_app,)
TODAY = utc_today()
IMPLANT = {
    "implanted_on": (TODAY - timedelta(days=60)).isoformat(),
    "generator_model": "SenTiva 1000",
}
SETTING = {
    "output_current_ma": 0.25,
    "frequency_hz": 20,
    "pulse_width_us": 250,
    "on_time_s": 30,
    "off_time_min": 5,
    "visit_on": (TODAY - timedelta(days=30)).isoformat(),
}


def _count(app: ServedApp, what: Any) -> int:
    with unit_of_work(app.engine) as session:
        return int(session.scalar(select(func.count()).select_from(what)) or 0)


def test_one_implant_opens_one_course(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    statuses = burst(served_app, "physician", f"/api/v1/patients/{ref}/vns/implant", IMPLANT)
    assert statuses == {201: 1, 409: BURST - 1}, statuses
    assert _count(served_app, VnsImplant) == 1
    assert _count(served_app, TreatmentCourse) == 1


def test_a_visit_is_corrected_and_withdrawn_once_per_version(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    base = f"/api/v1/patients/{ref}/vns"
    with api(served_app, "physician") as http:
        assert http.post(f"{base}/implant", json=IMPLANT).status_code == 201
        r = http.post(f"{base}/titrations", json=SETTING)
        assert r.status_code == 201, r.text
        tid = r.json()["titration"]["id"]
    correction = {"output_current_ma": 0.5, "reason": "typed the old value", "version": 1}
    statuses = burst(served_app, "physician", f"{base}/titrations/{tid}/correct", correction)
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    retire = {"reason": "wrong patient", "version": 2}
    statuses = burst(served_app, "physician", f"{base}/titrations/{tid}/retire", retire)
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    with unit_of_work(served_app.engine) as session:
        row = session.scalars(select(VnsTitration)).one()
        assert row.version == 3 and row.retired_at is not None


def test_a_course_is_ended_once(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    base = f"/api/v1/patients/{ref}/vns"
    with api(served_app, "physician") as http:
        assert http.post(f"{base}/implant", json=IMPLANT).status_code == 201
    end = {"status": "stopped", "on": TODAY.isoformat(), "reason": "explanted"}
    statuses = burst(served_app, "physician", f"{base}/end", end)
    assert statuses == {200: 1, 409: BURST - 1}, statuses
