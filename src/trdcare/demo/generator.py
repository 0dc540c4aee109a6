"""Build a synthetic TRD clinic from a seed.

Nothing here is a clinical fact: the shapes (how many trials, how symptoms move) are chosen
to exercise every path of the product — responders and non-responders, remission and
relapse, inadequate and intolerant trials, ECT, augmentation, suicidal-ideation items — and
every generated record passes through the same validation as real input. Doses are built
from the catalogue's minimum adequate doses so both adequate and sub-threshold trials occur.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from trdcare.assessments.domain import get_scale
from trdcare.history.domain import load_catalogue

GIVEN_NAMES = (
    "Alex",
    "Sam",
    "Jordan",
    "Maria",
    "Wei",
    "Aisha",
    "Tomas",
    "Ingrid",
    "Kofi",
    "Leila",
    "Noah",
    "Priya",
    "Mateo",
    "Hana",
    "Oskar",
    "Zainab",
    "Luca",
    "Mei",
    "Ravi",
    "Elena",
    "Jonas",
    "Amara",
    "Diego",
    "Sofia",
    "Yusuf",
    "Freya",
    "Kenji",
    "Nadia",
    "Owen",
    "Chloe",
)
FAMILY_NAMES = (
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Haddad",
    "Kowalski",
    "Nakamura",
    "Silva",
    "Brennan",
    "Osei",
    "Petrov",
    "Fischer",
    "Rahman",
    "Costa",
    "Nguyen",
    "Jensen",
    "Alvarez",
    "Murphy",
    "Kaur",
    "Rossi",
    "Novak",
    "Schmidt",
    "Tanaka",
    "Ibrahim",
    "Larsen",
    "Walsh",
    "Dubois",
    "Mehta",
    "Horvat",
    "Bianchi",
    "Yilmaz",
)
AUGMENTING = ("aripiprazole", "lithium", "quetiapine", "liothyronine")
PSYCHOTHERAPIES = ("cbt", "ipt", "behavioural_activation")
SEVERITIES = (
    ("moderate", 45),
    ("severe_without_psychosis", 35),
    ("mild", 12),
    ("severe_with_psychosis", 5),
    ("subsyndromal", 3),
)
# Course types in a TRD clinic and how often they occur in the demo.
COURSES = (("tms", 70), ("esketamine", 18), ("ketamine", 7), ("ect", 5))
# TMS: 30 acute sessions plus a 6-session taper (O'Reardon 2007 [R]; payer cap of 36, see
# shared reference tms.md section 1.1).
TMS_PLANNED_SESSIONS = 36


@dataclass
class DemoAssessment:
    scale_id: str
    on: date
    answers: dict[str, int]


# The TMS pathway of a demo course: the library protocols a clinic uses most, and how often.
TMS_PROTOCOLS = (("hf10-left-dlpfc", 70), ("itbs-left-dlpfc", 30))
# Every DEMO_PAUSE_EVERY-th TMS course has a serious adverse event (syncope) that pauses it,
# so the demo always shows a paused course awaiting a physician's review.
DEMO_PAUSE_EVERY = 12


@dataclass
class DemoTms:
    """How a demo TMS course runs on the TMS pathway (the demo service drives the TMS
    service with it). Synthetic: not clinical facts."""

    protocol: str
    target: dict[str, Any]
    true_mt_pct_mso: int
    start_pct_mso: int
    side_effects: dict[int, str]
    """Session number -> a common side effect reported with that session."""
    adverse_events: dict[int, dict[str, Any]]
    """Session number -> an adverse event logged with that session."""
    pause_at: int | None
    """The session whose serious adverse event pauses the course (then no more sessions)."""
    review_decision_points: bool


@dataclass
class DemoEsketamine:
    """How a demo esketamine course runs (the demo service drives the esketamine service
    with it). Synthetic: not clinical facts."""

    maintenance: str
    systolic_mmhg: int
    diastolic_mmhg: int
    elevated_bp: frozenset[int]
    """Session numbers whose pre-dose blood pressure is above 140/90 (a prescriber signs off)."""
    dose_84_from: int | None
    """From this session on the dose is 84 mg (56 mg before), or never."""
    sedation: frozenset[int]
    """Session numbers with sedation observed at 40 minutes (resolved by discharge)."""
    unsubmitted: int
    """How many of the latest sessions' REMS forms are not yet submitted."""


@dataclass
class DemoPatient:
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    sex: str
    history: dict[str, Any]
    course: dict[str, Any] | None
    assessments: list[DemoAssessment] = field(default_factory=list)
    tms: DemoTms | None = None
    esketamine: DemoEsketamine | None = None


def _tms_pathway(rng: random.Random, index: int) -> DemoTms:
    """A TMS course's screen, threshold, plan and events (the ``index``-th TMS course)."""
    if rng.random() < 0.75:
        tragus_tragus = round(rng.uniform(33.0, 39.0), 1)
        target: dict[str, Any] = {
            "method": "beam_f3",
            "tragus_tragus_cm": tragus_tragus,
            "nasion_inion_cm": round(tragus_tragus + rng.uniform(-1.5, 1.5), 1),
            "circumference_cm": round(rng.uniform(54.0, 60.0), 1),
        }
    else:
        target = {"method": "hotspot_rule"}
    true_mt = rng.randint(42, 72)
    side_effects = {
        n: rng.choice(("headache", "scalp_discomfort", "facial_twitching"))
        for n in range(1, 37)
        if rng.random() < 0.12
    }
    adverse_events: dict[int, dict[str, Any]] = {}
    if rng.random() < 0.25:
        adverse_events[rng.randint(1, 15)] = {
            "kind": rng.choice(("headache", "scalp_discomfort", "lightheadedness")),
            "severity": rng.choice(("mild", "mild", "moderate")),
        }
    pause_at = rng.randint(3, 12) if index % DEMO_PAUSE_EVERY == 0 else None
    if pause_at is not None:
        adverse_events[pause_at] = {"kind": "syncope", "severity": "moderate", "serious": True}
    return DemoTms(
        protocol=_weighted(rng, TMS_PROTOCOLS),
        target=target,
        true_mt_pct_mso=true_mt,
        start_pct_mso=min(90, true_mt + rng.randint(-6, 10)),
        side_effects=side_effects,
        adverse_events=adverse_events,
        pause_at=pause_at,
        review_decision_points=rng.random() < 0.85,
    )


def _esketamine_course(rng: random.Random) -> DemoEsketamine:
    """An esketamine course's blood pressures, doses, sedation and REMS backlog."""
    return DemoEsketamine(
        maintenance=rng.choice(("weekly", "weekly", "every_2_weeks")),
        systolic_mmhg=rng.randint(110, 136),
        diastolic_mmhg=rng.randint(68, 86),
        elevated_bp=frozenset(n for n in range(1, 40) if rng.random() < 0.1),
        dose_84_from=rng.choice((None, 3, 4, 6)),
        sedation=frozenset(n for n in range(1, 40) if rng.random() < 0.5),
        unsubmitted=rng.choice((0, 1, 1, 2)),
    )


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _answers(
    rng: random.Random, scale_id: str, fraction: float, *, suicide_item: int = 0
) -> dict[str, int]:
    """Item answers whose level follows ``fraction`` of each item's maximum."""
    scale = get_scale(scale_id)
    out: dict[str, int] = {}
    for item in scale.items:
        if scale_id == "cssrs_screener":
            continue
        top = item.max_value
        value = round(fraction * top + rng.uniform(-0.6, 0.6))
        out[item.key] = max(item.min_value, min(top, value))
    for rule in scale.safety_rules:
        if rule.code == "suicidal_ideation" and rule.item in out:
            out[rule.item] = min(suicide_item, scale.item(rule.item).max_value)
    return out


def _cssrs(rng: random.Random, risk: bool) -> dict[str, int]:
    if not risk:
        return {"1": 0, "2": 0, "6": 0}
    q2 = rng.random() < 0.6
    answers = {"1": 1, "2": int(q2), "6": 0}
    if q2:
        answers.update({"3": int(rng.random() < 0.4), "4": 0, "5": 0})
    return answers


def generate_clinic(seed: int, patients: int, as_of: date) -> list[DemoPatient]:
    rng = random.Random(seed)
    catalogue = load_catalogue()
    drugs = [d for d in catalogue.antidepressants.values() if d.min_dose is not None]
    out = []
    tms_courses = 0
    for n in range(patients):
        onset = as_of - timedelta(days=rng.randint(200, 1600))
        severity = _weighted(rng, SEVERITIES)
        in_course = rng.random() < 0.85
        course_start = as_of - timedelta(days=rng.randint(7, 84)) if in_course else as_of
        # Treatment history before the course: sequential trials from onset.
        cursor = onset + timedelta(days=rng.randint(7, 40))
        trials = []
        for _ in range(rng.choice((1, 2, 2, 3, 3, 4, 5, 6))):
            drug = rng.choice(drugs)
            assert drug.min_dose is not None
            kind = rng.random()
            if kind < 0.1:  # stopped early for side effects
                weeks, outcome, factor = rng.randint(1, 3), "intolerance", 1.0
            else:
                weeks = rng.randint(6, 16)
                outcome = rng.choice(
                    ("no_response", "no_response", "no_response", "partial_response")
                )
                factor = rng.choice((0.5, 1.0, 1.0, 1.5, 2.0))
            end = cursor + timedelta(weeks=weeks)
            if end >= course_start - timedelta(days=7):
                break
            trials.append(
                {
                    "drug": drug.name,
                    "max_daily_dose_mg": round(drug.min_dose.value_mg * factor, 1),
                    "start": cursor.isoformat(),
                    "end": end.isoformat(),
                    "adherence": rng.choice(("good", "good", "good", "partial", "unknown")),
                    "outcome": outcome,
                }
            )
            cursor = end + timedelta(days=rng.randint(3, 30))
        if not trials:
            drug = rng.choice(drugs)
            assert drug.min_dose is not None
            trials.append(
                {
                    "drug": drug.name,
                    "max_daily_dose_mg": drug.min_dose.value_mg,
                    "start": (onset + timedelta(days=1)).isoformat(),
                    "end": (onset + timedelta(days=57)).isoformat(),
                    "adherence": "good",
                    "outcome": "no_response",
                }
            )
        last_end = date.fromisoformat(str(trials[-1]["end"]))
        augmentation = []
        if rng.random() < 0.3 and (course_start - last_end).days > 50:
            start = last_end - timedelta(days=rng.randint(20, 40))
            augmentation.append(
                {
                    "agent": rng.choice(AUGMENTING),
                    "start": start.isoformat(),
                    "end": (start + timedelta(weeks=6)).isoformat(),
                    "outcome": "no_response",
                    "adherence": "good",
                }
            )
        ect = []
        if rng.random() < 0.08:
            start = last_end + timedelta(days=3)
            if (course_start - start).days > 40:
                ect.append(
                    {
                        "start": start.isoformat(),
                        "end": (start + timedelta(weeks=4)).isoformat(),
                        "sessions": rng.randint(8, 12),
                        "outcome": "no_response",
                        "electrode_placement": rng.choice(
                            ("right_unilateral", "bilateral", "bifrontal")
                        ),
                    }
                )
        psychotherapy = []
        if rng.random() < 0.4:
            start = onset + timedelta(days=rng.randint(10, 60))
            end = start + timedelta(weeks=16)
            if end < as_of:
                psychotherapy.append(
                    {
                        "modality": rng.choice(PSYCHOTHERAPIES),
                        "start": start.isoformat(),
                        "end": end.isoformat(),
                        "sessions": 16,
                        "outcome": "partial_response",
                    }
                )
        history = {
            "episode": {
                "onset": onset.isoformat(),
                "as_of": as_of.isoformat(),
                "severity": severity,
            },
            "antidepressant_trials": trials,
            "augmentation_trials": augmentation,
            "ect_courses": ect,
            "psychotherapy_courses": psychotherapy,
        }
        course = None
        tms = None
        esketamine = None
        if in_course:
            modality = _weighted(rng, COURSES)
            course = {
                "modality": modality,
                "start_date": course_start,
                "planned_sessions": TMS_PLANNED_SESSIONS if modality == "tms" else None,
            }
            if modality == "tms":
                # Its own generator, so the rest of the clinic is the same as before.
                tms = _tms_pathway(random.Random(seed * 1_000_003 + n), tms_courses)
                tms_courses += 1
            elif modality == "esketamine":
                esketamine = _esketamine_course(random.Random(seed * 2_000_003 + n))
        patient = DemoPatient(
            mrn=f"DEMO-{n + 1:05d}",
            given_name=rng.choice(GIVEN_NAMES),
            family_name=rng.choice(FAMILY_NAMES),
            birth_date=as_of - timedelta(days=rng.randint(19 * 365, 78 * 365)),
            sex=rng.choice(("female", "female", "male", "male", "other")),
            history=history,
            course=course,
            tms=tms,
            esketamine=esketamine,
        )
        _add_trajectory(rng, patient, course_start, as_of)
        out.append(patient)
    return out


def _add_trajectory(
    rng: random.Random, patient: DemoPatient, course_start: date, as_of: date
) -> None:
    """Weekly PHQ-9 from the baseline visit, QIDS-SR16 every other week, C-SSRS at baseline."""
    kind = rng.choices(
        ("remitter", "responder", "partial", "non_responder", "relapse"),
        weights=(22, 20, 18, 32, 8),
    )[0]
    baseline_fraction = rng.uniform(0.5, 0.85)
    target = {
        "remitter": 0.08,
        "responder": 0.35,
        "partial": 0.6,
        "non_responder": 0.92,
        "relapse": 0.1,
    }[kind]
    at_risk = rng.random() < 0.08
    baseline_on = course_start - timedelta(days=rng.randint(0, 5))
    weeks = max(0, (as_of - baseline_on).days // 7)
    patient.assessments.append(DemoAssessment("cssrs_screener", baseline_on, _cssrs(rng, at_risk)))
    for week in range(weeks + 1):
        on = baseline_on + timedelta(weeks=week)
        progress = min(1.0, week / 6)
        level = baseline_fraction * (1 - progress * (1 - target))
        if kind == "relapse" and week >= 7:
            level = baseline_fraction * 0.8
        level = max(0.0, min(1.0, level + rng.uniform(-0.05, 0.05)))
        suicide = 0
        if at_risk and (week == weeks or rng.random() < 0.3):
            suicide = rng.choice((1, 1, 2))
        patient.assessments.append(
            DemoAssessment("phq9", on, _answers(rng, "phq9", level, suicide_item=suicide))
        )
        if week % 2 == 0:
            patient.assessments.append(
                DemoAssessment(
                    "qids_sr16", on, _answers(rng, "qids_sr16", level, suicide_item=min(suicide, 1))
                )
            )
    if weeks >= 4:
        patient.assessments.append(
            DemoAssessment("hamd17", baseline_on, _answers(rng, "hamd17", baseline_fraction * 0.8))
        )
        patient.assessments.append(
            DemoAssessment(
                "hamd17",
                baseline_on + timedelta(weeks=4),
                _answers(rng, "hamd17", baseline_fraction * (0.8 - 0.5 * (1 - target))),
            )
        )
