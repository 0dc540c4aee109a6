"""Load the synthetic demo clinic through the same services (validation, stamps, audit) as real input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.engine import refresh_statistics
from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.assessments import service as assessment_service
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_now, utc_today
from trdcare.core.errors import Conflict
from trdcare.demo import ketamine_psilocybin as other_therapies
from trdcare.demo import neurofeedback as demo_neurofeedback
from trdcare.demo.generator import DemoEsketamine, DemoTms, generate_clinic
from trdcare.demo.neurostimulation import (
    NEUROSTIMULATION_MIN_CLINIC,
    NEUROSTIMULATION_PATIENTS,
    load_neurostimulation,
)
from trdcare.esketamine import service as esketamine_service
from trdcare.esketamine.domain import question_ids
from trdcare.history import service as history_service
from trdcare.history.domain import parse_history
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate
from trdcare.tms import service as tms_service
from trdcare.tms.domain import CoursePlan, beam_f3, get_protocol, hotspot_rule_target, questionnaire

DEMO_ACTOR = Actor(username="system:demo", role="system", source="job")
DEMO_MRN_PREFIX = "DEMO-"
# The demo visit time of day (UTC) for generated assessments.
_VISIT_TIME = time(10, 0, tzinfo=UTC)
# Pulses of a demo ML-PEST hunt (the TMS room's wizard offers 20 by default; a demo needs
# an estimate, not the best one).
DEMO_MT_PULSES = 6


@dataclass(frozen=True)
class DemoLoad:
    loaded: bool
    patients: int
    assessments: int


def demo_state(session: Session) -> tuple[int, int]:
    """(demo patients, other patients) in the database."""
    demo = session.scalar(select(func.count()).where(Patient.mrn.like(f"{DEMO_MRN_PREFIX}%"))) or 0
    total = session.scalar(select(func.count()).select_from(Patient)) or 0
    return int(demo), int(total - demo)


def load_demo(session: Session, *, seed: int, patients: int, as_of: date) -> DemoLoad:
    """Load the demo clinic once. Refuses to mix demo patients into a clinic's real record."""
    demo, other = demo_state(session)
    if demo:
        return DemoLoad(loaded=False, patients=demo, assessments=0)
    if other:
        raise Conflict(
            "database: it already holds real patients; the demo clinic is loaded only into an empty database"
        )
    n_assessments = 0
    # A clinic with room for them holds the VNS and DBS patients, after the others (the
    # generated patients stay the same; the last ones make way).
    neurostimulation = NEUROSTIMULATION_PATIENTS if patients >= NEUROSTIMULATION_MIN_CLINIC else 0
    without_course = 0
    for index, plan in enumerate(generate_clinic(seed, patients - neurostimulation, as_of)):
        patient = patient_service.add_patient(
            session,
            DEMO_ACTOR,
            PatientCreate.model_validate(
                {
                    "mrn": plan.mrn,
                    "given_name": plan.given_name,
                    "family_name": plan.family_name,
                    "birth_date": plan.birth_date,
                    "sex": plan.sex,
                }
            ),
            today=as_of,
        )
        history_service.import_history(
            session, DEMO_ACTOR, patient, parse_history(plan.history, today=as_of)
        )
        course = None
        calendar = None
        if plan.tms is not None and plan.course:
            course, calendar = _plan_tms_course(
                session, patient, plan.tms, plan.course["start_date"]
            )
        elif plan.esketamine is not None and plan.course:
            course = _plan_esketamine_course(
                session, patient, plan.esketamine, plan.course["start_date"]
            )
        elif plan.course and plan.course["modality"] == "ketamine":
            course = other_therapies.ketamine_series(
                session,
                DEMO_ACTOR,
                patient,
                seed=seed * 1_000_033 + index,
                start=plan.course["start_date"],
                today=as_of,
            )
        elif plan.course:
            course = history_service.add_course(
                session,
                DEMO_ACTOR,
                patient,
                modality=plan.course["modality"],
                start_date=plan.course["start_date"],
                planned_sessions=plan.course["planned_sessions"],
            )
        for item in plan.assessments:
            assessment_service.record_assessment(
                session,
                DEMO_ACTOR,
                patient,
                item.scale_id,
                item.answers,
                administered_at=min(datetime.combine(item.on, _VISIT_TIME), utc_now()),
                course=course if course and item.on >= course.start_date else None,
            )
            n_assessments += 1
        if plan.tms is not None and calendar is not None:
            _deliver_tms_sessions(session, patient, plan.tms, calendar, now=utc_now())
        if plan.esketamine is not None and course is not None:
            _deliver_esketamine_sessions(session, patient, plan.esketamine, as_of=as_of)
        if plan.course is None:
            without_course += 1
            if without_course % other_therapies.PSILOCYBIN_EVERY == 1:
                other_therapies.psilocybin_enrolment(session, DEMO_ACTOR, patient, today=as_of)
            elif without_course == demo_neurofeedback.NEUROFEEDBACK_AT:
                demo_neurofeedback.neurofeedback_course(
                    session, DEMO_ACTOR, patient, seed=seed * 31 + index, today=as_of
                )
        if index % PGX_EVERY == 0:
            _genotype(session, patient, seed + index, index)
    if neurostimulation:
        n_assessments += load_neurostimulation(
            session,
            DEMO_ACTOR,
            seed=seed,
            first_number=patients - neurostimulation + 1,
            as_of=as_of,
        )
    refresh_statistics(session)
    return DemoLoad(loaded=True, patients=patients, assessments=n_assessments)


# PGx results: a synthetic VCF called and stored through the PGx service ----------------------
#: One demo patient in PGX_EVERY is genotyped (a synthetic VCF built from the packaged allele
#: tables, so a fresh install needs no ../shared); every second of those also has a CYP2D6
#: outside call, as a lab would report copy number.
PGX_EVERY = 3


def _genotype(session: Session, patient: Patient, seed: int, index: int) -> None:
    import tempfile
    from pathlib import Path

    import numpy as np

    from trdcare.pgx import service as pgx_service
    from trdcare.pgx import synthetic
    from trdcare.pgx.domain.tables import GENES

    rng = np.random.default_rng(seed)
    pairs = {g: synthetic.random_pairs(g, 1, rng, reference_share=0.5)[0] for g in GENES}
    if index % (2 * PGX_EVERY) == 0:
        pairs["CYP2C19"] = ("*2", "*17") if rng.random() < 0.5 else ("*17", "*17")
    text = synthetic.vcf_text({f"DEMO{index:04d}": pairs})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"demo-{index:04d}.vcf"
        path.write_text(text, "utf-8")
        pgx_service.import_vcf(session, DEMO_ACTOR, patient, path, sample=None)
    if index % (2 * PGX_EVERY) == 0:
        pgx_service.add_outside_call(
            session,
            DEMO_ACTOR,
            patient,
            gene="CYP2D6",
            diplotype="*1/*2x2" if rng.random() < 0.5 else "*4/*41",
            lab="Demo Genomics Lab (synthetic)",
            reported_on=None,
            note="Synthetic demo result.",
        )


# The TMS pathway of a demo course, through the TMS service -----------------------------------
DEMO_PHYSICIAN = "Dr Demo (dr.demo)"
DEMO_TECHNICIAN = "Tech Demo (tech.demo)"


def _plan_tms_course(
    session: Session, patient: Patient, tms: DemoTms, start: date
) -> tuple[TreatmentCourse, CoursePlan]:
    """Screen (acknowledging a caution), hunt the motor threshold with ML-PEST and plan the
    course from ``start``: the TMS course is the patient's treatment course, so the chart's
    course list and the TMS panel tell the same story."""
    screen_day = max(start - timedelta(days=7), patient.birth_date)
    answers = dict.fromkeys((item.id for item in questionnaire("rossi2011").items), False)
    _, screen = tms_service.record_screen(
        session,
        DEMO_ACTOR,
        patient,
        instrument="rossi2011",
        answers=answers,
        screened_on=min(screen_day, utc_today()),
    )
    if screen.verdict == "caution":
        tms_service.acknowledge_screen(
            session,
            DEMO_ACTOR,
            patient,
            physician=DEMO_PHYSICIAN,
            note="medications weighed against the seizure risk; proceed",
        )
    hunt = tms_service.mt_step(
        session, DEMO_ACTOR, patient, start_pct_mso=tms.start_pct_mso, max_pulses=DEMO_MT_PULSES
    )
    while not hunt.stopped:
        next_pct_mso = hunt.state["next_intensity_pct_mso"]  # as stored by the hunt
        hunt = tms_service.mt_step(
            session, DEMO_ACTOR, patient, mep=next_pct_mso >= tms.true_mt_pct_mso
        )
    if tms.target["method"] == "beam_f3":
        measured = beam_f3(
            tms.target["tragus_tragus_cm"],
            tms.target["nasion_inion_cm"],
            tms.target["circumference_cm"],
        )
        target = tms_service.TargetSpec("beam_f3", measured.to_dict())
    else:
        target = tms_service.TargetSpec("hotspot_rule", hotspot_rule_target().to_dict())
    _, calendar = tms_service.plan(
        session, DEMO_ACTOR, patient, protocol_key=tms.protocol, start=start, target=target
    )
    course = tms_service.find_course(session, patient)
    assert course is not None  # the plan has just opened it
    return course, calendar


def _deliver_tms_sessions(
    session: Session, patient: Patient, tms: DemoTms, calendar: CoursePlan, *, now: datetime
) -> None:
    """Log every planned session due before ``now`` at its planned time, with the demo's
    side effects and adverse events (a serious one pauses the course: it then waits for a
    physician), and sign the reviews at the decision points reached.

    The sessions come from the plan's calendar; after a decision that plans the rest again
    (extend, taper, stop), from the service, one at a time.
    """
    protocol = get_protocol(tms.protocol)
    pulses = protocol.pulses_per_session
    assert pulses is not None  # demo protocols are complete
    decision_points = set(protocol.schedule.decision_points)
    planned = iter(calendar.sessions)
    replanned = False
    while True:
        due = (
            tms_service.next_session_due(session, DEMO_ACTOR, patient)
            if replanned
            else next(planned, None)
        )
        if due is None or due.starts_at > now:
            break
        number = due.number
        side_effect = tms.side_effects.get(number)
        event = tms.adverse_events.get(number)
        _, transition = tms_service.log_session(
            session,
            DEMO_ACTOR,
            patient,
            {
                "pulses_delivered": pulses,
                "operator": DEMO_TECHNICIAN,
                "side_effects": [side_effect] if side_effect else [],
                "adverse_events": [event] if event else [],
            },
            delivered_at=due.starts_at,
        )
        if transition.state.status != "active":
            break
        if number in decision_points and tms.review_decision_points:
            tms_service.decision_review(session, DEMO_ACTOR, patient)
            review, _ = tms_service.decide(
                session,
                DEMO_ACTOR,
                patient,
                decision="accept",
                by=DEMO_PHYSICIAN,
                note="reviewed with the patient",
                resume_on=due.day + timedelta(days=1),
            )
            replanned = replanned or review.chosen_action in ("extend", "begin_taper", "stop")


# The esketamine room of a demo course, through the esketamine service -----------------------
DEMO_NURSE = "Nurse Demo (rn.demo)"
# Session times of a demo esketamine day (UTC): check-in, first device, then monitoring.
_ESK_CHECK_IN = time(9, 0, tzinfo=UTC)


def _plan_esketamine_course(
    session: Session, patient: Patient, esk: DemoEsketamine, start: date
) -> TreatmentCourse:
    """Screen (every question no) and plan; the warnings the record raises (TRD not
    established, no current antidepressant) are signed off by the demo physician."""
    row = esketamine_service.plan(
        session,
        DEMO_ACTOR,
        patient,
        answers=dict.fromkeys(question_ids(), False),
        start_date=start,
        maintenance=esk.maintenance,
        physician=DEMO_PHYSICIAN,
        signoff_note="Reviewed the record with the patient; benefits outweigh the risks.",
    )
    return session.get_one(TreatmentCourse, row.treatment_course_id)


def _deliver_esketamine_sessions(
    session: Session, patient: Patient, esk: DemoEsketamine, *, as_of: date
) -> None:
    """Every planned session before ``as_of``: check-in, dose, observations at 40 and 100
    minutes, discharge at 2 h 15, the prescriber's signature; the REMS forms submitted two
    days later, but the latest ``unsubmitted`` (due, or overdue after 7 days)."""
    course = esketamine_service.status(session, DEMO_ACTOR, patient)
    days = [
        date.fromisoformat(s["date"])
        for s in course["schedule"]
        if date.fromisoformat(s["date"]) < as_of
    ]
    refs: list[tuple[str, datetime]] = []
    for number, day in enumerate(days, start=1):
        checked_in = datetime.combine(day, _ESK_CHECK_IN)
        elevated = number in esk.elevated_bp
        row = esketamine_service.check_in(
            session,
            DEMO_ACTOR,
            patient,
            predose_systolic_mmhg=144 + esk.systolic_mmhg % 12 if elevated else esk.systolic_mmhg,
            predose_diastolic_mmhg=esk.diastolic_mmhg + (8 if elevated else 0),
            predose_pulse_bpm=72,
            predose_spo2_pct=98,
            checked_in_at=checked_in,
        )
        if row.bp_check["needs_prescriber_signoff"]:
            esketamine_service.sign_off_bp(
                session,
                DEMO_ACTOR,
                patient,
                row.ref,
                physician=DEMO_PHYSICIAN,
                note="Repeat reading lower; no cardiovascular symptoms; proceed.",
            )
        first = checked_in + timedelta(minutes=15)
        dose = 84 if number > 1 and esk.dose_84_from and number >= esk.dose_84_from else 56
        devices = dose // 28
        esketamine_service.record_dose(
            session,
            DEMO_ACTOR,
            patient,
            row.ref,
            dose_mg=dose,
            devices=devices,
            lot=f"DEMO-{day:%y%m}",
            administered_by=DEMO_NURSE,
            device_times=[first + timedelta(minutes=5 * i) for i in range(devices)],
        )
        start = first + timedelta(minutes=5 * (devices - 1))
        sedated = number in esk.sedation
        esketamine_service.observe(
            session,
            DEMO_ACTOR,
            patient,
            row.ref,
            observed_at=start + timedelta(minutes=40),
            purpose="post_dose_40_min",
            systolic_mmhg=esk.systolic_mmhg + 9,
            diastolic_mmhg=esk.diastolic_mmhg + 5,
            spo2_pct=97,
            sedation=sedated,
            dissociation=sedated,
        )
        esketamine_service.observe(
            session,
            DEMO_ACTOR,
            patient,
            row.ref,
            observed_at=start + timedelta(minutes=100),
            spo2_pct=98,
            pulse_bpm=74,
        )
        discharged = start + timedelta(hours=2, minutes=15)
        esketamine_service.discharge(
            session,
            DEMO_ACTOR,
            patient,
            row.ref,
            discharged_by=DEMO_NURSE,
            sedation_resolved=True,
            dissociation_resolved=True,
            respiratory_depression_resolved=True,
            safe_transport=True,
            discharge_systolic_mmhg=esk.systolic_mmhg + 2,
            discharge_diastolic_mmhg=esk.diastolic_mmhg,
            discharge_spo2_pct=98,
            discharged_at=discharged,
        )
        esketamine_service.sign_session(
            session, DEMO_ACTOR, patient, row.ref, physician=DEMO_PHYSICIAN
        )
        refs.append((row.ref, discharged))
    keep_open = esk.unsubmitted
    for ref, discharged in refs[: max(0, len(refs) - keep_open)]:
        submitted = min(discharged + timedelta(days=2), esketamine_service.utc_now())
        esketamine_service.mark_rems_submitted(
            session, DEMO_ACTOR, patient, ref, submitted_by=DEMO_NURSE, submitted_at=submitted
        )
