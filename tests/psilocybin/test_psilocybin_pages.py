"""The psilocybin panel on the chart and its dashboard line (both databases): the
research-or-regulated-only notice, the screen's findings and the washout still pending."""

from __future__ import annotations

import re
from datetime import timedelta

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient
from trdcare.core.clock import utc_today
from trdcare.history import service as history_service
from trdcare.history.domain import parse_history
from trdcare.psilocybin.domain import exclusion_questions
from web_support import SETUP, WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)
NO = {q[0]: False for q in exclusion_questions()}


def _ongoing_escitalopram(ref: str, client: WebClient) -> None:
    today = utc_today()
    doc = {
        "episode": {
            "onset": (today - timedelta(days=300)).isoformat(),
            "as_of": today.isoformat(),
            "severity": "moderate",
        },
        "antidepressant_trials": [
            {
                "drug": "escitalopram",
                "max_daily_dose_mg": 20,
                "adherence": "good",
                "start": (today - timedelta(days=200)).isoformat(),
                "outcome": "ongoing",
            }
        ],
    }
    with unit_of_work(client.engine) as session:
        patient = session.query(Patient).filter_by(ref=ref).one()
        history_service.import_history(session, SETUP, patient, parse_history(doc, today=today))


def test_chart_panel_and_dashboard(client: WebClient) -> None:
    ref = add_patient(client.engine, "MRN-PPAGE")
    _ongoing_escitalopram(ref, client)
    client.as_role("clinician")
    r = client.post(
        f"/api/v1/patients/{ref}/psilocybin/enrolment",
        json={
            "programme": "research_protocol",
            "protocol_id": "NCT03775200",
            "protocol_name": "COMP360",
            "answers": NO,
            "screened_on": (utc_today() - timedelta(days=3)).isoformat(),
        },
    )
    assert r.status_code == 201
    client.as_role("technician", via="session")
    chart = client.get(f"/patients/{ref}")
    assert chart.status_code == 200
    assert "RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY" in chart.text
    assert "Washout not complete" in chart.text and "escitalopram is still taken" in chart.text
    assert not re.search(r"\bNone\b|Undefined", chart.text)
    dashboard = client.get("/dashboard", params={"limit": 100})
    assert "Psilocybin protocol (research/regulated): preparation" in dashboard.text


def test_excluded_screen_shows_its_finding(client: WebClient) -> None:
    ref = add_patient(client.engine, "MRN-PEXCL")
    client.as_role("physician")
    client.post(
        f"/api/v1/patients/{ref}/psilocybin/enrolment",
        json={
            "programme": "research_protocol",
            "protocol_id": "X-1",
            "protocol_name": "Trial",
            "answers": {**NO, "psychosis_history": True},
        },
    )
    client.as_role("physician", via="session")
    chart = client.get(f"/patients/{ref}")
    assert "Personal history of psychosis excludes." in chart.text
    assert "excluded" in chart.text
