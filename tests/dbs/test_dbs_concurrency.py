"""The DBS room's check-then-write use cases under simultaneous requests to a served app, on
SQLite and PostgreSQL: one surgery opens one course, a programming session is marked entered
in error once, and a course is ended once. The assertions count winners, never timings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from concurrency_support import BURST, ServedApp, api, burst, served_app
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import TreatmentCourse
from trdcare.adapters.db.models.dbs import DbsProgramming, DbsSurgery
from trdcare.core.clock import utc_today
from web_support import add_patient

FIXTURES = (served_app,)
TODAY = utc_today()
SURGERY = {
    "operated_on": (TODAY - timedelta(days=30)).isoformat(),
    "target": "scc",
    "protocol_ref": "IRB-2026-17",
    "sides": ["left", "right"],
}
SETTING = {
    "side": "left",
    "contacts": [1],
    "amplitude_ma": 3,
    "pulse_width_us": 90,
    "frequency_hz": 130,
    "programmed_on": (TODAY - timedelta(days=10)).isoformat(),
}


def _count(app: ServedApp, what: Any) -> int:
    with unit_of_work(app.engine) as session:
        return int(session.scalar(select(func.count()).select_from(what)) or 0)


def test_one_surgery_opens_one_course(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    statuses = burst(served_app, "physician", f"/api/v1/patients/{ref}/dbs/surgery", SURGERY)
    assert statuses == {201: 1, 409: BURST - 1}, statuses
    assert _count(served_app, DbsSurgery) == 1
    assert _count(served_app, TreatmentCourse) == 1


def test_a_programming_session_is_withdrawn_once(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    base = f"/api/v1/patients/{ref}/dbs"
    with api(served_app, "physician") as http:
        assert http.post(f"{base}/surgery", json=SURGERY).status_code == 201
        r = http.post(f"{base}/programmings", json=SETTING)
        assert r.status_code == 201, r.text
    with unit_of_work(served_app.engine) as session:
        pid = session.scalars(select(DbsProgramming.id)).one()
    retire = {"reason": "wrong lead", "version": 1}
    statuses = burst(served_app, "physician", f"{base}/programmings/{pid}/retire", retire)
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    with unit_of_work(served_app.engine) as session:
        assert session.scalars(select(DbsProgramming)).one().retired_at is not None


def test_a_course_is_ended_once(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    base = f"/api/v1/patients/{ref}/dbs"
    with api(served_app, "physician") as http:
        assert http.post(f"{base}/surgery", json=SURGERY).status_code == 201
    end = {"status": "stopped", "on": TODAY.isoformat(), "reason": "explanted"}
    statuses = burst(served_app, "physician", f"{base}/end", end)
    assert statuses == {200: 1, 409: BURST - 1}, statuses
