"""IV ketamine service on SQLite and PostgreSQL: plan, infuse, observe, discharge, stop,
correct, retire; bad input writes nothing; every write audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import AuditEvent, Patient, TreatmentCourse
from trdcare.adapters.db.models.ketamine import KetamineInfusion, KetamineSeries
from trdcare.audit import service as audit_service
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_now
from trdcare.core.errors import Conflict, InvalidInput, PermissionDenied
from trdcare.courses import service as courses_service
from trdcare.ketamine import service as ket
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate

START = utc_now().date() - timedelta(days=14)


def _patient(session: Session, actor: Actor, mrn: str = "MRN-KET") -> Patient:
    return patient_service.add_patient(
        session,
        actor,
        PatientCreate(mrn=mrn, given_name="Ada", family_name="Byron", birth_date=date(1970, 1, 1)),
    )


def _plan(session: Session, actor: Actor, patient: Patient, **kw: object) -> KetamineSeries:
    args: dict[str, object] = {"start": START, "weight_kg": 70, "planned_by": "Dr Test"}
    args.update(kw)
    return ket.plan_series(session, actor, patient, **args)  # type: ignore[arg-type]


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    d = START + timedelta(days=days)
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=UTC)


def _give(session: Session, actor: Actor, patient: Patient, day: int) -> KetamineInfusion:
    row, _ = ket.start_infusion(
        session,
        actor,
        patient,
        administered_by="Nurse N",
        predose_systolic_mmhg=120,
        predose_diastolic_mmhg=80,
        started_at=_at(day, 9),
    )
    ket.record_observation(
        session,
        actor,
        patient,
        row.number,
        at=_at(day, 9, 20),
        systolic_mmhg=135,
        diastolic_mmhg=85,
        spo2_pct=97,
        dissociation=True,
    )
    ket.end_infusion(session, actor, patient, row.number, ended_at=_at(day, 9, 40))
    ket.record_observation(
        session,
        actor,
        patient,
        row.number,
        at=_at(day, 11, 40),
        systolic_mmhg=122,
        diastolic_mmhg=80,
        spo2_pct=98,
    )
    ket.discharge(
        session,
        actor,
        patient,
        row.number,
        signed_by="Nurse N",
        discharged_at=_at(day, 11, 40),
        sedation_resolved=True,
        dissociation_resolved=True,
        respiratory_depression_resolved=True,
    )
    return row


def test_plan_opens_a_ketamine_course_with_the_weight_based_dose(
    session: Session, actor: Actor
) -> None:
    patient = _patient(session, actor)
    series = _plan(session, actor, patient)
    assert (series.dose_mg, series.planned_infusions, series.infusions_per_week) == (35.0, 6, 2)
    assert series.rules_status == "UNVERIFIED"  # the series rule is
    course = session.get(TreatmentCourse, series.treatment_course_id)
    assert course is not None and course.modality == "ketamine" and course.planned_sessions == 6
    doc = ket.status(session, actor, patient)
    assert doc["off_label"]["off_label"] is True
    assert doc["next_infusion"]["number"] == 1


def test_a_second_active_series_is_refused(session: Session, actor: Actor) -> None:
    patient = _patient(session, actor)
    _plan(session, actor, patient)
    with pytest.raises(Conflict):
        _plan(session, actor, patient)


def test_a_dose_outside_the_bounds_writes_nothing(session: Session, actor: Actor) -> None:
    patient = _patient(session, actor)
    with pytest.raises(InvalidInput) as err:
        _plan(session, actor, patient, dose_mg_per_kg=1.0)
    assert err.value.issues[0].path == "dose_mg_per_kg"
    assert session.scalar(select(func.count()).select_from(TreatmentCourse)) == 0
    assert session.scalar(select(func.count()).select_from(KetamineSeries)) == 0


def test_a_start_before_birth_is_refused(session: Session, actor: Actor) -> None:
    patient = _patient(session, actor)
    with pytest.raises(InvalidInput) as err:
        _plan(session, actor, patient, start=date(1969, 12, 31))
    assert err.value.issues[0].path == "start"


def test_a_whole_series_completes_the_course(session: Session, actor: Actor) -> None:
    patient = _patient(session, actor)
    series = _plan(session, actor, patient, infusions=2)
    _give(session, actor, patient, 0)
    _give(session, actor, patient, 3)
    assert series.status == "completed"
    course = session.get(TreatmentCourse, series.treatment_course_id)
    assert course is not None and course.status == "completed"
    with pytest.raises(Conflict):
        ket.start_infusion(
            session,
            actor,
            patient,
            administered_by="N",
            predose_systolic_mmhg=120,
            predose_diastolic_mmhg=80,
            started_at=_at(7, 9),
        )


def test_an_infusion_not_discharged_blocks_the_next(session: Session, actor: Actor) -> None:
    patient = _patient(session, actor)
    _plan(session, actor, patient)
    ket.start_infusion(
        session,
        actor,
        patient,
        administered_by="N",
        predose_systolic_mmhg=120,
        predose_diastolic_mmhg=80,
        started_at=_at(0, 9),
    )
    with pytest.raises(Conflict, match="not been discharged"):
        ket.start_infusion(
            session,
            actor,
            patient,
            administered_by="N",
            predose_systolic_mmhg=120,
            predose_diastolic_mmhg=80,
            started_at=_at(3, 9),
        )


class TestPreinfusionBloodPressure:
    def test_above_140_90_needs_a_reason_and_writes_nothing_without(
        self, session: Session, actor: Actor
    ) -> None:
        patient = _patient(session, actor)
        _plan(session, actor, patient)
        with pytest.raises(InvalidInput) as err:
            ket.start_infusion(
                session,
                actor,
                patient,
                administered_by="N",
                predose_systolic_mmhg=141,
                predose_diastolic_mmhg=80,
                started_at=_at(0, 9),
            )
        assert err.value.issues[0].path == "bp_signoff_reason"
        assert session.scalar(select(func.count()).select_from(KetamineInfusion)) == 0

    def test_a_physician_signs_off_and_the_warning_is_kept(
        self, session: Session, actor: Actor
    ) -> None:
        patient = _patient(session, actor)
        _plan(session, actor, patient)
        row, _ = ket.start_infusion(
            session,
            actor,
            patient,
            administered_by="N",
            predose_systolic_mmhg=150,
            predose_diastolic_mmhg=95,
            started_at=_at(0, 9),
            bp_signoff_reason="treated, rechecked",
            bp_signer="Dr Who",
            as_role="physician",
        )
        assert row.bp_warning and row.bp_signoff_by == "Dr Who"
        assert row.predose["verdict"] == "warning"

    def test_a_clinician_cannot_sign_off(self, session: Session, actor: Actor) -> None:
        patient = _patient(session, actor)
        _plan(session, actor, patient)
        with pytest.raises(PermissionDenied):
            ket.start_infusion(
                session,
                actor,
                patient,
                administered_by="N",
                predose_systolic_mmhg=150,
                predose_diastolic_mmhg=80,
                started_at=_at(0, 9),
                bp_signoff_reason="because",
                bp_signer="Nurse",
                as_role="clinician",
            )

    def test_140_90_itself_needs_no_sign_off(self, session: Session, actor: Actor) -> None:
        patient = _patient(session, actor)
        _plan(session, actor, patient)
        row, _ = ket.start_infusion(
            session,
            actor,
            patient,
            administered_by="N",
            predose_systolic_mmhg=140,
            predose_diastolic_mmhg=90,
            started_at=_at(0, 9),
        )
        assert not row.bp_warning


class TestBadTimes:
    def test_a_start_in_the_future_is_refused(self, session: Session, actor: Actor) -> None:
        patient = _patient(session, actor)
        _plan(session, actor, patient)
        with pytest.raises(InvalidInput) as err:
            ket.start_infusion(
                session,
                actor,
                patient,
                administered_by="N",
                predose_systolic_mmhg=120,
                predose_diastolic_mmhg=80,
                started_at=utc_now() + timedelta(hours=1),
            )
        assert err.value.issues[0].path == "started_at"
        assert "future" in err.value.issues[0].message

    def test_a_start_before_the_series_is_refused(self, session: Session, actor: Actor) -> None:
        patient = _patient(session, actor)
        _plan(session, actor, patient)
        with pytest.raises(InvalidInput) as err:
            ket.start_infusion(
                session,
                actor,
                patient,
                administered_by="N",
                predose_systolic_mmhg=120,
                predose_diastolic_mmhg=80,
                started_at=_at(-1, 9),
            )
        assert err.value.issues[0].path == "started_at"

    def test_discharge_before_120_minutes_after_the_end_writes_nothing(
        self, session: Session, actor: Actor
    ) -> None:
        patient = _patient(session, actor)
        _plan(session, actor, patient)
        row, _ = ket.start_infusion(
            session,
            actor,
            patient,
            administered_by="N",
            predose_systolic_mmhg=120,
            predose_diastolic_mmhg=80,
            started_at=_at(0, 9),
        )
        ket.end_infusion(session, actor, patient, 1, ended_at=_at(0, 9, 40))
        with pytest.raises(InvalidInput) as err:
            ket.discharge(
                session,
                actor,
                patient,
                1,
                signed_by="N",
                discharged_at=_at(0, 11, 39),
                sedation_resolved=True,
                dissociation_resolved=True,
                respiratory_depression_resolved=True,
            )
        assert err.value.issues[0].path == "discharged_at"
        assert row.discharged_at is None
        ket.discharge(
            session,
            actor,
            patient,
            1,
            signed_by="N",
            discharged_at=_at(0, 11, 40),
            sedation_resolved=True,
            dissociation_resolved=True,
            respiratory_depression_resolved=True,
        )
        assert row.discharged_at is not None

    def test_discharge_needs_the_end_recorded(self, session: Session, actor: Actor) -> None:
        patient = _patient(session, actor)
        _plan(session, actor, patient)
        ket.start_infusion(
            session,
            actor,
            patient,
            administered_by="N",
            predose_systolic_mmhg=120,
            predose_diastolic_mmhg=80,
            started_at=_at(0, 9),
        )
        with pytest.raises(Conflict, match="end of infusion 1 is not recorded"):
            ket.discharge(
                session,
                actor,
                patient,
                1,
                signed_by="N",
                discharged_at=_at(0, 12),
                sedation_resolved=True,
                dissociation_resolved=True,
                respiratory_depression_resolved=True,
            )

    def test_an_observation_out_of_range_writes_nothing(
        self, session: Session, actor: Actor
    ) -> None:
        patient = _patient(session, actor)
        _plan(session, actor, patient)
        row, _ = ket.start_infusion(
            session,
            actor,
            patient,
            administered_by="N",
            predose_systolic_mmhg=120,
            predose_diastolic_mmhg=80,
            started_at=_at(0, 9),
        )
        with pytest.raises(InvalidInput) as err:
            ket.record_observation(session, actor, patient, 1, at=_at(0, 9, 10), pulse_bpm=251)
        assert err.value.issues[0].path == "pulse_bpm"
        assert row.observations == []


class TestCorrections:
    def test_correct_the_note_keeps_the_old_version(self, session: Session, actor: Actor) -> None:
        patient = _patient(session, actor)
        _plan(session, actor, patient)
        row = _give(session, actor, patient, 0)
        changed = ket.correct_infusion(
            session,
            actor,
            patient,
            1,
            {"note": "line resited"},
            reason="typo in note",
            expected_version=1,
        )
        assert changed == {"note": ("", "line resited")}
        _, versions = ket.infusion_versions(session, actor, patient, 1)
        assert versions[0].reason.startswith("corrected: typo")
        assert row.version == 2

    def test_an_end_corrected_too_late_for_the_discharge_is_refused(
        self, session: Session, actor: Actor
    ) -> None:
        patient = _patient(session, actor)
        _plan(session, actor, patient)
        _give(session, actor, patient, 0)
        with pytest.raises(InvalidInput) as err:
            ket.correct_infusion(
                session, actor, patient, 1, {"ended_at": _at(0, 10)}, reason="wrong end time"
            )
        assert err.value.issues[0].path == "discharged_at"

    def test_a_technician_corrects_only_their_own(self, session: Session, actor: Actor) -> None:
        patient = _patient(session, actor)
        _plan(session, actor, patient)
        _give(session, actor, patient, 0)
        tech = Actor(username="tech", role="technician", source="test")
        with pytest.raises(PermissionDenied):
            ket.retire_infusion(session, tech, patient, 1, reason="not mine", as_role="technician")

    def test_retired_infusion_frees_its_place(self, session: Session, actor: Actor) -> None:
        patient = _patient(session, actor)
        _plan(session, actor, patient)
        row, _ = ket.start_infusion(
            session,
            actor,
            patient,
            administered_by="N",
            predose_systolic_mmhg=120,
            predose_diastolic_mmhg=80,
            started_at=_at(0, 9),
        )
        ket.retire_infusion(session, actor, patient, 1, reason="wrong patient chart")
        assert row.retired_reason == "entered in error: wrong patient chart"
        again, _ = ket.start_infusion(
            session,
            actor,
            patient,
            administered_by="N",
            predose_systolic_mmhg=120,
            predose_diastolic_mmhg=80,
            started_at=_at(0, 10),
        )
        assert again.number == 1


def test_stop_series_stops_the_course_and_every_write_is_audited(
    session: Session, actor: Actor, engine: Engine
) -> None:
    patient = _patient(session, actor)
    series = _plan(session, actor, patient)
    ket.stop_series(session, actor, patient, reason="patient declined")
    course = session.get(TreatmentCourse, series.treatment_course_id)
    assert series.status == "stopped" and course is not None and course.status == "stopped"
    audit_service.flush_pending(session)
    entities = set(session.scalars(select(AuditEvent.entity)))
    assert {"ketamine_series", "course"} <= entities


def test_a_serious_adverse_event_pauses_the_series_until_a_physician_reviews(
    session: Session, actor: Actor
) -> None:
    patient = _patient(session, actor)
    series = _plan(session, actor, patient)
    _give(session, actor, patient, 0)
    course = ket.course_of(session, series)
    courses_service.report_adverse_event(
        session,
        actor,
        patient,
        course,
        kind="oxygen_desaturation",
        severity="severe",
        occurred_on=START,
        serious_criteria=["important_medical_event"],
        delivery_ref="ketamine_infusion:1",
    )
    assert ket.status(session, actor, patient)["course_status"] == "paused"
    with pytest.raises(Conflict, match="paused"):
        ket.start_infusion(
            session,
            actor,
            patient,
            administered_by="N",
            predose_systolic_mmhg=120,
            predose_diastolic_mmhg=80,
            started_at=_at(3, 9),
        )
    courses_service.review_pause(
        session,
        actor,
        patient,
        course,
        physician="Dr R",
        decision="resume",
        note="desaturation resolved, airway ok",
    )
    row, _ = ket.start_infusion(
        session,
        actor,
        patient,
        administered_by="N",
        predose_systolic_mmhg=120,
        predose_diastolic_mmhg=80,
        started_at=_at(3, 9),
    )
    assert row.number == 2
