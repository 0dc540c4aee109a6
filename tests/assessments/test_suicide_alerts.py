"""Suicidality alerts of staff-entered scales are acknowledged like self-report ones: with a
note, who and when kept, audited, and only once (SQLite and PostgreSQL).

Issue 14, finding 13: a positive suicide item on a clinician-administered scale (HAM-D17
item 3, MADRS item 10) raised a caseload alert nobody could acknowledge, and the self-report
acknowledgement took no note and confirmed nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import AuditEvent, RecordVersion
from trdcare.assessments import service
from trdcare.core.actor import Actor
from trdcare.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from trdcare.core.inputs import NOTE_MAX_CHARS
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate

TODAY = date.today()
NURSE = Actor(username="nurse.a", role="clinician", source="test")
DOCTOR = Actor(username="dr.b", role="physician", source="test")
DESK = Actor(username="desk.c", role="front_desk", source="test")
NOTE = "Phoned the patient; risk assessed as low; safety plan reviewed."


def _madrs(session: Session, item_10: int, days_ago: int = 1, mrn: str = "SA-1"):
    patient = patient_service.add_patient(
        session,
        NURSE,
        PatientCreate(mrn=mrn, given_name="Ines", family_name="Alba", birth_date=date(1975, 2, 3)),
    )
    day = TODAY - timedelta(days=days_ago)
    answers = {str(i): 2 for i in range(1, 11)} | {"10": item_10}
    row, _ = service.record_assessment(
        session,
        NURSE,
        patient,
        "madrs",
        answers,
        administered_at=datetime(day.year, day.month, day.day, 10, tzinfo=UTC),
    )
    session.flush()
    return patient, row


def _caseload_alerts(session: Session) -> tuple[str, ...]:
    (entry,) = service.caseload_summary(session, NURSE, scale_id="madrs", as_of=TODAY)
    return entry.alerts


def test_a_staff_entered_alert_is_acknowledged_with_a_note(session: Session) -> None:
    patient, row = _madrs(session, item_10=4)
    assert [a.assessment.id for a in service.open_staff_alerts(session, as_of=TODAY)] == [row.id]
    assert "suicidal_ideation" in _caseload_alerts(session)

    acked, _ = service.acknowledge_staff_alert(session, DOCTOR, row.id, note=f"  {NOTE} ")
    session.commit()
    assert (acked.alert_acknowledged_by, acked.alert_acknowledgement_note) == ("dr.b", NOTE)
    assert acked.alert_acknowledged_at is not None
    # The alert ends; the flag itself stays on the record.
    assert service.open_staff_alerts(session, as_of=TODAY) == []
    assert "suicidal_ideation" not in _caseload_alerts(session)
    assert acked.suicidal_ideation is True and acked.flags
    # Audited (who, which patient; never the note), and the old version kept.
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.entity == "suicide_alert", AuditEvent.action == "update"
        )
    ).one()
    assert (event.actor, event.patient_ref) == ("dr.b", patient.ref)
    assert "Phoned" not in str(event.detail)
    kept = session.scalars(
        select(RecordVersion).where(RecordVersion.table_name == "assessments")
    ).all()
    assert [v.data["alert_acknowledged_at"] for v in kept] == [None]


def test_a_second_acknowledgement_is_refused(session: Session) -> None:
    _, row = _madrs(session, item_10=4)
    service.acknowledge_staff_alert(session, DOCTOR, row.id, note=NOTE)
    session.commit()
    with pytest.raises(Conflict) as refused:
        service.acknowledge_staff_alert(session, NURSE, row.id, note="Me too, seen.")
    assert refused.value.status == 409
    assert "already acknowledged by dr.b" in refused.value.render()
    session.rollback()
    session.refresh(row)
    assert (row.alert_acknowledged_by, row.alert_acknowledgement_note) == ("dr.b", NOTE)


@pytest.mark.parametrize("note", ["", "  ", "ok", "x" * (NOTE_MAX_CHARS + 1), "seen\x1b[2J"])
def test_the_note_is_required_and_checked(session: Session, note: str) -> None:
    _, row = _madrs(session, item_10=4)
    with pytest.raises(InvalidInput) as refused:
        service.acknowledge_staff_alert(session, DOCTOR, row.id, note=note)
    assert refused.value.issues[0].path == "note"
    session.rollback()


def test_only_a_flagged_administration_has_an_alert(session: Session) -> None:
    _, row = _madrs(session, item_10=0)
    with pytest.raises(NotFound):
        service.acknowledge_staff_alert(session, DOCTOR, row.id, note=NOTE)
    _, flagged = _madrs(session, item_10=4, mrn="SA-2")
    with pytest.raises(PermissionDenied):
        service.acknowledge_staff_alert(session, DESK, flagged.id, note=NOTE)
