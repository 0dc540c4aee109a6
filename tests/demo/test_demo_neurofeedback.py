"""The demo clinic's neurofeedback course is made by the room's own session path (the live
pipeline on the seeded synthetic signal, stored by the service): one patient without another
course has eight frontal-alpha-asymmetry sessions whose mean value rises with the synthetic
asymmetry; the chart and the course page render them without 'None' or machine words."""

from __future__ import annotations

import re

from sqlalchemy import select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.adapters.db.models.neurofeedback import NfSession
from trdcare.core.clock import utc_today
from trdcare.demo.neurofeedback import SESSIONS
from trdcare.demo.service import load_demo
from web_support import WebClient, client, machine_words, web_app

FIXTURES = (client, web_app)


def test_demo_neurofeedback_course(client: WebClient) -> None:
    with unit_of_work(client.engine) as session:
        load_demo(session, seed=1, patients=12, as_of=utc_today())
    with unit_of_work(client.engine) as session:
        (course,) = session.scalars(
            select(TreatmentCourse).where(TreatmentCourse.modality == "neurofeedback")
        ).all()
        rows = list(
            session.scalars(
                select(NfSession)
                .where(NfSession.treatment_course_id == course.id)
                .order_by(NfSession.session_number)
            )
        )
        patient = session.get(Patient, course.patient_id)
        assert patient is not None
        ref = patient.ref
    assert [r.session_number for r in rows] == list(range(1, SESSIONS + 1))
    assert all(r.ended == "duration" and r.protocol_kind == "faa" for r in rows)
    means = [r.mean_feature for r in rows]
    assert all(m is not None for m in means)
    # the synthetic asymmetry rises 0.03 per session (+-0.02): the learning curve follows it
    assert means[-1] - means[0] > 0.1  # type: ignore[operator]
    assert any((r.pct_artifact or 0) > 0 for r in rows)  # the muscle bursts are withheld
    client.as_role("clinician", via="session")
    for url in (f"/patients/{ref}", f"/patients/{ref}/neurofeedback"):
        page = client.get(url)
        assert page.status_code == 200
        assert "Neurofeedback" in page.text
        assert not re.search(r"\bNone\b|Undefined", page.text), url
    assert not machine_words(client.get(f"/patients/{ref}/neurofeedback").text)
