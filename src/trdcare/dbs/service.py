"""DBS use cases (INVESTIGATIONAL for depression): judge candidacy per the trial criteria,
record the surgery (a DBS treatment course), record programming settings with their charge,
density and Shannon k (a setting beyond a limit refused unless a physician records an
override with a reason), entered-in-error, end the course.

Flushes, never commits; every read and write of patient data is audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from trdcare.accounts.domain.permissions import DBS_OVERRIDE_ROLES, may_change_record
from trdcare.adapters.db.locking import lock_patient
from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.adapters.db.models.dbs import DbsCandidacy, DbsProgramming, DbsSurgery
from trdcare.adapters.db.stamping import VersionEntry, retire_row, stamp_new, version_history
from trdcare.assessments import service as assessment_service
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.checks import check_option
from trdcare.core.clock import not_before_birth, utc_now, utc_today
from trdcare.core.corrections import correction_reason
from trdcare.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from trdcare.core.ids import new_ref
from trdcare.courses import service as courses_service
from trdcare.dbs.domain import (
    DbsAnswers,
    DbsFacts,
    ProgrammingCheck,
    check_programming,
    evaluate_candidacy,
    refuse_breaches,
    target_catalogue,
)
from trdcare.dbs.domain.catalogue import load, load_pathway
from trdcare.dbs.repository import DbsRepository
from trdcare.history import service as history_service

SIDES = ("left", "right")
ENDINGS = ("completed", "stopped")
INVESTIGATIONAL = "INVESTIGATIONAL"


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _not_future(field: str, value: date) -> None:
    today = utc_today()
    if value > today:
        raise InvalidInput.single(
            field, "is in the future", allowed=f"on or before {today.isoformat()}", given=value
        )


# -- candidacy --------------------------------------------------------------------------
def candidacy_facts(session: Session, actor: Actor, patient: Patient, *, as_of: date) -> DbsFacts:
    onset: date | None = None
    severity: str | None = None
    failed: int | None = None
    undetermined = 0
    try:
        history = history_service.load_history(session, actor, patient, as_of=as_of)
    except (NotFound, InvalidInput):
        history = None
    if history is not None:
        report = history_service.stage(history)
        onset, severity = history.episode.onset, history.episode.severity
        failed, undetermined = report.trd.failed_adequate_trials, report.trd.could_count
    hamd = [
        (row.administered_on, float(row.total))
        for row in assessment_service.list_assessments(session, actor, patient, scale_id="hamd17")
        if row.complete and row.total is not None and row.administered_on <= as_of
    ]
    return DbsFacts(
        as_of=as_of,
        age_years=_age(patient.birth_date, as_of),
        episode_onset=onset,
        episode_severity=severity,
        failed_adequate_treatments=failed,
        undetermined_treatments=undetermined,
        latest_hamd17=max(hamd) if hamd else None,
    )


def assess_candidacy(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    assessed_for: date | None = None,
    diagnosis: str = "unknown",
    psychotic_features: str = "unknown",
    research_protocol: str = "unknown",
    protocol_ref: str = "",
) -> DbsCandidacy:
    on = assessed_for or utc_today()
    _not_future("assessed_for", on)
    not_before_birth(on, field="assessed_for", born_on=patient.birth_date)
    answers = DbsAnswers(
        diagnosis=diagnosis,
        psychotic_features=psychotic_features,  # type: ignore[arg-type]
        research_protocol=research_protocol,  # type: ignore[arg-type]
        protocol_ref=protocol_ref,
    )
    result = evaluate_candidacy(candidacy_facts(session, actor, patient, as_of=on), answers)
    repo = DbsRepository(session)
    ref = new_ref("DC")
    while repo.candidacy_ref_exists(ref):
        ref = new_ref("DC")
    row = DbsCandidacy(
        ref=ref,
        patient_id=patient.id,
        assessed_for=on,
        answers={
            "diagnosis": diagnosis,
            "psychotic_features": psychotic_features,
            "research_protocol": research_protocol,
            "protocol_ref": protocol_ref,
        },
        overall=result.overall,
        result=result.to_dict(),
        catalogue_version=result.catalogue_version,
    )
    stamp_new(row, actor)
    repo.add(row)
    audit.record(
        session,
        actor,
        "create",
        "dbs_candidacy",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"overall": result.overall},
    )
    return row


# -- surgery and course -------------------------------------------------------------------
def current_surgery(
    session: Session, patient: Patient
) -> tuple[DbsSurgery, TreatmentCourse] | None:
    rows = DbsRepository(session).surgeries(patient.id)
    return rows[0] if rows else None


def _active_surgery(session: Session, patient: Patient) -> tuple[DbsSurgery, TreatmentCourse]:
    found = current_surgery(session, patient)
    if found is None:
        raise Conflict("surgery: no DBS surgery is recorded for this patient; record it first")
    surgery, course = found
    courses_service.require_deliverable(session, course)
    return surgery, course


def record_surgery(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    operated_on: date,
    target: str,
    protocol_ref: str,
    sides: Sequence[str],
    lead_model: str | None = None,
    surgeon: str = "",
    primary_scale: str = "madrs",
    note: str = "",
) -> tuple[DbsSurgery, TreatmentCourse]:
    """Record the surgery (target, leads) under its research protocol; opens the DBS course."""
    lock_patient(session, patient.id)
    check_option("target", target, tuple(target_catalogue()))
    leads = {lead.id for lead in load().leads}
    lead = lead_model or load().default_lead
    check_option("lead_model", lead, leads)
    if not sides:
        raise InvalidInput.single("sides", "is required", allowed="left, right or both")
    for i, side in enumerate(sides):
        check_option(f"sides.{i}", side, SIDES)
    if len(set(sides)) != len(sides):
        raise InvalidInput.single("sides", "a side is given twice", given=list(sides))
    if not protocol_ref.strip():
        raise InvalidInput.single(
            "protocol_ref",
            "is required: DBS for depression is investigational, done within a research protocol",
            allowed="the protocol's reference (IRB or IDE number)",
        )
    _not_future("operated_on", operated_on)
    not_before_birth(operated_on, field="operated_on", born_on=patient.birth_date)
    found = current_surgery(session, patient)
    if found is not None and found[1].status == "active":
        raise Conflict(
            f"operated_on: the DBS course {found[1].ref} is still active; end it before "
            "recording another surgery"
        )
    course = history_service.add_course(
        session, actor, patient, modality="dbs", start_date=operated_on, primary_scale=primary_scale
    )
    surgery = DbsSurgery(
        treatment_course_id=course.id,
        patient_id=patient.id,
        operated_on=operated_on,
        target=target,
        protocol_ref=protocol_ref.strip(),
        lead_model=lead,
        sides=[s for s in SIDES if s in sides],
        surgeon=surgeon,
        note=note,
    )
    stamp_new(surgery, actor)
    DbsRepository(session).add(surgery)
    audit.record(
        session,
        actor,
        "create",
        "dbs_surgery",
        entity_id=surgery.id,
        patient_ref=patient.ref,
        detail={"course": course.ref, "target": target},
    )
    return surgery, course


def end_course(
    session: Session, actor: Actor, patient: Patient, *, status: str, on: date, reason: str
) -> TreatmentCourse:
    lock_patient(session, patient.id)
    check_option("status", status, ENDINGS)
    why = correction_reason(reason)
    surgery, course = _active_surgery(session, patient)
    _not_future("on", on)
    if on < surgery.operated_on:
        raise InvalidInput.single(
            "on",
            "is before the surgery",
            allowed=f"on or after {surgery.operated_on.isoformat()}",
            given=on,
        )
    history_service.set_course_status(session, actor, course, status, on=on, reason=why)
    audit.record(
        session,
        actor,
        "update",
        "dbs_course",
        entity_id=surgery.id,
        patient_ref=patient.ref,
        detail={"status": status},
    )
    return course


# -- programming --------------------------------------------------------------------------
def _override_by(
    actor: Actor, as_role: str | None, physician: str | None, reason: str
) -> tuple[str, str]:
    """Who overrides, and the reason kept: on the web the signed-in physician; on the command
    line the physician named with ``--override-by``."""
    why = (reason or "").strip()
    if len(why) < 3:
        raise InvalidInput.single(
            "override_reason",
            "is required to record a setting beyond a limit",
            allowed="the physician's reason, 3 to 4000 characters",
        )
    if as_role is not None:
        if as_role not in DBS_OVERRIDE_ROLES:
            raise PermissionDenied(
                "override_reason: only a physician may record a DBS setting beyond the Shannon "
                "limit or the lead's rated density"
            )
        return actor.username, why
    name = (physician or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput.single(
            "override_by",
            "is required with an override: the physician who decides",
            allowed="the physician's name (at most 120 characters)",
        )
    return f"{name} (entered by {actor.username})", why


def program(
    session: Session,
    actor: Actor,
    patient: Patient,
    data: Mapping[str, Any],
    *,
    override_reason: str | None = None,
    override_by: str | None = None,
    as_role: str | None = None,
) -> tuple[DbsProgramming, ProgrammingCheck]:
    """Record one lead's setting with its charge computed; a setting beyond a limit is refused
    unless a physician records an override with a reason. Nothing is written on refusal."""
    lock_patient(session, patient.id)
    surgery, course = _active_surgery(session, patient)
    side = data.get("side") or (surgery.sides[0] if len(surgery.sides) == 1 else None)
    if side is None:
        raise InvalidInput.single("side", "is required", allowed=", ".join(surgery.sides))
    check_option("side", side, tuple(surgery.sides))
    check = check_programming(
        contacts=list(data.get("contacts") or []),
        pulse_width_us=data.get("pulse_width_us"),
        frequency_hz=data.get("frequency_hz"),
        amplitude_ma=data.get("amplitude_ma"),
        amplitude_v=data.get("amplitude_v"),
        impedance_ohm=data.get("impedance_ohm"),
        lead_id=surgery.lead_model,
    )
    on = data.get("programmed_on") or utc_today()
    _not_future("programmed_on", on)
    not_before_birth(on, field="programmed_on", born_on=patient.birth_date)
    if on < surgery.operated_on:
        raise InvalidInput.single(
            "programmed_on",
            "is before the surgery",
            allowed=f"on or after {surgery.operated_on.isoformat()}",
            given=on,
        )
    by = why = None
    if check.breaches:
        if not (override_reason or "").strip():
            refuse_breaches(check)
        by, why = _override_by(actor, as_role, override_by, override_reason or "")
    elif (override_reason or "").strip():
        raise InvalidInput.single(
            "override_reason",
            "is only recorded for a setting beyond a limit; this one is within both",
        )
    pc = check.per_contact
    row = DbsProgramming(
        surgery_id=surgery.id,
        patient_id=patient.id,
        programmed_on=on,
        side=side,
        contacts=list(check.contacts),
        amplitude_ma=check.amplitude_ma,
        amplitude_v=check.amplitude_v,
        impedance_ohm=check.impedance_ohm,
        pulse_width_us=pc.pulse_width_us,
        frequency_hz=check.frequency_hz,
        current_ma=pc.current_ma,
        current_is_estimate=pc.current_mode == "voltage",
        contact_area_cm2=pc.contact_area_cm2,
        charge_per_phase_uc=pc.charge_per_phase_uc,
        charge_density_uc_per_cm2=pc.charge_density_uc_per_cm2,
        shannon_k=pc.shannon_k,
        within_limits=check.within_limits,
        result=check.to_dict(),
        override_by=by,
        override_at=utc_now() if by else None,
        override_reason=why,
        note=str(data.get("note") or ""),
    )
    stamp_new(row, actor)
    DbsRepository(session).add(row)
    audit.record(
        session,
        actor,
        "create",
        "dbs_programming",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={
            "course": course.ref,
            "within_limits": check.within_limits,
            "override": by is not None,
        },
    )
    return row, check


def _programming_of(session: Session, patient: Patient, programming_id: int) -> DbsProgramming:
    row = DbsRepository(session).programming(patient.id, programming_id)
    if row is None:
        raise NotFound("programming: no programming record with this id for this patient")
    return row


def programming_versions(
    session: Session, actor: Actor, patient: Patient, programming_id: int
) -> tuple[DbsProgramming, list[VersionEntry]]:
    """A programming record and its earlier versions (audited read)."""
    row = _programming_of(session, patient, programming_id)
    audit.record(
        session,
        actor,
        "read",
        "dbs_programming_versions",
        entity_id=row.id,
        patient_ref=patient.ref,
    )
    return row, version_history(session, row)


def retire_programming(
    session: Session,
    actor: Actor,
    patient: Patient,
    programming_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    as_role: str | None = None,
) -> DbsProgramming:
    """Mark a programming record entered in error (kept with the reason; its override too). A
    wrong setting is corrected by recording the right one, checked against the limits again."""
    lock_patient(session, patient.id)
    why = correction_reason(reason)
    row = _programming_of(session, patient, programming_id)
    if row.retired_at is not None:
        raise Conflict("programming: this record is already marked entered in error")
    if as_role is not None and not may_change_record(
        as_role, "dbs.correct", entered_by_self=row.created_by == actor.username
    ):
        raise PermissionDenied(
            f"programming record {row.id} was recorded by someone else: a "
            f"{as_role.replace('_', ' ')} marks only their own entered in error (a physician "
            "anyone's)"
        )
    retire_row(
        session,
        row,
        actor,
        why,
        what=f"programming record {row.id}",
        expected_version=expected_version,
    )
    audit.record(
        session, actor, "retire", "dbs_programming", entity_id=row.id, patient_ref=patient.ref
    )
    return row


# -- reading ------------------------------------------------------------------------------
def programming_to_dict(row: DbsProgramming) -> dict[str, Any]:
    result = dict(row.result)
    return {
        "id": row.id,
        "programmed_on": row.programmed_on.isoformat(),
        "side": row.side,
        "contacts": list(row.contacts),
        "amplitude_ma": row.amplitude_ma,
        "amplitude_v": row.amplitude_v,
        "impedance_ohm": row.impedance_ohm,
        "pulse_width_us": row.pulse_width_us,
        "frequency_hz": row.frequency_hz,
        "current_ma_per_contact": row.current_ma,
        "current_is_estimate": row.current_is_estimate,
        "contact_area_cm2": row.contact_area_cm2,
        "charge_per_phase_uc": row.charge_per_phase_uc,
        "charge_density_uc_per_cm2": row.charge_density_uc_per_cm2,
        "shannon_k": row.shannon_k,
        "within_limits": row.within_limits,
        "breaches": result.get("breaches", []),
        "reasons": result.get("reasons", []),
        "status": result.get("status", ""),
        "override": None
        if row.override_by is None
        else {
            "by": row.override_by,
            "at": None if row.override_at is None else row.override_at.isoformat(),
            "reason": row.override_reason,
        },
        "note": row.note,
        "recorded_by": row.created_by,
        "version": row.version,
        "retired_at": None if row.retired_at is None else row.retired_at.isoformat(),
        "retired_by": row.retired_by,
        "retired_reason": row.retired_reason,
        "investigational": True,
    }


def candidacy_to_dict(row: DbsCandidacy) -> dict[str, Any]:
    return {
        "ref": row.ref,
        "assessed_for": row.assessed_for.isoformat(),
        "assessed_by": row.created_by,
        "answers": dict(row.answers),
        **dict(row.result),
    }


def surgery_to_dict(surgery: DbsSurgery, course: TreatmentCourse) -> dict[str, Any]:
    lead = next((lead for lead in load().leads if lead.id == surgery.lead_model), None)
    return {
        "course": course.ref,
        "course_status": course.status,
        "course_end": None if course.end_date is None else course.end_date.isoformat(),
        "operated_on": surgery.operated_on.isoformat(),
        "target": surgery.target,
        "target_label": target_catalogue().get(surgery.target, surgery.target),
        "protocol_ref": surgery.protocol_ref,
        "lead_model": surgery.lead_model,
        "lead_name": lead.name if lead else surgery.lead_model,
        "sides": list(surgery.sides),
        "surgeon": surgery.surgeon,
        "note": surgery.note,
        "primary_scale": course.primary_scale,
        "recorded_by": surgery.created_by,
        "investigational": True,
    }


def _outcome(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> dict[str, Any] | None:
    """The course's outcome on its primary scale (the one outcome rule, via the courses room)."""
    verdict = courses_service.course_outcome(session, actor, patient, course)
    if verdict is None:
        return None
    return {
        "scale": verdict.scale_id,
        "baseline_on": verdict.baseline.on.isoformat(),
        "baseline_total": verdict.baseline.total,
        "latest_on": verdict.latest.on.isoformat(),
        "latest_total": verdict.latest.total,
        "percent_change": verdict.percent_change,
        "category": verdict.category,
        "judged": True,
        "note": "",
    }


def _safety(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> dict[str, Any]:
    """The course's adverse events and open alerts, kept by the courses room (audited)."""
    events = courses_service.adverse_events(session, actor, patient, course)
    alerts = [
        a.code
        for a in courses_service.open_alerts_for(session, patient)
        if a.course_ref == course.ref
    ]
    return {
        "status": course.status,
        "paused": course.status == "paused",
        "alerts": alerts,
        "adverse_events": [
            {
                "id": e.id,
                "occurred_on": e.occurred_on.isoformat(),
                "kind": e.kind,
                "severity": e.severity,
                "serious": e.serious,
                "acknowledged": e.acknowledged_at is not None,
            }
            for e in events
        ],
    }


def _current_settings(programmings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest programming record of each side (the setting in use), by side."""
    latest: dict[str, dict[str, Any]] = {}
    for entry in programmings:
        latest[entry["side"]] = entry
    return [latest[s] for s in SIDES if s in latest]


def course_record(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> dict[str, Any] | None:
    """The surgery of the treatment course ``course`` (current or earlier), its programming
    records in order and the setting in use per side with its charge as recorded (audited
    read); None when the room holds no surgery for that course."""
    repo = DbsRepository(session)
    found = next(((s, c) for s, c in repo.surgeries(patient.id) if c.id == course.id), None)
    if found is None:
        return None
    surgery, _ = found
    rows = repo.programmings(surgery.id)
    audit.record(
        session,
        actor,
        "read",
        "dbs_course",
        entity_id=surgery.id,
        patient_ref=patient.ref,
        detail={"programmings": len(rows), "course": course.ref},
    )
    programmings = [programming_to_dict(r) for r in rows]
    return {
        "investigational": True,
        "investigational_note": load_pathway().status.label,
        "surgery": surgery_to_dict(surgery, course),
        "programmings": programmings,
        "current_settings": _current_settings(programmings),
    }


def overview(session: Session, actor: Actor, patient: Patient) -> dict[str, Any]:
    """Candidacy, surgery and course, programming records (current per side), with the
    investigational status said (audited)."""
    repo = DbsRepository(session)
    candidacy = repo.latest_candidacy(patient.id)
    found = current_surgery(session, patient)
    doc: dict[str, Any] = {
        "patient": patient.ref,
        "investigational": True,
        "investigational_note": load_pathway().status.label,
        "candidacy": None if candidacy is None else candidacy_to_dict(candidacy),
        "surgery": None,
        "programmings": [],
        "withdrawn_programmings": [],
        "current_settings": [],
        "outcome": None,
        "safety": None,
    }
    if found is not None:
        surgery, course = found
        rows = repo.programmings(surgery.id)
        doc["surgery"] = surgery_to_dict(surgery, course)
        doc["programmings"] = [programming_to_dict(r) for r in rows]
        doc["withdrawn_programmings"] = [
            programming_to_dict(r) for r in repo.programmings(surgery.id, retired=True)
        ]
        doc["current_settings"] = _current_settings(doc["programmings"])
        doc["outcome"] = _outcome(session, actor, patient, course)
        doc["safety"] = _safety(session, actor, patient, course)
    audit.record(
        session,
        actor,
        "read",
        "dbs_overview",
        patient_ref=patient.ref,
        detail={"programmings": len(doc["programmings"])},
    )
    return doc
