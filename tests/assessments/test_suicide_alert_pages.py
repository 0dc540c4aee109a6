"""Acknowledging a suicidality alert through the pages and the API (SQLite, PostgreSQL).

Issue 14, finding 13: a staff-entered alert had no way to be acknowledged; the self-report
one was a bare button that took no note, confirmed nothing and could be pressed twice. Now
each opens a confirmation page that shows the alert and asks for a note; the dashboard then
confirms, and a second acknowledgement is refused with 409.
"""

from __future__ import annotations

from sqlalchemy import select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Assessment
from web_support import WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)
MADRS_ITEM_10_POSITIVE = {str(i): 1 for i in range(1, 10)} | {"10": 4}
NOTE = "Saw the patient today: passive ideation, no plan; safety plan updated."


def _staff_alert(client: WebClient) -> tuple[str, int]:
    ref = add_patient(client.engine, mrn="SI-1", family_name="Ruiz")
    client.as_role("clinician")
    saved = client.post(
        f"/api/v1/patients/{ref}/assessments",
        json={"scale": "madrs", "answers": MADRS_ITEM_10_POSITIVE},
    )
    assert saved.status_code == 201, saved.text
    return ref, int(saved.json()["assessment"]["id"])


def test_a_staff_entered_alert_is_acknowledged_on_a_confirmation_page(client: WebClient) -> None:
    _, assessment_id = _staff_alert(client)
    url = f"/alerts/assessments/{assessment_id}/acknowledge"
    client.as_role("physician", via="session")
    dash = client.get("/dashboard?scale=madrs")
    assert 'id="suicide-alerts"' in dash.text and f'href="{url}"' in dash.text

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Ruiz" in confirm.text and "MADRS" in confirm.text
    assert 'name="note"' in confirm.text and "None" not in confirm.text

    # No note: the page again, the problem beside the field, nothing recorded.
    empty = client.form(url, {"note": ""})
    assert empty.status_code == 422
    assert 'id="err-note"' in empty.text and 'aria-invalid="true"' in empty.text
    with unit_of_work(client.engine) as session:
        assert session.get(Assessment, assessment_id).alert_acknowledged_at is None

    done = client.form(url, {"note": NOTE})
    assert (
        done.status_code == 303 and done.headers["location"] == "/dashboard?msg=alert_acknowledged"
    )
    after = client.get(done.headers["location"])
    assert "Alert acknowledged." in after.text and 'id="suicide-alerts"' not in after.text
    with unit_of_work(client.engine) as session:
        row = session.get(Assessment, assessment_id)
        assert (row.alert_acknowledged_by, row.alert_acknowledgement_note) == (
            "physician.test",
            NOTE,
        )

    again = client.form(url, {"note": "Seen as well."})
    assert again.status_code == 409
    assert "already acknowledged by physician.test" in again.text


def test_the_api_lists_and_acknowledges_once(client: WebClient) -> None:
    ref, assessment_id = _staff_alert(client)
    client.as_role("physician")
    (alert,) = client.get("/api/v1/alerts").json()
    assert alert == {
        "kind": "suicidal_ideation",
        "link": None,
        "assessment": assessment_id,
        "patient": ref,
        "scale": "madrs",
        "reported_at": alert["reported_at"],
    }
    url = f"/api/v1/alerts/assessments/{assessment_id}/acknowledge"
    missing = client.post(url, json={})
    assert missing.status_code == 422
    first = client.post(url, json={"note": NOTE})
    assert first.status_code == 200, first.text
    assert first.json()["acknowledged_by"] == "physician.test" and first.json()["note"] == NOTE
    second = client.post(url, json={"note": NOTE})
    assert second.status_code == 409
    assert client.get("/api/v1/alerts").json() == []
    # A front desk account may not acknowledge.
    client.as_role("front_desk")
    assert client.post(url, json={"note": NOTE}).status_code == 403


def test_a_self_report_alert_needs_a_note_and_is_acknowledged_once(client: WebClient) -> None:
    ref = add_patient(client.engine, mrn="SI-2")
    client.as_role("clinician")
    created = client.post(f"/api/v1/patients/{ref}/self-report-links", json={"scale": "phq9"})
    assert created.status_code == 201, created.text
    link_ref, token = created.json()["ref"], created.json()["url"].rsplit("/", 1)[1]
    answers = {str(i): 0 for i in range(1, 10)} | {"9": 2}
    client.as_role(None)
    assert client.post(f"/api/v1/self-report/{token}", json={"answers": answers}).status_code == 200
    client.as_role("clinician")
    url = f"/api/v1/alerts/{link_ref}/acknowledge"
    assert client.post(url).status_code == 422  # a note is required
    assert client.post(url, json={"note": NOTE}).status_code == 200
    assert client.post(url, json={"note": NOTE}).status_code == 409
    with unit_of_work(client.engine) as session:
        row = session.scalars(select(Assessment).where(Assessment.source == "self_report")).one()
        assert row.alert_acknowledgement_note == NOTE
    # The caseload's own alert ended with it.
    client.as_role("clinician", via="session")
    assert "Suicidal ideation</span>" not in client.get("/dashboard").text
