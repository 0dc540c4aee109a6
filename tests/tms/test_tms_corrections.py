"""Cancel, stop, correct and entered-in-error in the TMS log (issue #14 finding 10), on
SQLite and PostgreSQL: the old version is kept and shown, the course's count, calendar,
outcome and caseload follow, and a safety flag goes only by a physician's decision."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.engine import session_factory
from trdcare.adapters.db.models import AuditEvent, Patient, RecordVersion, TreatmentCourse
from trdcare.adapters.db.models.assessments import CaseloadScore
from trdcare.adapters.db.models.tms import (
    TmsAdverseEvent,
    TmsCoursePlan,
    TmsPlannedSession,
    TmsSessionLog,
)
from trdcare.assessments import service as assessment_service
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_today
from trdcare.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate
from trdcare.tms import service as tms_service
from trdcare.tms.domain import questionnaire
from trdcare.tms.repository import TmsRepository

TECH = Actor(username="tech.one", role="technician", source="test")
OTHER_TECH = Actor(username="tech.two", role="technician", source="test")

# A course planned a year ahead in error: a Monday about 400 days from today (a 2099 start
# is refused outright since the planning horizon).
_AHEAD = utc_today() + timedelta(days=400)
NEXT_YEAR = _AHEAD - timedelta(days=_AHEAD.weekday())


def _patient(session: Session, actor: Actor, mrn: str) -> Patient:
    return patient_service.add_patient(
        session,
        actor,
        PatientCreate(mrn=mrn, given_name="Ada", family_name="Byron", birth_date=date(1970, 1, 1)),
    )


def _course(session: Session, actor: Actor, mrn: str, start: date) -> Patient:
    patient = _patient(session, actor, mrn)
    answers = {it.id: False for it in questionnaire("rossi2011").items}
    tms_service.record_screen(session, actor, patient, instrument="rossi2011", answers=answers)
    tms_service.plan(
        session, actor, patient, protocol_key="hf10-left-dlpfc", start=start, mt_pct_mso=55
    )
    return patient


def _past_course(session: Session, actor: Actor, mrn: str, sessions: int) -> Patient:
    today = date.today()
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=10)
    patient = _course(session, actor, mrn, start)
    for _ in range(sessions):
        tms_service.log_session(
            session, TECH, patient, {"pulses_delivered": 3000, "operator": "tech.one"}
        )
    return patient


def _plan(session: Session, patient: Patient) -> TmsCoursePlan:
    return session.scalars(
        select(TmsCoursePlan).where(TmsCoursePlan.patient_id == patient.id)
    ).one()


def _audited(session: Session, action: str, entity: str) -> bool:
    session.commit()
    return any(
        (e.action, e.entity) == (action, entity) for e in session.scalars(select(AuditEvent))
    )


def test_a_course_planned_a_year_ahead_is_cancelled_and_another_can_be_planned(
    session: Session, actor: Actor, engine: Engine
) -> None:
    patient = _course(session, actor, "MRN-C2099", NEXT_YEAR)
    with pytest.raises(InvalidInput) as err:
        tms_service.cancel_course(session, actor, patient, reason="  ")
    assert err.value.issues[0].path == "reason"
    row = tms_service.cancel_course(session, actor, patient, reason="planned for the wrong year")
    assert (row.status, row.retired_reason) == (
        "cancelled",
        "cancelled: planned for the wrong year",
    )
    course = session.get(TreatmentCourse, row.treatment_course_id)
    assert course is not None and course.retired_at is not None
    assert TmsRepository(session).current_plan(patient.id) is None
    assert TmsRepository(session).planned_sessions(row.id) == []
    kept = session.scalars(
        select(RecordVersion).where(
            RecordVersion.table_name == "tms_course_plans", RecordVersion.row_id == row.id
        )
    ).all()
    assert kept[-1].reason == "cancelled: planned for the wrong year"
    assert kept[-1].data["status"] == "active"
    # Another course can be planned now; the cancelled one is listed apart.
    tms_service.plan(
        session,
        actor,
        patient,
        protocol_key="hf10-left-dlpfc",
        start=NEXT_YEAR + timedelta(weeks=5),
    )
    assert [p.id for p in TmsRepository(session).cancelled_plans(patient.id)] == [row.id]
    assert _audited(session, "retire", "tms_course_plan")


def test_a_course_that_began_is_stopped_not_cancelled(
    session: Session, actor: Actor, engine: Engine
) -> None:
    patient = _past_course(session, actor, "MRN-STOP", 3)
    with pytest.raises(Conflict, match="stopped, not cancelled"):
        tms_service.cancel_course(session, actor, patient, reason="changed mind")
    row, _ = tms_service.stop_course(session, actor, patient, reason="patient moved away")
    assert (row.status, row.delivered_sessions, row.planned_sessions) == ("stopped", 3, 3)
    course = session.get(TreatmentCourse, row.treatment_course_id)
    assert course is not None and (course.status, course.retired_at) == ("stopped", None)
    with pytest.raises(Conflict, match="stopped"):
        tms_service.stop_course(session, actor, patient, reason="again")
    fresh = _course(session, actor, "MRN-STOP0", NEXT_YEAR)
    with pytest.raises(Conflict, match="cancelled, not stopped"):
        tms_service.stop_course(session, actor, fresh, reason="not begun")


def test_a_session_entered_in_error_no_longer_counts_and_leaves_the_calendar(
    session: Session, actor: Actor, engine: Engine
) -> None:
    patient = _past_course(session, actor, "MRN-RS", 3)
    with pytest.raises(Conflict, match="not the latest"):
        tms_service.retire_session(session, TECH, patient, 2, reason="wrong patient")
    with pytest.raises(PermissionDenied):
        tms_service.retire_session(
            session, OTHER_TECH, patient, 3, reason="wrong patient", as_role="technician"
        )
    with pytest.raises(NotFound):
        tms_service.retire_session(session, TECH, patient, 9, reason="wrong patient")
    entry, transition = tms_service.retire_session(
        session, TECH, patient, 3, reason="logged twice", as_role="technician"
    )
    assert entry.retired_reason == "entered in error: logged twice"
    assert transition.state.delivered_sessions == 2
    status = tms_service.status(session, actor, patient)
    assert (status["delivered"], status["progress"]["delivered"]) == (2, 2)
    assert 3 in status["progress"]["missed"]  # the calendar owes it again
    with pytest.raises(NotFound):
        tms_service.retire_session(session, TECH, patient, 3, reason="again")
    # The next session logged is number 3 again.
    again, _ = tms_service.log_session(
        session, TECH, patient, {"pulses_delivered": 3000, "operator": "tech.one"}
    )
    assert again.session_number == 3
    assert _audited(session, "retire", "tms_session_log")


def test_a_completed_course_is_active_again_when_its_last_session_was_in_error(
    session: Session, actor: Actor, engine: Engine
) -> None:
    patient = _past_course(session, actor, "MRN-RC", 0)
    plan = _plan(session, patient)
    plan.planned_sessions = 2  # a short course: completed after two sessions
    session.flush()
    for _ in range(2):
        tms_service.log_session(session, TECH, patient, {"pulses_delivered": 3000, "operator": "t"})
    assert plan.status == "completed"
    tms_service.retire_session(session, actor, patient, 2, reason="not given: coil fault")
    assert (plan.status, plan.delivered_sessions) == ("active", 1)
    course = session.get(TreatmentCourse, plan.treatment_course_id)
    assert course is not None and course.status == "active"


def test_a_session_correction_keeps_the_old_version_and_rechecks_the_entry(
    session: Session, actor: Actor, engine: Engine
) -> None:
    patient = _past_course(session, actor, "MRN-CS", 2)
    with pytest.raises(InvalidInput) as err:
        tms_service.correct_session(
            session, TECH, patient, 2, {"pulses_delivered": 3600}, reason="typo"
        )
    assert err.value.issues[0].path == "excess_reason"
    with pytest.raises(InvalidInput) as err:
        tms_service.correct_session(session, TECH, patient, 2, {"session_number": 5}, reason="typo")
    assert err.value.issues[0].path == "session_number"
    with pytest.raises(InvalidInput, match="nothing to correct"):
        tms_service.correct_session(
            session, TECH, patient, 2, {"pulses_delivered": 3000}, reason="typo"
        )
    with pytest.raises(PermissionDenied):
        tms_service.correct_session(
            session,
            OTHER_TECH,
            patient,
            2,
            {"pulses_delivered": 2400},
            reason="typo",
            as_role="technician",
        )
    entry, changed = tms_service.correct_session(
        session,
        TECH,
        patient,
        2,
        {"pulses_delivered": 2400},
        reason="stopped early: headache",
        as_role="technician",
        expected_version=1,
    )
    assert changed == {"pulses_delivered": (3000, 2400)}
    assert (entry.version, entry.pulses_delivered) == (2, 2400)
    _, versions = tms_service.session_versions(session, actor, patient, 2)
    assert [(v.version, v.changed_by, v.reason) for v in versions] == [
        (1, "tech.one", "corrected: stopped early: headache")
    ]
    assert versions[0].changes == {"pulses_delivered": (3000, 2400)}
    # A second correction from the same (now stale) version is refused: nothing written.
    with pytest.raises(Conflict, match="version 1 was shown"):
        tms_service.correct_session(
            session,
            actor,
            patient,
            2,
            {"pulses_delivered": 2500},
            reason="x2x",
            expected_version=1,
        )
    assert entry.pulses_delivered == 2400
    assert _audited(session, "update", "tms_session_log")


def test_a_serious_adverse_event_goes_only_by_a_physician_and_the_pause_stays(
    session: Session, actor: Actor, engine: Engine
) -> None:
    patient = _past_course(session, actor, "MRN-AE", 2)
    rows, _ = tms_service.report_adverse_event(
        session,
        TECH,
        patient,
        {
            "occurred_on": date.today(),
            "adverse_events": [{"kind": "seizure", "severity": "severe", "description": "x"}],
        },
    )
    event = rows[0]
    plan = _plan(session, patient)
    assert plan.status == "paused"
    with pytest.raises(PermissionDenied, match="physician"):
        tms_service.retire_adverse_event(
            session, TECH, patient, event.id, reason="other patient", as_role="technician"
        )
    with pytest.raises(InvalidInput) as err:
        tms_service.retire_adverse_event(session, actor, patient, event.id, reason="other pt")
    assert err.value.issues[0].path == "physician"
    tms_service.retire_adverse_event(
        session,
        actor,
        patient,
        event.id,
        reason="other patient's event",
        physician="Dr Test",
        as_role="physician",
    )
    # The signed-in physician is the one who retired it (retired_by); no name to repeat.
    assert (event.retired_reason, event.retired_by) == (
        "entered in error: other patient's event",
        "dr.test",
    )
    # No longer an alert, but the course stays paused for the physician's pause review.
    assert TmsRepository(session).unacknowledged_serious_events(plan.id) == []
    assert plan.status == "paused"
    with pytest.raises(Conflict, match="already marked entered in error"):
        tms_service.retire_adverse_event(
            session, actor, patient, event.id, reason="again", physician="Dr Test"
        )
    assert _audited(session, "retire", "tms_adverse_event")


def test_an_adverse_event_made_serious_pauses_the_course_and_made_mild_needs_a_physician(
    session: Session, actor: Actor, engine: Engine
) -> None:
    patient = _past_course(session, actor, "MRN-AE2", 2)
    rows, _ = tms_service.report_adverse_event(
        session,
        TECH,
        patient,
        {
            "occurred_on": date.today(),
            "adverse_events": [{"kind": "other", "severity": "mild", "description": "dizzy"}],
        },
    )
    event = rows[0]
    plan = _plan(session, patient)
    assert plan.status == "active"
    with pytest.raises(InvalidInput) as err:
        tms_service.correct_adverse_event(
            session, TECH, patient, event.id, {"severity": "awful"}, reason="worse"
        )
    assert err.value.issues[0].path == "adverse_event.severity"
    _, changed, transition = tms_service.correct_adverse_event(
        session,
        TECH,
        patient,
        event.id,
        {"kind": "syncope"},
        reason="fainted: not dizzy",
        as_role="technician",
    )
    assert changed["serious"] == (False, True)
    assert transition is not None and plan.status == "paused"
    with pytest.raises(PermissionDenied):
        tms_service.correct_adverse_event(
            session,
            TECH,
            patient,
            event.id,
            {"kind": "other", "serious": False},
            reason="was dizzy after all",
            as_role="technician",
        )
    tms_service.correct_adverse_event(
        session,
        actor,
        patient,
        event.id,
        {"kind": "other", "serious": False},
        reason="was dizzy after all",
        as_role="physician",
        physician="Dr Test",
    )
    assert (event.kind, event.serious, event.version) == ("other", False, 3)


def test_a_session_with_adverse_events_is_not_retired_with_them(
    session: Session, actor: Actor, engine: Engine
) -> None:
    patient = _past_course(session, actor, "MRN-SAE", 1)
    tms_service.log_session(
        session,
        TECH,
        patient,
        {
            "pulses_delivered": 3000,
            "operator": "t",
            "adverse_events": [{"kind": "other", "severity": "mild", "description": "ache"}],
        },
    )
    with pytest.raises(Conflict, match="adverse event"):
        tms_service.retire_session(session, TECH, patient, 2, reason="wrong patient")
    event = session.scalars(select(TmsAdverseEvent)).one()
    tms_service.retire_adverse_event(session, TECH, patient, event.id, reason="wrong patient")
    tms_service.retire_session(session, TECH, patient, 2, reason="wrong patient")
    assert (
        session.scalars(select(TmsSessionLog).where(TmsSessionLog.retired_at.is_(None)))
        .all()
        .__len__()
        == 1
    )


def test_a_cancelled_course_leaves_the_outcome_and_the_caseload(
    session: Session, actor: Actor, engine: Engine
) -> None:
    patient = _patient(session, actor, "MRN-CLO")
    for on, items in ((date(2024, 1, 8), [3] * 9), (date(2024, 3, 4), [1] * 9)):
        assessment_service.record_assessment(
            session,
            actor,
            patient,
            "phq9",
            {str(i + 1): v for i, v in enumerate(items)},
            administered_at=datetime(on.year, on.month, on.day, 12, tzinfo=UTC),
        )
    answers = {it.id: False for it in questionnaire("rossi2011").items}
    tms_service.record_screen(session, actor, patient, instrument="rossi2011", answers=answers)
    tms_service.plan(session, actor, patient, protocol_key="hf10-left-dlpfc", start=NEXT_YEAR)
    session.commit()
    row = session.get(CaseloadScore, (patient.id, "phq9"))
    assert row is not None and row.baseline_total == 9  # the last score before it
    tms_service.cancel_course(session, actor, patient, reason="planned in error")
    session.commit()
    session.expire_all()
    row = session.get(CaseloadScore, (patient.id, "phq9"))
    assert row is not None and row.baseline_total == 27  # no course: the first score


def test_two_concurrent_cancellations_one_wins(engine: Engine, actor: Actor) -> None:
    factory = session_factory(engine)
    with factory() as setup:
        patient = _course(setup, actor, "MRN-RACE", NEXT_YEAR)
        setup.commit()
        ref = patient.ref
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def cancel() -> None:
        with factory() as s:
            p = patient_service.find_patient(s, actor, ref, purpose="test")
            plan = TmsRepository(s).current_plan(p.id)
            assert plan is not None
            barrier.wait()
            try:
                tms_service.cancel_course(s, actor, p, reason="race", expected_version=plan.version)
                s.commit()
                outcomes.append("cancelled")
            except Conflict:
                s.rollback()
                outcomes.append("conflict")
            except Exception as exc:  # SQLite: the second writer finds the database busy
                s.rollback()
                outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=cancel) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("cancelled") == 1, outcomes
    with factory() as s:
        kept = s.scalars(
            select(RecordVersion).where(RecordVersion.table_name == "tms_course_plans")
        ).all()
        assert [k.reason for k in kept].count("cancelled: race") == 1
        planned = s.scalars(select(TmsPlannedSession)).all()
        assert all(p.superseded_at is not None for p in planned)


def test_two_concurrent_corrections_of_one_session_one_wins(engine: Engine, actor: Actor) -> None:
    factory = session_factory(engine)
    with factory() as setup:
        patient = _past_course(setup, actor, "MRN-RACE2", 1)
        setup.commit()
        ref = patient.ref
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def correct(pulses: int) -> None:
        with factory() as s:
            p = patient_service.find_patient(s, actor, ref, purpose="test")
            barrier.wait()
            try:
                tms_service.correct_session(
                    s, actor, p, 1, {"pulses_delivered": pulses}, reason="race", expected_version=1
                )
                s.commit()
                outcomes.append("corrected")
            except Conflict:
                s.rollback()
                outcomes.append("conflict")
            except Exception as exc:  # SQLite: the second writer finds the database busy
                s.rollback()
                outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=correct, args=(n,)) for n in (2400, 2500)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("corrected") == 1, outcomes
    with factory() as s:
        entry = s.scalars(select(TmsSessionLog)).one()
        kept = s.scalars(
            select(RecordVersion).where(
                RecordVersion.table_name == "tms_session_logs", RecordVersion.row_id == entry.id
            )
        ).all()
        assert (entry.version, len(kept)) == (2, 1)
        assert entry.pulses_delivered in (2400, 2500)
