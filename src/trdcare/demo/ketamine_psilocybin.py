"""The demo clinic's IV ketamine series and psilocybin protocol enrolments, made through the
ketamine and psilocybin services (their validation, stamps and audit), from their own seeded
generators so the rest of the clinic is unchanged. Synthetic: not clinical facts."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.core.actor import Actor
from trdcare.ketamine import service as ket_service
from trdcare.psilocybin import service as psi_service
from trdcare.psilocybin.domain import exclusion_questions
from trdcare.psilocybin.repository import PsilocybinRepository

DEMO_PHYSICIAN = "Dr Demo (dr.demo)"
DEMO_NURSE = "Nurse Demo (nurse.demo)"
DEMO_THERAPIST = "Therapist Demo (therapist.demo)"
# Every PSILOCYBIN_EVERY-th demo patient without a course is screened for a research protocol.
PSILOCYBIN_EVERY = 3


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def ketamine_series(
    session: Session, actor: Actor, patient: Patient, *, seed: int, start: date, today: date
) -> TreatmentCourse:
    """Plan a series from ``start`` and give the infusions due before ``today``, each with
    baseline readings, an observation during and after it, its end and discharge."""
    rng = random.Random(seed)
    series = ket_service.plan_series(
        session,
        actor,
        patient,
        start=start,
        weight_kg=rng.randint(52, 110),
        planned_by=DEMO_PHYSICIAN,
    )
    for planned in series.calendar:
        day = date.fromisoformat(str(planned["day"]))
        if day >= today:
            break
        systolic = rng.randint(112, 146)
        diastolic = rng.randint(68, 88)
        elevated = systolic > 140
        row, _ = ket_service.start_infusion(
            session,
            actor,
            patient,
            administered_by=DEMO_NURSE,
            predose_systolic_mmhg=systolic,
            predose_diastolic_mmhg=diastolic,
            predose_pulse_bpm=rng.randint(58, 92),
            predose_spo2_pct=rng.randint(95, 99),
            started_at=_at(day, 9),
            bp_signoff_reason="Rechecked after rest; benefit judged to outweigh a short rise"
            if elevated
            else None,
            bp_signer=DEMO_PHYSICIAN if elevated else None,
        )
        ket_service.record_observation(
            session,
            actor,
            patient,
            row.number,
            at=_at(day, 9, 30),
            systolic_mmhg=systolic + rng.randint(4, 14),
            diastolic_mmhg=diastolic + rng.randint(2, 8),
            pulse_bpm=rng.randint(62, 98),
            spo2_pct=rng.randint(94, 99),
            dissociation=rng.random() < 0.7,
            sedation=rng.random() < 0.4,
            observed_by=DEMO_NURSE,
        )
        ket_service.end_infusion(session, actor, patient, row.number, ended_at=_at(day, 9, 40))
        ket_service.record_observation(
            session,
            actor,
            patient,
            row.number,
            at=_at(day, 11, 40),
            systolic_mmhg=systolic,
            diastolic_mmhg=diastolic,
            pulse_bpm=rng.randint(58, 90),
            spo2_pct=rng.randint(95, 99),
            observed_by=DEMO_NURSE,
        )
        ket_service.discharge(
            session,
            actor,
            patient,
            row.number,
            signed_by=DEMO_NURSE,
            discharged_at=_at(day, 11, 45),
            sedation_resolved=True,
            dissociation_resolved=True,
            respiratory_depression_resolved=True,
        )
    course = session.get(TreatmentCourse, series.treatment_course_id)
    assert course is not None  # the plan has just opened it
    return course


def psilocybin_enrolment(session: Session, actor: Actor, patient: Patient, *, today: date) -> None:
    """Screen for a research protocol 21 days ago, prepare 14 days ago; when the record's
    washout allows, dose 7 days ago (25 mg), observe hourly, discharge at 6 h 30 min and hold
    an integration session 5 days ago. Otherwise the chart shows the washout pending."""
    screened = today - timedelta(days=21)
    psi_service.screen_and_enrol(
        session,
        actor,
        patient,
        programme="research_protocol",
        protocol_id="NCT03775200",
        protocol_name="COMP360 psilocybin for TRD (demo)",
        answers={q[0]: False for q in exclusion_questions()},
        screened_by=DEMO_PHYSICIAN,
        screened_on=screened,
    )
    psi_service.record_session(
        session,
        actor,
        patient,
        kind="preparation",
        facilitator=DEMO_THERAPIST,
        duration_min=120,
        held_at=_at(today - timedelta(days=14), 14),
    )
    dose_day = today - timedelta(days=7)
    row = PsilocybinRepository(session).latest_enrolment(patient.id)
    assert row is not None
    washout = psi_service.washout_now(session, actor, patient, row, on=dose_day)
    if not washout["complete"]:
        return
    psi_service.record_dosing_day(
        session,
        actor,
        patient,
        dose_mg=25,
        administered_by=DEMO_PHYSICIAN,
        monitored_by=DEMO_THERAPIST,
        support_person="Partner (demo)",
        predose_systolic_mmhg=124,
        predose_diastolic_mmhg=78,
        predose_pulse_bpm=72,
        predose_spo2_pct=98,
        administered_at=_at(dose_day, 9),
    )
    for hour in range(1, 7):
        psi_service.record_dosing_observation(
            session,
            actor,
            patient,
            1,
            at=_at(dose_day, 9 + hour),
            systolic_mmhg=126 + (4 if hour in (2, 3) else 0),
            diastolic_mmhg=80,
            pulse_bpm=78,
            spo2_pct=98,
            effects_present=hour < 6,
            observed_by=DEMO_THERAPIST,
        )
    psi_service.discharge_dosing_day(
        session,
        actor,
        patient,
        1,
        signed_by=DEMO_PHYSICIAN,
        discharged_at=_at(dose_day, 15, 30),
        effects_resolved=True,
        support_person_present=True,
    )
    psi_service.record_session(
        session,
        actor,
        patient,
        kind="integration",
        facilitator=DEMO_THERAPIST,
        duration_min=90,
        held_at=_at(today - timedelta(days=5), 14),
    )
