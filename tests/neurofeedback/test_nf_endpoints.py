"""GET /api/v1/patients/{ref}/neurofeedback on SQLite and PostgreSQL: the course view with
its sessions in order (the learning curve), the PHQ-9 scores recorded while the course ran
and the outcome; nf.read decides who sees it; an unknown patient is a 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient
from trdcare.assessments import service as assessment_service
from trdcare.neurofeedback import service as nf_service
from web_support import SETUP, WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)


def _store(client: WebClient, ref: str, mean: float, started: datetime) -> None:
    with unit_of_work(client.engine) as session:
        patient = session.scalars(select(Patient).where(Patient.ref == ref)).one()
        nf_service.record_session(
            session,
            SETUP,
            patient,
            started_at=started,
            header={"source": "synthetic:test", "protocol": {"kind": "faa"}},
            summary={
                "duration_s": 600.0,
                "mean_feature": mean,
                "pct_time_rewarded": 60.0,
                "pct_artifact": 5.0,
                "threshold": 0.1,
            },
            ended="duration",
            recording="/data/neurofeedback/session.edf",
        )


def test_course_view_with_learning_curve_and_scores(client: WebClient) -> None:
    ref = add_patient(client.engine, "NF-API-1")
    now = datetime.now(UTC)
    with unit_of_work(client.engine) as session:
        patient = session.scalars(select(Patient).where(Patient.ref == ref)).one()
        assessment_service.record_assessment(
            session,
            SETUP,
            patient,
            "phq9",
            {str(i): 2 for i in range(1, 10)},
            administered_at=now - timedelta(days=1),
        )
    _store(client, ref, 0.05, now - timedelta(hours=2))
    _store(client, ref, 0.12, now - timedelta(hours=1))
    client.as_role("clinician")
    r = client.get(f"/api/v1/patients/{ref}/neurofeedback")
    assert r.status_code == 200, r.text
    (course,) = r.json()["courses"]
    assert [s["mean_feature"] for s in course["sessions"]] == [0.05, 0.12]
    assert [s["session_number"] for s in course["sessions"]] == [1, 2]
    assert course["scores"] and course["scores"][0]["scale"] == "phq9"
    assert course["scores"][0]["total"] == 18


def test_roles_and_unknown_patient(client: WebClient) -> None:
    ref = add_patient(client.engine, "NF-API-2")
    client.as_role("physician")
    assert client.get(f"/api/v1/patients/{ref}/neurofeedback").json()["courses"] == []
    assert client.get("/api/v1/patients/P-ZZZZZZZZZZ/neurofeedback").status_code == 404
    client.as_role(None)
    assert client.get(f"/api/v1/patients/{ref}/neurofeedback").status_code == 401
