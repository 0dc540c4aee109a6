"""Psilocybin service on SQLite and PostgreSQL: screen and enrol, review, preparation,
dosing day with the washout checked against the record (history room), observations,
discharge, integration, close; bad input writes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.adapters.db.models.psilocybin import PsilocybinDosingDay, PsilocybinEnrolment
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_now, utc_today
from trdcare.core.errors import Conflict, InvalidInput, PermissionDenied
from trdcare.courses import service as courses_service
from trdcare.history import service as history_service
from trdcare.history.domain import parse_history
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate
from trdcare.psilocybin import service as psi
from trdcare.psilocybin.domain import exclusion_questions

NO = {q[0]: False for q in exclusion_questions()}
TODAY = utc_today()


def _patient(
    session: Session,
    actor: Actor,
    *,
    stopped_days_ago: int | None = 30,
    born: date = date(1980, 1, 1),
) -> Patient:
    patient = patient_service.add_patient(
        session,
        actor,
        PatientCreate(mrn="MRN-PSI", given_name="Ada", family_name="B", birth_date=born),
    )
    trial: dict[str, object] = {
        "drug": "sertraline",
        "max_daily_dose_mg": 150,
        "start": (TODAY - timedelta(days=300)).isoformat(),
        "adherence": "good",
    }
    if stopped_days_ago is None:
        trial["outcome"] = "ongoing"
    else:
        trial["end"] = (TODAY - timedelta(days=stopped_days_ago)).isoformat()
        trial["outcome"] = "no_response"
    doc = {
        "episode": {
            "onset": (TODAY - timedelta(days=400)).isoformat(),
            "as_of": TODAY.isoformat(),
            "severity": "moderate",
        },
        "antidepressant_trials": [trial],
    }
    history_service.import_history(session, actor, patient, parse_history(doc, today=TODAY))
    return patient


def _enrol(session: Session, actor: Actor, patient: Patient, **kw: object) -> PsilocybinEnrolment:
    args: dict[str, object] = {
        "programme": "research_protocol",
        "protocol_id": "NCT03775200",
        "protocol_name": "COMP360 phase 2b",
        "answers": dict(NO),
        "screened_by": "Dr S",
        "screened_on": TODAY - timedelta(days=10),
    }
    args.update(kw)
    return psi.screen_and_enrol(session, actor, patient, **args)  # type: ignore[arg-type]


def _at(days_ago: int, hour: int) -> datetime:
    d = TODAY - timedelta(days=days_ago)
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)


def _dose(
    session: Session, actor: Actor, patient: Patient, days_ago: int = 3, **kw: object
) -> PsilocybinDosingDay:
    args: dict[str, object] = {
        "dose_mg": 25,
        "administered_by": "Dr D",
        "monitored_by": "Therapist T",
        "support_person": "Sam (partner)",
        "predose_systolic_mmhg": 122,
        "predose_diastolic_mmhg": 78,
        "administered_at": _at(days_ago, 9),
    }
    args.update(kw)
    return psi.record_dosing_day(session, actor, patient, **args)  # type: ignore[arg-type]


def test_the_whole_protocol(session: Session, actor: Actor) -> None:
    patient = _patient(session, actor)
    row = _enrol(session, actor, patient)
    assert row.status == "preparation" and row.verdict == "eligible"
    course = session.get(TreatmentCourse, row.treatment_course_id)
    assert course is not None and course.modality == "psilocybin"
    psi.record_session(
        session,
        actor,
        patient,
        kind="preparation",
        facilitator="T",
        duration_min=90,
        held_at=_at(7, 10),
    )
    day = _dose(session, actor, patient)
    assert day.washout["complete"] is True and len(day.vitals_due) == 7
    psi.record_dosing_observation(
        session,
        actor,
        patient,
        1,
        at=_at(3, 11),
        pulse_bpm=88,
        systolic_mmhg=140,
        diastolic_mmhg=90,
        effects_present=True,
    )
    with pytest.raises(InvalidInput) as err:
        psi.discharge_dosing_day(
            session,
            actor,
            patient,
            1,
            signed_by="N",
            discharged_at=_at(3, 14),
            effects_resolved=True,
            support_person_present=True,
        )
    assert err.value.issues[0].path == "discharged_at"
    psi.discharge_dosing_day(
        session,
        actor,
        patient,
        1,
        signed_by="N",
        discharged_at=_at(3, 15),
        effects_resolved=True,
        support_person_present=True,
    )
    psi.record_session(
        session,
        actor,
        patient,
        kind="integration",
        facilitator="T",
        duration_min=60,
        held_at=_at(2, 10),
    )
    assert row.status == "integration"
    psi.close_enrolment(session, actor, patient, status="completed", reason="protocol done")
    assert course.status == "completed"
    doc = psi.status(session, actor, patient)
    assert doc["restriction"]["research_or_regulated_only"] is True


def test_an_excluded_screen_is_kept_without_a_course(session: Session, actor: Actor) -> None:
    patient = _patient(session, actor)
    row = _enrol(session, actor, patient, answers={**NO, "psychosis_history": True})
    assert row.status == "excluded" and row.treatment_course_id is None
    assert session.scalar(select(func.count()).select_from(TreatmentCourse)) == 0


def test_a_review_is_a_physicians(session: Session, actor: Actor) -> None:
    patient = _patient(session, actor)
    row = _enrol(session, actor, patient, answers={**NO, "serious_suicide_risk": True})
    assert row.status == "review"
    with pytest.raises(PermissionDenied):
        psi.review_screen(
            session,
            actor,
            patient,
            decision="enrol",
            note="ok by protocol",
            physician="Nurse",
            as_role="clinician",
        )
    psi.review_screen(
        session,
        actor,
        patient,
        decision="enrol",
        note="C-SSRS negative",
        physician="Dr R",
        as_role="physician",
    )
    assert row.status == "preparation" and row.review_by == "Dr R"


def test_a_drug_still_taken_blocks_the_dose(session: Session, actor: Actor) -> None:
    patient = _patient(session, actor, stopped_days_ago=None)
    _enrol(session, actor, patient)
    psi.record_session(
        session,
        actor,
        patient,
        kind="preparation",
        facilitator="T",
        duration_min=90,
        held_at=_at(7, 10),
    )
    with pytest.raises(InvalidInput) as err:
        _dose(session, actor, patient)
    assert err.value.issues[0].path == "washout"
    assert "sertraline" in str(err.value.issues[0].given)
    assert session.scalar(select(func.count()).select_from(PsilocybinDosingDay)) == 0


def test_washout_boundary_from_the_record(session: Session, actor: Actor) -> None:
    # sertraline stopped 17 days ago; dose 3 days ago = 14 days after stopping: clear
    patient = _patient(session, actor, stopped_days_ago=17)
    _enrol(session, actor, patient)
    psi.record_session(
        session,
        actor,
        patient,
        kind="preparation",
        facilitator="T",
        duration_min=90,
        held_at=_at(7, 10),
    )
    with pytest.raises(InvalidInput):
        _dose(session, actor, patient, days_ago=4)  # 13 days: not yet
    assert _dose(session, actor, patient, days_ago=3).washout["complete"]


def test_no_preparation_no_dose(session: Session, actor: Actor) -> None:
    patient = _patient(session, actor)
    _enrol(session, actor, patient)
    with pytest.raises(InvalidInput) as err:
        _dose(session, actor, patient)
    assert err.value.issues[0].path == "administered_at"


@pytest.mark.parametrize(
    ("field", "kw"),
    [
        ("dose_mg", {"dose_mg": 30}),
        ("predose_systolic_mmhg", {"predose_systolic_mmhg": 400}),
        ("administered_at", {"administered_at": utc_now() + timedelta(hours=2)}),
        ("support_person", {"support_person": "  "}),
    ],
)
def test_bad_dosing_input_writes_nothing(
    session: Session, actor: Actor, field: str, kw: dict[str, object]
) -> None:
    patient = _patient(session, actor)
    _enrol(session, actor, patient)
    psi.record_session(
        session,
        actor,
        patient,
        kind="preparation",
        facilitator="T",
        duration_min=90,
        held_at=_at(7, 10),
    )
    with pytest.raises(InvalidInput) as err:
        _dose(session, actor, patient, **kw)
    assert err.value.issues[0].path == field
    assert session.scalar(select(func.count()).select_from(PsilocybinDosingDay)) == 0


def test_screen_dates_and_second_enrolment(session: Session, actor: Actor) -> None:
    patient = _patient(session, actor)
    with pytest.raises(InvalidInput) as err:
        _enrol(session, actor, patient, screened_on=TODAY + timedelta(days=1))
    assert err.value.issues[0].path == "screened_on"
    with pytest.raises(InvalidInput) as err:
        _enrol(session, actor, patient, screened_on=date(1979, 12, 31))
    assert err.value.issues[0].path == "screened_on"
    _enrol(session, actor, patient)
    with pytest.raises(Conflict):
        _enrol(session, actor, patient)


def test_integration_needs_a_dose_first_and_retire(session: Session, actor: Actor) -> None:
    patient = _patient(session, actor)
    _enrol(session, actor, patient)
    with pytest.raises(InvalidInput) as err:
        psi.record_session(
            session,
            actor,
            patient,
            kind="integration",
            facilitator="T",
            duration_min=60,
            held_at=_at(5, 10),
        )
    assert err.value.issues[0].path == "held_at"
    prep = psi.record_session(
        session,
        actor,
        patient,
        kind="preparation",
        facilitator="T",
        duration_min=90,
        held_at=_at(7, 10),
    )
    tech = Actor(username="tech", role="technician", source="test")
    with pytest.raises(PermissionDenied):
        psi.retire_session(session, tech, patient, prep.id, reason="not mine", as_role="technician")
    psi.retire_session(session, actor, patient, prep.id, reason="wrong date")
    assert prep.retired_reason == "entered in error: wrong date"


def test_a_serious_adverse_event_pauses_dosing_until_a_physician_reviews(
    session: Session, actor: Actor
) -> None:
    patient = _patient(session, actor)
    row = _enrol(session, actor, patient)
    psi.record_session(
        session,
        actor,
        patient,
        kind="preparation",
        facilitator="T",
        duration_min=90,
        held_at=_at(7, 10),
    )
    course = session.get(TreatmentCourse, row.treatment_course_id)
    assert course is not None
    courses_service.report_adverse_event(
        session,
        actor,
        patient,
        course,
        kind="suicidal_ideation",
        severity="severe",
        occurred_on=TODAY - timedelta(days=6),
        serious_criteria=["important_medical_event"],
    )
    assert psi.status(session, actor, patient)["course_status"] == "paused"
    with pytest.raises(Conflict, match="paused"):
        _dose(session, actor, patient)
    courses_service.review_pause(
        session,
        actor,
        patient,
        course,
        physician="Dr R",
        decision="resume",
        note="reviewed, safety plan in place",
    )
    assert _dose(session, actor, patient).number == 1
