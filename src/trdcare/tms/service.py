"""TMS use cases: screen, save a protocol, plan a course, hunt the motor threshold, log a
session, review a pause, review a decision point.

Flushes, never commits (the CLI command or the web request commits once); every read and
write of patient data is audited. The rules are the pure domain's
(:mod:`trdcare.tms.domain`); this module loads and stores.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from trdcare.accounts.domain.permissions import SAFETY_FLAG_ROLES, may_change_record
from trdcare.adapters.db.locking import lock_patient, unique_insert
from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.adapters.db.models.tms import (
    TmsAdverseEvent,
    TmsCoursePlan,
    TmsDecisionReview,
    TmsMtSession,
    TmsPlannedSession,
    TmsProtocol,
    TmsScreen,
    TmsSessionLog,
)
from trdcare.adapters.db.stamping import (
    VersionEntry,
    claim_next_version,
    correct_row,
    retire_row,
    snapshot,
    stamp_new,
    version_history,
)
from trdcare.assessments import service as assessment_service
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.clock import ensure_utc, not_before_birth, past_moment, utc_now, utc_today
from trdcare.core.corrections import correction_reason
from trdcare.core.errors import Conflict, InvalidInput, IssueCollector, NotFound, PermissionDenied
from trdcare.core.ids import new_ref
from trdcare.history import service as history_service
from trdcare.tms import schemas
from trdcare.tms.domain import (
    AdverseEvent,
    AdverseEventReport,
    CalendarMonth,
    CoursePlan,
    CourseState,
    DecisionReview,
    DepthAdjustment,
    MlPestSession,
    PhysicianOverride,
    PhysicianReview,
    PlannedSession,
    Protocol,
    ProtocolApproval,
    RecordedFinding,
    ScreenResult,
    Transition,
    adverse_event,
    adverse_event_report,
    approve_protocol,
    check_not_before_course,
    course_progress,
    custom_protocol,
    describe_target,
    evaluate_screen,
    get_protocol,
    library,
    plan_course,
    protocol_from_dict,
    record_session,
    replan_remaining,
    report_adverse_events,
    retract_session,
    review_decision_point,
    review_pause,
    session_log,
    session_timing_flags,
    start_course,
    treatment_intensity,
)
from trdcare.tms.domain import cancel_course as cancel_course_rule
from trdcare.tms.domain import (
    course_calendar as calendar_of_course,
)
from trdcare.tms.domain import stop_course as stop_course_rule
from trdcare.tms.domain.catalogue import catalogue_version
from trdcare.tms.domain.decisions import DEPRESSION_SCALES, EXTENDED_COURSE_SESSIONS
from trdcare.tms.repository import TmsRepository

DECISIONS = ("accept", "decline")
ACTIONS = ("continue", "consider_protocol_change", "extend", "begin_taper", "stop")


def _unique_ref(repo: TmsRepository, prefix: str) -> str:
    ref = new_ref(prefix)
    while repo.screen_ref_exists(ref):
        ref = new_ref(prefix)
    return ref


def _tz(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput.single(
            "time_zone",
            "unknown time zone",
            allowed="an IANA name such as Europe/Paris",
            given=name,
        ) from None


# -------------------------------------------------------------------------------------------
# Safety screen


def record_medications(session: Session, actor: Actor, patient: Patient) -> list[str]:
    """Current antidepressants and augmenting agents from the treatment history (audited by
    the history service); an empty list when no history is recorded."""
    try:
        history = history_service.load_history(session, actor, patient, as_of=utc_today())
    except NotFound:
        return []
    today = utc_today()
    names = [t.drug for t in history.antidepressant_trials if t.end is None or t.end >= today]
    names += [t.agent for t in history.augmentation_trials if t.end is None or t.end >= today]
    return names


def record_screen(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    instrument: str,
    answers: Mapping[str, bool],
    findings: Sequence[RecordedFinding] = (),
    extra_medications: Sequence[str] = (),
    screened_on: date | None = None,
    acknowledged_by: str | None = None,
    acknowledgement_note: str | None = None,
) -> tuple[TmsScreen, ScreenResult]:
    """Evaluate and store a safety screen (medications from the record are flagged)."""
    on = screened_on or utc_today()
    if on > utc_today():
        raise InvalidInput.single(
            "screened_on",
            "is in the future",
            allowed=f"on or before {utc_today().isoformat()}",
            given=on,
        )
    not_before_birth(on, field="screened_on", born_on=patient.birth_date)
    medications = record_medications(session, actor, patient) + list(extra_medications)
    result = evaluate_screen(instrument, answers, findings=findings, medications=medications)
    ack = (acknowledged_by or "").strip() or None
    if ack is not None and result.verdict != "caution":
        raise InvalidInput.single(
            "acknowledged_by",
            f"only a caution screen is acknowledged (this one is {result.verdict})",
            given=ack,
        )
    repo = TmsRepository(session)
    row = TmsScreen(
        ref=_unique_ref(repo, "S"),
        patient_id=patient.id,
        screened_on=on,
        instrument=result.instrument,
        answers=dict(result.answers),
        findings=[f.to_dict() for f in result.findings],
        medications=medications,
        verdict=result.verdict,
        result=result.to_dict(),
        catalogue_version=result.catalogue_version,
        acknowledged_by=ack,
        acknowledged_at=utc_now() if ack else None,
        acknowledgement_note=acknowledgement_note if ack else None,
    )
    stamp_new(row, actor)
    repo.add(row)
    audit.record(
        session,
        actor,
        "create",
        "tms_screen",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"instrument": result.instrument, "verdict": result.verdict},
    )
    return row, result


def acknowledge_screen(
    session: Session, actor: Actor, patient: Patient, *, physician: str, note: str
) -> TmsScreen:
    """Record a physician's acknowledgement of the latest (caution) screen."""
    lock_patient(session, patient.id)
    repo = TmsRepository(session)
    row = repo.latest_screen(patient.id)
    if row is None:
        raise NotFound("screen: this patient has no TMS safety screen")
    if row.verdict != "caution":
        raise Conflict(f"the latest screen is {row.verdict}: only a caution screen is acknowledged")
    if not physician.strip():
        raise InvalidInput.single(
            "physician", "is required", allowed="the acknowledging physician", given=physician
        )
    snapshot(session, row, actor, "physician acknowledgement")
    row.acknowledged_by = physician.strip()
    row.acknowledged_at = utc_now()
    row.acknowledgement_note = note
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "tms_screen",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"field": "acknowledged_by"},
    )
    return row


def latest_screen(session: Session, actor: Actor, patient: Patient) -> dict[str, Any] | None:
    """The patient's latest safety screen (its verdict and reasons), or ``None`` (audited read;
    the pathway room's options read it)."""
    row = TmsRepository(session).latest_screen(patient.id)
    if row is None:
        return None
    audit.record(
        session,
        actor,
        "read",
        "tms_screen",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"verdict": row.verdict},
    )
    return screen_to_dict(row)


def screen_to_dict(row: TmsScreen) -> dict[str, Any]:
    return {
        "ref": row.ref,
        "screened_on": row.screened_on.isoformat(),
        "acknowledged_by": row.acknowledged_by,
        "acknowledged_at": row.acknowledged_at.isoformat() if row.acknowledged_at else None,
        **row.result,
    }


# -------------------------------------------------------------------------------------------
# Protocols


def save_protocol(
    session: Session,
    actor: Actor,
    data: Mapping[str, Any],
    *,
    override: PhysicianOverride | None = None,
) -> tuple[TmsProtocol, ProtocolApproval]:
    """Validate, safety-check and store a custom protocol (past the limits only with a
    physician override and a reason)."""
    protocol = custom_protocol(data)
    if any(p.id == protocol.id for p in library()):
        raise InvalidInput.single(
            "id", "is the id of a library protocol", allowed="a new id", given=protocol.id
        )
    repo = TmsRepository(session)
    taken = Conflict(f"a custom protocol {protocol.id!r} already exists")
    if repo.protocol_by_key(protocol.id) is not None:
        raise taken
    approval = approve_protocol(protocol, override)
    row = TmsProtocol(
        key=protocol.id,
        name=protocol.name,
        based_on=protocol.based_on,
        definition=protocol.to_dict(),
        safety_verdict=approval.safety.verdict,
        safety=approval.safety.to_dict(),
        approval_basis=approval.basis,
        override_by=override.physician if approval.basis == "override" and override else None,
        override_reason=override.reason if approval.basis == "override" and override else None,
    )
    stamp_new(row, actor)
    with unique_insert(session, taken):
        repo.add(row)
    audit.record(
        session,
        actor,
        "create",
        "tms_protocol",
        entity_id=row.id,
        detail={"key": row.key, "basis": approval.basis},
    )
    return row, approval


def resolve_protocol(session: Session, key: str) -> tuple[Protocol, TmsProtocol | None]:
    """A library protocol by id, else a saved custom protocol by key."""
    if any(p.id == key for p in library()):
        return get_protocol(key), None
    row = TmsRepository(session).protocol_by_key(key)
    if row is None:
        allowed = ", ".join(
            [p.id for p in library()] + [r.key for r in TmsRepository(session).protocols()]
        )
        raise InvalidInput.single("protocol", "unknown protocol", allowed=allowed, given=key)
    return protocol_from_dict(row.definition), row


def list_protocols(session: Session) -> list[dict[str, Any]]:
    """Library protocols and the clinic's custom ones (no patient data: not audited)."""
    out = [{**p.to_dict(), "pulses_text": p.pulses_text} for p in library()]
    for row in TmsRepository(session).protocols():
        out.append(
            {
                **row.definition,
                "pulses_text": protocol_from_dict(row.definition).pulses_text,
                "approval_basis": row.approval_basis,
                "override_by": row.override_by,
                "override_reason": row.override_reason,
            }
        )
    return out


# -------------------------------------------------------------------------------------------
# Course plan


@dataclass(frozen=True)
class TargetSpec:
    """How the target was found: Beam F3/F4 measurements or the 5.5 cm rule."""

    method: str
    details: dict[str, Any]


def _plan_from_rows(row: TmsCoursePlan, sessions: Sequence[TmsPlannedSession]) -> CoursePlan:
    tz = _tz(row.time_zone)
    planned = tuple(
        PlannedSession(
            number=s.number,
            phase=s.phase,  # type: ignore[arg-type]
            day=s.day,
            starts_at=ensure_utc(s.starts_at).astimezone(tz),
            session_of_day=s.session_of_day,
            shifted_from=s.shifted_from,
            shift_reason=s.shift_reason,
        )
        for s in sessions
    )
    return CoursePlan(
        protocol_id=row.protocol_key,
        start=row.start_date,
        sessions=planned,
        closures=tuple(date.fromisoformat(d) for d in row.closures),
        skipped_days=tuple(date.fromisoformat(d) for d in row.skipped_days),
        decision_points=tuple(row.decision_points),
        reasons=(),
    )


def _session_rows(
    plan_id: int, plan: CoursePlan, actor: Actor, numbers_from: int = 1
) -> list[TmsPlannedSession]:
    rows = []
    for s in plan.sessions:
        if s.number < numbers_from:
            continue
        r = TmsPlannedSession(
            plan_id=plan_id,
            number=s.number,
            phase=s.phase,
            day=s.day,
            starts_at=s.starts_at,
            session_of_day=s.session_of_day,
            shifted_from=s.shifted_from,
            shift_reason=s.shift_reason,
        )
        stamp_new(r, actor)
        rows.append(r)
    return rows


def _state(row: TmsCoursePlan) -> CourseState:
    return CourseState(
        status=row.status,  # type: ignore[arg-type]
        planned_sessions=row.planned_sessions,
        delivered_sessions=row.delivered_sessions,
        review_required=row.review_required,
        pause_reason=row.pause_reason,
    )


def _apply_state(
    session: Session, actor: Actor, row: TmsCoursePlan, t: Transition, why: str
) -> None:
    snapshot(session, row, actor, why)
    before = _course_status(row.status)
    row.status = t.state.status
    row.planned_sessions = t.state.planned_sessions
    row.delivered_sessions = t.state.delivered_sessions
    row.review_required = t.state.review_required
    row.pause_reason = t.state.pause_reason
    # Most transitions (a session logged in an active course) leave the treatment course as
    # it was: it is read and synced only when its status follows the plan to a new one.
    if _course_status(row.status) != before:
        _sync_course(session, actor, row, why)


def _course_status(plan_status: str) -> str:
    """The generic treatment course's status for a plan status (paused is still ongoing)."""
    return plan_status if plan_status in ("completed", "stopped") else "active"


def _sync_course(session: Session, actor: Actor, row: TmsCoursePlan, why: str) -> None:
    """The generic treatment course follows the plan: a paused TMS course is still ongoing."""
    course = TmsRepository(session).course(row.treatment_course_id)
    if course is None:
        raise NotFound("course: the plan's treatment course is missing")
    status = _course_status(row.status)
    history_service.set_course_status(session, actor, course, status, on=utc_today(), reason=why)


@contextmanager
def _calendar_fits(field: str, first_day: date) -> Iterator[None]:
    """A calendar that would run past the last date Python (and the record) can hold is
    an input error on ``field``, not a crash."""
    try:
        yield
    except OverflowError:
        raise InvalidInput.single(
            field,
            "is too late: the course's calendar would run past the last date the record holds",
            allowed=f"before {date.max.isoformat()}, with room for the course",
            given=first_day.isoformat(),
        ) from None


def plan(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    protocol_key: str,
    start: date,
    acute_sessions: int | None = None,
    include_taper: bool = True,
    closures: Sequence[date] = (),
    skipped_days: Sequence[date] = (),
    first_session_at: time = time(9, 0),
    time_zone: str = "UTC",
    mt_pct_mso: float | None = None,
    depth: DepthAdjustment | None = None,
    target: TargetSpec | None = None,
    override: PhysicianOverride | None = None,
    primary_scale: str = "phq9",
) -> tuple[TmsCoursePlan, CoursePlan]:
    """Plan (and start) a TMS course: checks the latest screen, approves the protocol
    (limits, clearance or physician override), builds the calendar, computes the treatment
    intensity from the MT, and opens the generic treatment course."""
    lock_patient(session, patient.id)  # of simultaneous plans, one finds no ongoing course
    repo = TmsRepository(session)
    current = repo.current_plan(patient.id)
    if current is not None and current.status in ("planned", "active", "paused"):
        raise Conflict(
            f"the patient already has a TMS course ({current.status}); stop or "
            "complete it before planning another"
        )
    screen = repo.latest_screen(patient.id)
    if screen is None:
        raise Conflict("no TMS safety screen for this patient: screen before planning")
    protocol, saved = resolve_protocol(session, protocol_key)
    if saved is not None and saved.approval_basis == "override" and override is None:
        override = PhysicianOverride(saved.override_by or "", saved.override_reason or "")
    approval = approve_protocol(protocol, override)
    tz = _tz(time_zone)
    not_before_birth(start, field="start", born_on=patient.birth_date)
    with _calendar_fits("start", start):
        course_plan = plan_course(
            protocol,
            start,
            acute_sessions=acute_sessions,
            include_taper=include_taper,
            closures=closures,
            skipped_days=skipped_days,
            first_session_at=first_session_at,
            tz=tz,
        )
    state = CourseState("planned", course_plan.planned_count)
    started = start_course(
        state, screen_verdict=screen.verdict, acknowledged_by=screen.acknowledged_by
    )
    if mt_pct_mso is None:
        mt_row = repo.latest_mt(patient.id)
        mt_pct_mso = mt_row.estimate_pct_mso if mt_row is not None else None
    intensity: dict[str, Any] = {}
    if mt_pct_mso is not None:
        intensity = treatment_intensity(
            mt_pct_mso, protocol.blocks[0].intensity_pct_mt, depth=depth
        ).to_dict()
    elif depth is not None:
        raise InvalidInput.single(
            "mt_pct_mso",
            "is needed for a depth adjustment",
            allowed="a motor threshold in [1, 100] %MSO",
        )
    course = history_service.add_course(
        session,
        actor,
        patient,
        modality="tms",
        start_date=start,
        primary_scale=primary_scale,
        planned_sessions=course_plan.planned_count,
    )
    row = TmsCoursePlan(
        treatment_course_id=course.id,
        patient_id=patient.id,
        screen_id=screen.id,
        protocol_key=protocol.id,
        protocol_origin=protocol.origin,
        protocol=protocol.to_dict(),
        catalogue_version=catalogue_version("protocols.json"),
        approval=approval.to_dict(),
        start_date=start,
        acute_sessions=course_plan.count("acute"),
        status=started.state.status,
        planned_sessions=course_plan.planned_count,
        delivered_sessions=0,
        review_required=False,
        mt_pct_mso=mt_pct_mso,
        intensity=intensity,
        target={} if target is None else {"method": target.method, **target.details},
        closures=[d.isoformat() for d in sorted(set(closures))],
        skipped_days=[d.isoformat() for d in sorted(set(skipped_days))],
        first_session_time=first_session_at.strftime("%H:%M"),
        time_zone=time_zone,
        decision_points=list(course_plan.decision_points),
    )
    stamp_new(row, actor)
    repo.add(row)
    repo.add_all(_session_rows(row.id, course_plan, actor))
    audit.record(
        session,
        actor,
        "create",
        "tms_course_plan",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={
            "protocol": protocol.id,
            "sessions": course_plan.planned_count,
            "approval": approval.basis,
            "course": course.ref,
        },
    )
    return row, course_plan


def _require_plan(session: Session, patient: Patient) -> TmsCoursePlan:
    row = TmsRepository(session).current_plan(patient.id)
    if row is None:
        raise Conflict("no planned TMS course for this patient: plan one first")
    return row


def _plan_to_change(session: Session, patient: Patient) -> TmsCoursePlan:
    """The current plan, for a use case that checks its state and then changes it.

    The patient's row lock is taken first, so simultaneous changes of one course (two
    session logs, two pause reviews, two acknowledgements) run one after the other, each
    reading the state the previous one committed (:mod:`trdcare.adapters.db.locking`).
    """
    lock_patient(session, patient.id)
    row = TmsRepository(session).current_plan(patient.id)
    if row is None:
        raise Conflict("no planned TMS course for this patient: plan one first")
    return row


def _protocol_of(row: TmsCoursePlan) -> Protocol:
    return protocol_from_dict(row.protocol)


def status(
    session: Session, actor: Actor, patient: Patient, *, as_of: date | None = None
) -> dict[str, Any]:
    """The current course: plan, planned vs delivered, next session, events, reviews."""
    repo = TmsRepository(session)
    row = _require_plan(session, patient)
    course = repo.course(row.treatment_course_id)
    sessions = repo.planned_sessions(row.id)
    cplan = _plan_from_rows(row, sessions)
    logs = repo.session_logs(row.id)
    progress = course_progress(cplan, {lg.session_number for lg in logs}, as_of or utc_today())
    events = repo.adverse_events(row.id)
    reviews = repo.reviews(row.id)
    audit.record(
        session,
        actor,
        "read",
        "tms_course_plan",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"sessions": len(logs)},
    )
    return {
        "patient": patient.ref,
        "course": course.ref if course else None,
        "protocol": row.protocol_key,
        "protocol_name": row.protocol.get("name"),
        "status": row.status,
        "version": row.version,
        "review_required": row.review_required,
        "pause_reason": row.pause_reason,
        "start_date": row.start_date.isoformat(),
        "planned": row.planned_sessions,
        "delivered": row.delivered_sessions,
        "progress": progress.to_dict(),
        "mt_pct_mso": row.mt_pct_mso,
        "intensity": row.intensity,
        "target": row.target,
        "target_label": describe_target(row.target),
        "approval_basis": row.approval.get("basis"),
        "decision_points": row.decision_points,
        "sessions": [s.to_dict() for s in cplan.sessions],
        "adverse_events": [
            adverse_event_to_dict(e, {lg.id: lg.session_number for lg in logs}) for e in events
        ],
        "reviews": [schemas.Review.model_validate(r).as_json() for r in reviews],
    }


def next_session_due(session: Session, actor: Actor, patient: Patient) -> PlannedSession | None:
    """The planned session to deliver next (number delivered + 1) of an active course, with
    its planned day and time in the course's time zone (audited read); None when the course
    is not active or every planned session is delivered."""
    repo = TmsRepository(session)
    row = repo.current_plan(patient.id)
    if row is None or row.status != "active":
        return None
    planned = repo.planned_session(row.id, row.delivered_sessions + 1)
    audit.record(
        session,
        actor,
        "read",
        "tms_planned_session",
        entity_id=None if planned is None else planned.id,
        patient_ref=patient.ref,
    )
    if planned is None:
        return None
    return _plan_from_rows(row, [planned]).sessions[0]


def course_calendar(
    session: Session, patient: Patient, *, now: datetime | None = None
) -> tuple[CalendarMonth, ...]:
    """The current course's calendar: delivered sessions on the day given, the others on
    their planned day; days and today in the course's time zone. The caller has audited
    the read of the course (:func:`status`)."""
    repo = TmsRepository(session)
    row = _require_plan(session, patient)
    tz = _tz(row.time_zone)
    plan = _plan_from_rows(row, repo.planned_sessions(row.id))
    delivered = {lg.session_number: ensure_utc(lg.delivered_at) for lg in repo.session_logs(row.id)}
    return calendar_of_course(
        plan, delivered, today=(now or utc_now()).astimezone(tz).date(), tz=tz
    )


# -------------------------------------------------------------------------------------------
# Session log


def log_session(
    session: Session,
    actor: Actor,
    patient: Patient,
    data: Mapping[str, Any],
    *,
    delivered_at: datetime | None = None,
) -> tuple[TmsSessionLog, Transition]:
    """Validate and store one delivered session; a serious adverse event pauses the course.

    Defaults from the plan: the next session number, the planned pulses, the treatment
    intensity (%MSO) and MT in use.
    """
    repo = TmsRepository(session)
    row = _plan_to_change(session, patient)
    protocol = _protocol_of(row)
    values = dict(data)
    values.setdefault("session_number", row.delivered_sessions + 1)
    if values.get("planned_pulses") is None:
        values["planned_pulses"] = protocol.pulses_per_session
    if values.get("mt_pct_mso") is None:
        values["mt_pct_mso"] = row.mt_pct_mso
    if values.get("intensity_pct_mso") is None and row.intensity:
        values["intensity_pct_mso"] = row.intensity.get("intensity_pct_mso")
    log = session_log(values)
    when = past_moment(
        delivered_at, field="delivered_at", now=utc_now(), born_on=patient.birth_date
    )
    # The session dates its adverse events: neither may belong to a time before the course.
    check_not_before_course(
        when.astimezone(_tz(row.time_zone)).date(),
        field="delivered_at",
        course_start=row.start_date,
    )
    flags = session_timing_flags(
        when,
        repo.delivery_times(row.id),
        protocol=protocol,
        start_date=row.start_date,
        time_zone=_tz(row.time_zone),
    )
    transition = record_session(_state(row), log, timing_flags=flags, protocol=protocol)
    planned = repo.planned_session(row.id, log.session_number)
    entry = TmsSessionLog(
        plan_id=row.id,
        planned_session_id=planned.id if planned else None,
        session_number=log.session_number,
        delivered_at=when,
        planned_pulses=log.planned_pulses,
        pulses_delivered=log.pulses_delivered,
        excess_reason=log.excess_reason,
        intensity_pct_mso=log.intensity_pct_mso,
        mt_pct_mso=log.mt_pct_mso,
        intensity_pct_mt=log.intensity_pct_mt,
        trains_delivered=log.trains_delivered,
        coil=log.coil,
        device=log.device,
        target=log.target,
        operator=log.operator,
        mt_rechecked=log.mt_rechecked,
        interruptions=list(log.interruptions),
        side_effects=list(log.side_effects),
        timing_flags=list(flags),
    )
    stamp_new(entry, actor)
    repo.add(entry)
    events = _adverse_event_rows(actor, row.id, log.adverse_events, session_log_id=entry.id)
    if events:
        repo.add_all(events)
    _apply_state(session, actor, row, transition, f"session {log.session_number} delivered")
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "tms_session_log",
        entity_id=entry.id,
        patient_ref=patient.ref,
        detail={"session": log.session_number, "adverse_events": len(events), "status": row.status},
    )
    return entry, transition


def _adverse_event_rows(
    actor: Actor,
    plan_id: int,
    events: Sequence[AdverseEvent],
    *,
    session_log_id: int | None = None,
    occurred_on: date | None = None,
) -> list[TmsAdverseEvent]:
    rows = []
    for ev in events:
        e = TmsAdverseEvent(
            session_log_id=session_log_id,
            occurred_on=occurred_on,
            plan_id=plan_id,
            kind=ev.kind,
            severity=ev.severity,
            serious=ev.serious,
            description=ev.description,
        )
        stamp_new(e, actor)
        rows.append(e)
    return rows


def report_adverse_event(
    session: Session, actor: Actor, patient: Patient, data: Mapping[str, Any]
) -> tuple[list[TmsAdverseEvent], Transition]:
    """Record adverse events that happened outside a session, against the current course.

    A serious one pauses an active course until a physician review (as in a session log);
    see :func:`trdcare.tms.domain.sessions.report_adverse_events` for every case.

    Raises
    ------
    NotFound
        The patient has no TMS course.
    InvalidInput
        See :func:`trdcare.tms.domain.sessions.adverse_event_report`.
    """
    row = _plan_to_change(session, patient)
    # "Not in the future" by the clinic's calendar (the plan's time zone), not UTC's.
    today = utc_now().astimezone(_tz(row.time_zone)).date()
    report = adverse_event_report(
        data, today=today, born_on=patient.birth_date, course_start=row.start_date
    )
    before = _state(row)
    transition = report_adverse_events(before, report)
    rows = _adverse_event_rows(actor, row.id, report.events, occurred_on=report.occurred_on)
    TmsRepository(session).add_all(rows)
    if transition.state != before:
        _apply_state(
            session, actor, row, transition, f"adverse event reported ({report.occurred_on})"
        )
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "tms_adverse_event",
        entity_id=rows[0].id,
        patient_ref=patient.ref,
        detail={
            "adverse_events": len(rows),
            "serious": report.serious,
            "status": row.status,
        },
    )
    return rows, transition


def _acknowledge(
    session: Session, actor: Actor, row: TmsCoursePlan, *, by: str, note: str
) -> list[TmsAdverseEvent]:
    events = TmsRepository(session).unacknowledged_serious_events(row.id)
    now = utc_now()
    for e in events:
        snapshot(session, e, actor, "serious adverse event acknowledged")
        e.acknowledged_at = now
        e.acknowledged_by = by
        e.acknowledgement_note = note
    return events


def acknowledge_adverse_events(
    session: Session, actor: Actor, patient: Patient, *, physician: str, note: str
) -> list[TmsAdverseEvent]:
    """A physician acknowledges the course's serious adverse events not yet reviewed (e.g. a
    seizure reported after the last session): the dashboard alert ends, the record stays.

    A paused course stays paused: resuming it is the pause review's decision.

    Raises
    ------
    InvalidInput
        No physician or an empty note.
    Conflict
        No serious adverse event awaits acknowledgement.
    """
    issues = IssueCollector()
    if not physician.strip():
        issues.add("physician", "is required", allowed="the acknowledging physician")
    if len(note.strip()) < 3:
        issues.add("note", "is required", allowed="what was reviewed and decided", given=note)
    issues.raise_if_any()
    row = _plan_to_change(session, patient)
    events = _acknowledge(session, actor, row, by=physician.strip(), note=note.strip())
    if not events:
        raise Conflict("no serious adverse event of this course awaits acknowledgement")
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "tms_adverse_event",
        entity_id=events[0].id,
        patient_ref=patient.ref,
        detail={"acknowledged": len(events)},
    )
    return events


def adverse_event_to_dict(
    e: TmsAdverseEvent, session_numbers: Mapping[int, int] | None = None
) -> dict[str, Any]:
    """One adverse event as the API shows it: with its session's number, or its date."""
    numbers = session_numbers or {}
    return {
        "id": e.id,
        "version": e.version,
        "session_number": numbers.get(e.session_log_id) if e.session_log_id else None,
        "occurred_on": e.occurred_on.isoformat() if e.occurred_on else None,
        "kind": e.kind,
        "severity": e.severity,
        "serious": e.serious,
        "description": e.description,
        "acknowledged_at": e.acknowledged_at.isoformat() if e.acknowledged_at else None,
        "acknowledged_by": e.acknowledged_by,
        "acknowledgement_note": e.acknowledgement_note,
    }


def session_to_dict(entry: TmsSessionLog, transition: Transition) -> dict[str, Any]:
    return {
        "session_number": entry.session_number,
        "delivered_at": entry.delivered_at.isoformat(),
        "planned_pulses": entry.planned_pulses,
        "pulses_delivered": entry.pulses_delivered,
        "excess_reason": entry.excess_reason,
        "intensity_pct_mso": entry.intensity_pct_mso,
        "mt_pct_mso": entry.mt_pct_mso,
        "intensity_pct_mt": entry.intensity_pct_mt,
        "operator": entry.operator,
        "side_effects": entry.side_effects,
        "timing_flags": entry.timing_flags,
        "course": transition.to_dict(),
    }


# -------------------------------------------------------------------------------------------
# Reviews


def _next_treatment_day(after: date) -> date:
    d = after
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def _replan(
    session: Session,
    actor: Actor,
    row: TmsCoursePlan,
    resume: date,
    *,
    extra_acute: int = 0,
    drop_acute: bool = False,
    stop: bool = False,
) -> CoursePlan:
    """Supersede the undelivered planned sessions and plan them again from ``resume``."""
    repo = TmsRepository(session)
    rows = repo.planned_sessions(row.id)
    current = _plan_from_rows(row, rows)
    protocol = _protocol_of(row)
    hh, mm = (int(x) for x in row.first_session_time.split(":"))
    with _calendar_fits("resume_on", resume):
        new = replan_remaining(
            protocol,
            current,
            row.delivered_sessions,
            resume,
            closures=[date.fromisoformat(d) for d in row.closures],
            skipped_days=[date.fromisoformat(d) for d in row.skipped_days],
            first_session_at=time(hh, mm),
            tz=_tz(row.time_zone),
            extra_acute=extra_acute,
            drop_acute=drop_acute,
            stop=stop,
        )
    now = utc_now()
    for r in rows:
        if r.number > row.delivered_sessions:
            r.superseded_at = now
    session.flush()
    repo.add_all(_session_rows(row.id, new, actor, numbers_from=row.delivered_sessions + 1))
    row.decision_points = list(new.decision_points)
    return new


def resolve_pause(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    physician: str,
    decision: str,
    note: str,
    resume_on: date | None = None,
) -> tuple[TmsDecisionReview, Transition]:
    """A physician's review of a paused course: resume (re-planning the remaining sessions
    from ``resume_on``, default the next weekday) or stop."""
    row = _plan_to_change(session, patient)
    transition = review_pause(_state(row), PhysicianReview(physician, decision, note))  # type: ignore[arg-type]
    _apply_state(session, actor, row, transition, f"pause review: {decision}")
    # The review weighed the course's serious adverse events: they are acknowledged by it.
    _acknowledge(session, actor, row, by=physician.strip(), note=f"pause review: {note}")
    if transition.state.status == "active":
        start = resume_on or _next_treatment_day(utc_today() + timedelta(days=1))
        new = _replan(session, actor, row, start)
        row.planned_sessions = new.planned_count
    elif transition.state.status == "stopped":
        _replan(session, actor, row, utc_today(), stop=True)
        row.planned_sessions = row.delivered_sessions
    review = TmsDecisionReview(
        plan_id=row.id,
        kind="pause_review",
        sessions_delivered=row.delivered_sessions,
        suggestions={"reasons": [r.to_dict() for r in transition.reasons]},
        decision=decision,
        chosen_action="continue" if decision == "resume" else "stop",
        decided_by=physician.strip(),
        decided_at=utc_now(),
        note=note,
    )
    stamp_new(review, actor)
    TmsRepository(session).add(review)
    audit.record(
        session,
        actor,
        "update",
        "tms_course_plan",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"pause_review": decision},
    )
    return review, transition


def decision_review(
    session: Session, actor: Actor, patient: Patient, *, scale: str | None = None
) -> tuple[TmsDecisionReview, DecisionReview]:
    """Suggestions at the latest decision point from the course's ratings (stored as a
    pending review for the clinician to accept or decline)."""
    repo = TmsRepository(session)
    row = _plan_to_change(session, patient)
    course = repo.course(row.treatment_course_id)
    assert course is not None
    scale_id = scale or course.primary_scale
    if scale_id not in DEPRESSION_SCALES:
        raise InvalidInput.single(
            "scale",
            "not a depression scale with outcome rules",
            allowed=", ".join(DEPRESSION_SCALES),
            given=scale_id,
        )
    outcome, _ = assessment_service.patient_outcome(
        session, actor, patient, scale_id=scale_id, course_ref=course.ref
    )
    # The course's verdict as the outcome view and the caseload read it (one rule).
    review = review_decision_point(
        _protocol_of(row),
        row.delivered_sessions,
        outcome.verdict,
        planned_acute_sessions=row.acute_sessions,
    )
    entry = TmsDecisionReview(
        plan_id=row.id,
        kind="decision_point",
        sessions_delivered=row.delivered_sessions,
        decision_point=review.decision_point,
        scale=scale_id,
        baseline_total=outcome.baseline.total,
        current_total=outcome.latest.total,
        suggestions=review.to_dict(),
        primary_action=review.primary.action,
        decision="pending",
    )
    stamp_new(entry, actor)
    repo.add(entry)
    audit.record(
        session,
        actor,
        "create",
        "tms_decision_review",
        entity_id=entry.id,
        patient_ref=patient.ref,
        detail={"decision_point": review.decision_point, "primary": review.primary.action},
    )
    return entry, review


def decide(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    decision: str,
    by: str,
    note: str = "",
    action: str | None = None,
    resume_on: date | None = None,
) -> tuple[TmsDecisionReview, TmsCoursePlan]:
    """Accept or decline the latest pending decision-point review; an accepted action is
    applied (extend, begin taper, stop; continue and a protocol change need no re-planning:
    a new protocol is a new course)."""
    if decision not in DECISIONS:
        raise InvalidInput.single(
            "decision", "unknown value", allowed=", ".join(DECISIONS), given=decision
        )
    if not by.strip():
        raise InvalidInput.single("by", "is required", allowed="the deciding clinician", given=by)
    repo = TmsRepository(session)
    row = _plan_to_change(session, patient)
    pending = [
        r for r in repo.reviews(row.id) if r.kind == "decision_point" and r.decision == "pending"
    ]
    if not pending:
        raise Conflict("no pending decision-point review: run `tms review` first")
    entry = pending[-1]
    suggested = [s["action"] for s in entry.suggestions.get("suggestions", [])]
    chosen = action or entry.primary_action
    if decision == "accept" and chosen not in suggested:
        raise InvalidInput.single(
            "action", "was not suggested at this review", allowed=", ".join(suggested), given=chosen
        )
    if decision == "accept" and row.status == "paused":
        raise Conflict("the course is paused: a physician review of the pause comes first")
    snapshot(session, entry, actor, f"decision {decision}")
    entry.decision = decision
    entry.chosen_action = chosen if decision == "accept" else None
    entry.decided_by = by.strip()
    entry.decided_at = utc_now()
    entry.note = note
    if decision == "accept" and chosen in ("extend", "begin_taper", "stop"):
        start = resume_on or _next_treatment_day(utc_today() + timedelta(days=1))
        snapshot(session, row, actor, f"decision: {chosen}")
        if chosen == "extend":
            extra = EXTENDED_COURSE_SESSIONS - row.acute_sessions
            new = _replan(session, actor, row, start, extra_acute=max(0, extra))
            row.acute_sessions += max(0, extra)
        elif chosen == "begin_taper":
            new = _replan(session, actor, row, start, drop_acute=True)
            row.acute_sessions = min(row.acute_sessions, row.delivered_sessions)
        else:
            new = _replan(session, actor, row, start, stop=True)
        row.planned_sessions = new.planned_count
        if chosen == "stop":
            row.status = "stopped"
        elif row.delivered_sessions >= row.planned_sessions:
            row.status = "completed"
        elif row.status == "completed":
            row.status = "active"
        _sync_course(session, actor, row, f"decision: {chosen}")
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "tms_decision_review",
        entity_id=entry.id,
        patient_ref=patient.ref,
        detail={"decision": decision, "action": chosen},
    )
    return entry, row


# -------------------------------------------------------------------------------------------
# Motor threshold


def mt_step(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    start_pct_mso: float | None = None,
    mep: bool | None = None,
    intensity_pct_mso: float | None = None,
    max_pulses: int | None = None,
) -> TmsMtSession:
    """Open an ML-PEST hunt (``start_pct_mso``) or record one response (``mep``) in the
    patient's open hunt; the state is stored after every step (one step at a time: the
    patient's row lock is held, so simultaneous steps each see the one before)."""
    lock_patient(session, patient.id)
    repo = TmsRepository(session)
    open_row = repo.open_mt_session(patient.id)
    if start_pct_mso is not None:
        if open_row is not None:
            raise Conflict("a threshold hunt is already open for this patient")
        kwargs: dict[str, Any] = {} if max_pulses is None else {"max_pulses": max_pulses}
        hunt = MlPestSession.create(start_pct_mso, **kwargs)
        plan_row = repo.current_plan(patient.id)
        row = TmsMtSession(
            patient_id=patient.id,
            plan_id=plan_row.id if plan_row is not None else None,
            method="ml_pest",
            measured_on=utc_today(),
            state=hunt.to_dict(),
            stopped=False,
            estimate_pct_mso=None,
            pulses=0,
        )
        stamp_new(row, actor)
        repo.add(row)
        action = "create"
    else:
        if open_row is None:
            raise Conflict("no open threshold hunt: start one with a start intensity")
        if mep is None:
            raise InvalidInput.single("mep", "is required", allowed="present or absent")
        row = open_row
        hunt = MlPestSession.from_dict(row.state).record(mep, intensity_pct_mso)
        snapshot(session, row, actor, "threshold hunt step")
        row.state = hunt.to_dict()
        row.pulses = hunt.pulses_used
        if hunt.stopped:
            row.stopped = True
            row.estimate_pct_mso = round(hunt.estimate_pct_mso, 1)
        session.flush()
        action = "update"
    audit.record(
        session,
        actor,
        action,
        "tms_mt_session",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"pulses": row.pulses, "stopped": row.stopped},
    )
    return row


def mt_to_dict(row: TmsMtSession) -> dict[str, Any]:
    hunt = MlPestSession.from_dict(row.state)
    return {
        "id": row.id,
        "measured_on": row.measured_on.isoformat(),
        "stopped": row.stopped,
        **hunt.to_dict(),
        "result": hunt.result().to_dict(),
    }


def course_record(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> dict[str, Any]:
    """One TMS course as a document shows it (the course report): its plan, the sessions
    given (day and number), its adverse events and who planned it (audited read).

    Raises
    ------
    NotFound
        The course is not this patient's, or it has no TMS plan.
    """
    repo = TmsRepository(session)
    row = repo.plan_of_course(course.id) if course.patient_id == patient.id else None
    if row is None:
        raise NotFound("course: no TMS plan for this course of this patient")
    tz = _tz(row.time_zone)
    logs = repo.session_logs(row.id)
    numbers = {lg.id: lg.session_number for lg in logs}
    audit.record(
        session,
        actor,
        "read",
        "tms_course_plan",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"sessions": len(logs), "purpose": "document"},
    )
    return {
        "protocol": row.protocol_key,
        "protocol_name": row.protocol.get("name") or row.protocol_key,
        "protocol_definition": dict(row.protocol),
        "status": row.status,
        "start_date": row.start_date,
        "planned": row.planned_sessions,
        "delivered": row.delivered_sessions,
        "mt_pct_mso": row.mt_pct_mso,
        "intensity": dict(row.intensity),
        "target_label": describe_target(row.target),
        "planned_by": row.created_by,
        "session_days": [ensure_utc(lg.delivered_at).astimezone(tz).date() for lg in logs],
        "adverse_events": [adverse_event_to_dict(e, numbers) for e in repo.adverse_events(row.id)],
    }


def find_course(session: Session, patient: Patient) -> TreatmentCourse | None:
    row = TmsRepository(session).current_plan(patient.id)
    return None if row is None else TmsRepository(session).course(row.treatment_course_id)


# -------------------------------------------------------------------------------------------
# Cancel, stop, corrections and entered-in-error (issue #14 finding 10)
#
# Nothing is deleted: a correction is a new version (the old kept in ``record_versions``
# with who, when and why), an entry made in error is retired with its reason, a course
# that never began is cancelled and one that began is stopped. Every change is a
# conditional update on the row's version, so two people correcting one record at the
# same time cannot both win. ``as_role`` is the signed-in user's role, whose limits the
# service applies (own records only, serious events for physicians); the command line
# passes None: it is the installation's operator, as for every CLI command.


def _may_change(actor: Actor, as_role: str | None, entered_by: str, what: str) -> None:
    if as_role is None:
        return
    if not may_change_record(as_role, "tms.correct", entered_by_self=entered_by == actor.username):
        raise PermissionDenied(
            f"{what} was recorded by someone else: a {as_role.replace('_', ' ')} corrects "
            "only what they recorded (a physician corrects anyone's)"
        )


def _physician_for_safety_flag(as_role: str | None, physician: str | None, what: str) -> str:
    """Who decides that a serious adverse event goes, as a suffix for the kept reason: on
    the web the signed-in physician (already the record's ``changed_by``/``retired_by``),
    on the command line the physician named with ``--physician``."""
    if as_role is not None:
        if as_role not in SAFETY_FLAG_ROLES:
            raise PermissionDenied(
                f"{what} is serious: only a physician may mark it entered in error or make it "
                "not serious"
            )
        return ""
    name = (physician or "").strip()
    if not name or len(name) > PHYSICIAN_NAME_MAX_CHARS:
        raise InvalidInput.single(
            "physician",
            f"is required: {what} is serious, so a physician decides",
            allowed=f"the deciding physician's name (at most {PHYSICIAN_NAME_MAX_CHARS} "
            "characters)",
            given=f"{len(name)} characters" if name else None,
        )
    return f" (decided by {name})"


#: Longest physician's name kept with a reason (the reason column holds 500 characters).
PHYSICIAN_NAME_MAX_CHARS = 60


def cancel_course(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    reason: str,
    expected_version: int | None = None,
) -> TmsCoursePlan:
    """Cancel the current course before its first session (see
    :func:`trdcare.tms.domain.sessions.cancel_course`): the plan is kept with status
    ``cancelled`` and the reason, its planned sessions leave the calendar, and its
    treatment course is retired (the outcome and the caseload no longer count it); another
    course can then be planned.

    Raises
    ------
    InvalidInput
        No reason.
    Conflict
        No current course, a session already given, or the plan changed meanwhile.
    """
    why = correction_reason(reason)
    repo = TmsRepository(session)
    row = _require_plan(session, patient)
    transition = cancel_course_rule(_state(row), why)
    claim_next_version(
        session,
        row,
        actor,
        f"cancelled: {why}",
        what="the TMS course",
        expected_version=expected_version,
    )
    now = utc_now()
    row.status = transition.state.status
    row.review_required = False
    row.pause_reason = None
    row.retired_at = now
    row.retired_by = actor.username
    row.retired_reason = f"cancelled: {why}"
    for planned in repo.planned_sessions(row.id):
        planned.superseded_at = now
    course = repo.course(row.treatment_course_id)
    if course is not None:
        history_service.cancel_course(session, actor, course, reason=why)
    session.flush()
    audit.record(
        session,
        actor,
        "retire",
        "tms_course_plan",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"status": "cancelled"},
    )
    return row


def stop_course(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    reason: str,
    expected_version: int | None = None,
) -> tuple[TmsCoursePlan, Transition]:
    """Stop the current course that began, before its planned end (see
    :func:`trdcare.tms.domain.sessions.stop_course`): its sessions stay, the undelivered
    ones leave the calendar, its treatment course ends today.

    Raises
    ------
    InvalidInput
        No reason.
    Conflict
        No current course, none given yet (cancel instead), already ended, or the plan
        changed meanwhile.
    """
    why = correction_reason(reason)
    row = _require_plan(session, patient)
    transition = stop_course_rule(_state(row), why)
    claim_next_version(
        session,
        row,
        actor,
        f"stopped: {why}",
        what="the TMS course",
        expected_version=expected_version,
    )
    _replan(session, actor, row, utc_today(), stop=True)
    row.status = transition.state.status
    row.planned_sessions = transition.state.planned_sessions
    row.review_required = False
    row.pause_reason = None
    _sync_course(session, actor, row, f"stopped: {why}")
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "tms_course_plan",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"status": "stopped", "delivered": row.delivered_sessions},
    )
    return row, transition


def course_status(session: Session, patient: Patient) -> str:
    """The current course's status ("" when the patient has none)."""
    row = TmsRepository(session).current_plan(patient.id)
    return "" if row is None else row.status


def _session_entry(session: Session, patient: Patient, number: int) -> tuple[TmsCoursePlan, Any]:
    row = _require_plan(session, patient)
    entry = TmsRepository(session).session_log(row.id, number)
    if entry is None:
        raise NotFound(f"session: no session {number} is recorded as given in the current course")
    return row, entry


#: What a session correction may change (its number and course are its identity; the
#: operator is who signed it).
SESSION_CORRECTABLE = (
    "delivered_at",
    "pulses_delivered",
    "planned_pulses",
    "intensity_pct_mso",
    "mt_pct_mso",
    "trains_delivered",
    "excess_reason",
    "coil",
    "device",
    "target",
    "mt_rechecked",
    "interruptions",
    "side_effects",
)


def correct_session(
    session: Session,
    actor: Actor,
    patient: Patient,
    number: int,
    changes: Mapping[str, Any],
    *,
    reason: str,
    expected_version: int | None = None,
    as_role: str | None = None,
) -> tuple[TmsSessionLog, dict[str, tuple[Any, Any]]]:
    """Correct the details of session ``number`` of the current course: a new version,
    the old one kept with who, when and why. The whole entry is checked again as at
    logging (limits, a reason for pulses above plan, known side effects); a new time
    recomputes its timing flags.

    Raises
    ------
    InvalidInput
        No reason, an unknown field, a value out of range, or nothing changed.
    PermissionDenied
        ``as_role`` may correct only its own entries and this one is someone else's.
    NotFound
        No such session given.
    Conflict
        The entry was changed or retired since ``expected_version``.
    """
    issues = IssueCollector()
    why = correction_reason(reason, issues=issues)
    unknown = sorted(set(changes) - set(SESSION_CORRECTABLE))
    for key in unknown:
        issues.add(key, "cannot be corrected", allowed=", ".join(SESSION_CORRECTABLE))
    if not changes and not unknown:
        issues.add("changes", "nothing to correct", allowed="at least one of the session's details")
    issues.raise_if_any()
    row, entry = _session_entry(session, patient, number)
    _may_change(actor, as_role, entry.created_by, f"session {number}")
    current = {key: getattr(entry, key) for key in SESSION_CORRECTABLE}
    merged = {**current, **{k: v for k, v in changes.items() if k != "delivered_at"}}
    log = session_log(
        {
            **merged,
            "session_number": entry.session_number,
            "operator": entry.operator,
            "interruptions": list(merged["interruptions"] or ()),
            "side_effects": list(merged["side_effects"] or ()),
        }
    )
    new_values: dict[str, Any] = {
        "planned_pulses": log.planned_pulses,
        "pulses_delivered": log.pulses_delivered,
        "excess_reason": log.excess_reason,
        "intensity_pct_mso": log.intensity_pct_mso,
        "mt_pct_mso": log.mt_pct_mso,
        "intensity_pct_mt": log.intensity_pct_mt,
        "trains_delivered": log.trains_delivered,
        "coil": log.coil,
        "device": log.device,
        "target": log.target,
        "mt_rechecked": log.mt_rechecked,
        "interruptions": list(log.interruptions),
        "side_effects": list(log.side_effects),
    }
    if changes.get("delivered_at") is not None:
        when = past_moment(
            changes["delivered_at"],
            field="delivered_at",
            now=utc_now(),
            born_on=patient.birth_date,
        )
        check_not_before_course(
            when.astimezone(_tz(row.time_zone)).date(),
            field="delivered_at",
            course_start=row.start_date,
        )
        earlier = [
            lg.delivered_at
            for lg in TmsRepository(session).session_logs(row.id)
            if lg.session_number < entry.session_number
        ]
        new_values["delivered_at"] = when
        new_values["timing_flags"] = list(
            session_timing_flags(
                when,
                earlier,
                protocol=_protocol_of(row),
                start_date=row.start_date,
                time_zone=_tz(row.time_zone),
            )
        )
    changed = correct_row(
        session,
        entry,
        actor,
        why,
        new_values,
        what=f"session {number}",
        expected_version=expected_version,
    )
    if not changed:
        raise InvalidInput.single(
            "changes",
            "nothing to correct: every value is the one recorded",
            allowed="at least one changed detail",
        )
    audit.record(
        session,
        actor,
        "update",
        "tms_session_log",
        entity_id=entry.id,
        patient_ref=patient.ref,
        detail={"session": number, "fields": sorted(changed), "version": entry.version},
    )
    return entry, changed


def retire_session(
    session: Session,
    actor: Actor,
    patient: Patient,
    number: int,
    *,
    reason: str,
    expected_version: int | None = None,
    as_role: str | None = None,
) -> tuple[TmsSessionLog, Transition]:
    """Mark session ``number`` entered in error: it is kept (with who, when and why) but
    no longer counts as given, on the course's count, calendar and decision points (see
    :func:`trdcare.tms.domain.sessions.retract_session`: the latest only).

    Its adverse events are not dropped with it: while the session has any, it is refused
    (mark them entered in error first; a serious one needs a physician).

    Raises
    ------
    InvalidInput
        No reason.
    PermissionDenied
        ``as_role`` may retire only its own entries and this one is someone else's.
    NotFound
        No such session given.
    Conflict
        Not the latest session, adverse events still recorded with it, or the entry or
        the course changed meanwhile.
    """
    why = correction_reason(reason)
    row, entry = _session_entry(session, patient, number)
    _may_change(actor, as_role, entry.created_by, f"session {number}")
    repo = TmsRepository(session)
    with_events = [e for e in repo.adverse_events(row.id) if e.session_log_id == entry.id]
    if with_events:
        raise Conflict(
            f"session {number} has {len(with_events)} adverse event(s) recorded with it: mark "
            "them entered in error first (a serious one needs a physician), so no safety "
            "finding goes with the session unseen"
        )
    transition = retract_session(_state(row), number)
    retire_row(
        session, entry, actor, why, what=f"session {number}", expected_version=expected_version
    )
    claim_next_version(
        session, row, actor, f"session {number} entered in error: {why}", what="the TMS course"
    )
    was = row.status
    row.delivered_sessions = transition.state.delivered_sessions
    row.status = transition.state.status
    if row.status != was:
        _sync_course(session, actor, row, f"session {number} entered in error")
    session.flush()
    audit.record(
        session,
        actor,
        "retire",
        "tms_session_log",
        entity_id=entry.id,
        patient_ref=patient.ref,
        detail={"session": number, "status": row.status},
    )
    return entry, transition


def _event_of(session: Session, patient: Patient, event_id: int) -> TmsAdverseEvent:
    event = TmsRepository(session).adverse_event(patient.id, event_id)
    if event is None:
        raise NotFound(f"adverse event: no adverse event {event_id} in this patient's courses")
    return event


AE_CORRECTABLE = ("kind", "severity", "serious", "description", "occurred_on")


def correct_adverse_event(
    session: Session,
    actor: Actor,
    patient: Patient,
    event_id: int,
    changes: Mapping[str, Any],
    *,
    reason: str,
    expected_version: int | None = None,
    as_role: str | None = None,
    physician: str | None = None,
) -> tuple[TmsAdverseEvent, dict[str, tuple[Any, Any]], Transition | None]:
    """Correct an adverse event: a new version, the old one kept with who, when and why.

    Made serious, it acts as a serious event reported now (an active course pauses for a
    physician review). Made not serious (or a seizure made another kind), it needs a
    physician (``physician``; ``as_role`` a physician on the web); a pause it caused stays
    until the physician's pause review, which resumes the course.

    Raises
    ------
    InvalidInput
        No reason, an unknown field, an invalid event, an ``occurred_on`` on an event
        logged with a session, or nothing changed.
    PermissionDenied
        Not one's own entry, or a serious event and not a physician.
    NotFound, Conflict
        No such event; changed or retired meanwhile.
    """
    issues = IssueCollector()
    why = correction_reason(reason, issues=issues)
    for key in sorted(set(changes) - set(AE_CORRECTABLE)):
        issues.add(key, "cannot be corrected", allowed=", ".join(AE_CORRECTABLE))
    issues.raise_if_any()
    event = _event_of(session, patient, event_id)
    what = f"adverse event {event_id}"
    _may_change(actor, as_role, event.created_by, what)
    if event.retired_at is not None:
        claim_next_version(session, event, actor, why, what=what)  # raises: already retired
    kind = str(changes.get("kind", event.kind))
    serious_given = changes.get("serious", None if "kind" in changes else event.serious)
    built = adverse_event(
        kind,
        str(changes.get("severity", event.severity)),
        serious=serious_given,
        description=str(changes.get("description", event.description) or ""),
        path="adverse_event",
    )
    occurred_on = changes.get("occurred_on", event.occurred_on)
    if "occurred_on" in changes:
        if event.session_log_id is not None:
            raise InvalidInput.single(
                "occurred_on",
                "an event logged with a session happened in that session: correct the "
                "session's time instead",
            )
        row = TmsRepository(session).session.get(TmsCoursePlan, event.plan_id)
        assert row is not None
        today = utc_now().astimezone(_tz(row.time_zone)).date()
        adverse_event_report(
            {"occurred_on": occurred_on, "adverse_events": [built]},
            today=today,
            born_on=patient.birth_date,
            course_start=row.start_date,
        )
    decided_by = ""
    if event.serious and not built.serious:
        decided_by = _physician_for_safety_flag(as_role, physician, what)
    changed = correct_row(
        session,
        event,
        actor,
        why + decided_by,
        {
            "kind": built.kind,
            "severity": built.severity,
            "serious": built.serious,
            "description": built.description,
            "occurred_on": occurred_on,
        },
        what=what,
        expected_version=expected_version,
    )
    if not changed:
        raise InvalidInput.single(
            "changes",
            "nothing to correct: every value is the one recorded",
            allowed="at least one changed detail",
        )
    transition = None
    plan_row = session.get(TmsCoursePlan, event.plan_id)
    assert plan_row is not None
    if built.serious and "serious" in changed:
        # Now serious: as if reported now, so an active course pauses for a review.
        on = event.occurred_on or utc_today()
        before = _state(plan_row)
        transition = report_adverse_events(before, AdverseEventReport(on, (built,)))
        if transition.state != before:
            _apply_state(session, actor, plan_row, transition, f"adverse event {event_id} serious")
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "tms_adverse_event",
        entity_id=event.id,
        patient_ref=patient.ref,
        detail={"fields": sorted(changed), "serious": event.serious, "version": event.version},
    )
    return event, changed, transition


def retire_adverse_event(
    session: Session,
    actor: Actor,
    patient: Patient,
    event_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    as_role: str | None = None,
    physician: str | None = None,
) -> TmsAdverseEvent:
    """Mark an adverse event entered in error (kept, with who, when and why).

    A serious event needs a physician's decision (``physician``; on the web the signed-in
    user must be a physician). Once retired it is no longer a dashboard alert, since the
    physician who retired it has reviewed it; a pause it caused is not lifted: the course
    stays paused until the physician's pause review resumes it.

    Raises
    ------
    InvalidInput
        No reason, or no physician for a serious event.
    PermissionDenied
        Not one's own entry, or a serious event and not a physician.
    NotFound, Conflict
        No such event; already retired, or changed meanwhile.
    """
    why = correction_reason(reason)
    event = _event_of(session, patient, event_id)
    what = f"adverse event {event_id}"
    _may_change(actor, as_role, event.created_by, what)
    decided_by = ""
    if event.serious and event.retired_at is None:
        decided_by = _physician_for_safety_flag(as_role, physician, what)
    retire_row(
        session,
        event,
        actor,
        why + decided_by,
        what=what,
        expected_version=expected_version,
    )
    audit.record(
        session,
        actor,
        "retire",
        "tms_adverse_event",
        entity_id=event.id,
        patient_ref=patient.ref,
        detail={"serious": event.serious, "physician_decided": event.serious},
    )
    return event


def record_versions(
    session: Session, actor: Actor, patient: Patient, row: Any, entity: str
) -> list[VersionEntry]:
    """The earlier versions of one of the patient's TMS records (audited read)."""
    entries = version_history(session, row)
    audit.record(
        session,
        actor,
        "read",
        f"{entity}_versions",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"versions": len(entries)},
    )
    return entries


def session_versions(
    session: Session, actor: Actor, patient: Patient, number: int
) -> tuple[TmsSessionLog, list[VersionEntry]]:
    _, entry = _session_entry(session, patient, number)
    return entry, record_versions(session, actor, patient, entry, "tms_session_log")


def adverse_event_versions(
    session: Session, actor: Actor, patient: Patient, event_id: int
) -> tuple[TmsAdverseEvent, list[VersionEntry]]:
    event = _event_of(session, patient, event_id)
    return event, record_versions(session, actor, patient, event, "tms_adverse_event")


def withdrawn_records(session: Session, actor: Actor, patient: Patient) -> dict[str, list[Any]]:
    """What was cancelled or marked entered in error, kept and shown apart: the patient's
    cancelled courses, and the current course's retired sessions and adverse events."""
    repo = TmsRepository(session)
    plan_row = repo.current_plan(patient.id)
    out: dict[str, list[Any]] = {
        "cancelled_courses": repo.cancelled_plans(patient.id),
        "sessions": [] if plan_row is None else repo.retired_session_logs(plan_row.id),
        "adverse_events": [] if plan_row is None else repo.retired_adverse_events(plan_row.id),
    }
    audit.record(
        session,
        actor,
        "read",
        "tms_withdrawn_records",
        patient_ref=patient.ref,
        detail={key: len(rows) for key, rows in out.items()},
    )
    return out
