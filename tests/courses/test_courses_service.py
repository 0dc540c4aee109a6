"""The courses room's service on SQLite and PostgreSQL: report, pause, review,
acknowledge, deliverability, alerts, the course's outcome, corrections, audit, schema."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.engine import make_engine
from trdcare.adapters.db.migrate import alembic_config, head_revisions, upgrade
from trdcare.adapters.db.models import AuditEvent, Patient, TreatmentCourse
from trdcare.assessments import service as assessment_service
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_today
from trdcare.core.errors import Conflict, InvalidInput, NotFound
from trdcare.courses import service
from trdcare.history import service as history_service
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate

TABLES = {"course_adverse_events", "course_pauses"}
NURSE = Actor(username="nurse.n", role="clinician", source="test")


def _patient(session: Session, actor: Actor, mrn: str = "C-1") -> Patient:
    return patient_service.add_patient(
        session,
        actor,
        PatientCreate(mrn=mrn, given_name="Ada", family_name="Byron", birth_date=date(1970, 1, 1)),
    )


def _course(
    session: Session,
    actor: Actor,
    patient: Patient,
    modality: str = "esketamine",
    start: date | None = None,
) -> TreatmentCourse:
    return history_service.add_course(
        session,
        actor,
        patient,
        modality=modality,
        start_date=start or utc_today() - timedelta(days=14),
        primary_scale="phq9",
    )


def _audited(session: Session, action: str, entity: str) -> bool:
    session.commit()
    return any(
        (e.action, e.entity) == (action, entity) for e in session.scalars(select(AuditEvent))
    )


def _phq9(session: Session, actor: Actor, patient: Patient, total: int, on: date) -> None:
    # Nine items summing to ``total`` (each 0-3).
    items = [min(3, max(0, total - 3 * i)) for i in range(9)]
    assert sum(items) == total
    assessment_service.record_assessment(
        session,
        actor,
        patient,
        "phq9",
        {str(i + 1): v for i, v in enumerate(items)},
        administered_at=datetime(on.year, on.month, on.day, 12, tzinfo=UTC),
    )


def test_migration_creates_and_drops_the_tables(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('mig') / 'm.sqlite3'}")
    upgrade(engine)
    assert "0025_courses" in head_revisions(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    command.downgrade(alembic_config(engine), "0025_courses@-1")
    assert not TABLES & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_a_non_serious_event_is_recorded_and_the_course_stays_active(
    session: Session, actor: Actor
) -> None:
    p = _patient(session, actor)
    c = _course(session, actor, p, "vns")
    done = service.report_adverse_event(
        session,
        actor,
        p,
        c,
        kind="voice_alteration",
        severity="mild",
        occurred_on=utc_today(),
        delivery_ref="vns_titration:3",
    )
    assert not done.paused and done.event.serious is False
    assert c.status == "active"
    service.require_deliverable(session, c)  # nothing raised
    assert service.open_alerts_for(session, p) == []
    assert done.event.delivery_ref == "vns_titration:3"
    assert _audited(session, "create", "course_adverse_event")


def test_a_serious_event_pauses_the_course_until_a_physician_resumes_it(
    session: Session, actor: Actor
) -> None:
    p = _patient(session, actor)
    c = _course(session, actor, p)
    done = service.report_adverse_event(
        session,
        NURSE,
        p,
        c,
        kind="respiratory_depression",
        severity="severe",
        occurred_on=utc_today(),
    )
    assert done.paused and c.status == "paused" and c.end_date is None
    assert done.event.serious_criteria == ["important_medical_event"]
    assert done.event.criteria_added == ["important_medical_event"]
    assert {a.code for a in service.open_alerts_for(session, p)} == {
        "course_paused",
        "serious_adverse_event",
    }
    with pytest.raises(Conflict) as exc:
        service.require_deliverable(session, c)
    assert exc.value.status == 409
    assert "is paused since" in exc.value.message
    assert "Respiratory depression" in exc.value.message
    assert "A physician must review the pause" in exc.value.message

    pause, transition = service.review_pause(
        session,
        actor,
        p,
        c,
        physician="Dr Test",
        decision="resume",
        note="SpO2 recovered; lower dose next time",
    )
    assert transition.after == "active" and c.status == "active"
    assert (pause.decision, pause.reviewed_by) == ("resume", "Dr Test")
    assert pause.reviewed_at is not None and "SpO2" in (pause.review_note or "")
    assert done.event.acknowledged_by == "Dr Test"
    assert service.open_alerts_for(session, p) == []
    service.require_deliverable(session, c)
    # A second review of the same pause is refused: the course is no longer paused.
    with pytest.raises(Conflict, match="not paused"):
        service.review_pause(
            session, actor, p, c, physician="Dr Test", decision="stop", note="again"
        )
    assert _audited(session, "update", "course_pause")


def test_a_stop_review_ends_the_course(session: Session, actor: Actor) -> None:
    p = _patient(session, actor)
    c = _course(session, actor, p, "dbs")
    service.report_adverse_event(
        session, actor, p, c, kind="seizure", severity="moderate", occurred_on=utc_today()
    )
    service.review_pause(
        session, actor, p, c, physician="Dr T", decision="stop", note="stop stimulation"
    )
    assert (c.status, c.end_date) == ("stopped", utc_today())
    with pytest.raises(Conflict, match="is stopped"):
        service.require_deliverable(session, c)


def test_review_and_acknowledgement_need_a_physician_and_a_note(
    session: Session, actor: Actor
) -> None:
    p = _patient(session, actor)
    c = _course(session, actor, p)
    with pytest.raises(InvalidInput) as exc:
        service.review_pause(session, actor, p, c, physician=" ", decision="resume", note="ok")
    assert {i.path for i in exc.value.issues} == {"physician", "note"}
    with pytest.raises(InvalidInput) as exc:
        service.acknowledge_adverse_events(session, actor, p, c, physician="Dr", note="")
    assert [i.path for i in exc.value.issues] == ["note"]
    with pytest.raises(Conflict, match="not paused"):
        service.review_pause(session, actor, p, c, physician="Dr", decision="resume", note="abc")
    with pytest.raises(InvalidInput) as exc:
        service.review_pause(session, actor, p, c, physician="Dr", decision="maybe", note="abc")
    assert exc.value.issues[0].path == "decision"


def test_a_serious_event_after_the_course_is_an_alert_until_acknowledged(
    session: Session, actor: Actor
) -> None:
    p = _patient(session, actor)
    c = _course(session, actor, p, "psilocybin")
    history_service.set_course_status(
        session, actor, c, "completed", on=utc_today(), reason="protocol completed"
    )
    done = service.report_adverse_event(
        session,
        actor,
        p,
        c,
        kind="suicidal_ideation",
        severity="moderate",
        occurred_on=utc_today(),
        serious_criteria=["hospitalisation"],
    )
    assert not done.paused and c.status == "completed"
    assert done.transition.reason.rule == "serious_adverse_event_after_course"
    assert [a.code for a in service.open_alerts_for(session, p)] == ["serious_adverse_event"]
    events = service.acknowledge_adverse_events(
        session, actor, p, c, physician="Dr A", note="seen in clinic; safety plan"
    )
    assert [e.id for e in events] == [done.event.id]
    assert service.open_alerts_for(session, p) == []
    with pytest.raises(Conflict, match="awaits acknowledgement"):
        service.acknowledge_adverse_events(session, actor, p, c, physician="Dr A", note="again")


def test_a_serious_event_while_paused_keeps_one_pause_and_the_review_covers_both(
    session: Session, actor: Actor
) -> None:
    p = _patient(session, actor)
    c = _course(session, actor, p, "ketamine")
    service.report_adverse_event(
        session, actor, p, c, kind="oxygen_desaturation", severity="severe", occurred_on=utc_today()
    )
    second = service.report_adverse_event(
        session,
        actor,
        p,
        c,
        kind="blood_pressure_increase",
        severity="severe",
        occurred_on=utc_today(),
        serious_criteria=["important_medical_event"],
    )
    assert not second.paused and second.transition.reason.rule.endswith("while_paused")
    assert len(service.pauses(session, actor, p, c)) == 1
    service.review_pause(session, actor, p, c, physician="Dr", decision="resume", note="both ok")
    assert all(e.acknowledged_at for e in service.adverse_events(session, actor, p, c))


def test_tms_and_other_patients_courses_and_retired_courses_are_refused(
    session: Session, actor: Actor
) -> None:
    p = _patient(session, actor)
    q = _patient(session, actor, "C-2")
    tms = _course(session, actor, p, "tms")
    with pytest.raises(Conflict, match="TMS"):
        service.report_adverse_event(
            session, actor, p, tms, kind="other", severity="mild", occurred_on=utc_today()
        )
    with pytest.raises(Conflict, match="TMS"):
        service.require_deliverable(session, tms)
    c = _course(session, actor, p, "vns")
    with pytest.raises(NotFound):
        service.report_adverse_event(
            session, actor, q, c, kind="cough", severity="mild", occurred_on=utc_today()
        )
    history_service.retire_course(session, actor, p, c.ref, reason="wrong patient")
    with pytest.raises(Conflict, match="entered in error"):
        service.report_adverse_event(
            session, actor, p, c, kind="cough", severity="mild", occurred_on=utc_today()
        )
    with pytest.raises(Conflict, match="entered in error"):
        service.require_deliverable(session, c)


def test_bad_input_writes_nothing(session: Session, actor: Actor) -> None:
    p = _patient(session, actor)
    c = _course(session, actor, p, start=utc_today() - timedelta(days=3))
    with pytest.raises(InvalidInput) as exc:
        service.report_adverse_event(
            session,
            actor,
            p,
            c,
            kind="cough",
            severity="mild",
            occurred_on=utc_today() - timedelta(days=4),
        )
    assert {i.path for i in exc.value.issues} == {"kind", "occurred_on"}
    with pytest.raises(InvalidInput) as exc:
        service.report_adverse_event(
            session,
            actor,
            p,
            c,
            kind="sedation",
            severity="mild",
            occurred_on=utc_today(),
            delivery_ref="x" * 81,
        )
    assert exc.value.issues[0].path == "delivery_ref"
    assert service.adverse_events(session, actor, p, c) == []
    assert c.status == "active"


def test_the_outcome_is_the_course_s_scores_by_the_one_rule(session: Session, actor: Actor) -> None:
    p = _patient(session, actor)
    today = utc_today()
    start = today - timedelta(days=60)
    end = today - timedelta(days=10)
    _phq9(session, actor, p, 20, start - timedelta(days=2))  # baseline: before the start
    _phq9(session, actor, p, 9, start + timedelta(days=20))
    _phq9(session, actor, p, 8, end)  # the last while the course ran
    # After it ended: not this course's. Yesterday, not today: at noon a score from today would be
    # in the future for the first twelve hours of a UTC day.
    _phq9(session, actor, p, 22, today - timedelta(days=1))
    c = _course(session, actor, p, "vns", start=start)
    history_service.set_course_status(session, actor, c, "completed", on=end, reason="done")
    verdict = service.course_outcome(session, actor, p, c)
    assert verdict is not None
    assert (verdict.baseline.total, verdict.latest.total) == (20, 8)
    assert verdict.response is True
    # The existing outcome view uses the same baseline rule for any modality.
    outcome, course = assessment_service.patient_outcome(session, actor, p, course_ref=c.ref)
    assert course is c and outcome.to_dict()["baseline"]["total"] == 20


def test_no_score_no_outcome(session: Session, actor: Actor) -> None:
    p = _patient(session, actor)
    c = _course(session, actor, p, "neurofeedback")
    assert service.course_outcome(session, actor, p, c) is None


def test_a_paused_course_keeps_its_scale_on_the_schedule(session: Session, actor: Actor) -> None:
    p = _patient(session, actor)
    c = _course(session, actor, p, start=utc_today() - timedelta(days=30))
    service.report_adverse_event(
        session,
        actor,
        p,
        c,
        kind="sedation",
        severity="severe",
        occurred_on=utc_today(),
        serious_criteria=["hospitalisation"],
    )
    session.commit()
    page = assessment_service.caseload_page(
        session,
        actor,
        scale_id="phq9",
        as_of=utc_today(),
        other_alerts={},
        show="all",
        band=None,
        sort="alerts",
        offset=0,
        limit=50,
    )
    entry = next(e for e in page.entries if e.patient_ref == p.ref)
    assert "assessment_overdue" in entry.alerts


def test_a_paused_course_is_not_completed_behind_the_review(session: Session, actor: Actor) -> None:
    p = _patient(session, actor)
    c = _course(session, actor, p, "vns")
    service.report_adverse_event(
        session,
        actor,
        p,
        c,
        kind="dyspnoea",
        severity="severe",
        occurred_on=utc_today(),
        serious_criteria=["hospitalisation"],
    )
    with pytest.raises(Conflict, match="review of the pause"):
        history_service.set_course_status(
            session, actor, c, "completed", on=utc_today(), reason="titration done"
        )
    assert c.status == "paused"


def test_the_caseload_lists_non_tms_courses_only(session: Session, actor: Actor) -> None:
    p = _patient(session, actor)
    _course(session, actor, p, "tms")  # the TMS room's own dashboard rows count it
    c = _course(session, actor, p, "ketamine")
    done = service.caseload_courses(session, actor)
    assert [(x.course_ref, x.modality, x.alerts) for x in done] == [(c.ref, "ketamine", ())]
    service.report_adverse_event(
        session,
        actor,
        p,
        c,
        kind="oxygen_desaturation",
        severity="severe",
        occurred_on=utc_today(),
    )
    (row,) = service.caseload_courses(session, actor)
    assert row.alerts == ("course_paused", "serious_adverse_event")
    # A discharged patient leaves the caseload, but the chart still shows the alerts.
    p.status = "discharged"
    session.flush()
    assert service.caseload_courses(session, actor) == []
    assert len(service.open_alerts_for(session, p, actor=actor)) == 2
    assert _audited(session, "read", "course_caseload")
    assert _audited(session, "read", "course_alerts")
