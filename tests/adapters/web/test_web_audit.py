"""Audit of the web application: every read and write of patient data through any route is
in the hash chain (who, what, which patient, from where), no patient data is in it, the
chain verifies, and an edit or deletion is found and named (API, page and CLI)."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import AuditEvent
from trdcare.cli import app as cli_app
from web_support import WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)

PATIENT_GETS = (
    "/api/v1/patients/{ref}",
    "/api/v1/patients/{ref}/assessments",
    "/api/v1/patients/{ref}/self-report-links",
    "/api/v1/patients/{ref}/courses",
    "/api/v1/patients/{ref}/tms",
    "/patients/{ref}",
    "/patients/{ref}/assessments",
    "/patients/{ref}/history",
    "/patients/{ref}/self-report",
    "/patients/{ref}/tms",
    "/patients/{ref}/tms/calendar",
    "/patients/{ref}/tms/mt",
    "/patients/{ref}/tms/review",
)


def events_for(client: WebClient, ref: str) -> list[AuditEvent]:
    with unit_of_work(client.engine) as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.patient_ref == ref).order_by(AuditEvent.id)
            )
        )


def test_every_patient_read_is_audited_with_who_and_where(client: WebClient) -> None:
    ref = add_patient(client.engine, "AUDIT-MRN", given_name="Zelda", family_name="Fitz")
    for path in PATIENT_GETS:
        before = len(events_for(client, ref))
        via = "token" if path.startswith("/api/") else "session"
        client.as_role("physician", via=via)
        response = client.get(path.format(ref=ref))
        assert response.status_code == 200, (path, response.status_code)
        new = events_for(client, ref)[before:]
        assert new, f"{path} read patient data without an audit entry"
        assert all(e.actor == "physician.test" and e.role == "physician" for e in new)
        assert all(e.source == "testclient" for e in new)
        assert any(e.action == "read" for e in new)
    for event in events_for(client, ref):
        text = str(event.detail)
        assert "Zelda" not in text and "Fitz" not in text and "AUDIT-MRN" not in text


def test_writes_are_audited(client: WebClient) -> None:
    ref = add_patient(client.engine)
    client.as_role("clinician")
    client.patch(f"/api/v1/patients/{ref}", json={"given_name": "Ann", "reason": "spelling"})
    client.post(
        f"/api/v1/patients/{ref}/assessments",
        json={"scale": "phq9", "answers": {str(i): 0 for i in range(1, 10)}},
    )
    actions = {(e.action, e.entity) for e in events_for(client, ref)}
    assert {("update", "patient"), ("create", "assessment")} <= actions


def test_refusals_are_audited(client: WebClient) -> None:
    ref = add_patient(client.engine)
    client.as_role("front_desk")
    assert client.get(f"/api/v1/patients/{ref}/assessments").status_code == 403
    denied = [e for e in events_for(client, ref) if e.action == "denied"]
    assert denied and denied[0].detail["permission"] == "clinical.read"


def test_chain_verifies_and_names_the_first_broken_entry(client: WebClient) -> None:
    ref = add_patient(client.engine)
    client.as_role("physician")
    for _ in range(3):
        client.get(f"/api/v1/patients/{ref}")
    client.as_role("admin")
    ok = client.get("/api/v1/audit/verify").json()
    assert ok["intact"] is True and ok["entries"] >= 4
    # It says what it vouches for and what it cannot (no checkpoint written yet).
    assert ok["keyed_entries"] == ok["entries"] and ok["checkpoints"] == 0
    assert any("sealed with the audit key" in line for line in ok["checked"])
    assert any("no signed checkpoint was read" in line for line in ok["not_checked"])
    listed = client.get("/api/v1/audit", params={"patient": ref, "limit": 2}).json()
    assert listed["total"] >= 4 and len(listed["items"]) == 2
    with unit_of_work(client.engine) as session:
        ids = session.scalars(
            select(AuditEvent.id).where(AuditEvent.patient_ref == ref).order_by(AuditEvent.id)
        ).all()
        session.execute(
            update(AuditEvent).where(AuditEvent.id == ids[1]).values(detail={"tampered": True})
        )
    broken = client.get("/api/v1/audit/verify").json()
    assert broken["intact"] is False and broken["first_broken_entry"] == ids[1]
    client.as_role("admin", via="session")
    page = client.form("/admin/audit/verify")
    assert page.status_code == 200 and f"broken</strong> at entry {ids[1]}" in page.text
    assert "What this check cannot tell" in page.text and "None" not in page.text
    result = CliRunner().invoke(
        cli_app,
        [
            "--database-url",
            str(client.engine.url.render_as_string(hide_password=False)),
            "audit",
            "verify",
            "--json",
        ],
    )
    assert result.exit_code == 1 and f'"entry_id": {ids[1]}' in result.output


def test_a_deleted_entry_is_found(client: WebClient) -> None:
    ref = add_patient(client.engine)
    client.as_role("physician")
    client.get(f"/api/v1/patients/{ref}")
    client.get(f"/api/v1/patients/{ref}")
    with unit_of_work(client.engine) as session:
        ids = session.scalars(
            select(AuditEvent.id).where(AuditEvent.patient_ref == ref).order_by(AuditEvent.id)
        ).all()
        session.execute(delete(AuditEvent).where(AuditEvent.id == ids[1]))
    client.as_role("admin")
    broken = client.get("/api/v1/audit/verify").json()
    assert broken["intact"] is False and broken["first_broken_entry"] == ids[2]
    assert "removed" in broken["reason"]


def test_the_audit_page_leaves_out_details_that_were_not_given(client: WebClient) -> None:
    """Before, a list read for every scale showed 'scale=None' to the administrator."""
    ref = add_patient(client.engine, "AUDIT-NONE")
    client.as_role("physician", via="session")
    assert client.get(f"/patients/{ref}/assessments").status_code == 200
    client.as_role("admin", via="session")
    page = client.get("/admin/audit")
    assert page.status_code == 200
    assert "assessment_list" in page.text
    assert "=None" not in page.text
