"""Documents use cases: gather a course report or a prior-authorization packet from the
other rooms' services (each read audited there), assemble it in the pure domain, and audit
the document itself as an export. Writes nothing but audit events.

Response and remission come from the assessments room's one outcome rule
(:func:`trdcare.assessments.domain.course_outcome`), on the course's primary scale, with the
scores up to the course's end (as the courses room's outcome); adequacy and TRD status are
the history room's verdicts (``stage_patient``) under its default named criteria.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
from trdcare.dbs import service as dbs_service
from trdcare.dbs.domain.catalogue import load_pathway
from trdcare.esketamine import service as esketamine_service
from trdcare.history import service as history_service
from trdcare.ketamine import service as ketamine_service
from trdcare.ketamine.domain import off_label
from trdcare.neurofeedback import service as neurofeedback_service
from trdcare.patients import service as patient_service
from trdcare.psilocybin import service as psilocybin_service
from trdcare.psilocybin.domain import restriction
from trdcare.reports.codes_file import code_set
from trdcare.reports.domain import (
    SEVERITY_SCALES,
    SUICIDE_SCREEN_SCALE,
    CourseReport,
    EventFact,
    Notice,
    OtherTreatment,
    OutcomeFact,
    PacketFacts,
    PriorAuthPacket,
    ProtocolFact,
    ScoreFact,
    ScorePoint,
    ScreenFact,
    SessionGroup,
    TrialFact,
    assemble_packet,
    check_therapy,
)
from trdcare.tms import service as tms_service
from trdcare.vns import service as vns_service

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


NOT_RECORDED = "not recorded"

#: How the psilocybin room marks every output, as its pages say it.
_PSILOCYBIN_MARK = "RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY"

_NF_PROTOCOLS = {
    "faa": "frontal alpha asymmetry",
    "alpha_theta": "alpha/theta",
    "ratio": "band-power ratio",
}


@dataclass(frozen=True)
class _Delivery:
    """What a course's own room records of its delivery, in the report's terms."""

    protocol_name: str | None = None
    details: tuple[tuple[str, str], ...] = ()
    planned: int | None = None
    given: int | None = None
    days: tuple[date, ...] = ()
    groups: tuple[SessionGroup, ...] = ()
    notices: tuple[Notice, ...] = ()
    planned_words: str | None = None
    sessions_note: str | None = None


def _num(value: Any, unit: str = "") -> str:
    """A recorded number in words: ``%g`` with its unit, or "not recorded"."""
    if value is None or value == "":
        return NOT_RECORDED
    text = f"{value:g}" if isinstance(value, int | float) else str(value)
    return f"{text} {unit}".rstrip()


def _text(value: Any) -> str:
    return NOT_RECORDED if value is None or str(value).strip() == "" else str(value)


def _day(moment: str | None) -> date | None:
    """The (UTC) day of an ISO date or date-time, as the rooms store them."""
    return None if not moment else date.fromisoformat(str(moment)[:10])


def _days(moments: list[Any]) -> tuple[date, ...]:
    return tuple(d for d in (_day(m) for m in moments) if d is not None)


def _no_room_record(room: str, what: str, notices: tuple[Notice, ...] = ()) -> _Delivery:
    return _Delivery(
        notices=notices,
        sessions_note=f"not recorded (the {room} room holds no {what} for this course)",
    )


def _esketamine_course(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> _Delivery:
    """The esketamine room's record of ``course`` (the current or an earlier course):
    protocol, details, sessions planned and given (discharged), the days given."""
    doc = esketamine_service.course_record(session, actor, patient, course)
    if doc is None:
        return _no_room_record("esketamine", "course")
    given = [s for s in doc.get("sessions", []) if s.get("status") == "discharged"]
    days = _days([s.get("checked_in_at") for s in given])
    planned = len(doc.get("schedule") or []) or None
    rule = "a session counts as given once the patient was discharged after it"
    return _Delivery(
        protocol_name="Esketamine nasal spray, label schedule",
        details=_esketamine_details(doc),
        planned=planned,
        given=len(given),
        days=days,
        groups=(SessionGroup("Sessions", len(given), planned, days, rule=rule),),
    )


def _ketamine_course(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> _Delivery:
    """The IV ketamine room's series of ``course``: the plan as details, infusions given.

    An infusion counts as given once the patient was discharged after it: the room's own
    count (the series completes, and the dashboard counts, on discharges), and the rule the
    esketamine sessions follow. An infusion ended and not yet discharged is named apart.
    """
    notice = off_label()
    notices = (Notice("OFF-LABEL", f"{notice['text']} ({notice['status']}; {notice['where']})"),)
    doc = ketamine_service.course_record(session, actor, patient, course)
    if doc is None:
        return _no_room_record("IV ketamine", "series", notices)
    infusions = doc["infusions"]
    discharged = [i for i in infusions if i.get("discharged_at")]
    pending = [i for i in infusions if not i.get("discharged_at")]
    days = _days([i.get("started_at") for i in discharged])
    planned = doc.get("planned_infusions")
    details = [
        ("Series", _text(doc.get("ref"))),
        ("Dose (mg/kg)", _num(doc.get("dose_mg_per_kg"))),
        ("Infusion time (min)", _num(doc.get("infusion_min"))),
        ("Dose (mg)", f"{_num(doc.get('dose_mg'))} at {_num(doc.get('weight_kg'), 'kg')}"),
        ("Infusions planned", _num(planned)),
        ("Infusions per week", _num(doc.get("infusions_per_week"))),
        ("Planned by", _text(doc.get("planned_by"))),
        ("Series status", _text(doc.get("status"))),
    ]
    if doc.get("stop_reason"):
        details.append(("Stopped because", str(doc["stop_reason"])))
    rule = "an infusion counts as given once the patient was discharged after it"
    if pending:
        rule += f"; {len(pending)} more started and not yet discharged"
    return _Delivery(
        protocol_name="IV racemic ketamine infusion series, weight-based (off-label)",
        details=tuple(details),
        planned=planned,
        given=len(discharged),
        days=days,
        groups=(SessionGroup("Infusions", len(discharged), planned, days, rule=rule),),
        notices=notices,
    )


def _psilocybin_course(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> _Delivery:
    """The psilocybin room's enrolment of ``course``: programme, preparation sessions,
    dosing days and integration sessions with their days. The room records no planned
    number of sessions; its catalogue bounds the dosing days (at most) and asks for
    preparation before the first dose (at least), and the report says so in words."""
    notice = restriction()
    notices = (Notice(_PSILOCYBIN_MARK, f"{notice['text']} ({notice['status']})"),)
    doc = psilocybin_service.course_record(session, actor, patient, course)
    if doc is None:
        return _no_room_record("psilocybin", "enrolment", notices)
    sessions = doc.get("sessions", [])
    prep = [s for s in sessions if s.get("kind") == "preparation"]
    integ = [s for s in sessions if s.get("kind") == "integration"]
    dosing = doc.get("dosing_days", [])
    most = doc.get("max_dosing_days")
    least = doc.get("min_preparation_sessions")
    groups = (
        SessionGroup(
            "Preparation sessions",
            len(prep),
            None,
            _days([s.get("held_at") for s in prep]),
            planned_words=(
                f"not planned; at least {least} before the first dosing day under the protocol"
                if least
                else "not planned"
            ),
        ),
        SessionGroup(
            "Dosing days",
            len(dosing),
            None,
            _days([d.get("administered_at") for d in dosing]),
            planned_words=f"not planned; at most {most} under the protocol"
            if most
            else "not planned",
            rule="a dosing day counts once its dose is recorded",
        ),
        SessionGroup(
            "Integration sessions",
            len(integ),
            None,
            _days([s.get("held_at") for s in integ]),
            planned_words="not planned",
        ),
    )
    details = (
        ("Programme", f"{_text(doc.get('programme_label'))} ({_PSILOCYBIN_MARK.lower()})"),
        ("Protocol id", _text(doc.get("protocol_id"))),
        ("Enrolment", f"{_text(doc.get('ref'))}, {_text(doc.get('status'))}"),
        ("Doses (mg)", ", ".join(_num(d.get("dose_mg")) for d in dosing) or "none given"),
    )
    return _Delivery(
        protocol_name=_text(doc.get("protocol_name")),
        details=details,
        planned=None,
        given=len(prep) + len(dosing) + len(integ),
        days=tuple(sorted({*groups[0].days, *groups[1].days, *groups[2].days})),
        groups=groups,
        notices=notices,
        planned_words="not planned; preparation, dosing and integration are counted apart",
    )


def _vns_setting(t: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return (
        ("Output current", _num(t.get("output_current_ma"), "mA")),
        ("Frequency", _num(t.get("frequency_hz"), "Hz")),
        ("Pulse width", _num(t.get("pulse_width_us"), "µs")),
        ("ON time", _num(t.get("on_time_s"), "s")),
        ("OFF time", _num(t.get("off_time_min"), "min")),
        ("Duty cycle", _num(t.get("duty_cycle_pct"), "%")),
    )


def _vns_course(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> _Delivery:
    """The VNS room's implant of ``course``: implant date and device, titration visits
    given with their days (the room plans no number of visits), the current setting."""
    doc = vns_service.course_record(session, actor, patient, course)
    if doc is None:
        return _no_room_record("VNS", "implant")
    implant = doc["implant"]
    visits = doc["titrations"]
    device = _text(implant.get("generator_model"))
    if implant.get("lead_model"):
        device += f" with lead {implant['lead_model']}"
    details: list[tuple[str, str]] = [
        ("Implanted", _text(implant.get("implanted_on"))),
        ("Device", device),
        ("Side", _text(implant.get("side"))),
    ]
    setting = doc.get("current_setting")
    if setting:
        details.append(("Current setting (last visit)", _text(setting.get("visit_on"))))
        details.extend(_vns_setting(setting))
    else:
        details.append(("Current setting", "not recorded (no titration visit yet)"))
    days = _days([t.get("visit_on") for t in visits])
    words = "not planned: the VNS room records no planned number of titration visits"
    return _Delivery(
        protocol_name="Vagus nerve stimulation, titration by visit",
        details=tuple(details),
        planned=None,
        given=len(visits),
        days=days,
        groups=(SessionGroup("Titration visits", len(visits), None, days, planned_words=words),),
        planned_words=words,
    )


def _dbs_setting(p: dict[str, Any]) -> str:
    if p.get("amplitude_ma") is not None:
        amplitude = _num(p.get("amplitude_ma"), "mA")
    else:
        amplitude = f"{_num(p.get('amplitude_v'), 'V')} at {_num(p.get('impedance_ohm'), 'ohm')}"
    contacts = ", ".join(str(c) for c in p.get("contacts") or []) or NOT_RECORDED
    density = p.get("charge_density_uc_per_cm2")
    words = (
        f"{amplitude}, {_num(p.get('pulse_width_us'), 'µs')}, {_num(p.get('frequency_hz'), 'Hz')}"
        f" on contact(s) {contacts}; charge {_num(p.get('charge_per_phase_uc'), 'µC')} per "
        f"phase, charge density "
        f"{NOT_RECORDED if density is None else format(density, '.4g') + ' µC/cm²'}"
    )
    if p.get("within_limits") is False:
        words += " (beyond limits, physician override)"
    return f"{words}, set {_text(p.get('programmed_on'))}"


def _dbs_course(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> _Delivery:
    """The DBS room's surgery of ``course``: surgery date, target, leads, programming
    sessions (one per day on which a setting was recorded: both leads set on one visit are
    one session), the setting in use per side with its charge density as the room computed
    it; INVESTIGATIONAL."""
    notices = (Notice("INVESTIGATIONAL", str(load_pathway().status.label)),)
    doc = dbs_service.course_record(session, actor, patient, course)
    if doc is None:
        return _no_room_record("DBS", "surgery", notices)
    surgery = doc["surgery"]
    sides = ", ".join(surgery.get("sides") or []) or NOT_RECORDED
    details: list[tuple[str, str]] = [
        ("Surgery", _text(surgery.get("operated_on"))),
        ("Target", _text(surgery.get("target_label"))),
        ("Leads", f"{_text(surgery.get('lead_name'))}, {sides}"),
        ("Research protocol", _text(surgery.get("protocol_ref"))),
    ]
    for p in doc.get("current_settings") or []:
        details.append((f"Setting in use, {p.get('side')} lead", _dbs_setting(p)))
    if not doc.get("current_settings"):
        details.append(("Setting in use", "not recorded (no programming yet)"))
    days = tuple(sorted(set(_days([p.get("programmed_on") for p in doc["programmings"]]))))
    words = "not planned: the DBS room records no planned number of programming sessions"
    rule = "one session per day on which a setting was recorded"
    return _Delivery(
        protocol_name=f"Deep brain stimulation, {_text(surgery.get('target_label'))} "
        "(investigational)",
        details=tuple(details),
        planned=None,
        given=len(days),
        days=days,
        groups=(
            SessionGroup(
                "Programming sessions", len(days), None, days, planned_words=words, rule=rule
            ),
        ),
        notices=notices,
        planned_words=words,
    )


def _neurofeedback_course(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> _Delivery:
    """The neurofeedback room's sessions of ``course``: protocol(s), sessions given with
    their days, the last session's mean feature and % time rewarded; investigational."""
    doc = neurofeedback_service.course_record(session, actor, patient, course)
    notices = (Notice("INVESTIGATIONAL", str(doc["investigational_note"])),)
    sessions = doc["sessions"]
    kinds = list(dict.fromkeys(str(s.get("protocol") or "") for s in sessions))
    protocols = ", ".join(_NF_PROTOCOLS.get(k, k.replace("_", " ")) for k in kinds if k)
    details: list[tuple[str, str]] = []
    if sessions:
        last = sessions[-1]
        details = [
            (
                "Last session",
                f"session {last.get('session_number')}, {_text(_day(last.get('started_at')))}",
            ),
            ("Mean feature (last session)", _num(last.get("mean_feature"))),
            ("Time rewarded (last session)", _num(last.get("pct_time_rewarded"), "%")),
        ]
    days = _days([s.get("started_at") for s in sessions])
    words = "not planned: the neurofeedback room records no planned number of sessions"
    return _Delivery(
        protocol_name=f"EEG neurofeedback: {protocols} (investigational)" if protocols else None,
        details=tuple(details),
        planned=course.planned_sessions,
        given=len(sessions),
        days=days,
        groups=(
            SessionGroup(
                "Sessions",
                len(sessions),
                course.planned_sessions,
                days,
                planned_words=words,
            ),
        ),
        notices=notices,
        planned_words=words,
    )


_ROOMS = {
    "esketamine": _esketamine_course,
    "ketamine": _ketamine_course,
    "psilocybin": _psilocybin_course,
    "vns": _vns_course,
    "dbs": _dbs_course,
    "neurofeedback": _neurofeedback_course,
}


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
    delivery = _Delivery(planned=course.planned_sessions)
    if course.modality == "tms":
        record = tms_service.course_record(session, actor, patient, course)
        days = tuple(record["session_days"])
        delivery = _Delivery(
            protocol_name=record["protocol_name"],
            details=_protocol_details(record),
            planned=record["planned"],
            given=record["delivered"],
            days=days,
            groups=(SessionGroup("Sessions", record["delivered"], record["planned"], days),),
        )
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
        room = _ROOMS.get(course.modality)
        if room is not None:
            delivery = room(session, actor, patient, course)
            if delivery.planned is None and delivery.given is None:
                delivery = replace(delivery, planned=course.planned_sessions)
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
        protocol_name=delivery.protocol_name,
        protocol_details=delivery.details,
        sessions_planned=delivery.planned,
        sessions_given=delivery.given,
        session_days=delivery.days,
        adverse_events=tuple(events),
        scale_id=course.primary_scale,
        scale_name=get_scale(course.primary_scale).short_name,
        scores=points,
        outcome=outcome,
        notices=delivery.notices,
        session_groups=delivery.groups,
        planned_words=delivery.planned_words,
        sessions_note=delivery.sessions_note,
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
