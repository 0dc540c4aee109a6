"""Simultaneous acknowledgements of one suicidality alert, against a served app (SQLite and
PostgreSQL): exactly one is kept (its who, when and note) and every other gets 409.

Issue 14, finding 13 (and the check-then-write review of finding 1): the acknowledgement
read "not yet acknowledged" and then wrote, so two clinicians could both win.
"""

from __future__ import annotations

from collections import Counter

import httpx
from sqlalchemy import select

from concurrency_support import ServedApp, at_once, served_app
from trdcare.accounts import service as account_service
from trdcare.accounts.schemas import TokenCreate
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Assessment, AuditEvent, Patient
from trdcare.assessments import service as assessment_service
from web_support import SETUP, add_patient, username_for

FIXTURES = (served_app,)
BURST = 10


def _tokens(app: ServedApp, roles: list[str]) -> list[str]:
    with unit_of_work(app.engine) as session:
        out = []
        for role in roles:
            user = account_service.get_user(session, username_for(role))
            _, raw = account_service.create_token(
                session, SETUP, user, TokenCreate(name="burst", expires_in_days=1)
            )
            out.append(raw)
        return out


def test_one_alert_is_acknowledged_once(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    with unit_of_work(served_app.engine) as session:
        patient = session.scalars(select(Patient).where(Patient.ref == ref)).one()
        row, _ = assessment_service.record_assessment(
            session, SETUP, patient, "hamd17", {str(i): 1 for i in range(1, 18)}
        )
        assessment_id = row.id
    tokens = _tokens(served_app, ["physician", "clinician"] * (BURST // 2))

    def acknowledge(i: int) -> httpx.Response:
        with served_app.client(headers={"authorization": f"Bearer {tokens[i]}"}) as http:
            return http.post(
                f"/api/v1/alerts/assessments/{assessment_id}/acknowledge",
                json={"note": f"Reviewed and acted on, clinician {i}."},
            )

    answers = at_once(BURST, acknowledge)
    statuses = Counter(r.status_code for r in answers)
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    (winner,) = [r.json() for r in answers if r.status_code == 200]
    with unit_of_work(served_app.engine) as session:
        kept = session.get(Assessment, assessment_id)
        assert (kept.alert_acknowledged_by, kept.alert_acknowledgement_note) == (
            winner["acknowledged_by"],
            winner["note"],
        )
        updates = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity == "suicide_alert", AuditEvent.action == "update"
            )
        ).all()
    assert len(updates) == 1
