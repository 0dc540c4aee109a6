"""A patient with a whole record for the documents tests, written through the rooms'
services: a treatment history (three antidepressant trials, one of unknown adherence; no
psychotherapy), PHQ-9 scores around a TMS course, a C-SSRS screen, a clear TMS safety
screen, a planned course with sessions given and one adverse event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.assessments import service as assessment_service
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_today
from trdcare.history import service as history_service
from trdcare.history.domain.parsing import parse_history
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate
from trdcare.tms import service as tms_service
from trdcare.tms.domain import questionnaire

SESSIONS_GIVEN = 12


@dataclass(frozen=True)
class Record:
    patient: Patient
    course_ref: str
    start: date


def add_patient(session: Session, actor: Actor, mrn: str) -> Patient:
    return patient_service.add_patient(
        session,
        actor,
        PatientCreate(mrn=mrn, given_name="Ada", family_name="Byron", birth_date=date(1970, 1, 1)),
    )


def _score(
    session: Session, actor: Actor, patient: Patient, scale: str, answers: list[int], on: date
) -> None:
    assessment_service.record_assessment(
        session,
        actor,
        patient,
        scale,
        {str(i + 1): v for i, v in enumerate(answers)},
        administered_at=datetime(on.year, on.month, on.day, 12, tzinfo=UTC),
    )


def tms_record(session: Session, actor: Actor, mrn: str = "MRN-DOC") -> Record:
    """The whole record (see the module docstring); the course started ten weeks ago."""
    patient = add_patient(session, actor, mrn)
    today = utc_today()
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=10)
    onset = start - timedelta(days=400)
    history = parse_history(
        {
            "episode": {
                "onset": onset.isoformat(),
                "as_of": today.isoformat(),
                "severity": "severe_without_psychosis",
            },
            "antidepressant_trials": [
                {
                    "drug": "sertraline",
                    "max_daily_dose_mg": 150,
                    "start": (onset + timedelta(days=10)).isoformat(),
                    "end": (onset + timedelta(days=80)).isoformat(),
                    "adherence": "good",
                    "outcome": "no_response",
                },
                {
                    "drug": "venlafaxine",
                    "max_daily_dose_mg": 225,
                    "start": (onset + timedelta(days=100)).isoformat(),
                    "end": (onset + timedelta(days=170)).isoformat(),
                    "adherence": "good",
                    "outcome": "no_response",
                },
                {
                    "drug": "mirtazapine",
                    "max_daily_dose_mg": 30,
                    "start": (onset + timedelta(days=200)).isoformat(),
                    "end": (onset + timedelta(days=260)).isoformat(),
                    "adherence": "unknown",
                    "outcome": "no_response",
                },
            ],
            "augmentation_trials": [],
            "ect_courses": [],
            "psychotherapy_courses": [],
        },
        today=today,
    )
    history_service.import_history(session, actor, patient, history)
    answers = {it.id: False for it in questionnaire("rossi2011").items}
    tms_service.record_screen(session, actor, patient, instrument="rossi2011", answers=answers)
    _score(
        session, actor, patient, "phq9", [3, 3, 3, 2, 2, 2, 2, 2, 1], start - timedelta(days=2)
    )  # 20
    screen_day = start - timedelta(days=2)
    assessment_service.record_assessment(
        session,
        actor,
        patient,
        "cssrs_screener",
        {"1": 0, "2": 0, "6": 0},
        administered_at=datetime(screen_day.year, screen_day.month, screen_day.day, 12, tzinfo=UTC),
    )
    tms_service.plan(
        session, actor, patient, protocol_key="hf10-left-dlpfc", start=start, mt_pct_mso=55
    )
    for _ in range(SESSIONS_GIVEN):
        tms_service.log_session(
            session, actor, patient, {"pulses_delivered": 3000, "operator": "tech"}
        )
    tms_service.report_adverse_event(
        session,
        actor,
        patient,
        {
            "occurred_on": start + timedelta(days=3),
            "adverse_events": [
                {"kind": "headache", "severity": "mild", "description": "after session 4"}
            ],
        },
    )
    _score(
        session, actor, patient, "phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0], today - timedelta(days=1)
    )  # 8
    course = tms_service.find_course(session, patient)
    assert course is not None
    return Record(patient, course.ref, start)
