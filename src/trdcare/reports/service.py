"""Documents use cases: gather a course report or a prior-authorization packet from the
other rooms' services (each read audited there), assemble it in the pure domain, and audit
the document itself as an export. Writes nothing but audit events.

Response and remission come from the assessments room's one outcome rule
(:func:`trdcare.assessments.domain.course_outcome`), on the course's primary scale, with the
scores up to the course's end (as the courses room's outcome); adequacy and TRD status are
the history room's verdicts (``stage_patient``) under its default named criteria.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.assessments import service as assessment_service
from trdcare.assessments.domain import ScorePoint as OutcomePoint
from trdcare.assessments.domain import course_outcome
from trdcare.assessments.domain.scoring import get_scale
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_today
from trdcare.core.errors import NotFound
from trdcare.courses import service as courses_service
from trdcare.courses.domain import catalogued_modalities
from trdcare.esketamine import service as esketamine_service
from trdcare.history import service as history_service
from trdcare.patients import service as patient_service
from trdcare.reports.codes_file import code_set
from trdcare.reports.domain import (
    SEVERITY_SCALES,
    SUICIDE_SCREEN_SCALE,
    CourseReport,
    EventFact,
    OtherTreatment,
    OutcomeFact,
    PacketFacts,
    PriorAuthPacket,
    ProtocolFact,
    ScoreFact,
    ScorePoint,
    ScreenFact,
    TrialFact,
    assemble_packet,
    check_therapy,
)
from trdcare.tms import service as tms_service

_OTHER_LABELS = {
    "tms": "Transcranial magnetic stimulation (TMS)",
    "ect": "ECT",
    "medication": "Medication",
    "psychotherapy": "Psychotherapy",
}


#: The esketamine room's populations in the label's words.
POPULATION_LABELS = {
    "trd": "treatment-resistant depression",
    "mdd_suicidal": "major depressive disorder with acute suicidal ideation or behaviour",
}


def therapy_label(modality: str) -> str:
    """A course's modality as the clinic names it."""
    return _OTHER_LABELS.get(modality) or catalogued_modalities().get(
        modality, modality.replace("_", " ").capitalize()
    )


@dataclass(frozen=True)
class CourseDocument:
    """A course report with what its chart needs (bands of the scale)."""

    report: CourseReport
    patient: Patient
    course: TreatmentCourse


def find_course(
    session: Session, actor: Actor, course_ref: str, *, patient_key: str | None = None
) -> tuple[Patient, TreatmentCourse]:
    """The course ``course_ref`` and its patient (audited read of the patient).

    With ``patient_key`` (the web pages) the course must be that patient's: another
    patient's course is "not found", as one that does not exist.

    Raises
    ------
    NotFound
        No current course with this ref (for this patient).
    """
    ref = course_ref.strip()
    if patient_key is not None:
        patient = patient_service.find_patient(session, actor, patient_key, purpose="document")
        course = history_service.find_course(session, patient, ref) if ref else None
        if course is None:
            raise NotFound("course: no current course with this ref for this patient")
        return patient, course
    if not ref:
        raise NotFound("course: no current course with this ref")
    course = history_service.course_by_ref(session, ref)
    patient = patient_service.find_patient(
        session, actor, _patient_ref(session, course), purpose="document"
    )
    return patient, course


def _patient_ref(session: Session, course: TreatmentCourse) -> str:
    patient = session.get(Patient, course.patient_id)
    if patient is None:  # a foreign key holds it; said plainly all the same
        raise NotFound("course: its patient is not on record")
    return patient.ref


def _name(patient: Patient) -> str:
    return f"{patient.family_name}, {patient.given_name}"


def _protocol_details(record: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    definition = record["protocol_definition"]
    details: list[tuple[str, str]] = []
    if record.get("target_label"):
        details.append(("Target", str(record["target_label"])))
    for key, label in (
        ("pattern", "Pattern"),
        ("frequency_hz", "Frequency (Hz)"),
        ("pulses_per_session", "Pulses per session"),
        ("intensity_pct_mt", "Intensity (% of motor threshold)"),
        ("sessions_per_day", "Sessions per day"),
    ):
        value = definition.get(key)
        if value is not None:
            details.append((label, str(value)))
    if record.get("mt_pct_mso") is not None:
        details.append(("Motor threshold (% of machine output)", f"{record['mt_pct_mso']:g}"))
    return tuple(details)


def _outcome(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> tuple[tuple[ScorePoint, ...], OutcomeFact | None]:
    rows = assessment_service.list_assessments(
        session, actor, patient, scale_id=course.primary_scale
    )
    end = course.end_date
    kept = [
        r
        for r in rows
        if r.complete and r.total is not None and (end is None or r.administered_on <= end)
    ]
    points = tuple(ScorePoint(r.administered_on, int(r.total or 0), r.severity) for r in kept)
    if not kept:
        return points, None
    outcome = course_outcome(
        course.primary_scale,
        [OutcomePoint(on=p.on, total=p.total) for p in points],
        course_start=course.start_date,
    )
    c = outcome.criteria
    return points, OutcomeFact(
        scale_name=get_scale(course.primary_scale).short_name,
        baseline_total=outcome.baseline.total,
        baseline_on=outcome.baseline.on,
        latest_total=outcome.latest.total,
        latest_on=outcome.latest.on,
        percent_change=outcome.percent_change,
        response=outcome.response,
        partial_response=outcome.partial_response,
        remission=outcome.remission,
        response_rule=f"at least {c.response_min_reduction_pct:g} % below the baseline",
        remission_rule=f"a total of {outcome.remission_rule.value} or less",
        explanation=tuple(outcome.explanation),
        response_at=outcome.baseline.total * (1 - c.response_min_reduction_pct / 100),
        remission_at=outcome.remission_rule.value,
    )


def _esketamine_course(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> tuple[str, tuple[tuple[str, str], ...], int | None, int, tuple[date, ...]] | None:
    """The esketamine room's record of ``course`` (its current course): protocol, details,
    sessions planned and given (discharged), the days given; None when that room's current
    course is another one."""
    try:
        doc = esketamine_service.status(session, actor, patient)
    except NotFound:
        return None
    if doc.get("course_ref") != course.ref:
        return None
    given = [s for s in doc.get("sessions", []) if s.get("status") == "discharged"]
    days = tuple(
        date.fromisoformat(str(s["checked_in_at"])[:10]) for s in given if s.get("checked_in_at")
    )
    return (
        "Esketamine nasal spray, label schedule",
        _esketamine_details(doc),
        len(doc.get("schedule") or []) or None,
        len(given),
        days,
    )


def _esketamine_details(doc: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    population = str(doc.get("population", ""))
    return (
        ("Indication", POPULATION_LABELS.get(population, population.replace("_", " "))),
        ("Maintenance", str(doc.get("maintenance", "")).replace("_", " ")),
        ("Weeks", str(doc.get("weeks", ""))),
    )


def course_report(
    session: Session,
    actor: Actor,
    course_ref: str,
    *,
    patient_key: str | None = None,
    output: str = "pdf",
) -> CourseDocument:
    """The report of one course, its download audited as an export (``output``: pdf, html).

    Raises
    ------
    NotFound
        No such current course (for this patient).
    """
    patient, course = find_course(session, actor, course_ref, patient_key=patient_key)
    events: list[EventFact] = []
    protocol_name: str | None = None
    details: tuple[tuple[str, str], ...] = ()
    planned = course.planned_sessions
    given: int | None = None
    days: tuple[date, ...] = ()
    if course.modality == "tms":
        record = tms_service.course_record(session, actor, patient, course)
        protocol_name = record["protocol_name"]
        details = _protocol_details(record)
        planned, given = record["planned"], record["delivered"]
        days = tuple(record["session_days"])
        for e in record["adverse_events"]:
            events.append(
                EventFact(
                    on=date.fromisoformat(e["occurred_on"]) if e["occurred_on"] else None,
                    session_number=e["session_number"],
                    kind=str(e["kind"]).replace("_", " "),
                    severity=e["severity"],
                    serious=e["serious"],
                    description=e["description"] or "",
                    acknowledged_by=e["acknowledged_by"],
                )
            )
    else:
        if course.modality == "esketamine":
            esk = _esketamine_course(session, actor, patient, course)
            if esk is not None:
                protocol_name, details, planned, given, days = esk
        for row in courses_service.adverse_events(session, actor, patient, course):
            e = courses_service.event_to_dict(course, row)
            events.append(
                EventFact(
                    on=e["occurred_on"],
                    session_number=None,
                    kind=e["kind_label"],
                    severity=e["severity"],
                    serious=e["serious"],
                    description=e["description"] or "",
                    acknowledged_by=e["acknowledged_by"],
                )
            )
    points, outcome = _outcome(session, actor, patient, course)
    report = CourseReport(
        as_of=utc_today(),
        patient_ref=patient.ref,
        patient_name=_name(patient),
        birth_date=patient.birth_date,
        course_ref=course.ref,
        modality=course.modality,
        therapy_label=therapy_label(course.modality),
        status=course.status,
        start_date=course.start_date,
        end_date=course.end_date,
        protocol_name=protocol_name,
        protocol_details=details,
        sessions_planned=planned,
        sessions_given=given,
        session_days=days,
        adverse_events=tuple(events),
        scale_id=course.primary_scale,
        scale_name=get_scale(course.primary_scale).short_name,
        scores=points,
        outcome=outcome,
    )
    audit.record(
        session,
        actor,
        "export",
        "course_report",
        entity_id=course.id,
        patient_ref=patient.ref,
        detail={"course": course.ref, "format": output},
    )
    return CourseDocument(report, patient, course)


# -- the prior-authorization packet ------------------------------------------------------


def _history_facts(session: Session, actor: Actor, patient: Patient, as_of: date) -> dict[str, Any]:
    try:
        history = history_service.load_history(session, actor, patient, as_of=as_of)
    except NotFound:
        return {
            "episode_onset": None,
            "episode_severity": None,
            "trd_status": None,
            "trd_count": None,
            "criteria_name": None,
            "criteria_source": None,
            "trials": (),
            "psychotherapy": (),
            "ect": (),
        }
    report = history_service.stage(history)
    trials = []
    for number, a in enumerate(report.trials, start=1):
        t = a.trial
        end = t.end
        weeks = round(((end or as_of) - t.start).days / 7, 1)
        trials.append(
            TrialFact(
                number=number,
                drug=t.drug,
                drug_class=str(a.drug_class),
                max_daily_dose_mg=t.max_daily_dose_mg,
                start=t.start,
                end=end,
                weeks=weeks,
                adherence=None if t.adherence == "unknown" else str(t.adherence),
                outcome=str(t.outcome),
                adequate=a.adequate,
                counts_as_failure=a.counts_as_failure,
                could_count=a.could_count,
                in_current_episode=a.in_current_episode,
                reasons=tuple(r.message for r in a.reasons),
            )
        )
    return {
        "episode_onset": history.episode.onset,
        "episode_severity": str(history.episode.severity),
        "trd_status": str(report.trd.status),
        "trd_count": report.trd.count_text,
        "criteria_name": report.criteria.label,
        "criteria_source": report.criteria.source,
        "trials": tuple(trials),
        "psychotherapy": tuple(
            OtherTreatment(
                "psychotherapy", str(p.modality), p.start, p.end, p.sessions, str(p.outcome)
            )
            for p in history.psychotherapy_courses
        ),
        "ect": tuple(
            OtherTreatment(
                "ect",
                f"ECT ({str(e.electrode_placement).replace('_', ' ')})",
                e.start,
                e.end,
                e.sessions,
                str(e.outcome),
            )
            for e in history.ect_courses
        ),
    }


def _scores(
    session: Session, actor: Actor, patient: Patient
) -> tuple[tuple[ScoreFact, ...], ScoreFact | None]:
    rows = assessment_service.list_assessments(session, actor, patient)
    latest: dict[str, ScoreFact] = {}
    screen: ScoreFact | None = None
    for r in rows:  # oldest first: a later one replaces an earlier one
        if r.scale_id == SUICIDE_SCREEN_SCALE:
            screen = ScoreFact(
                r.scale_id,
                get_scale(r.scale_id).short_name,
                None,
                None,
                r.administered_on,
                finding=f"triage level {r.triage}" if r.triage else "triage level not determined",
            )
        elif r.scale_id in SEVERITY_SCALES and r.complete and r.total is not None:
            latest[r.scale_id] = ScoreFact(
                r.scale_id,
                get_scale(r.scale_id).short_name,
                int(r.total),
                r.severity,
                r.administered_on,
            )
    order = {s: i for i, s in enumerate(SEVERITY_SCALES)}
    return tuple(sorted(latest.values(), key=lambda s: order[s.scale_id])), screen


def _finding_words(finding: dict[str, Any]) -> str:
    words = str(finding.get("label") or finding.get("finding_id") or finding.get("id") or "")
    detail = finding.get("detail")
    words = words.replace("_", " ")
    return f"{words}: {detail}" if detail else words


def _tms_screen(session: Session, actor: Actor, patient: Patient) -> ScreenFact | None:
    doc = tms_service.latest_screen(session, actor, patient)
    if doc is None:
        return None
    findings = [_finding_words(f) for f in doc.get("findings", [])]
    findings += [
        str(m.get("label") or m.get("medication")) for m in doc.get("medication_flags", [])
    ]
    return ScreenFact(
        name="TMS safety screen",
        on=date.fromisoformat(doc["screened_on"]),
        verdict=str(doc.get("verdict", "")),
        findings=tuple(f for f in findings if f),
        acknowledged_by=doc.get("acknowledged_by"),
    )


def _tms_protocol(session: Session, actor: Actor, patient: Patient) -> ProtocolFact | None:
    course = tms_service.find_course(session, patient)
    if course is None:
        return None
    record = tms_service.course_record(session, actor, patient, course)
    return ProtocolFact(
        name=str(record["protocol_name"]),
        start=record["start_date"],
        sessions_planned=record["planned"],
        details=_protocol_details(record),
        ordered_by=record["planned_by"],
        course_ref=course.ref,
    )


def _esketamine(
    session: Session, actor: Actor, patient: Patient
) -> tuple[ScreenFact | None, ProtocolFact | None]:
    try:
        doc = esketamine_service.status(session, actor, patient)
    except NotFound:
        return None, None
    eligibility = doc.get("eligibility") or {}
    findings = [
        str(f.get("text") or f.get("id"))
        for f in (*eligibility.get("blocks", []), *eligibility.get("warnings", []))
    ]
    signoff = doc.get("signoff")
    screen = ScreenFact(
        name="Esketamine eligibility screen",
        on=date.fromisoformat(doc["start_date"]),
        verdict=str(doc.get("eligibility_verdict", "")),
        findings=tuple(findings),
        acknowledged_by=signoff["by"] if signoff else None,
    )
    details = _esketamine_details(doc)
    protocol = ProtocolFact(
        name="Esketamine nasal spray, label schedule",
        start=date.fromisoformat(doc["start_date"]),
        sessions_planned=len(doc.get("schedule") or []) or None,
        details=details,
        ordered_by=signoff["by"] if signoff else None,
        course_ref=str(doc["course_ref"]),
    )
    return screen, protocol


def prior_auth_packet(
    session: Session,
    actor: Actor,
    patient_key: str,
    therapy: str,
    *,
    output: str = "pdf",
) -> tuple[Patient, PriorAuthPacket]:
    """The prior-authorization packet of ``therapy`` for the patient, its download audited
    as an export (``output``: pdf, json, html).

    Raises
    ------
    InvalidInput
        ``therapy`` is not tms or esketamine (checked before anything is read).
    NotFound
        No such patient.
    """
    check_therapy(therapy)
    patient = patient_service.find_patient(session, actor, patient_key, purpose="document")
    as_of = utc_today()
    history = _history_facts(session, actor, patient, as_of)
    scores, suicide = _scores(session, actor, patient)
    if therapy == "tms":
        screen, protocol = (
            _tms_screen(session, actor, patient),
            _tms_protocol(session, actor, patient),
        )
    else:
        screen, protocol = _esketamine(session, actor, patient)
    facts = PacketFacts(
        therapy=therapy,
        as_of=as_of,
        patient_ref=patient.ref,
        patient_name=_name(patient),
        birth_date=patient.birth_date,
        sex=patient.sex,
        scores=scores,
        suicide_screen=suicide,
        safety_screen=screen,
        protocol=protocol,
        **history,
    )
    packet = assemble_packet(facts, code_set())
    audit.record(
        session,
        actor,
        "export",
        "prior_auth_packet",
        entity_id=None,
        patient_ref=patient.ref,
        detail={"therapy": therapy, "format": output, "missing": len(packet.missing)},
    )
    return patient, packet
