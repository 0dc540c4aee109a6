"""The demo clinic's esketamine courses are esketamine-room courses: eligibility signed off,
sessions from check-in to discharge on the label calendar, elevated pre-dose blood pressures
signed off, REMS forms submitted but for the latest few (due or overdue on the dashboard)."""

from __future__ import annotations

import re

from sqlalchemy import select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient
from trdcare.core.clock import utc_today
from trdcare.demo.service import DEMO_ACTOR, load_demo
from trdcare.esketamine import service as esk_service
from trdcare.esketamine.repository import EsketamineRepository
from trdcare.history import service as history_service
from web_support import WebClient, client, web_app

FIXTURES = (client, web_app)
PATIENTS = 60


def test_every_demo_esketamine_course_is_in_the_esketamine_room(client: WebClient) -> None:
    with unit_of_work(client.engine) as session:
        load_demo(session, seed=1, patients=PATIENTS, as_of=utc_today())
    refs: list[str] = []
    sessions = signed_off = open_tasks = 0
    with unit_of_work(client.engine) as session:
        repo = EsketamineRepository(session)
        for patient in session.scalars(select(Patient)):
            courses = history_service.list_courses(session, DEMO_ACTOR, patient)
            esk_courses = [c for c in courses if c.modality == "esketamine"]
            course = repo.current_course(patient.id)
            if not esk_courses:
                assert course is None
                continue
            refs.append(patient.ref)
            assert course is not None and course.treatment_course_id == esk_courses[0].id
            status = esk_service.status(session, DEMO_ACTOR, patient)
            numbers = [s["number"] for s in status["sessions"]]
            assert numbers == list(range(1, len(numbers) + 1))
            for s in status["sessions"]:
                assert s["status"] == "discharged" and s["signed"]
                assert s["dose_mg"] == (56 if s["number"] == 1 else s["dose_mg"])
                signed_off += s["bp_signoff"] is not None
                open_tasks += s["rems"]["state"] != "submitted"
            sessions += len(numbers)
    assert len(refs) >= 3
    assert sessions >= 2 * len(refs)
    assert open_tasks >= 1 and signed_off >= 1
    client.as_role("clinician", via="session")
    for ref in refs:
        for page in ("/esketamine", "/esketamine/calendar"):
            shown = client.get(f"/patients/{ref}{page}")
            assert shown.status_code == 200
            assert not re.search(r"\bNone\b|Undefined", shown.text), (ref, page)
    dashboard = client.get("/dashboard", params={"limit": 100}).text
    assert "Esketamine session" in dashboard
    assert "REMS form" in dashboard
