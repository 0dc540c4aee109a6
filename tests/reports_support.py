"""A patient with a whole record for the documents tests, written through the rooms'
services: a treatment history (three antidepressant trials, one of unknown adherence; no
psychotherapy), PHQ-9 scores around a TMS course, a C-SSRS screen, a clear TMS safety
screen, a planned course with sessions given and one adverse event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient, TreatmentCourse
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


# -- one course of each room, written through that room's service ---------------------------


@dataclass(frozen=True)
class Built:
    """A course made for the course report's tests, and what its report must say."""

    patient: Patient
    course_ref: str
    #: Texts the page and the PDF must both show.
    needles: tuple[str, ...]
    sessions_given: int
    sessions_planned: int | None


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _stopped_trial_history(session: Session, actor: Actor, patient: Patient) -> None:
    """One failed sertraline trial stopped 60 days ago (washouts are long past)."""
    today = utc_today()
    doc = {
        "episode": {
            "onset": (today - timedelta(days=400)).isoformat(),
            "as_of": today.isoformat(),
            "severity": "moderate",
        },
        "antidepressant_trials": [
            {
                "drug": "sertraline",
                "max_daily_dose_mg": 150,
                "start": (today - timedelta(days=300)).isoformat(),
                "end": (today - timedelta(days=60)).isoformat(),
                "adherence": "good",
                "outcome": "no_response",
            }
        ],
    }
    history_service.import_history(session, actor, patient, parse_history(doc, today=today))


def ketamine_course(session: Session, actor: Actor, mrn: str, *, given: int = 2) -> Built:
    """A planned series (0.5 mg/kg over 40 min at 70 kg, six infusions), ``given``
    infusions ended and discharged, and (when ``given``) one more started, not discharged."""
    from trdcare.ketamine import service as ket

    patient = add_patient(session, actor, mrn)
    start = utc_today() - timedelta(days=14)
    series = ket.plan_series(session, actor, patient, start=start, weight_kg=70, planned_by="Dr K")
    days = [start + timedelta(days=3 * n) for n in range(given)]
    for day in days:
        row, _ = ket.start_infusion(
            session,
            actor,
            patient,
            administered_by="Nurse N",
            predose_systolic_mmhg=120,
            predose_diastolic_mmhg=80,
            started_at=_moment(day, 9),
        )
        ket.record_observation(
            session,
            actor,
            patient,
            row.number,
            at=_moment(day, 9, 20),
            systolic_mmhg=130,
            diastolic_mmhg=85,
            spo2_pct=97,
        )
        ket.end_infusion(session, actor, patient, row.number, ended_at=_moment(day, 9, 40))
        ket.record_observation(
            session,
            actor,
            patient,
            row.number,
            at=_moment(day, 11, 40),
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
            discharged_at=_moment(day, 11, 40),
            sedation_resolved=True,
            dissociation_resolved=True,
            respiratory_depression_resolved=True,
        )
    if given:
        ket.start_infusion(
            session,
            actor,
            patient,
            administered_by="Nurse N",
            predose_systolic_mmhg=120,
            predose_diastolic_mmhg=80,
            started_at=_moment(start + timedelta(days=10), 9),
        )
    course = ket.course_of(session, series)
    needles = (
        "OFF-LABEL",
        "IV racemic ketamine infusion series",
        f"Sessions {given} of 6 planned",
        "Infusions given on",
        "Dose (mg/kg)",
        "0.5",
        "Infusion time (min)",
        "40",
        "35 at 70 kg",
        *(d.isoformat() for d in days),
    )
    return Built(patient, course.ref, needles, given, 6)


def psilocybin_course(session: Session, actor: Actor, mrn: str, *, sessions: bool = True) -> Built:
    """An enrolment under a research protocol; with ``sessions``: two preparation sessions,
    one 25 mg dosing day (discharged) and one integration session."""
    from trdcare.psilocybin import service as psi
    from trdcare.psilocybin.domain import exclusion_questions

    patient = add_patient(session, actor, mrn)
    _stopped_trial_history(session, actor, patient)
    today = utc_today()
    row = psi.screen_and_enrol(
        session,
        actor,
        patient,
        programme="research_protocol",
        protocol_id="NCT03775200",
        protocol_name="COMP360 phase 2b",
        answers={q[0]: False for q in exclusion_questions()},
        screened_by="Dr S",
        screened_on=today - timedelta(days=12),
    )
    course = session.get(TreatmentCourse, row.treatment_course_id)
    assert course is not None
    prep = [today - timedelta(days=9), today - timedelta(days=7)]
    dosing = today - timedelta(days=4)
    integ = today - timedelta(days=2)
    if sessions:
        for day in prep:
            psi.record_session(
                session,
                actor,
                patient,
                kind="preparation",
                facilitator="T",
                duration_min=90,
                held_at=_moment(day, 10),
            )
        psi.record_dosing_day(
            session,
            actor,
            patient,
            dose_mg=25,
            administered_by="Dr D",
            monitored_by="Therapist T",
            support_person="Sam (partner)",
            predose_systolic_mmhg=122,
            predose_diastolic_mmhg=78,
            administered_at=_moment(dosing, 9),
        )
        psi.discharge_dosing_day(
            session,
            actor,
            patient,
            1,
            signed_by="N",
            discharged_at=_moment(dosing, 17),
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
            held_at=_moment(integ, 10),
        )
    n = (2, 1, 1) if sessions else (0, 0, 0)
    needles = (
        "RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY",
        "COMP360 phase 2b",
        "Approved research protocol",
        "NCT03775200",
        f"Preparation sessions {n[0]} given",
        f"Dosing days {n[1]} given",
        f"Integration sessions {n[2]} given",
        "at most 2 under the protocol",
        *(
            (*(d.isoformat() for d in prep), dosing.isoformat(), integ.isoformat())
            if sessions
            else ("none given",)
        ),
    )
    return Built(patient, course.ref, needles, sum(n), None)


def vns_course(session: Session, actor: Actor, mrn: str, *, visits: int = 2) -> Built:
    """An implant 60 days ago (SenTiva 1000, lead PerenniaFLEX 304) and ``visits``
    titration visits, the last at 0.5 mA, 20 Hz, 250 µs, 30 s on, 5 min off."""
    from trdcare.vns import service as vns

    patient = add_patient(session, actor, mrn)
    today = utc_today()
    implanted = today - timedelta(days=60)
    _, course = vns.record_implant(
        session,
        actor,
        patient,
        implanted_on=implanted,
        generator_model="SenTiva 1000",
        lead_model="PerenniaFLEX 304",
        surgeon="Dr Neuro",
    )
    days = [today - timedelta(days=45 - 14 * n) for n in range(visits)]
    for n, day in enumerate(days, start=1):
        vns.log_titration(
            session,
            actor,
            patient,
            {
                "visit_on": day,
                "output_current_ma": 0.25 * n,
                "frequency_hz": 20,
                "pulse_width_us": 250,
                "on_time_s": 30,
                "off_time_min": 5,
            },
        )
    needles = (
        "Vagus nerve stimulation",
        implanted.isoformat(),
        "SenTiva 1000 with lead PerenniaFLEX 304",
        f"Sessions {visits} given (not planned: the VNS room records no planned number of "
        "titration visits)",
        "Titration visits given on",
        *(d.isoformat() for d in days),
        *(
            ("0.5 mA", "20 Hz", "250 µs", "30 s", "5 min", "Duty cycle")
            if visits
            else ("not recorded (no titration visit yet)", "none given")
        ),
    )
    return Built(patient, course.ref, needles, visits, None)


def dbs_course(session: Session, actor: Actor, mrn: str, *, programmed: bool = True) -> Built:
    """A surgery 30 days ago (subcallosal cingulate, both leads, protocol IRB-2026-17) and,
    with ``programmed``, two programming days: both leads on the first, the left lead again
    on the second."""
    from trdcare.dbs import service as dbs

    patient = add_patient(session, actor, mrn)
    today = utc_today()
    operated = today - timedelta(days=30)
    _, course = dbs.record_surgery(
        session,
        actor,
        patient,
        operated_on=operated,
        target="scc",
        protocol_ref="IRB-2026-17",
        sides=["left", "right"],
        surgeon="Dr Stereo",
    )
    days = [today - timedelta(days=20), today - timedelta(days=10)] if programmed else []
    settings = (
        [
            (days[0], "left", 3.0),
            (days[0], "right", 3.0),
            (days[1], "left", 4.0),
        ]
        if programmed
        else []
    )
    for day, side, ma in settings:
        dbs.program(
            session,
            actor,
            patient,
            {
                "side": side,
                "contacts": [1],
                "amplitude_ma": ma,
                "pulse_width_us": 90,
                "frequency_hz": 130,
                "programmed_on": day,
            },
        )
    needles = (
        "INVESTIGATIONAL",
        "Deep brain stimulation",
        operated.isoformat(),
        "IRB-2026-17",
        f"Sessions {len(days)} given (not planned: the DBS room records no planned number",
        "Programming sessions given on",
        *(d.isoformat() for d in days),
        *(("4 mA", "130 Hz", "90 µs", "charge density", "µC/cm²") if programmed else ()),
        *(("none given", "not recorded (no programming yet)") if not programmed else ()),
    )
    return Built(patient, course.ref, needles, len(days), None)


def neurofeedback_course(session: Session, actor: Actor, mrn: str, *, sessions: int = 2) -> Built:
    """``sessions`` frontal alpha asymmetry sessions on the patient's neurofeedback course
    (the last: mean feature 0.12, 62.5 % of the time rewarded); with none, a neurofeedback
    course entered in the history."""
    from trdcare.neurofeedback import service as nf

    patient = add_patient(session, actor, mrn)
    today = utc_today()
    days = [today - timedelta(days=7 - 3 * n) for n in range(sessions)]
    course_ref = ""
    for n, day in enumerate(days, start=1):
        _, course = nf.record_session(
            session,
            actor,
            patient,
            started_at=_moment(day, 10),
            header={"source": "synthetic:test", "protocol": {"kind": "faa"}},
            summary={
                "duration_s": 600.0,
                "mean_feature": 0.05 * n + 0.02 if n < sessions else 0.12,
                "pct_time_rewarded": 62.5,
                "pct_artifact": 5.0,
                "threshold": 0.1,
            },
            ended="duration",
            recording="/data/neurofeedback/session.edf",
        )
        course_ref = course.ref
    if not sessions:
        course_ref = history_service.add_course(
            session, actor, patient, modality="neurofeedback", start_date=today - timedelta(days=3)
        ).ref
    needles = (
        "INVESTIGATIONAL",
        "Investigational for depression",
        *(
            ("frontal alpha asymmetry", "0.12", "62.5 %", *(d.isoformat() for d in days))
            if sessions
            else ("none given",)
        ),
        f"Sessions {sessions} given (not planned",
        "Sessions given on",
    )
    return Built(patient, course_ref, needles, sessions, None)
