"""The courses room's check-then-write use cases under simultaneous requests to a served
app, on SQLite and PostgreSQL: a pause is reviewed once, serious adverse events are
acknowledged once, and simultaneous serious reports open one pause. The assertions count
winners, never timings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from concurrency_support import BURST, ServedApp, api, burst, served_app
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient, RecordVersion
from trdcare.adapters.db.models.courses import CourseAdverseEvent, CoursePause
from trdcare.core.clock import utc_today
from trdcare.history import service as history_service
from web_support import SETUP, add_patient

FIXTURES = (served_app,)
RESPIRATORY = {"kind": "respiratory_depression", "severity": "severe"}


def _course(app: ServedApp, modality: str = "esketamine") -> tuple[str, str]:
    ref = add_patient(app.engine)
    with unit_of_work(app.engine) as session:
        patient = session.scalars(select(Patient).where(Patient.ref == ref)).one()
        course = history_service.add_course(
            session, SETUP, patient, modality=modality, start_date=utc_today()
        )
        return ref, course.ref


def _count(app: ServedApp, model: Any, *where: Any) -> int:
    with unit_of_work(app.engine) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_a_pause_is_reviewed_once(served_app: ServedApp) -> None:
    ref, course = _course(served_app)
    base = f"/api/v1/patients/{ref}/courses/{course}"
    with api(served_app, "technician") as http:
        r = http.post(
            f"{base}/adverse-events", json={**RESPIRATORY, "occurred_on": utc_today().isoformat()}
        )
        assert r.status_code == 201 and r.json()["paused"], r.text
    statuses = burst(
        served_app, "physician", f"{base}/pause-review", {"decision": "resume", "note": "SpO2 ok"}
    )
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    assert _count(served_app, CoursePause, CoursePause.reviewed_at.is_not(None)) == 1


def test_serious_adverse_events_are_acknowledged_once(served_app: ServedApp) -> None:
    ref, course = _course(served_app, "vns")
    base = f"/api/v1/patients/{ref}/courses/{course}"
    day = {
        "kind": "dyspnoea",
        "severity": "severe",
        "occurred_on": utc_today().isoformat(),
        "serious_criteria": ["hospitalisation"],
    }
    with api(served_app, "physician") as http:
        assert http.post(f"{base}/adverse-events", json=day).status_code == 201
        stop = {"decision": "stop", "note": "explant discussed"}
        assert http.post(f"{base}/pause-review", json=stop).status_code == 200
        assert http.post(f"{base}/adverse-events", json=day).status_code == 201  # after: alert
    statuses = burst(
        served_app, "physician", f"{base}/adverse-events/acknowledge", {"note": "seen in clinic"}
    )
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    # Each event was acknowledged once: one earlier version kept per acknowledgement.
    table = CourseAdverseEvent.__tablename__
    assert _count(served_app, RecordVersion, RecordVersion.table_name == table) == 2


def test_simultaneous_serious_reports_open_one_pause(served_app: ServedApp) -> None:
    ref, course = _course(served_app, "dbs")
    url = f"/api/v1/patients/{ref}/courses/{course}/adverse-events"
    body = {"kind": "seizure", "severity": "moderate", "occurred_on": utc_today().isoformat()}
    statuses = burst(served_app, "technician", url, body)
    assert statuses == {201: BURST}, statuses
    assert _count(served_app, CourseAdverseEvent) == BURST
    assert _count(served_app, CoursePause) == 1
