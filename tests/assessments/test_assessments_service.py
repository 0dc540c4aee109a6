"""Assessments on the record (SQLite and PostgreSQL): stored items, flags, outcome, caseload.

The caseload's SQL selects baseline and latest rows itself; a property test checks that it
always agrees with the pure outcome rules (`course_outcome`) on the same data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Assessment, AssessmentItem, AuditEvent
from trdcare.assessments import service
from trdcare.assessments.domain import ScorePoint, course_outcome
from trdcare.core.actor import Actor
from trdcare.core.errors import InvalidInput
from trdcare.history import service as history_service
from trdcare.patients import service as patient_service
from trdcare.patients.repository import PatientRepository
from trdcare.patients.schemas import PatientCreate

TODAY = date(2026, 6, 1)
ACTOR = Actor(username="nurse.a", role="clinician", source="test")


def make_patient(session: Session, mrn: str = "M-1") -> object:
    return patient_service.add_patient(
        session,
        ACTOR,
        PatientCreate(mrn=mrn, given_name="Sam", family_name="Okafor", birth_date=date(1980, 1, 1)),
        today=TODAY,
    )


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


def rows(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_every_item_and_flag_is_stored(session: Session) -> None:
    patient = make_patient(session)
    saved, _ = service.record_assessment(
        session,
        ACTOR,
        patient,
        "phq9",
        {str(i): 1 for i in range(1, 10)},
        administered_at=at(TODAY),
    )
    session.commit()
    assert saved.total == 9
    assert saved.severity == "mild"
    assert saved.suicidal_ideation is True
    assert saved.flags[0]["code"] == "suicidal_ideation"
    assert service.assessment_answers(session, [saved])[saved.id] == {
        str(i): 1 for i in range(1, 10)
    }


def test_incomplete_form_keeps_its_safety_flag(session: Session) -> None:
    patient = make_patient(session)
    saved, _ = service.record_assessment(
        session, ACTOR, patient, "phq9", {"1": 2, "9": 2}, administered_at=at(TODAY)
    )
    assert saved.total is None
    assert saved.complete is False
    assert saved.suicidal_ideation is True


def test_cssrs_triage_is_stored(session: Session) -> None:
    patient = make_patient(session)
    saved, _ = service.record_assessment(
        session,
        ACTOR,
        patient,
        "cssrs_screener",
        {"1": 1, "2": 1, "3": 0, "4": 1, "5": 0, "6": 0},
        administered_at=at(TODAY),
    )
    assert saved.triage == "high"
    assert saved.suicidal_ideation is True


answer_values = st.one_of(st.integers(min_value=-3, max_value=6), st.just(1))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    scale=st.sampled_from(
        ["phq9", "gad7", "qids_sr16", "hamd17", "madrs", "cssrs_screener", "bdi"]
    ),
    answers=st.dictionaries(
        st.sampled_from([str(i) for i in range(0, 20)] + ["6_recent", "x"]),
        answer_values,
        max_size=20,
    ),
)
def test_invalid_input_never_writes_a_row(
    session: Session, scale: str, answers: dict[str, int]
) -> None:
    """Whatever is given, either it is stored whole or nothing is written."""
    patient = PatientRepository(session).by_mrn("PROP")
    if patient is None:
        patient = make_patient(session, mrn="PROP")
        session.commit()
    before = (rows(session, Assessment), rows(session, AssessmentItem), rows(session, AuditEvent))
    try:
        saved, _ = service.record_assessment(
            session, ACTOR, patient, scale, answers, administered_at=at(TODAY)
        )
    except InvalidInput:
        session.rollback()
        assert (
            rows(session, Assessment),
            rows(session, AssessmentItem),
            rows(session, AuditEvent),
        ) == before
    else:
        assert saved.id is not None
    finally:
        session.rollback()  # keep the database as it was for the next example


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    offsets=st.lists(st.integers(min_value=-30, max_value=60), min_size=1, max_size=8),
    totals=st.lists(st.integers(min_value=0, max_value=27), min_size=8, max_size=8),
    with_course=st.booleans(),
)
# Two scores on the course start date: the later entry is the baseline (found by hypothesis).
@example(offsets=[0, 0], totals=[0, 1, 0, 0, 0, 0, 0, 0], with_course=True)
def test_caseload_agrees_with_course_outcome(
    session: Session, offsets: list[int], totals: list[int], with_course: bool
) -> None:
    start = TODAY - timedelta(days=60)
    patient = make_patient(session, mrn="CASE")
    if with_course:
        history_service.add_course(session, ACTOR, patient, modality="tms", start_date=start)
    points = []
    for offset, total in zip(sorted(offsets), totals, strict=False):
        day = start + timedelta(days=offset)
        answers = {str(i): 0 for i in range(1, 10)}
        remaining = total
        for i in range(1, 9):
            answers[str(i)] = min(3, remaining)
            remaining -= answers[str(i)]
        answers["9"] = min(3, remaining)
        service.record_assessment(session, ACTOR, patient, "phq9", answers, administered_at=at(day))
        points.append(ScorePoint(on=day, total=total))
    try:
        (entry,) = service.caseload_summary(session, ACTOR, as_of=TODAY)
        expected = course_outcome("phq9", points, course_start=start if with_course else None)
        doc = expected.to_dict()
        assert entry.baseline_total == doc["baseline"]["total"]
        assert entry.latest_total == doc["latest"]["total"]
        assert entry.response is doc["response"]
        assert entry.remission is doc["remission"]
    finally:
        session.rollback()


def test_outcome_needs_assessments(session: Session) -> None:
    patient = make_patient(session)
    with pytest.raises(Exception, match="assessments"):
        service.patient_outcome(session, ACTOR, patient)
