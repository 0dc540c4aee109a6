"""Esketamine service on SQLite and PostgreSQL: plan with eligibility, a session from
check-in to discharge, every refusal with nothing written, the REMS task, corrections."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.engine import make_engine
from trdcare.adapters.db.migrate import alembic_config, upgrade
from trdcare.adapters.db.models import AuditEvent, Patient, RecordVersion, TreatmentCourse
from trdcare.adapters.db.models.esketamine import (
    EsketamineCourse,
    EsketamineObservation,
    EsketamineSession,
)
from trdcare.core.actor import Actor
from trdcare.core.errors import Conflict, Contraindicated, InvalidInput, PermissionDenied
from trdcare.esketamine import service
from trdcare.esketamine.domain import question_ids
from trdcare.history import service as history_service
from trdcare.history.domain import parse_history
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate

EXAMPLE = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "examples" / "history.json").read_text()
)
TABLES = {"esketamine_courses", "esketamine_sessions", "esketamine_observations"}
NO = dict.fromkeys(question_ids(), False)


def _patient(session: Session, actor: Actor, mrn: str = "ESK-1") -> Patient:
    return patient_service.add_patient(
        session,
        actor,
        PatientCreate(mrn=mrn, given_name="Ada", family_name="Byron", birth_date=date(1970, 1, 1)),
    )


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _planned(session: Session, actor: Actor, **kw: Any) -> Patient:
    patient = _patient(session, actor, kw.pop("mrn", "ESK-1"))
    service.plan(
        session,
        actor,
        patient,
        answers=kw.pop("answers", NO),
        start_date=kw.pop("start_date", date.today() - timedelta(days=1)),
        physician="Dr Test",
        signoff_note="No history on file yet; TRD confirmed from referral letter.",
        **kw,
    )
    return patient


def _dosed(session: Session, actor: Actor, patient: Patient, *, hours_ago: float = 3) -> str:
    now = datetime.now(UTC)
    row = service.check_in(
        session,
        actor,
        patient,
        predose_systolic_mmhg=128,
        predose_diastolic_mmhg=80,
        predose_pulse_bpm=72,
        predose_spo2_pct=98,
        checked_in_at=now - timedelta(hours=hours_ago, minutes=20),
    )
    first = now - timedelta(hours=hours_ago, minutes=10)
    service.record_dose(
        session,
        actor,
        patient,
        row.ref,
        dose_mg=56,
        devices=2,
        lot="LOT-A1",
        device_times=[first, first + timedelta(minutes=5)],
    )
    return row.ref


def _discharge(session: Session, actor: Actor, patient: Patient, ref: str, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "discharged_by": "Nurse N",
        "sedation_resolved": True,
        "dissociation_resolved": True,
        "respiratory_depression_resolved": True,
        "safe_transport": True,
        "discharge_systolic_mmhg": 130,
        "discharge_diastolic_mmhg": 82,
        "discharge_spo2_pct": 97,
    }
    args.update(kw)
    return service.discharge(session, actor, patient, ref, **args)


def test_migration_creates_and_drops_the_esketamine_tables(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('mig') / 'm.sqlite3'}")
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    command.downgrade(alembic_config(engine), "0011_assessment_alert_ack")
    assert not TABLES & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_a_session_from_check_in_to_discharge_signature_and_rems(
    session: Session, actor: Actor
) -> None:
    patient = _planned(session, actor)
    course = session.scalars(select(EsketamineCourse)).one()
    assert course.eligibility_verdict == "needs_signoff"  # no history: TRD unknown
    assert session.get_one(TreatmentCourse, course.treatment_course_id).modality == "esketamine"
    assert len(course.schedule) == 16 and course.schedule[0]["phase"] == "induction"
    ref = _dosed(session, actor, patient)
    row = session.scalars(select(EsketamineSession)).one()
    assert (row.number, row.phase, row.status, row.dose_mg, row.devices) == (
        1,
        "induction_day_1",
        "dosed",
        56,
        2,
    )
    assert row.device_flags == [] and row.first_treatment
    assert row.monitoring_start is not None
    start = row.monitoring_start
    service.observe(
        session,
        actor,
        patient,
        ref,
        observed_at=start + timedelta(minutes=40),
        purpose="post_dose_40_min",
        systolic_mmhg=150,
        diastolic_mmhg=88,
        sedation=True,
        dissociation=True,
        spo2_pct=95,
    )
    service.observe(
        session, actor, patient, ref, observed_at=start + timedelta(minutes=110), spo2_pct=97
    )
    ready = service.readiness(session, actor, patient, ref, now=start + timedelta(hours=2))
    assert ready["ready"] is True
    _discharge(session, actor, patient, ref, discharged_at=start + timedelta(hours=2))
    assert row.status == "discharged"
    assert row.rems_due == row.checked_in_at.date() + timedelta(days=7)
    form = service.rems_form(session, actor, patient, ref)
    assert form["verified_fields"]["sedation_observed"] is True
    assert form["verified_fields"]["first_treatment"] is True
    assert form["unverified_fields"]["postdose_bp_mmhg"] == "150/88"
    assert form["unverified_fields"]["lowest_spo2_pct"] == 95
    assert "rems_form_due" in service.dashboard(session, actor)[patient.ref]["alerts"]
    service.sign_session(session, actor, patient, ref, physician="Dr Test")
    service.mark_rems_submitted(session, actor, patient, ref, submitted_by="Nurse N")
    assert row.rems_submitted_by == "Nurse N" and row.rems_submitted_at is not None
    dash = service.dashboard(session, actor)[patient.ref]
    assert dash["alerts"] == [] and dash["course"] == "Esketamine session 1 of 16"
    with pytest.raises(Conflict):
        service.mark_rems_submitted(session, actor, patient, ref, submitted_by="Nurse N")
    status = service.status(session, actor, patient)
    assert status["sessions"][0]["rems"]["state"] == "submitted"
    assert status["sessions"][0]["observations"][0]["minutes_after_dose"] == 40
    session.commit()
    kinds = set(session.scalars(select(AuditEvent.entity)))
    assert {"esketamine_session", "esketamine_dose", "esketamine_discharge"} <= kinds


def test_rems_task_turns_overdue_the_day_after_its_due_day(
    session: Session, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    patient = _planned(session, actor)
    ref = _dosed(session, actor, patient)
    _discharge(session, actor, patient, ref)
    row = session.scalars(select(EsketamineSession)).one()
    assert row.rems_due is not None
    due_day = datetime(row.rems_due.year, row.rems_due.month, row.rems_due.day, 23, tzinfo=UTC)
    monkeypatch.setattr(service, "utc_now", lambda: due_day)
    assert service.dashboard(session, actor)[patient.ref]["alerts"] == ["rems_form_due"]
    monkeypatch.setattr(service, "utc_now", lambda: due_day + timedelta(hours=2))
    assert service.dashboard(session, actor)[patient.ref]["alerts"] == ["rems_form_overdue"]


def test_second_session_follows_the_calendar_phase(session: Session, actor: Actor) -> None:
    patient = _planned(session, actor, start_date=date.today() - timedelta(days=5))
    ref = _dosed(session, actor, patient, hours_ago=30)
    _discharge(session, actor, patient, ref)
    row = service.check_in(
        session, actor, patient, predose_systolic_mmhg=120, predose_diastolic_mmhg=70
    )
    assert (row.number, row.phase) == (2, "induction")
    with pytest.raises(InvalidInput) as info:  # 28 mg is not a US label dose in any phase
        service.record_dose(session, actor, patient, row.ref, dose_mg=28, devices=1, lot="L")
    assert info.value.issues[0].path == "dose_mg"
    assert "56 or 84 mg" in str(info.value.issues[0].allowed)
    service.record_dose(session, actor, patient, row.ref, dose_mg=84, devices=3, lot="L2")
    assert row.devices == 3


def test_contraindication_blocks_and_writes_nothing(session: Session, actor: Actor) -> None:
    patient = _patient(session, actor)
    session.flush()
    before = (_count(session, EsketamineCourse), _count(session, TreatmentCourse))
    with pytest.raises(Contraindicated) as info:
        service.plan(
            session,
            actor,
            patient,
            answers={**NO, "intracerebral_haemorrhage": True, "hypersensitivity": True},
            start_date=date.today(),
            physician="Dr T",
            signoff_note="signed",
        )
    assert [i.path for i in info.value.issues] == [
        "answers.intracerebral_haemorrhage",
        "answers.hypersensitivity",
    ]
    assert (_count(session, EsketamineCourse), _count(session, TreatmentCourse)) == before


def test_warnings_need_the_prescribers_signoff(session: Session, actor: Actor) -> None:
    patient = _patient(session, actor)
    with pytest.raises(InvalidInput) as info:
        service.plan(
            session, actor, patient, answers={**NO, "pregnancy": True}, start_date=date.today()
        )
    assert info.value.issues[0].path == "signoff_note"
    assert "pregnancy" in info.value.issues[0].message
    assert _count(session, EsketamineCourse) == 0


def test_resistant_history_on_an_antidepressant_is_eligible(session: Session, actor: Actor) -> None:
    patient = _patient(session, actor)
    history_service.import_history(
        session, actor, patient, parse_history(EXAMPLE, today=date.today())
    )
    result = service.eligibility(session, actor, patient, NO)
    assert result["trd_status"] in ("resistant", "not_resistant", "insufficient_information")
    ids = {w["id"] for w in result["warnings"]}  # type: ignore[union-attr]
    assert "not_adult" not in ids
    if result["trd_status"] == "resistant":
        assert "trd_not_established" not in ids


def test_elevated_bp_needs_signoff_before_dosing(session: Session, actor: Actor) -> None:
    patient = _planned(session, actor)
    ok = service.check_in(
        session, actor, patient, predose_systolic_mmhg=140, predose_diastolic_mmhg=90
    )
    assert ok.bp_check["verdict"] == "ok"  # the threshold itself is not above it
    service.retire_session(session, actor, patient, ok.ref, reason="wrong patient chair")
    row = service.check_in(
        session, actor, patient, predose_systolic_mmhg=141, predose_diastolic_mmhg=90
    )
    assert row.bp_check["verdict"] == "warning" and row.bp_check["blocks_dosing"] is False
    assert "esketamine_bp_signoff" in service.dashboard(session, actor)[patient.ref]["alerts"]
    with pytest.raises(Conflict, match="sign off"):
        service.record_dose(session, actor, patient, row.ref, dose_mg=56, devices=2, lot="L")
    with pytest.raises(InvalidInput) as info:
        service.sign_off_bp(session, actor, patient, row.ref, physician="", note="ok to dose")
    assert info.value.issues[0].path == "physician"
    service.sign_off_bp(session, actor, patient, row.ref, physician="Dr T", note="Rechecked 138/88")
    service.record_dose(session, actor, patient, row.ref, dose_mg=56, devices=2, lot="L")
    assert row.status == "dosed"


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"predose_systolic_mmhg": 301}, "predose_systolic_mmhg"),
        ({"predose_systolic_mmhg": 49}, "predose_systolic_mmhg"),
        ({"predose_diastolic_mmhg": 19}, "predose_diastolic_mmhg"),
        ({"predose_diastolic_mmhg": 201, "predose_systolic_mmhg": 250}, "predose_diastolic_mmhg"),
        ({"predose_pulse_bpm": 19}, "predose_pulse_bpm"),
        ({"predose_pulse_bpm": 251}, "predose_pulse_bpm"),
        ({"predose_spo2_pct": 49}, "predose_spo2_pct"),
        ({"predose_spo2_pct": 101}, "predose_spo2_pct"),
        ({"checked_in_at": datetime.now(UTC) + timedelta(hours=1)}, "checked_in_at"),
        ({"checked_in_at": datetime(1969, 12, 31, tzinfo=UTC)}, "checked_in_at"),
    ],
)
def test_bad_check_in_is_refused_naming_the_field(
    session: Session, actor: Actor, kw: dict[str, Any], field: str
) -> None:
    patient = _planned(session, actor)
    args: dict[str, Any] = {"predose_systolic_mmhg": 120, "predose_diastolic_mmhg": 80, **kw}
    with pytest.raises(InvalidInput) as info:
        service.check_in(session, actor, patient, **args)
    issue = info.value.issues[0]
    assert issue.path == field and issue.allowed
    assert _count(session, EsketamineSession) == 0


def test_bounds_themselves_are_accepted(session: Session, actor: Actor) -> None:
    patient = _planned(session, actor)
    row = service.check_in(
        session,
        actor,
        patient,
        predose_systolic_mmhg=300,
        predose_diastolic_mmhg=200,
        predose_pulse_bpm=250,
        predose_spo2_pct=50,
    )
    assert row.predose_spo2_pct == 50


def test_discharge_at_two_hours_not_a_second_before(session: Session, actor: Actor) -> None:
    patient = _planned(session, actor)
    ref = _dosed(session, actor, patient)
    row = session.scalars(select(EsketamineSession)).one()
    assert row.monitoring_start is not None
    early = row.monitoring_start + timedelta(hours=2) - timedelta(seconds=1)
    with pytest.raises(InvalidInput) as info:
        _discharge(
            session,
            actor,
            patient,
            ref,
            discharged_at=early,
            sedation_resolved=False,
            safe_transport=False,
        )
    paths = [i.path for i in info.value.issues]
    assert paths == ["discharged_at", "sedation_resolved", "safe_transport"]
    assert "119 min" in info.value.issues[0].message
    assert row.status == "dosed" and row.monitoring_end is None
    _discharge(session, actor, patient, ref, discharged_at=early + timedelta(seconds=1))
    assert row.status == "discharged"


def test_elevated_bp_at_discharge_needs_a_confirmed_review(session: Session, actor: Actor) -> None:
    """modalities.md §1.2 Hypertensive BP at discharge (UNVERIFIED): keep monitoring; the
    discharging clinician confirms the still-elevated reading was reviewed."""
    patient = _planned(session, actor)
    ref = _dosed(session, actor, patient)
    high = {"discharge_systolic_mmhg": 168, "discharge_diastolic_mmhg": 96}
    with pytest.raises(InvalidInput) as info:
        _discharge(session, actor, patient, ref, **high)
    (issue,) = info.value.issues
    assert issue.path == "elevated_bp_reviewed"
    assert "168/96 mmHg is still elevated" in issue.message
    row = session.scalars(select(EsketamineSession)).one()
    assert row.status == "dosed" and row.discharge_systolic_mmhg is None
    _discharge(session, actor, patient, ref, elevated_bp_reviewed=True, **high)
    assert row.status == "discharged"
    view = service.session_detail(session, actor, patient, ref)["discharge"]
    assert view["bp_elevated"] is True and view["bp_rule_status"] == "UNVERIFIED"
    assert any(f == "Systolic 168 mmHg is above 140 mmHg." for f in view["bp_findings"])


def test_normal_bp_at_discharge_needs_no_review(session: Session, actor: Actor) -> None:
    patient = _planned(session, actor)
    ref = _dosed(session, actor, patient)
    _discharge(session, actor, patient, ref, discharge_systolic_mmhg=140)
    view = service.session_detail(session, actor, patient, ref)["discharge"]
    assert view["bp_elevated"] is False and view["bp_findings"] == []


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"discharge_systolic_mmhg": 400}, "discharge_systolic_mmhg"),
        ({"discharge_spo2_pct": 101}, "discharge_spo2_pct"),
        ({"discharge_pulse_bpm": 10}, "discharge_pulse_bpm"),
        ({"discharged_at": datetime.now(UTC) + timedelta(days=1)}, "discharged_at"),
        ({"dissociation_resolved": False}, "dissociation_resolved"),
        ({"respiratory_depression_resolved": False}, "respiratory_depression_resolved"),
    ],
)
def test_bad_discharge_is_refused(
    session: Session, actor: Actor, kw: dict[str, Any], field: str
) -> None:
    patient = _planned(session, actor)
    ref = _dosed(session, actor, patient)
    with pytest.raises(InvalidInput) as info:
        _discharge(session, actor, patient, ref, **kw)
    assert info.value.issues[0].path == field
    assert session.scalars(select(EsketamineSession)).one().status == "dosed"


def test_devices_given_too_close_are_flagged_not_refused(session: Session, actor: Actor) -> None:
    patient = _planned(session, actor)
    now = datetime.now(UTC)
    row = service.check_in(
        session,
        actor,
        patient,
        predose_systolic_mmhg=120,
        predose_diastolic_mmhg=80,
        checked_in_at=now - timedelta(minutes=30),
    )
    with pytest.raises(InvalidInput) as info:
        service.record_dose(
            session,
            actor,
            patient,
            row.ref,
            dose_mg=56,
            devices=2,
            lot="L",
            device_times=[now - timedelta(minutes=20)],
        )
    assert info.value.issues[0].path == "device_times"
    service.record_dose(
        session,
        actor,
        patient,
        row.ref,
        dose_mg=56,
        devices=2,
        lot="L",
        device_times=[now - timedelta(minutes=20), now - timedelta(minutes=16)],
    )
    assert row.device_flags and "4 min" in row.device_flags[0]


def test_observation_needs_dose_and_valid_values(session: Session, actor: Actor) -> None:
    patient = _planned(session, actor)
    row = service.check_in(
        session, actor, patient, predose_systolic_mmhg=120, predose_diastolic_mmhg=80
    )
    with pytest.raises(Conflict):
        service.observe(session, actor, patient, row.ref, sedation=True)
    with pytest.raises(InvalidInput) as info:
        service.observe(
            session, actor, patient, row.ref, systolic_mmhg=120, spo2_pct=120, purpose="x"
        )
    assert [i.path for i in info.value.issues] == ["purpose", "spo2_pct", "diastolic_mmhg"]
    assert _count(session, EsketamineObservation) == 0


def test_one_open_session_at_a_time_and_a_stopped_course_takes_none(
    session: Session, actor: Actor
) -> None:
    patient = _planned(session, actor)
    ref = _dosed(session, actor, patient)
    with pytest.raises(Conflict, match="in progress"):
        service.check_in(
            session, actor, patient, predose_systolic_mmhg=120, predose_diastolic_mmhg=80
        )
    with pytest.raises(Conflict):
        service.stop_course(session, actor, patient, reason="patient moved away")
    _discharge(session, actor, patient, ref)
    with pytest.raises(InvalidInput) as info:
        service.stop_course(
            session, actor, patient, reason="moved", on=date.today() + timedelta(days=2)
        )
    assert info.value.issues[0].path == "on"
    service.stop_course(session, actor, patient, reason="patient moved away")
    with pytest.raises(Conflict, match="stopped"):
        service.check_in(
            session, actor, patient, predose_systolic_mmhg=120, predose_diastolic_mmhg=80
        )


def test_correction_keeps_the_earlier_version_and_own_records_only(
    session: Session, actor: Actor
) -> None:
    patient = _planned(session, actor)
    ref = _dosed(session, actor, patient)
    changed = service.correct_session(
        session, actor, patient, ref, {"lot": "LOT-B2"}, reason="lot misread", as_role="physician"
    )
    assert changed == {"lot": ("LOT-A1", "LOT-B2")}
    assert _count(session, RecordVersion) >= 1
    other = Actor("tech.t", "technician", "test")
    with pytest.raises(PermissionDenied):
        service.correct_session(
            session, other, patient, ref, {"lot": "X"}, reason="typo", as_role="technician"
        )
    with pytest.raises(InvalidInput) as info:
        service.correct_session(session, actor, patient, ref, {"dose_mg": 84}, reason="typo")
    assert info.value.issues[0].path == "dose_mg"
    versions = service.session_versions(session, actor, patient, ref)
    assert versions[0].changes["lot"] == ("LOT-A1", "LOT-B2")


def test_a_serious_adverse_event_pauses_the_course_until_a_physician_reviews_it(
    session: Session, actor: Actor
) -> None:
    patient = _planned(session, actor)
    ref = _dosed(session, actor, patient)
    mild = service.report_adverse_event(
        session, actor, patient, ref, kind="dissociation", severity="mild"
    )
    assert not mild.paused
    serious = service.report_adverse_event(
        session,
        actor,
        patient,
        ref,
        kind="respiratory_depression",
        severity="severe",
        description="SpO2 86 % at 30 min; recovered with stimulation",
    )
    assert serious.paused and serious.event.delivery_ref == f"esketamine_session:{ref}"
    events = service.session_adverse_events(session, actor, patient, ref)
    assert [e["kind"] for e in events] == ["dissociation", "respiratory_depression"]
    status = service.status(session, actor, patient)
    assert status["course_status"] == "paused"
    assert set(status["course_alerts"]) == {"course_paused", "serious_adverse_event"}
    alerts = service.dashboard(session, actor)[patient.ref]["alerts"]
    assert "course_paused" in alerts and "serious_adverse_event" in alerts
    _discharge(session, actor, patient, ref)  # the session in progress still ends
    with pytest.raises(Conflict, match="paused"):
        service.check_in(
            session, actor, patient, predose_systolic_mmhg=120, predose_diastolic_mmhg=80
        )
    service.review_pause(
        session,
        actor,
        patient,
        physician="Dr T",
        decision="resume",
        note="Reviewed: monitoring extended, proceed",
    )
    assert service.status(session, actor, patient)["course_status"] == "active"
    row = service.check_in(
        session, actor, patient, predose_systolic_mmhg=120, predose_diastolic_mmhg=80
    )
    assert row.number == 2


def test_a_pause_stopped_by_the_physician_stops_the_esketamine_course(
    session: Session, actor: Actor
) -> None:
    patient = _planned(session, actor)
    ref = service.check_in(
        session, actor, patient, predose_systolic_mmhg=135, predose_diastolic_mmhg=85
    ).ref
    service.report_adverse_event(
        session, actor, patient, ref, kind="hypertensive_crisis", severity="severe"
    )
    with pytest.raises(Conflict, match="paused"):
        service.record_dose(session, actor, patient, ref, dose_mg=56, devices=2, lot="L")
    with pytest.raises(InvalidInput) as info:
        service.report_adverse_event(
            session, actor, patient, ref, kind="headache_of_doom", severity="mild"
        )
    assert info.value.issues[0].path == "kind"
    service.review_pause(
        session, actor, patient, physician="Dr T", decision="stop", note="No further esketamine"
    )
    assert service.status(session, actor, patient)["status"] == "stopped"
