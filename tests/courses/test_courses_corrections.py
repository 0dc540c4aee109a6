"""Corrections and entered-in-error of a course's adverse events (both databases): own
records only for a clinician, a physician for a serious one, a pause kept until its review."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_today
from trdcare.core.errors import InvalidInput, PermissionDenied
from trdcare.courses import service
from trdcare.history import service as history_service
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate

NURSE = Actor(username="nurse.n", role="clinician", source="test")


def _patient(session: Session, actor: Actor, mrn: str = "C-1") -> Patient:
    return patient_service.add_patient(
        session,
        actor,
        PatientCreate(mrn=mrn, given_name="Ada", family_name="Byron", birth_date=date(1970, 1, 1)),
    )


def _course(session: Session, actor: Actor, patient: Patient, modality: str) -> TreatmentCourse:
    return history_service.add_course(
        session, actor, patient, modality=modality, start_date=utc_today() - timedelta(days=14)
    )


def test_corrections_and_entered_in_error(session: Session, actor: Actor) -> None:
    p = _patient(session, actor)
    c = _course(session, actor, p, "vns")
    done = service.report_adverse_event(
        session, NURSE, p, c, kind="cough", severity="mild", occurred_on=utc_today()
    )
    ev = done.event
    # Another clinician may not correct the nurse's entry; the nurse may.
    other = Actor(username="other.c", role="clinician", source="test")
    with pytest.raises(PermissionDenied):
        service.correct_adverse_event(
            session, other, p, ev.id, {"severity": "moderate"}, reason="typo", as_role="clinician"
        )
    ev, changed, transition = service.correct_adverse_event(
        session, NURSE, p, ev.id, {"severity": "moderate"}, reason="typo", as_role="clinician"
    )
    assert changed == {"severity": ("mild", "moderate")} and transition is None
    # Made serious: the course pauses as if reported now.
    ev, changed, transition = service.correct_adverse_event(
        session,
        NURSE,
        p,
        ev.id,
        {"serious_criteria": ["hospitalisation"]},
        reason="admitted overnight",
        as_role="clinician",
    )
    assert transition is not None and transition.paused and c.status == "paused"
    # Made not serious or retired: a physician decides.
    with pytest.raises(PermissionDenied):
        service.retire_adverse_event(session, NURSE, p, ev.id, reason="wrong", as_role="clinician")
    with pytest.raises(InvalidInput) as exc:
        service.retire_adverse_event(session, actor, p, ev.id, reason="wrong patient")
    assert exc.value.issues[0].path == "physician"
    service.retire_adverse_event(
        session, actor, p, ev.id, reason="wrong patient", physician="Dr Who"
    )
    assert ev.retired_at is not None and "decided by Dr Who" in (ev.retired_reason or "")
    # The pause stays until the physician's review.
    assert c.status == "paused"
    _, versions = service.adverse_event_versions(session, actor, p, ev.id)
    assert len(versions) == 3
    assert [e.id for e in service.retired_adverse_events(session, actor, p, c)] == [ev.id]
    with pytest.raises(InvalidInput, match="nothing to correct|cannot be corrected"):
        service.correct_adverse_event(session, actor, p, ev.id, {"course_id": 1}, reason="x y z")
