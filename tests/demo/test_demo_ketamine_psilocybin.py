"""The demo clinic's IV ketamine series and psilocybin enrolments are made by their rooms'
services: each demo ketamine course is a series with its infusions given and discharged,
each enrolment has its screen and preparation; their charts render without 'None'."""

from __future__ import annotations

import re

from sqlalchemy import select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.adapters.db.models.ketamine import KetamineSeries
from trdcare.adapters.db.models.psilocybin import PsilocybinEnrolment
from trdcare.core.clock import utc_today
from trdcare.demo.service import DEMO_ACTOR, load_demo
from trdcare.ketamine import service as ket_service
from web_support import WebClient, client, web_app

FIXTURES = (client, web_app)
PATIENTS = 60


def test_demo_ketamine_series_and_psilocybin_enrolments(client: WebClient) -> None:
    with unit_of_work(client.engine) as session:
        load_demo(session, seed=1, patients=PATIENTS, as_of=utc_today())
    refs = []
    with unit_of_work(client.engine) as session:
        ketamine_courses = list(
            session.scalars(select(TreatmentCourse).where(TreatmentCourse.modality == "ketamine"))
        )
        assert ketamine_courses, "no demo ketamine course"
        for course in ketamine_courses:
            series = session.scalars(
                select(KetamineSeries).where(KetamineSeries.treatment_course_id == course.id)
            ).one()
            patient = session.get(Patient, series.patient_id)
            assert patient is not None
            doc = ket_service.status(session, DEMO_ACTOR, patient)
            assert doc["given_infusions"] == doc["discharged_infusions"] >= 1
            refs.append(patient.ref)
        enrolments = list(session.scalars(select(PsilocybinEnrolment)))
        assert enrolments, "no demo psilocybin enrolment"
        assert all(e.treatment_course_id is not None for e in enrolments)
        for e in enrolments:
            patient = session.get(Patient, e.patient_id)
            assert patient is not None
            refs.append(patient.ref)
    client.as_role("physician", via="session")
    for ref in refs:
        chart = client.get(f"/patients/{ref}")
        assert chart.status_code == 200
        assert not re.search(r"\bNone\b|Undefined", chart.text), ref
