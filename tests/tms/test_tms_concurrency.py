"""The TMS pathway's check-then-write use cases under simultaneous requests to a served app,
on SQLite and PostgreSQL: one course is planned, session numbers are given once each and in
order, a pause is reviewed once, serious adverse events are acknowledged once, one motor
threshold hunt is opened. The assertions count winners, never timings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from concurrency_support import BURST, ServedApp, api, burst, served_app
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient, RecordVersion, TreatmentCourse
from trdcare.adapters.db.models.tms import (
    TmsAdverseEvent,
    TmsCoursePlan,
    TmsDecisionReview,
    TmsMtSession,
    TmsPlannedSession,
    TmsProtocol,
    TmsSessionLog,
)
from trdcare.assessments import service as assessment_service
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_today
from trdcare.tms import service as tms_service
from web_support import add_patient

FIXTURES = (served_app,)
# The Rossi 2011 screen, every answer "no" (a clear screen).
NO = dict.fromkeys(
    (
        "epilepsy_or_seizure",
        "syncope",
        "head_trauma",
        "hearing_problems",
        "cochlear_implant",
        "pregnancy",
        "metal_in_head_or_spine",
        "implanted_neurostimulator",
        "pacemaker_or_intracardiac_lines",
        "medication_infusion_device",
        "medications",
        "previous_tms",
        "previous_mri",
    ),
    False,
)
SEIZURE = {"kind": "seizure", "severity": "severe"}


def _monday_before_today() -> str:
    today = utc_today()
    return (today - timedelta(days=today.weekday() + 7)).isoformat()


def _screened(app: ServedApp) -> str:
    ref = add_patient(app.engine)
    with api(app, "physician") as http:
        r = http.post(f"/api/v1/patients/{ref}/tms/screens", json={"answers": NO})
        assert r.status_code == 201, r.text
    return ref


PLAN = {"protocol": "hf10-left-dlpfc", "mt_pct_mso": 50}


def _active_course(app: ServedApp) -> str:
    """A patient with an active course, one session delivered."""
    ref = _screened(app)
    with api(app, "physician") as http:
        r = http.post(
            f"/api/v1/patients/{ref}/tms/plan", json={**PLAN, "start": _monday_before_today()}
        )
        assert r.status_code == 201, r.text
        r = http.post(f"/api/v1/patients/{ref}/tms/sessions", json={"pulses_delivered": 3000})
        assert r.status_code == 201, r.text
    return ref


def _count(app: ServedApp, what: Any, *where: Any) -> int:
    with unit_of_work(app.engine) as session:
        return int(session.scalar(select(func.count()).select_from(what).where(*where)) or 0)


def test_one_course_is_planned(served_app: ServedApp) -> None:
    ref = _screened(served_app)
    url = f"/api/v1/patients/{ref}/tms/plan"
    statuses = burst(served_app, "physician", url, {**PLAN, "start": _monday_before_today()})
    assert statuses == {201: 1, 409: BURST - 1}, statuses
    assert _count(served_app, TmsCoursePlan) == 1
    assert _count(served_app, TreatmentCourse) == 1


def test_each_session_number_is_logged_once_and_in_order(served_app: ServedApp) -> None:
    ref = _active_course(served_app)
    url = f"/api/v1/patients/{ref}/tms/sessions"
    # The next number named by every client: one is logged, the others refused.
    statuses = burst(served_app, "technician", url, {"pulses_delivered": 3000, "session_number": 2})
    assert statuses == {201: 1, 409: BURST - 1}, statuses
    # The number left to the server: each gets the next one.
    statuses = burst(served_app, "technician", url, {"pulses_delivered": 3000})
    assert statuses == {201: BURST}, statuses
    with unit_of_work(served_app.engine) as session:
        numbers = session.scalars(select(TmsSessionLog.session_number)).all()
        delivered = session.scalars(select(TmsCoursePlan.delivered_sessions)).one()
    assert sorted(numbers) == list(range(1, BURST + 3))
    assert delivered == BURST + 2


def test_a_pause_is_reviewed_once(served_app: ServedApp) -> None:
    ref = _active_course(served_app)
    with api(served_app, "technician") as http:
        r = http.post(
            f"/api/v1/patients/{ref}/tms/adverse-events",
            json={"occurred_on": utc_today().isoformat(), "adverse_events": [SEIZURE]},
        )
        assert r.json()["course"]["state"]["status"] == "paused", r.text
    url = f"/api/v1/patients/{ref}/tms/pause-review"
    statuses = burst(served_app, "physician", url, {"decision": "resume", "note": "recovered"})
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    assert _count(served_app, TmsDecisionReview, TmsDecisionReview.kind == "pause_review") == 1


def test_serious_adverse_events_are_acknowledged_once(served_app: ServedApp) -> None:
    ref = _active_course(served_app)
    with api(served_app, "physician") as http:
        url = f"/api/v1/patients/{ref}/tms/adverse-events"
        day = {"occurred_on": utc_today().isoformat(), "adverse_events": [SEIZURE]}
        assert http.post(url, json=day).status_code == 201
        stop = {"decision": "stop", "note": "seizure: no further TMS"}
        r = http.post(f"/api/v1/patients/{ref}/tms/pause-review", json=stop)
        assert r.status_code == 200, r.text
        assert http.post(url, json=day).status_code == 201  # after the course: an alert
    statuses = burst(served_app, "physician", f"{url}/acknowledge", {"note": "seen in clinic"})
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    # Each event was acknowledged once: one earlier version kept per acknowledgement.
    versions = _count(
        served_app, RecordVersion, RecordVersion.table_name == TmsAdverseEvent.__tablename__
    )
    assert versions == 2


def test_one_threshold_hunt_is_opened(served_app: ServedApp) -> None:
    ref = _screened(served_app)
    url = f"/api/v1/patients/{ref}/tms/mt"
    statuses = burst(served_app, "technician", url, {"start_pct_mso": 60})
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    assert _count(served_app, TmsMtSession) == 1
    # Responses recorded at once are each applied to the hunt, one after the other.
    statuses = burst(served_app, "technician", url, {"mep": True})
    assert set(statuses) <= {200, 409}, statuses
    with unit_of_work(served_app.engine) as session:
        hunt = session.scalars(select(TmsMtSession)).one()
        steps = session.scalar(
            select(func.count())
            .select_from(RecordVersion)
            .where(RecordVersion.table_name == TmsMtSession.__tablename__)
        )
    assert hunt.pulses == steps == statuses[200]


def test_a_custom_protocol_key_is_saved_once(served_app: ServedApp) -> None:
    """The key is unique: of simultaneous saves one is kept, the others get the 409 a later
    save gets (before: a 500 on PostgreSQL, from the unique index)."""
    definition = {
        "id": "lf1-900",
        "name": "1 Hz right, 900 pulses",
        "blocks": [
            {
                "pattern": {"kind": "rtms", "frequency_hz": 1},
                "intensity_pct_mt": 110,
                "train_duration_s": 900,
                "trains": 1,
            }
        ],
        "schedule": {
            "treatment_days": "weekdays",
            "sessions_per_day": 1,
            "acute_sessions_min": 20,
            "acute_sessions_max": 30,
        },
    }
    statuses = burst(served_app, "physician", "/api/v1/tms/protocols", definition)
    assert statuses == {201: 1, 409: BURST - 1}, statuses
    assert _count(served_app, TmsProtocol) == 1


def test_a_decision_point_is_decided_once(served_app: ServedApp) -> None:
    """Simultaneous sign-offs of one pending decision-point review: one applies its action
    (here: extend the acute phase to 36 sessions, once), the others find nothing pending."""
    ref = _screened(served_app)
    today = utc_today()
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=10)
    with api(served_app, "physician") as http:
        body = {**PLAN, "start": start.isoformat()}
        assert http.post(f"/api/v1/patients/{ref}/tms/plan", json=body).status_code == 201
    actor = Actor(username="tech.test", role="technician", source="test")
    with unit_of_work(served_app.engine) as session:
        patient = session.scalars(select(Patient).where(Patient.ref == ref)).one()
        _phq9(session, actor, patient, [3, 3, 3, 2, 2, 2, 2, 2, 1], start)  # 20
        for _ in range(30):
            entry = {"pulses_delivered": 3000, "operator": "Tech Test"}
            tms_service.log_session(session, actor, patient, entry)
        _phq9(session, actor, patient, [2, 2, 2, 1, 1, 1, 1, 1, 2], today - timedelta(days=1))
    with api(served_app, "physician") as http:
        review = http.post(f"/api/v1/patients/{ref}/tms/reviews", json={})
        assert review.json()["primary_action"] == "extend", review.text
    url = f"/api/v1/patients/{ref}/tms/reviews/decide"
    statuses = burst(served_app, "physician", url, {"decision": "accept"})
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    with unit_of_work(served_app.engine) as session:
        plan = session.scalars(select(TmsCoursePlan)).one()
        assert (plan.acute_sessions, plan.planned_sessions) == (36, 42)
        current = session.scalar(
            select(func.count())
            .select_from(TmsPlannedSession)
            .where(TmsPlannedSession.superseded_at.is_(None))
        )
    assert current == 42


def _phq9(session: Session, actor: Actor, patient: Patient, items: list[int], on: date) -> None:
    assessment_service.record_assessment(
        session,
        actor,
        patient,
        "phq9",
        {str(i + 1): v for i, v in enumerate(items)},
        administered_at=datetime(on.year, on.month, on.day, 12, tzinfo=UTC),
    )
