"""The demo clinic's VNS and DBS patients, loaded through the VNS and DBS services.

Three patients when the clinic has room for them (``NEUROSTIMULATION_PATIENTS``), each with a
treatment history of at least four failed adequate trials and MADRS visits:

* a VNS course implanted 15 months ago, titrated from 0.25 mA in 0.25 mA steps every two
  weeks after two weeks of healing to 1.25 mA (20 Hz, 250 µs, 30 s ON / 5 min OFF, the
  published settings, Labiner & Ahern 2007), voice alteration and cough at the higher steps,
  and a response past month 12;
* a VNS course implanted 3 months ago, titrated to 0.75 mA, no change on the MADRS yet: the
  pages say it is too early to call non-response;
* a DBS course (investigational, in a research protocol) at the subcallosal cingulate,
  bilateral Medtronic 3387/3389 leads, programmed at 130 Hz, 90 µs, 4 then 6 mA (within the
  Shannon limit and the rated density), and one voltage-mode setting.

Settings are the reference's (modalities.md §2.2, §3.4); the patients are fictitious.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from trdcare.assessments import service as assessment_service
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_now
from trdcare.dbs import service as dbs_service
from trdcare.demo.generator import _answers
from trdcare.history import service as history_service
from trdcare.history.domain import parse_history
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate
from trdcare.vns import service as vns_service

#: How many of a demo clinic's patients are the VNS and DBS patients (in a clinic of at
#: least ``NEUROSTIMULATION_MIN_CLINIC`` patients; a smaller one has none).
NEUROSTIMULATION_PATIENTS = 3
NEUROSTIMULATION_MIN_CLINIC = 10
_VISIT = time(11, 0, tzinfo=UTC)
_TRIALS = (
    ("sertraline", 200),
    ("venlafaxine", 225),
    ("escitalopram", 20),
    ("bupropion", 300),
    ("mirtazapine", 45),
)


def _history(onset: date, as_of: date, n_trials: int) -> dict[str, Any]:
    cursor = onset + timedelta(days=20)
    trials = []
    for drug, dose in _TRIALS[:n_trials]:
        end = cursor + timedelta(weeks=10)
        trials.append(
            {
                "drug": drug,
                "max_daily_dose_mg": dose,
                "start": cursor.isoformat(),
                "end": end.isoformat(),
                "adherence": "good",
                "outcome": "no_response",
            }
        )
        cursor = end + timedelta(days=14)
    return {
        "episode": {
            "onset": onset.isoformat(),
            "as_of": as_of.isoformat(),
            "severity": "severe_without_psychosis",
        },
        "antidepressant_trials": trials,
    }


def _patient(
    session: Session,
    actor: Actor,
    mrn: str,
    given: str,
    family: str,
    born: date,
    sex: str,
    as_of: date,
) -> Any:
    return patient_service.add_patient(
        session,
        actor,
        PatientCreate.model_validate(
            {"mrn": mrn, "given_name": given, "family_name": family, "birth_date": born, "sex": sex}
        ),
        today=as_of,
    )


def _madrs(
    session: Session,
    actor: Actor,
    patient: Any,
    rng: random.Random,
    visits: list[tuple[date, float]],
) -> int:
    for on, level in visits:
        assessment_service.record_assessment(
            session,
            actor,
            patient,
            "madrs",
            _answers(rng, "madrs", level),
            administered_at=min(datetime.combine(on, _VISIT), utc_now()),
        )
    return len(visits)


def _titrate(
    session: Session,
    actor: Actor,
    patient: Any,
    implant_on: date,
    as_of: date,
    top_ma: float,
    effects_from_ma: float,
) -> None:
    on = implant_on + timedelta(days=14)
    current = 0.25
    while on <= as_of:
        effects = ["voice_alteration", "cough"] if current >= effects_from_ma else []
        vns_service.log_titration(
            session,
            actor,
            patient,
            {
                "visit_on": on,
                "output_current_ma": current,
                "frequency_hz": 20,
                "pulse_width_us": 250,
                "on_time_s": 30,
                "off_time_min": 5,
                "side_effects": effects,
                "note": "hoarse during ON time, tolerable" if effects else "",
            },
        )
        if current >= top_ma:
            break
        current = round(current + 0.25, 2)
        on += timedelta(days=14)


def load_neurostimulation(
    session: Session, actor: Actor, *, seed: int, first_number: int, as_of: date
) -> int:
    """Add the VNS and DBS demo patients (MRNs numbered from ``first_number``); returns the
    number of assessments recorded."""
    rng = random.Random(seed * 7_919 + 23)
    n = 0
    exclusions_no = dict.fromkeys(
        (
            "psychotic_features",
            "psychotic_disorder",
            "rapid_cycling_bipolar",
            "cognitive_disorder",
            "suicidal_intent",
            "investigational_treatment",
        ),
        "no",
    )

    # 1. VNS, implanted 15 months ago: titrated, responding past month 12.
    implant_on = as_of - timedelta(days=457)
    p = _patient(
        session,
        actor,
        f"DEMO-{first_number:05d}",
        "Rosalind",
        "Okafor",
        as_of - timedelta(days=52 * 365),
        "female",
        as_of,
    )
    history_service.import_history(
        session,
        actor,
        p,
        parse_history(_history(implant_on - timedelta(days=4 * 365), as_of, 5), today=as_of),
    )
    n += _madrs(
        session,
        actor,
        p,
        rng,
        [
            (implant_on - timedelta(days=40), 0.62),
            (implant_on - timedelta(days=10), 0.6),
        ],
    )
    vns_service.assess_candidacy(
        session,
        actor,
        p,
        assessed_for=implant_on - timedelta(days=7),
        lifetime_episodes=4,
        medication_stable="yes",
        exclusions=exclusions_no,
    )
    vns_service.record_implant(
        session,
        actor,
        p,
        implanted_on=implant_on,
        generator_model="SenTiva 1000",
        lead_model="PerenniaFLEX 304",
        serial_number="DEMO-VNS-0001",
        surgeon="Dr Demo Surgeon",
        side="left",
        primary_scale="madrs",
    )
    _titrate(session, actor, p, implant_on, as_of, top_ma=1.25, effects_from_ma=1.0)
    n += _madrs(
        session,
        actor,
        p,
        rng,
        [
            (implant_on + timedelta(days=30 * m), level)
            for m, level in ((3, 0.6), (6, 0.55), (9, 0.45), (12, 0.3), (15, 0.27))
            if implant_on + timedelta(days=30 * m) <= as_of
        ],
    )

    # 2. VNS, implanted 3 months ago: too early to call non-response.
    implant_on = as_of - timedelta(days=95)
    p = _patient(
        session,
        actor,
        f"DEMO-{first_number + 1:05d}",
        "Tomasz",
        "Lindqvist",
        as_of - timedelta(days=44 * 365),
        "male",
        as_of,
    )
    history_service.import_history(
        session,
        actor,
        p,
        parse_history(_history(implant_on - timedelta(days=3 * 365), as_of, 4), today=as_of),
    )
    n += _madrs(
        session,
        actor,
        p,
        rng,
        [
            (implant_on - timedelta(days=35), 0.65),
            (implant_on - timedelta(days=6), 0.66),
        ],
    )
    vns_service.assess_candidacy(
        session,
        actor,
        p,
        assessed_for=implant_on - timedelta(days=5),
        lifetime_episodes=2,
        medication_stable="yes",
        exclusions=exclusions_no,
    )
    vns_service.record_implant(
        session,
        actor,
        p,
        implanted_on=implant_on,
        generator_model="SenTiva 1000",
        serial_number="DEMO-VNS-0002",
        side="left",
        primary_scale="madrs",
    )
    _titrate(session, actor, p, implant_on, as_of, top_ma=0.75, effects_from_ma=0.75)
    n += _madrs(session, actor, p, rng, [(as_of - timedelta(days=10), 0.64)])

    # 3. DBS (investigational), subcallosal cingulate, in a research protocol.
    operated_on = as_of - timedelta(days=120)
    p = _patient(
        session,
        actor,
        f"DEMO-{first_number + 2:05d}",
        "Ines",
        "Moreau",
        as_of - timedelta(days=48 * 365),
        "female",
        as_of,
    )
    history_service.import_history(
        session,
        actor,
        p,
        parse_history(_history(operated_on - timedelta(days=5 * 365), as_of, 5), today=as_of),
    )
    n += _madrs(
        session,
        actor,
        p,
        rng,
        [
            (operated_on - timedelta(days=30), 0.7),
            (operated_on - timedelta(days=3), 0.7),
            (operated_on + timedelta(days=60), 0.55),
            (as_of - timedelta(days=5), 0.45),
        ],
    )
    assessment_service.record_assessment(
        session,
        actor,
        p,
        "hamd17",
        _answers(rng, "hamd17", 0.62),
        administered_at=datetime.combine(operated_on - timedelta(days=20), _VISIT),
    )
    n += 1
    dbs_service.assess_candidacy(
        session,
        actor,
        p,
        assessed_for=operated_on - timedelta(days=14),
        diagnosis="mdd",
        psychotic_features="no",
        research_protocol="yes",
        protocol_ref="IRB-DEMO-0001",
    )
    dbs_service.record_surgery(
        session,
        actor,
        p,
        operated_on=operated_on,
        target="scc",
        protocol_ref="IRB-DEMO-0001",
        sides=["left", "right"],
        surgeon="Dr Demo Neurosurgeon",
        primary_scale="madrs",
    )
    for days, side, setting in (
        (14, "left", {"contacts": [1], "amplitude_ma": 4.0}),
        (14, "right", {"contacts": [1], "amplitude_ma": 4.0}),
        (45, "left", {"contacts": [1, 2], "amplitude_ma": 6.0}),
        (45, "right", {"contacts": [2], "amplitude_v": 4.0, "impedance_ohm": 1100.0}),
    ):
        dbs_service.program(
            session,
            actor,
            p,
            {
                "programmed_on": operated_on + timedelta(days=days),
                "side": side,
                "pulse_width_us": 90.0,
                "frequency_hz": 130.0,
                **setting,
            },
        )
    return n
