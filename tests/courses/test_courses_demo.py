"""The demo clinic's non-TMS courses (esketamine, IV ketamine, ECT) work with the courses
room: each shows its panel on the chart and its safety page, takes an adverse event, and
the dashboard names the ongoing ones. The demo records no adverse events of its own until
a therapy room adds its courses (issue 10)."""

from __future__ import annotations

import re

from sqlalchemy import select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient
from trdcare.adapters.db.models.courses import CourseAdverseEvent
from trdcare.core.clock import utc_today
from trdcare.courses import service as course_service
from trdcare.demo.service import DEMO_ACTOR, load_demo
from trdcare.history import service as history_service
from web_support import WebClient, client, web_app

FIXTURES = (client, web_app)


def test_the_demo_s_non_tms_courses_work_with_the_courses_room(client: WebClient) -> None:
    with unit_of_work(client.engine) as session:
        load_demo(session, seed=1, patients=40, as_of=utc_today())
    found: list[tuple[str, str, str, str]] = []
    with unit_of_work(client.engine) as session:
        assert session.scalars(select(CourseAdverseEvent)).first() is None
        for patient in session.scalars(select(Patient)):
            for c in history_service.list_courses(session, DEMO_ACTOR, patient):
                if c.modality != "tms":
                    found.append((patient.ref, c.ref, c.modality, c.status))
    assert found, "the demo has no non-TMS course"
    client.as_role("physician", via="session")
    for ref, course_ref, _modality, _status in found:
        chart = client.get(f"/patients/{ref}")
        assert chart.status_code == 200 and f"course {course_ref}" in chart.text
        safety = client.get(f"/patients/{ref}/courses/{course_ref}/safety")
        assert safety.status_code == 200
        assert not re.search(r"\bNone\b|Undefined", safety.text), (ref, course_ref)
    # An ongoing demo course takes an adverse event and pauses on a serious one.
    ongoing = [f for f in found if f[2] in ("esketamine", "ketamine") and f[3] == "active"]
    assert ongoing, "the demo has no ongoing esketamine or ketamine course"
    ref, course_ref = ongoing[0][:2]
    with unit_of_work(client.engine) as session:
        patient = session.scalars(select(Patient).where(Patient.ref == ref)).one()
        course = course_service.course_of(session, patient, course_ref)
        kind = "sedation"
        done = course_service.report_adverse_event(
            session,
            DEMO_ACTOR,
            patient,
            course,
            kind=kind,
            severity="severe",
            occurred_on=utc_today(),
            serious_criteria=["hospitalisation"],
        )
        assert done.paused
    dashboard = client.get("/dashboard", params={"limit": 100}).text
    assert "Course paused" in dashboard
