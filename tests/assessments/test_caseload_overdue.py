"""'Assessment overdue' only against the patient's measurement schedule (SQLite, PostgreSQL).

Issue 14, finding 13: switching the dashboard to GAD-7 or MADRS marked every patient
overdue, even for scales never used for them. A scale is overdue only when it is on the
patient's schedule (an active TMS course: the weekly self-report PHQ-9 of the TMS
measurement schedule; any other active course: its primary scale) and neither the last
rating nor the start of that course falls within the overdue interval.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from trdcare.assessments import service
from trdcare.core.actor import Actor
from trdcare.history import service as history_service
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate

TODAY = date(2026, 6, 1)
ACTOR = Actor(username="nurse.a", role="clinician", source="test")
NO_ITEMS = {"phq9": 9, "gad7": 7, "madrs": 10, "hamd17": 17, "qids_sr16": 16}


def _patient(session: Session, name: str):
    return patient_service.add_patient(
        session,
        ACTOR,
        PatientCreate(
            mrn=f"OD-{name}", given_name=name, family_name="Test", birth_date=date(1980, 1, 1)
        ),
        today=TODAY,
    )


def _rate(session: Session, patient, scale_id: str, days_ago: int) -> None:
    day = TODAY - timedelta(days=days_ago)
    answers = {str(i): 1 for i in range(1, NO_ITEMS[scale_id] + 1)}
    if scale_id == "phq9":
        answers["9"] = 0
    service.record_assessment(
        session,
        ACTOR,
        patient,
        scale_id,
        answers,
        administered_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
    )


def _overdue(session: Session, scale_id: str) -> dict[str, bool]:
    entries = service.caseload_summary(session, ACTOR, scale_id=scale_id, as_of=TODAY)
    return {e.name.split(", ")[1]: "assessment_overdue" in e.alerts for e in entries}


@pytest.fixture
def caseload(session: Session) -> Session:
    tms_late = _patient(session, "TmsLate")  # TMS course, last PHQ-9 20 days ago
    history_service.add_course(
        session, ACTOR, tms_late, modality="tms", start_date=TODAY - timedelta(days=30)
    )
    _rate(session, tms_late, "phq9", 20)
    tms_fresh = _patient(session, "TmsFresh")  # TMS course, PHQ-9 3 days ago
    history_service.add_course(
        session, ACTOR, tms_fresh, modality="tms", start_date=TODAY - timedelta(days=30)
    )
    _rate(session, tms_fresh, "phq9", 3)
    tms_new = _patient(session, "TmsNew")  # TMS course begun 3 days ago, not yet rated
    history_service.add_course(
        session, ACTOR, tms_new, modality="tms", start_date=TODAY - timedelta(days=3)
    )
    ket = _patient(session, "Esk")  # esketamine course measured on the MADRS
    history_service.add_course(
        session,
        ACTOR,
        ket,
        modality="esketamine",
        start_date=TODAY - timedelta(days=40),
        primary_scale="madrs",
    )
    _rate(session, ket, "madrs", 15)
    _rate(session, ket, "gad7", 30)
    done = _patient(session, "Done")  # TMS course completed: nothing scheduled any more
    course = history_service.add_course(
        session, ACTOR, done, modality="tms", start_date=TODAY - timedelta(days=90)
    )
    history_service.set_course_status(
        session, ACTOR, course, "completed", on=TODAY - timedelta(days=40), reason="done"
    )
    _rate(session, done, "phq9", 40)
    _patient(session, "NoCourse")  # no course, never rated
    session.flush()
    return session


def test_a_scale_never_scheduled_is_never_overdue(caseload: Session) -> None:
    for scale_id in ("gad7", "hamd17", "qids_sr16"):
        assert not any(_overdue(caseload, scale_id).values()), scale_id


def test_phq9_overdue_only_on_a_tms_courses_weekly_schedule(caseload: Session) -> None:
    assert _overdue(caseload, "phq9") == {
        "TmsLate": True,
        "TmsFresh": False,
        "TmsNew": False,  # the schedule began within the interval
        "Esk": False,  # measured on the MADRS
        "Done": False,
        "NoCourse": False,
    }


def test_a_courses_primary_scale_is_its_schedule(caseload: Session) -> None:
    # The TMS courses' clinician scale is due at decision points, not weekly.
    assert _overdue(caseload, "madrs") == {
        "TmsLate": False,
        "TmsFresh": False,
        "TmsNew": False,
        "Esk": True,
        "Done": False,
        "NoCourse": False,
    }


def test_the_page_and_its_alert_count_follow_the_schedule(caseload: Session) -> None:
    page = service.caseload_page(
        caseload, ACTOR, scale_id="gad7", as_of=TODAY, other_alerts={}, show="alerts"
    )
    assert (page.total, page.with_alerts, page.entries) == (0, 0, [])
    page = service.caseload_page(
        caseload, ACTOR, scale_id="phq9", as_of=TODAY, other_alerts={}, show="alerts"
    )
    assert [e.name for e in page.entries] == ["Test, TmsLate"]
