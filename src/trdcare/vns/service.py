"""VNS use cases: judge candidacy, record the implant (a VNS treatment course), log titration
visits, show the course with its expected-response timeline; corrections and entered-in-error.

Flushes, never commits (the CLI command or the web request commits once); every read and
write of patient data is audited. The rules are the pure domain's (:mod:`trdcare.vns.domain`);
the facts come from the patient record, the history room and the assessments room through
their services.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from trdcare.accounts.domain.permissions import may_change_record
from trdcare.adapters.db.locking import lock_patient
from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.adapters.db.models.vns import VnsCandidacy, VnsImplant, VnsTitration
from trdcare.adapters.db.stamping import (
    VersionEntry,
    correct_row,
    retire_row,
    stamp_new,
    version_history,
)
from trdcare.assessments import service as assessment_service
from trdcare.assessments.domain import SCORED_SCALE_IDS
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.checks import check_option
from trdcare.core.clock import not_before_birth, utc_today
from trdcare.core.corrections import correction_reason
from trdcare.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from trdcare.core.ids import new_ref
from trdcare.courses import service as courses_service
from trdcare.history import service as history_service
from trdcare.vns.domain import (
    CandidacyAnswers,
    CandidacyFacts,
    PreviousVisit,
    ScaleVisit,
    catalogue_version,
    check_titration,
    evaluate_candidacy,
    response_timeline,
    titration_flags,
)
from trdcare.vns.repository import VnsRepository

#: Depression scales that can confirm the episode on a visit (the assessments room's).
DEPRESSION_SCALES: tuple[str, ...] = tuple(
    s for s in ("phq9", "qids_sr16", "hamd17", "madrs") if s in SCORED_SCALE_IDS
)
SIDES = ("left", "right")
TITRATION_FIELDS = (
    "output_current_ma",
    "frequency_hz",
    "pulse_width_us",
    "on_time_s",
    "off_time_min",
)
#: What a titration correction may change.
TITRATION_CORRECTABLE = (*TITRATION_FIELDS, "visit_on", "side_effects", "note")


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _not_future(field: str, value: date) -> None:
    today = utc_today()
    if value > today:
        raise InvalidInput.single(
            field, "is in the future", allowed=f"on or before {today.isoformat()}", given=value
        )


# -- candidacy --------------------------------------------------------------------------
def candidacy_facts(
    session: Session, actor: Actor, patient: Patient, *, as_of: date
) -> CandidacyFacts:
    """Gather what the record says for the candidacy rules (audited reads of the history and
    the assessments, through their rooms' services)."""
    onset: date | None = None
    failed: int | None = None
    undetermined = other = 0
    criteria = ""
    changes: list[date] = []
    psychosis = False
    try:
        history = history_service.load_history(session, actor, patient, as_of=as_of)
    except NotFound:
        history = None
    except InvalidInput:  # the episode began after the date judged: no episode then
        history = None
    if history is not None:
        report = history_service.stage(history)
        onset = history.episode.onset
        psychosis = history.episode.severity == "severe_with_psychosis"
        failed = report.trd.failed_adequate_trials
        undetermined = report.trd.could_count
        criteria = report.criteria.label
        other = (
            len(history.ect_courses)
            + len(history.augmentation_trials)
            + len(history.psychotherapy_courses)
        )
        periods = [(t.start, t.end) for t in history.antidepressant_trials] + [
            (t.start, t.end) for t in history.augmentation_trials
        ]
        for start, end in periods:
            changes.append(start)
            if end is not None:
                changes.append(end)
    visits = []
    for row in assessment_service.list_assessments(session, actor, patient):
        if row.scale_id in DEPRESSION_SCALES and row.complete and row.total is not None:
            visits.append(ScaleVisit(row.administered_on, row.scale_id, row.total, row.severity))
    return CandidacyFacts(
        as_of=as_of,
        age_years=_age(patient.birth_date, as_of),
        episode_onset=onset,
        failed_adequate_treatments=failed,
        undetermined_treatments=undetermined,
        other_treatments=other,
        history_criteria=criteria,
        medication_changes=tuple(changes),
        scale_visits=tuple(visits),
        episode_with_psychosis=psychosis,
    )


def assess_candidacy(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    assessed_for: date | None = None,
    lifetime_episodes: int | None = None,
    medication_stable: str = "unknown",
    exclusions: Mapping[str, str] | None = None,
) -> VnsCandidacy:
    """Judge the coverage criteria for ``patient`` and keep the assessment."""
    on = assessed_for or utc_today()
    _not_future("assessed_for", on)
    not_before_birth(on, field="assessed_for", born_on=patient.birth_date)
    answers = CandidacyAnswers(
        lifetime_episodes=lifetime_episodes,
        medication_stable=medication_stable,  # type: ignore[arg-type]
        exclusions=dict(exclusions or {}),  # type: ignore[arg-type]
    )
    facts = candidacy_facts(session, actor, patient, as_of=on)
    result = evaluate_candidacy(facts, answers)
    repo = VnsRepository(session)
    ref = new_ref("VC")
    while repo.candidacy_ref_exists(ref):
        ref = new_ref("VC")
    row = VnsCandidacy(
        ref=ref,
        patient_id=patient.id,
        assessed_for=on,
        answers={
            "lifetime_episodes": lifetime_episodes,
            "medication_stable": medication_stable,
            "exclusions": dict(exclusions or {}),
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
        "vns_candidacy",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"overall": result.overall},
    )
    return row


# -- implant and course -------------------------------------------------------------------
def current_implant(
    session: Session, patient: Patient
) -> tuple[VnsImplant, TreatmentCourse] | None:
    """The patient's latest implant and its course (active or ended), if any."""
    rows = VnsRepository(session).implants(patient.id)
    return rows[0] if rows else None


def _active_implant(session: Session, patient: Patient) -> tuple[VnsImplant, TreatmentCourse]:
    """The implant of the patient's deliverable VNS course: a paused course (a serious
    adverse event, until a physician's review), a stopped or completed one is refused by
    the courses room's rule (409, in its words)."""
    found = current_implant(session, patient)
    if found is None:
        raise Conflict("implant: no VNS implant is recorded for this patient; record it first")
    implant, course = found
    courses_service.require_deliverable(session, course)
    return implant, course


def record_implant(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    implanted_on: date,
    generator_model: str,
    lead_model: str = "",
    serial_number: str = "",
    surgeon: str = "",
    side: str = "left",
    primary_scale: str = "madrs",
    note: str = "",
) -> tuple[VnsImplant, TreatmentCourse]:
    """Record the implant and open its VNS treatment course (start = implant date)."""
    lock_patient(session, patient.id)
    check_option("side", side, SIDES)
    _not_future("implanted_on", implanted_on)
    not_before_birth(implanted_on, field="implanted_on", born_on=patient.birth_date)
    found = current_implant(session, patient)
    if found is not None and found[1].status == "active":
        raise Conflict(
            f"implanted_on: the VNS course {found[1].ref} is still active; end it before "
            "recording another implant"
        )
    course = history_service.add_course(
        session,
        actor,
        patient,
        modality="vns",
        start_date=implanted_on,
        primary_scale=primary_scale,
    )
    implant = VnsImplant(
        treatment_course_id=course.id,
        patient_id=patient.id,
        implanted_on=implanted_on,
        generator_model=generator_model,
        lead_model=lead_model,
        serial_number=serial_number,
        surgeon=surgeon,
        side=side,
        note=note,
    )
    stamp_new(implant, actor)
    VnsRepository(session).add(implant)
    audit.record(
        session,
        actor,
        "create",
        "vns_implant",
        entity_id=implant.id,
        patient_ref=patient.ref,
        detail={"course": course.ref},
    )
    return implant, course


ENDINGS = ("completed", "stopped")


def end_course(
    session: Session, actor: Actor, patient: Patient, *, status: str, on: date, reason: str
) -> TreatmentCourse:
    """End the active VNS course (stimulation stopped or device explanted), with a reason."""
    lock_patient(session, patient.id)
    check_option("status", status, ENDINGS)
    why = correction_reason(reason)
    implant, course = _active_implant(session, patient)
    _not_future("on", on)
    if on < implant.implanted_on:
        raise InvalidInput.single(
            "on",
            "is before the implant",
            allowed=f"on or after {implant.implanted_on.isoformat()}",
            given=on,
        )
    history_service.set_course_status(session, actor, course, status, on=on, reason=why)
    audit.record(
        session,
        actor,
        "update",
        "vns_course",
        entity_id=implant.id,
        patient_ref=patient.ref,
        detail={"status": status},
    )
    return course


# -- titration ----------------------------------------------------------------------------
def _check_visit_date(visit_on: date, implant: VnsImplant, patient: Patient) -> None:
    _not_future("visit_on", visit_on)
    not_before_birth(visit_on, field="visit_on", born_on=patient.birth_date)
    if visit_on < implant.implanted_on:
        raise InvalidInput.single(
            "visit_on",
            "is before the implant",
            allowed=f"on or after {implant.implanted_on.isoformat()}",
            given=visit_on,
        )


def _previous(
    rows: Sequence[VnsTitration], visit_on: date, exclude: int | None = None
) -> PreviousVisit | None:
    earlier = [r for r in rows if r.visit_on <= visit_on and r.id != exclude]
    if not earlier:
        return None
    last = max(earlier, key=lambda r: (r.visit_on, r.id))
    return PreviousVisit(last.visit_on, last.output_current_ma)


def log_titration(
    session: Session,
    actor: Actor,
    patient: Patient,
    data: Mapping[str, Any],
) -> VnsTitration:
    """Validate and store one titration visit on the active course, with its duty cycle and
    flags. A current above the device maximum is refused; nothing is written on error."""
    lock_patient(session, patient.id)
    implant, course = _active_implant(session, patient)
    side_effects = list(data.get("side_effects") or [])
    settings = check_titration(
        {k: data.get(k) for k in TITRATION_FIELDS}, side_effects=side_effects
    )
    visit_on = data.get("visit_on") or utc_today()
    _check_visit_date(visit_on, implant, patient)
    repo = VnsRepository(session)
    flags = titration_flags(
        settings,
        visit_on=visit_on,
        implant_on=implant.implanted_on,
        previous=_previous(repo.titrations(implant.id), visit_on),
    )
    row = VnsTitration(
        implant_id=implant.id,
        patient_id=patient.id,
        visit_on=visit_on,
        output_current_ma=settings.output_current_ma,
        frequency_hz=settings.frequency_hz,
        pulse_width_us=settings.pulse_width_us,
        on_time_s=settings.on_time_s,
        off_time_min=settings.off_time_min,
        duty_cycle_pct=round(settings.duty_cycle_pct, 2),
        side_effects=side_effects,
        flags=[f.to_dict() for f in flags],
        note=str(data.get("note") or ""),
    )
    stamp_new(row, actor)
    repo.add(row)
    audit.record(
        session,
        actor,
        "create",
        "vns_titration",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={
            "course": course.ref,
            "flags": [f.rule for f in flags],
            "side_effects": len(side_effects),
        },
    )
    return row


def titration_row(session: Session, patient: Patient, titration_id: int) -> VnsTitration:
    """One titration visit of the patient (read after an audited read of its versions)."""
    return _titration_of(session, patient, titration_id)


def _titration_of(session: Session, patient: Patient, titration_id: int) -> VnsTitration:
    row = VnsRepository(session).titration(patient.id, titration_id)
    if row is None:
        raise NotFound("titration: no titration visit with this id for this patient")
    return row


def _may_change(actor: Actor, as_role: str | None, row: VnsTitration) -> None:
    """On the web a clinician changes only the visits they recorded (the CLI is the clinic's
    own administration: ``as_role`` None)."""
    if as_role is None:
        return
    if not may_change_record(
        as_role, "vns.correct", entered_by_self=row.created_by == actor.username
    ):
        raise PermissionDenied(
            f"titration visit {row.id} was recorded by someone else: a "
            f"{as_role.replace('_', ' ')} corrects only what they recorded (a physician "
            "corrects anyone's)"
        )


def correct_titration(
    session: Session,
    actor: Actor,
    patient: Patient,
    titration_id: int,
    changes: Mapping[str, Any],
    *,
    reason: str,
    expected_version: int | None = None,
    as_role: str | None = None,
) -> VnsTitration:
    """Correct a titration visit: a new version (the old kept with who, when and why); the
    settings, duty cycle and flags are checked and computed again."""
    lock_patient(session, patient.id)
    why = correction_reason(reason)
    row = _titration_of(session, patient, titration_id)
    if row.retired_at is not None:
        raise Conflict("titration: this visit was marked entered in error; it cannot be corrected")
    _may_change(actor, as_role, row)
    unknown = sorted(set(changes) - set(TITRATION_CORRECTABLE))
    if unknown:
        raise InvalidInput.single(
            unknown[0], "cannot be corrected", allowed=", ".join(TITRATION_CORRECTABLE)
        )
    merged: dict[str, Any] = {k: getattr(row, k) for k in TITRATION_CORRECTABLE}
    merged.update({k: v for k, v in changes.items() if v is not None})
    side_effects = list(merged["side_effects"] or [])
    settings = check_titration({k: merged[k] for k in TITRATION_FIELDS}, side_effects=side_effects)
    implant = session.get(VnsImplant, row.implant_id)
    assert implant is not None
    _check_visit_date(merged["visit_on"], implant, patient)
    repo = VnsRepository(session)
    flags = titration_flags(
        settings,
        visit_on=merged["visit_on"],
        implant_on=implant.implanted_on,
        previous=_previous(repo.titrations(implant.id), merged["visit_on"], exclude=row.id),
    )
    new_values = {
        **{k: getattr(settings, k) for k in TITRATION_FIELDS},
        "visit_on": merged["visit_on"],
        "side_effects": side_effects,
        "note": str(merged["note"] or ""),
        "duty_cycle_pct": round(settings.duty_cycle_pct, 2),
        "flags": [f.to_dict() for f in flags],
    }
    changed = correct_row(
        session,
        row,
        actor,
        why,
        new_values,
        what=f"titration visit {row.id}",
        expected_version=expected_version,
    )
    audit.record(
        session,
        actor,
        "update",
        "vns_titration",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"changed": sorted(changed)},
    )
    return row


def retire_titration(
    session: Session,
    actor: Actor,
    patient: Patient,
    titration_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    as_role: str | None = None,
) -> VnsTitration:
    """Mark a titration visit entered in error: kept with the reason, no longer shown as given."""
    lock_patient(session, patient.id)
    why = correction_reason(reason)
    row = _titration_of(session, patient, titration_id)
    if row.retired_at is not None:
        raise Conflict("titration: this visit is already marked entered in error")
    _may_change(actor, as_role, row)
    retire_row(
        session,
        row,
        actor,
        why,
        what=f"titration visit {row.id}",
        expected_version=expected_version,
    )
    audit.record(
        session, actor, "retire", "vns_titration", entity_id=row.id, patient_ref=patient.ref
    )
    return row


def titration_versions(
    session: Session, actor: Actor, patient: Patient, titration_id: int
) -> list[VersionEntry]:
    row = _titration_of(session, patient, titration_id)
    audit.record(
        session, actor, "read", "vns_titration_versions", entity_id=row.id, patient_ref=patient.ref
    )
    return version_history(session, row)


# -- reading ------------------------------------------------------------------------------
def titration_to_dict(row: VnsTitration) -> dict[str, Any]:
    return {
        "id": row.id,
        "visit_on": row.visit_on.isoformat(),
        "output_current_ma": row.output_current_ma,
        "frequency_hz": row.frequency_hz,
        "pulse_width_us": row.pulse_width_us,
        "on_time_s": row.on_time_s,
        "off_time_min": row.off_time_min,
        "duty_cycle_pct": row.duty_cycle_pct,
        "side_effects": list(row.side_effects),
        "flags": list(row.flags),
        "note": row.note,
        "recorded_by": row.created_by,
        "recorded_at": row.created_at.isoformat(),
        "version": row.version,
        "retired_at": None if row.retired_at is None else row.retired_at.isoformat(),
        "retired_by": row.retired_by,
        "retired_reason": row.retired_reason,
    }


def candidacy_to_dict(row: VnsCandidacy) -> dict[str, Any]:
    return {
        "ref": row.ref,
        "assessed_for": row.assessed_for.isoformat(),
        "assessed_by": row.created_by,
        "answers": dict(row.answers),
        **dict(row.result),
    }


def implant_to_dict(implant: VnsImplant, course: TreatmentCourse) -> dict[str, Any]:
    return {
        "course": course.ref,
        "course_status": course.status,
        "course_end": None if course.end_date is None else course.end_date.isoformat(),
        "implanted_on": implant.implanted_on.isoformat(),
        "generator_model": implant.generator_model,
        "lead_model": implant.lead_model,
        "serial_number": implant.serial_number,
        "surgeon": implant.surgeon,
        "side": implant.side,
        "note": implant.note,
        "primary_scale": course.primary_scale,
        "recorded_by": implant.created_by,
    }


def course_outcome(
    session: Session,
    actor: Actor,
    patient: Patient,
    course: TreatmentCourse,
    timeline: Mapping[str, Any],
) -> dict[str, Any] | None:
    """The course's outcome on its primary scale (the one outcome rule, through the courses
    room), with the response timeline applied: before the month response is judged, a
    non-response or partial response is "not yet judged", never a failure."""
    verdict = courses_service.course_outcome(session, actor, patient, course)
    if verdict is None:
        return None
    early = bool(timeline.get("too_early_to_call_non_response"))
    category = verdict.category
    judged = not (early and category in ("non_response", "partial_response"))
    return {
        "scale": verdict.scale_id,
        "baseline_on": verdict.baseline.on.isoformat(),
        "baseline_total": verdict.baseline.total,
        "latest_on": verdict.latest.on.isoformat(),
        "latest_total": verdict.latest.total,
        "percent_change": verdict.percent_change,
        "category": category,
        "judged": judged,
        "note": "" if judged else f"Not yet judged: {timeline.get('finding', '')}",
    }


def course_safety(
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


def course_record(
    session: Session, actor: Actor, patient: Patient, course: TreatmentCourse
) -> dict[str, Any] | None:
    """The implant of the treatment course ``course`` (current or earlier) with its
    titration visits in order and the setting of the last one (audited read); None when the
    room holds no implant for that course. The room records no planned number of visits:
    titration goes by tolerance, visit by visit."""
    found = next(
        ((i, c) for i, c in VnsRepository(session).implants(patient.id) if c.id == course.id),
        None,
    )
    if found is None:
        return None
    implant, _ = found
    rows = VnsRepository(session).titrations(implant.id)
    audit.record(
        session,
        actor,
        "read",
        "vns_course",
        entity_id=implant.id,
        patient_ref=patient.ref,
        detail={"titrations": len(rows), "course": course.ref},
    )
    titrations = [titration_to_dict(r) for r in rows]
    return {
        "implant": implant_to_dict(implant, course),
        "titrations": titrations,
        "current_setting": titrations[-1] if titrations else None,
        "planned_visits": None,
    }


def overview(
    session: Session, actor: Actor, patient: Patient, *, as_of: date | None = None
) -> dict[str, Any]:
    """The latest candidacy, the implant and course, the titration log (with visits entered
    in error apart), the current setting and the expected-response timeline (audited)."""
    repo = VnsRepository(session)
    candidacy = repo.latest_candidacy(patient.id)
    found = current_implant(session, patient)
    doc: dict[str, Any] = {
        "patient": patient.ref,
        "candidacy": None if candidacy is None else candidacy_to_dict(candidacy),
        "implant": None,
        "titrations": [],
        "withdrawn_titrations": [],
        "current_setting": None,
        "timeline": None,
        "outcome": None,
        "safety": None,
        "catalogue_version": catalogue_version(),
    }
    if found is not None:
        implant, course = found
        rows = repo.titrations(implant.id)
        doc["implant"] = implant_to_dict(implant, course)
        doc["titrations"] = [titration_to_dict(r) for r in rows]
        doc["withdrawn_titrations"] = [
            titration_to_dict(r) for r in repo.titrations(implant.id, retired=True)
        ]
        doc["current_setting"] = doc["titrations"][-1] if rows else None
        first_on = next((r.visit_on for r in rows if r.output_current_ma > 0), None)
        today = as_of or (course.end_date if course.end_date else utc_today())
        timeline = response_timeline(
            implant_on=implant.implanted_on, first_stimulation_on=first_on, as_of=today
        )
        doc["timeline"] = timeline.to_dict()
        doc["outcome"] = course_outcome(session, actor, patient, course, timeline.to_dict())
        doc["safety"] = course_safety(session, actor, patient, course)
    audit.record(
        session,
        actor,
        "read",
        "vns_overview",
        patient_ref=patient.ref,
        detail={"titrations": len(doc["titrations"])},
    )
    return doc
