"""The demo clinic's TMS courses are TMS-pathway courses (issue 14 #15).

Before, a demo patient's chart listed "tms ... active" while its TMS panel said "No TMS
course planned": the demo opened a generic course only. Now each demo TMS course is made
by the TMS service: a safety screen, an ML-PEST motor threshold, a plan, the sessions due
so far with their side effects and adverse events, signed decision-point reviews, and some
courses paused by a serious adverse event, awaiting a physician.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient
from trdcare.core.clock import utc_today
from trdcare.demo.service import DEMO_ACTOR, load_demo
from trdcare.history import service as history_service
from trdcare.tms import service as tms_service
from trdcare.tms.repository import TmsRepository
from web_support import WebClient, client, web_app

FIXTURES = (client, web_app)
PATIENTS = 40


def test_every_demo_tms_course_is_on_the_tms_pathway(client: WebClient) -> None:
    with unit_of_work(client.engine) as session:
        load_demo(session, seed=1, patients=PATIENTS, as_of=utc_today())
    paused = delivered = events = 0
    tms_refs = []
    with unit_of_work(client.engine) as session:
        repo = TmsRepository(session)
        for patient in session.scalars(select(Patient)):
            courses = history_service.list_courses(session, DEMO_ACTOR, patient)
            tms_courses = [c for c in courses if c.modality == "tms"]
            plan = repo.current_plan(patient.id)
            if not tms_courses:
                assert plan is None
                continue
            tms_refs.append(patient.ref)
            assert plan is not None, f"{patient.ref}: a TMS course without a TMS plan"
            assert plan.treatment_course_id == tms_courses[0].id
            assert repo.latest_screen(patient.id) is not None
            mt = repo.latest_mt(patient.id)
            assert mt is not None and mt.stopped and mt.estimate_pct_mso is not None
            logs = repo.session_logs(plan.id)
            assert [lg.session_number for lg in logs] == list(range(1, len(logs) + 1))
            assert plan.delivered_sessions == len(logs)
            status = tms_service.status(session, DEMO_ACTOR, patient)
            # The chart's course list and the TMS panel say the same thing.
            assert tms_courses[0].status == (
                status["status"] if status["status"] in ("completed", "stopped") else "active"
            )
            paused += status["status"] == "paused" and status["review_required"]
            delivered += len(logs)
            events += len(status["adverse_events"])
    assert len(tms_refs) >= PATIENTS // 3
    assert paused >= 1, "no paused course awaiting review"
    assert events >= 1 and delivered >= 10 * len(tms_refs) // 2
    client.as_role("physician", via="session")
    for ref in tms_refs:
        chart = client.get(f"/patients/{ref}")
        assert chart.status_code == 200
        assert "No TMS course planned" not in chart.text
        assert re.search(r'id="course-status">(active|paused|completed|stopped)<', chart.text)
        for page in ("/tms", "/tms/calendar", "/tms/review"):
            shown = client.get(f"/patients/{ref}{page}")
            assert shown.status_code == 200
            assert not re.search(r"\bNone\b|Undefined", shown.text), (ref, page)
    dashboard = client.get("/dashboard", params={"limit": 100})
    assert "TMS session" in dashboard.text
