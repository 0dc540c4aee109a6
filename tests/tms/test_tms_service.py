"""TMS service and migration on SQLite and PostgreSQL (decisions, MT hunts, audit, schema)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.engine import make_engine
from trdcare.adapters.db.migrate import alembic_config, head_revisions, upgrade
from trdcare.adapters.db.models import AuditEvent, Patient
from trdcare.adapters.db.models.tms import TmsCoursePlan, TmsMtSession, TmsPlannedSession
from trdcare.assessments import service as assessment_service
from trdcare.core.actor import Actor
from trdcare.core.errors import Conflict, InvalidInput
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate
from trdcare.tms import service as tms_service
from trdcare.tms.domain import PhysicianOverride, questionnaire
from trdcare.tms.repository import TmsRepository

TMS_TABLES = {
    "tms_screens",
    "tms_protocols",
    "tms_course_plans",
    "tms_planned_sessions",
    "tms_mt_sessions",
    "tms_session_logs",
    "tms_adverse_events",
    "tms_decision_reviews",
}


def _patient(session: Session, actor: Actor, mrn: str) -> Patient:
    return patient_service.add_patient(
        session,
        actor,
        PatientCreate(mrn=mrn, given_name="Ada", family_name="Byron", birth_date=date(1970, 1, 1)),
    )


def _clear_screen(session: Session, actor: Actor, patient: Patient) -> None:
    answers = {it.id: False for it in questionnaire("rossi2011").items}
    tms_service.record_screen(session, actor, patient, instrument="rossi2011", answers=answers)


def _phq9(
    session: Session, actor: Actor, patient: Patient, total_items: list[int], on: date
) -> None:
    assessment_service.record_assessment(
        session,
        actor,
        patient,
        "phq9",
        {str(i + 1): v for i, v in enumerate(total_items)},
        administered_at=datetime(on.year, on.month, on.day, 12, tzinfo=UTC),
    )


def test_migration_creates_and_drops_the_tms_tables(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('mig') / 'm.sqlite3'}")
    upgrade(engine)
    assert "0006_tms_session_timing_flags" in head_revisions(engine)
    assert set(inspect(engine).get_table_names()) >= TMS_TABLES
    command.downgrade(alembic_config(engine), "0001_foundation")
    assert not TMS_TABLES & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TMS_TABLES
    engine.dispose()


def test_partial_response_at_thirty_extends_to_thirty_six(
    session: Session, actor: Actor, engine: Engine
) -> None:
    patient = _patient(session, actor, "MRN-EXT")
    _clear_screen(session, actor, patient)
    today = date.today()
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=10)
    plan_row, _ = tms_service.plan(
        session,
        actor,
        patient,
        protocol_key="hf10-left-dlpfc",
        start=start,
        mt_pct_mso=55,
    )
    assert plan_row.intensity["intensity_pct_mso"] == 66.0
    _phq9(session, actor, patient, [3, 3, 3, 2, 2, 2, 2, 2, 1], start)  # 20
    for _ in range(1, 31):
        tms_service.log_session(
            session,
            actor,
            patient,
            {"pulses_delivered": 3000, "operator": "tech"},
        )
    _phq9(session, actor, patient, [2, 2, 2, 1, 1, 1, 1, 1, 2], today - timedelta(days=1))  # 13
    _, review = tms_service.decision_review(session, actor, patient)
    assert (review.decision_point, review.outcome.category) == (30, "partial_response")
    assert review.primary.action == "extend"
    with pytest.raises(InvalidInput) as err:
        tms_service.decide(session, actor, patient, decision="accept", by="dr", action="stop")
    assert err.value.issues[0].path == "action"
    _, row = tms_service.decide(session, actor, patient, decision="accept", by="dr.house")
    assert (row.acute_sessions, row.planned_sessions, row.status) == (36, 42, "active")
    current = session.scalars(
        select(TmsPlannedSession).where(
            TmsPlannedSession.plan_id == row.id, TmsPlannedSession.superseded_at.is_(None)
        )
    ).all()
    assert [s.phase for s in sorted(current, key=lambda s: s.number)][30:] == ["acute"] * 6 + [
        "taper"
    ] * 6
    with pytest.raises(Conflict, match="no pending"):
        tms_service.decide(session, actor, patient, decision="decline", by="dr")


def test_mt_hunt_is_stored_step_by_step_and_feeds_the_plan(
    session: Session, actor: Actor, engine: Engine
) -> None:
    patient = _patient(session, actor, "MRN-MT")
    with pytest.raises(Conflict, match="no open threshold hunt"):
        tms_service.mt_step(session, actor, patient, mep=True)
    row = tms_service.mt_step(session, actor, patient, start_pct_mso=58, max_pulses=6)
    with pytest.raises(Conflict, match="already open"):
        tms_service.mt_step(session, actor, patient, start_pct_mso=58)
    for mep in (True, False, True, False, True, False):
        row = tms_service.mt_step(session, actor, patient, mep=mep)
    assert row.stopped and row.pulses == 6
    assert row.estimate_pct_mso is not None
    doc = tms_service.mt_to_dict(row)
    assert doc["result"]["pulses"] == 6
    _clear_screen(session, actor, patient)
    plan_row, _ = tms_service.plan(
        session,
        actor,
        patient,
        protocol_key="itbs-left-dlpfc",
        start=date.today(),
    )
    assert plan_row.mt_pct_mso == row.estimate_pct_mso
    assert session.scalar(select(TmsMtSession.id)) is not None


def test_reads_and_writes_are_audited(session: Session, actor: Actor, engine: Engine) -> None:
    patient = _patient(session, actor, "MRN-AUD")
    _clear_screen(session, actor, patient)
    tms_service.plan(session, actor, patient, protocol_key="accelerated-itbs", start=date.today())
    tms_service.status(session, actor, patient)
    session.commit()  # audit events are chained and written at commit
    entities = [
        (e.action, e.entity)
        for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        if e.entity.startswith("tms") or e.entity == "course"
    ]
    assert ("create", "tms_screen") in entities
    assert ("create", "course") in entities
    assert ("create", "tms_course_plan") in entities
    assert ("read", "tms_course_plan") in entities
    plan = session.scalars(select(TmsCoursePlan)).one()
    assert plan.planned_sessions == 50
    assert plan.approval["basis"] == "within"


def test_saved_custom_protocol_override_is_reused_when_planning(
    session: Session, actor: Actor, engine: Engine
) -> None:
    data = {
        "id": "lf1-900",
        "name": "1 Hz right, 900 pulses",
        "blocks": [
            {
                "pattern": {"kind": "rtms", "frequency_hz": 1},
                "intensity_pct_mt": 110,
                "train_duration_s": 900,
                "trains": 1,
            }
        ],
        "schedule": {
            "treatment_days": "weekdays",
            "sessions_per_day": 1,
            "acute_sessions_min": 20,
            "acute_sessions_max": 30,
        },
    }
    _, approval = tms_service.save_protocol(session, actor, data)
    assert approval.basis == "within"  # 900 s <= the >1800 s cell at 110% MT
    with pytest.raises(Conflict):
        tms_service.save_protocol(session, actor, data)
    block = {**data["blocks"][0], "intensity_pct_mt": 120}  # type: ignore[index]
    past = {**data, "id": "lf1-900-120", "blocks": [block]}
    saved, approval = tms_service.save_protocol(
        session, actor, past, override=PhysicianOverride("dr.house", "bilateral trial dose")
    )
    assert (approval.basis, saved.override_by) == ("override", "dr.house")
    patient = _patient(session, actor, "MRN-CUS")
    _clear_screen(session, actor, patient)
    plan_row, _ = tms_service.plan(
        session,
        actor,
        patient,
        protocol_key="lf1-900-120",
        start=date.today(),
    )
    assert plan_row.approval["basis"] == "override"
    assert plan_row.protocol_origin == "custom"


def test_current_mt_is_the_open_hunt_else_the_latest_finished(
    session: Session, actor: Actor
) -> None:
    patient = _patient(session, actor, "MT-ORDER")
    stamp = {
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
        "created_by": "t",
        "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
        "updated_by": "t",
    }

    def hunt(on: date, *, stopped: bool) -> TmsMtSession:
        row = TmsMtSession(
            patient_id=patient.id, method="ml_pest", measured_on=on, stopped=stopped, **stamp
        )
        session.add(row)
        session.flush()
        return row

    repo = TmsRepository(session)
    assert repo.current_mt(patient.id) is None
    later = hunt(date(2026, 3, 1), stopped=True)
    hunt(date(2026, 2, 1), stopped=True)  # entered after, measured earlier
    assert repo.current_mt(patient.id) is later
    older_open = hunt(date(2026, 1, 1), stopped=False)
    newer_open = hunt(date(2025, 12, 1), stopped=False)
    assert repo.current_mt(patient.id) is newer_open  # the newest open hunt, whatever its date
    newer_open.retired_at, newer_open.retired_by = datetime(2026, 4, 1, tzinfo=UTC), "t"
    session.flush()
    assert repo.current_mt(patient.id) is older_open
