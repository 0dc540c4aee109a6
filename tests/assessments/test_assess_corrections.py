"""An assessment corrected or entered in error (issue #14 finding 10), on SQLite and
PostgreSQL: kept whole with its answers and the reason, out of the outcome and the caseload
read model (refreshed by the session listener), a suicide finding dropped only by a
physician, stale or repeated changes refused with nothing written."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from assess_helpers import vector_for_total
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Assessment, AuditEvent, CaseloadScore, Patient
from trdcare.assessments import service
from trdcare.core.actor import Actor
from trdcare.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate

NURSE = Actor(username="nurse.one", role="clinician", source="test")
TECH = Actor(username="tech.one", role="technician", source="test")


def _patient(session: Session, actor: Actor, mrn: str) -> Patient:
    return patient_service.add_patient(
        session,
        actor,
        PatientCreate(mrn=mrn, given_name="Ada", family_name="Byron", birth_date=date(1970, 1, 1)),
    )


def _phq9(
    session: Session, actor: Actor, patient: Patient, total: int, on: date, **kw: int
) -> Assessment:
    answers = {**vector_for_total("phq9", total, avoid=("9",)), **{k[1:]: v for k, v in kw.items()}}
    row, _ = service.record_assessment(
        session,
        actor,
        patient,
        "phq9",
        answers,
        administered_at=datetime(on.year, on.month, on.day, 12, tzinfo=UTC),
    )
    return row


def _latest(session: Session, patient: Patient) -> int | None:
    session.commit()
    session.expire_all()
    row = session.get(CaseloadScore, (patient.id, "phq9"))
    return None if row is None else row.latest_total


def test_entered_in_error_leaves_the_outcome_and_the_caseload(
    session: Session, actor: Actor, engine: Engine
) -> None:
    patient = _patient(session, actor, "MRN-AR")
    _phq9(session, NURSE, patient, 20, date(2024, 1, 8))
    wrong = _phq9(session, NURSE, patient, 5, date(2024, 2, 5))
    assert _latest(session, patient) == 5
    with pytest.raises(InvalidInput) as err:
        service.retire_assessment(session, NURSE, patient, wrong.id, reason="")
    assert err.value.issues[0].path == "reason"
    with pytest.raises(PermissionDenied):
        service.retire_assessment(
            session, TECH, patient, wrong.id, reason="other patient", as_role="technician"
        )
    with pytest.raises(NotFound):
        service.retire_assessment(session, NURSE, patient, 99999, reason="other patient")
    with pytest.raises(Conflict, match="version 3 was shown"):
        service.retire_assessment(
            session, NURSE, patient, wrong.id, reason="other patient", expected_version=3
        )
    service.retire_assessment(
        session,
        NURSE,
        patient,
        wrong.id,
        reason="other patient's form",
        as_role="clinician",
        expected_version=1,
    )
    assert _latest(session, patient) == 20  # the listener saw the retirement
    outcome, _ = service.patient_outcome(session, actor, patient, scale_id="phq9")
    assert outcome.latest.total == 20
    kept = session.get(Assessment, wrong.id)
    assert kept is not None and kept.retired_reason == "entered in error: other patient's form"
    with pytest.raises(Conflict, match="already marked entered in error"):
        service.retire_assessment(session, NURSE, patient, wrong.id, reason="again")
    assert ("retire", "assessment") in {
        (e.action, e.entity) for e in session.scalars(select(AuditEvent))
    }


def test_a_correction_is_the_next_version_and_keeps_the_old_answers(
    session: Session, actor: Actor, engine: Engine
) -> None:
    patient = _patient(session, actor, "MRN-AC")
    first = _phq9(session, NURSE, patient, 12, date(2024, 1, 8))
    old_answers = service.assessment_answers(session, [first])[first.id]
    with pytest.raises(InvalidInput, match="nothing to correct"):
        service.correct_assessment(session, NURSE, patient, first.id, old_answers, reason="typo")
    fixed_answers = {**old_answers, "1": (old_answers["1"] + 1) % 4}
    new, result = service.correct_assessment(
        session,
        NURSE,
        patient,
        first.id,
        fixed_answers,
        reason="item 1 misread",
        as_role="clinician",
        expected_version=1,
    )
    assert new.version == 2 and new.total == result.total != first.total
    assert _latest(session, patient) == result.total
    old = session.get(Assessment, first.id)
    assert old is not None and old.retired_reason == "corrected: item 1 misread"
    _, versions = service.assessment_versions(session, actor, patient, new.id)
    assert [(v.version, v.recorded_by, v.reason) for v in versions] == [
        (1, "nurse.one", "corrected: item 1 misread")
    ]
    assert versions[0].changes["answers"] == (old_answers, fixed_answers)
    assert versions[0].changes["total"] == (first.total, new.total)
    # The old id is retired: correcting it again is refused, nothing written.
    count = session.scalar(select(func.count()).select_from(Assessment))
    with pytest.raises(Conflict):
        service.correct_assessment(session, NURSE, patient, first.id, old_answers, reason="x2x")
    assert session.scalar(select(func.count()).select_from(Assessment)) == count


def test_a_suicide_finding_goes_only_by_a_physician(
    session: Session, actor: Actor, engine: Engine
) -> None:
    patient = _patient(session, actor, "MRN-ASI")
    flagged = _phq9(session, NURSE, patient, 10, date(2024, 1, 8), q9=2)
    assert flagged.suicidal_ideation
    with pytest.raises(PermissionDenied, match="suicide"):
        service.retire_assessment(
            session, NURSE, patient, flagged.id, reason="wrong patient", as_role="clinician"
        )
    answers = service.assessment_answers(session, [flagged])[flagged.id]
    with pytest.raises(PermissionDenied, match="suicide"):
        service.correct_assessment(
            session,
            NURSE,
            patient,
            flagged.id,
            {**answers, "9": 0},
            reason="misread item 9",
            as_role="clinician",
        )
    with pytest.raises(InvalidInput) as err:  # the command line names the physician
        service.retire_assessment(session, NURSE, patient, flagged.id, reason="wrong patient")
    assert err.value.issues[0].path == "physician"
    # A correction that keeps the finding needs no physician.
    kept, _ = service.correct_assessment(
        session,
        NURSE,
        patient,
        flagged.id,
        {**answers, "1": (answers["1"] + 1) % 4},
        reason="item 1 misread",
        as_role="clinician",
    )
    assert kept.suicidal_ideation
    service.retire_assessment(
        session, actor, patient, kept.id, reason="wrong patient", as_role="physician"
    )
