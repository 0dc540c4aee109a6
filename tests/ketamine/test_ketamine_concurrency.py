"""The IV ketamine room's check-then-write use cases under simultaneous requests to a served
app, on SQLite and PostgreSQL: one series is planned, one infusion is under way at a time, an
infusion's end and its discharge are each recorded once, a correction and an entered-in-error
go through once per version, a series is stopped once. The assertions count winners, never
timings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from concurrency_support import BURST, ServedApp, api, burst, served_app
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import TreatmentCourse
from trdcare.adapters.db.models.ketamine import KetamineInfusion, KetamineSeries
from web_support import add_patient, count_rows

FIXTURES = (served_app,)


def _series(start_days_ago: int = 1) -> dict[str, Any]:
    start = (datetime.now(UTC) - timedelta(days=start_days_ago)).date().isoformat()
    return {"start": start, "weight_kg": 70}


def test_one_series_is_planned(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    url = f"/api/v1/patients/{ref}/ketamine/series"
    statuses = burst(served_app, "physician", url, _series())
    assert statuses == {201: 1, 409: BURST - 1}, statuses
    assert count_rows(served_app.engine, KetamineSeries) == 1
    assert count_rows(served_app.engine, TreatmentCourse) == 1


def test_an_infusion_s_steps_are_each_recorded_once(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    base = f"/api/v1/patients/{ref}/ketamine"
    with api(served_app, "physician") as http:
        assert http.post(f"{base}/series", json=_series()).status_code == 201
    now = datetime.now(UTC)
    start = {
        "predose_systolic_mmhg": 124,
        "predose_diastolic_mmhg": 80,
        "started_at": (now - timedelta(hours=3)).isoformat(),
    }
    statuses = burst(served_app, "clinician", f"{base}/infusions", start)
    assert statuses == {201: 1, 409: BURST - 1}, statuses
    assert count_rows(served_app.engine, KetamineInfusion) == 1
    end = {"ended_at": (now - timedelta(hours=2, minutes=20)).isoformat()}
    statuses = burst(served_app, "clinician", f"{base}/infusions/1/end", end)
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    discharge = {
        "sedation_resolved": True,
        "dissociation_resolved": True,
        "respiratory_depression_resolved": True,
    }
    statuses = burst(served_app, "clinician", f"{base}/infusions/1/discharge", discharge)
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    correction = {"version": 1, "note": "left arm", "reason": "note added after the day"}
    statuses = burst(served_app, "physician", f"{base}/infusions/1/correct", correction)
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    retire = {"version": 2, "reason": "recorded for the wrong patient"}
    statuses = burst(served_app, "physician", f"{base}/infusions/1/entered-in-error", retire)
    # The losers find no infusion 1 any more: it no longer counts once entered in error.
    assert statuses == {200: 1, 404: BURST - 1}, statuses
    with unit_of_work(served_app.engine) as session:
        assert session.scalars(select(KetamineInfusion.version)).one() == 3


def test_a_series_is_stopped_once(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    base = f"/api/v1/patients/{ref}/ketamine"
    with api(served_app, "physician") as http:
        assert http.post(f"{base}/series", json=_series()).status_code == 201
    statuses = burst(served_app, "physician", f"{base}/series/stop", {"reason": "declined"})
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    with unit_of_work(served_app.engine) as session:
        assert session.scalars(select(KetamineSeries.status)).one() == "stopped"
