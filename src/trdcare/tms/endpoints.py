"""JSON API of the TMS room: calculators and the protocol library (no patient data), and a
patient's safety screen, motor-threshold hunt, course plan and calendar, session log,
adverse events and decision-point reviews.

Who acts is the signed-in user: the acknowledging physician, the physician overriding a
safety limit, the operator of a session and the clinician deciding a review are taken from
the credentials, never typed in.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal, Require
from trdcare.adapters.web.db import Db
from trdcare.audit import service as audit
from trdcare.core.errors import NotFound
from trdcare.core.text import FreeText, SingleLineText
from trdcare.patients import service as patient_service
from trdcare.patients.endpoints import PatientRef
from trdcare.tms import schemas
from trdcare.tms import service as tms_service
from trdcare.tms.domain import (
    DepthAdjustment,
    PhysicianOverride,
    RecordedFinding,
    beam_f3,
    check_parameters,
    check_protocol,
    finding_catalogue,
    hotspot_rule_target,
    questionnaires,
    simulate_hunt,
    treatment_intensity,
)
from trdcare.tms.repository import TmsRepository

router = APIRouter(tags=["tms"])

Side = Literal["left", "right"]
ProtocolId = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParameterCheckIn(_In):
    frequency_hz: float = Field(description="Pulse frequency within a train (Hz)")
    intensity_pct_mt: float = Field(description="Intensity in % of the motor threshold")
    train_duration_s: float = Field(description="Duration of one train (s)")
    inter_train_interval_s: float = Field(description="Pause between trains (s)")
    trains: int = Field(description="Trains per session")


class SimulateIn(_In):
    true_mt_pct_mso: float = Field(description="The virtual subject's threshold (% MSO)")
    seed: int = Field(ge=0, le=2**31 - 1)
    start_pct_mso: float | None = None
    max_pulses: int = Field(default=20, ge=1, le=200)


class DepthIn(_In):
    m1_depth_mm: float
    target_depth_mm: float


class IntensityIn(_In):
    mt_pct_mso: float
    pct_mt: float = Field(description="Protocol intensity in % MT, e.g. 120")
    depth: DepthIn | None = None


class FindingIn(_In):
    id: str = Field(min_length=1, max_length=60)
    detail: FreeText = Field(default="", max_length=500)


class ScreenIn(_In):
    instrument: str = Field(default="rossi2011", max_length=40)
    answers: dict[str, bool] = Field(description="Item id -> yes (true) / no (false)")
    findings: list[FindingIn] = Field(default_factory=list, max_length=50)
    extra_medications: list[Annotated[SingleLineText, Field(max_length=80)]] = Field(
        default_factory=list, max_length=50
    )
    screened_on: date | None = None


class AcknowledgeIn(_In):
    note: FreeText = Field(min_length=3, max_length=1000, description="The physician's reasoning")


class TargetIn(_In):
    method: Literal["beam_f3", "hotspot_rule"]
    side: Side = "left"
    tragus_tragus_cm: float | None = None
    nasion_inion_cm: float | None = None
    circumference_cm: float | None = None


class PlanIn(_In):
    protocol: str = Field(min_length=1, max_length=60)
    start: date
    acute_sessions: int | None = Field(default=None, ge=1, le=200)
    include_taper: bool = True
    closures: list[date] = Field(default_factory=list, max_length=200)
    skipped_days: list[date] = Field(default_factory=list, max_length=200)
    first_session_at: time = time(9, 0)
    time_zone: str = Field(default="UTC", max_length=60)
    mt_pct_mso: float | None = None
    depth: DepthIn | None = None
    target: TargetIn | None = None
    override_reason: FreeText | None = Field(
        default=None,
        max_length=1000,
        description="Needed to plan a protocol past the safety limits (physician override)",
    )
    primary_scale: Literal["phq9", "qids_sr16", "hamd17", "madrs"] = "phq9"


class MtStepIn(_In):
    start_pct_mso: float | None = Field(default=None, description="Open a hunt here")
    mep: bool | None = Field(default=None, description="MEP present after the last stimulus")
    intensity_pct_mso: float | None = Field(
        default=None, description="The intensity actually given (default: the proposed one)"
    )
    max_pulses: int | None = Field(default=None, ge=1, le=200)


class AdverseEventIn(_In):
    kind: str = Field(max_length=40)
    severity: Literal["mild", "moderate", "severe"]
    serious: bool | None = None
    description: FreeText = Field(default="", max_length=1000)


class AdverseEventReportIn(_In):
    occurred_on: date = Field(description="The day the events happened (not in the future)")
    adverse_events: list[AdverseEventIn] = Field(min_length=1, max_length=10)


class SessionIn(_In):
    session_number: int | None = Field(default=None, description="Default: the next one")
    planned_pulses: int | None = Field(default=None, description="Default: the protocol's")
    pulses_delivered: int
    excess_reason: FreeText | None = Field(default=None, max_length=500)
    intensity_pct_mso: float | None = Field(default=None, description="Default: the plan's")
    mt_pct_mso: float | None = Field(default=None, description="Default: the plan's MT")
    trains_delivered: int | None = None
    coil: SingleLineText = Field(default="", max_length=80)
    device: SingleLineText = Field(default="", max_length=80)
    target: SingleLineText = Field(default="", max_length=80)
    mt_rechecked: bool = False
    interruptions: list[Annotated[FreeText, Field(max_length=200)]] = Field(
        default_factory=list, max_length=20
    )
    side_effects: list[Annotated[SingleLineText, Field(max_length=40)]] = Field(
        default_factory=list, max_length=10
    )
    adverse_events: list[AdverseEventIn] = Field(default_factory=list, max_length=10)
    delivered_at: datetime | None = None


class PauseReviewIn(_In):
    decision: Literal["resume", "stop"]
    note: FreeText = Field(min_length=3, max_length=1000)
    resume_on: date | None = None


class DecideIn(_In):
    decision: Literal["accept", "decline"]
    action: (
        Literal["continue", "consider_protocol_change", "extend", "begin_taper", "stop"] | None
    ) = None
    note: FreeText = Field(default="", max_length=1000)
    resume_on: date | None = None


class ReviewIn(_In):
    scale: Literal["phq9", "qids_sr16", "hamd17", "madrs"] | None = None


def who(principal: Principal) -> str:
    """How the acting user is named in clinical records: display name and login."""
    return f"{principal.display_name} ({principal.username})"


def target_spec(target: TargetIn | None) -> tms_service.TargetSpec | None:
    if target is None:
        return None
    if target.method == "hotspot_rule":
        return tms_service.TargetSpec(
            "hotspot_rule", hotspot_rule_target(side=target.side).to_dict()
        )
    result = beam_f3(
        target.tragus_tragus_cm if target.tragus_tragus_cm is not None else float("nan"),
        target.nasion_inion_cm if target.nasion_inion_cm is not None else float("nan"),
        target.circumference_cm if target.circumference_cm is not None else float("nan"),
        side=target.side,
    )
    return tms_service.TargetSpec("beam_f3", result.to_dict())


def depth_of(depth: DepthIn | None) -> DepthAdjustment | None:
    return None if depth is None else DepthAdjustment(depth.m1_depth_mm, depth.target_depth_mm)


def _patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, ref, purpose=purpose)


def overview(db: Session, principal: Principal, patient: Patient) -> dict[str, Any]:
    """Latest screen, open/latest threshold hunt and the current course (audited reads)."""
    repo = TmsRepository(db)
    screen = repo.latest_screen(patient.id)
    hunt = repo.current_mt(patient.id)
    plan = repo.current_plan(patient.id)
    audit.record(
        db,
        principal.actor,
        "read",
        "tms_overview",
        patient_ref=patient.ref,
        detail={"screen": screen is not None, "mt": hunt is not None, "plan": plan is not None},
    )
    return {
        "patient": patient.ref,
        "screen": tms_service.screen_to_dict(screen) if screen else None,
        "mt": tms_service.mt_to_dict(hunt) if hunt else None,
        "course": tms_service.status(db, principal.actor, patient) if plan else None,
    }


# calculators and the library (no patient data) --------------------------------------------
@router.get(
    "/tms/f3",
    response_model=schemas.Target,
    response_model_exclude_unset=True,
    summary="Beam F3 (or mirrored F4) from three head measurements",
)
def f3(
    _: Annotated[Principal, Depends(Require("tms.tools"))],
    tragus_tragus_cm: Annotated[float, Query()],
    nasion_inion_cm: Annotated[float, Query()],
    circumference_cm: Annotated[float, Query()],
    side: Annotated[Side, Query()] = "left",
) -> dict[str, Any]:
    return beam_f3(tragus_tragus_cm, nasion_inion_cm, circumference_cm, side=side).to_dict()


@router.get(
    "/tms/target-rule",
    response_model=schemas.Target,
    response_model_exclude_unset=True,
    summary="The 5.5 cm rule from the motor hotspot",
)
def target_rule(
    _: Annotated[Principal, Depends(Require("tms.tools"))], side: Annotated[Side, Query()] = "left"
) -> dict[str, Any]:
    return hotspot_rule_target(side=side).to_dict()


@router.get(
    "/tms/protocols",
    response_model=list[schemas.Protocol],
    response_model_exclude_unset=True,
    summary="The protocol library and the clinic's custom protocols",
)
def protocols(
    db: Db, _: Annotated[Principal, Depends(Require("tms.tools"))]
) -> list[dict[str, Any]]:
    return tms_service.list_protocols(db)


@router.get(
    "/tms/protocols/{protocol_id}",
    response_model=schemas.CheckedProtocol,
    response_model_exclude_unset=True,
    summary="One protocol with its safety check",
)
def protocol(
    db: Db, _: Annotated[Principal, Depends(Require("tms.tools"))], protocol_id: ProtocolId
) -> dict[str, Any]:
    found, saved = tms_service.resolve_protocol(db, protocol_id)
    out = found.to_dict()
    out["safety"] = check_protocol(found).to_dict()
    if saved is not None:
        out["approval_basis"] = saved.approval_basis
        out["override_by"] = saved.override_by
        out["override_reason"] = saved.override_reason
    return out


@router.post(
    "/tms/protocols",
    status_code=201,
    response_model=schemas.SavedProtocol,
    response_model_exclude_unset=True,
    summary="Save a custom protocol (past the limits only with a physician override reason)",
)
def save_protocol(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.plan"))],
    definition: dict[str, Any],
    override_reason: Annotated[str | None, Query(max_length=1000)] = None,
) -> dict[str, Any]:
    override = PhysicianOverride(who(principal), override_reason) if override_reason else None
    row, approval = tms_service.save_protocol(db, principal.actor, definition, override=override)
    return {"key": row.key, "approval": approval.to_dict(), "definition": row.definition}


@router.post(
    "/tms/check",
    response_model=schemas.ParameterCheck,
    response_model_exclude_unset=True,
    summary="Check an rTMS parameter set against the safety limits",
)
def check(
    _: Annotated[Principal, Depends(Require("tms.tools"))], body: ParameterCheckIn
) -> dict[str, Any]:
    return check_parameters(
        body.frequency_hz,
        body.intensity_pct_mt,
        body.train_duration_s,
        body.inter_train_interval_s,
        body.trains,
    ).to_dict()


@router.post(
    "/tms/intensity",
    response_model=schemas.Intensity,
    response_model_exclude_unset=True,
    summary="Treatment intensity (%MSO) from MT and %MT",
)
def intensity(
    _: Annotated[Principal, Depends(Require("tms.tools"))], body: IntensityIn
) -> dict[str, Any]:
    return treatment_intensity(body.mt_pct_mso, body.pct_mt, depth=depth_of(body.depth)).to_dict()


@router.post(
    "/tms/mt/simulate",
    response_model=schemas.SimulatedHunt,
    response_model_exclude_unset=True,
    summary="One ML-PEST hunt on a seeded virtual subject",
)
def mt_simulate(
    _: Annotated[Principal, Depends(Require("tms.tools"))], body: SimulateIn
) -> dict[str, Any]:
    return simulate_hunt(
        body.true_mt_pct_mso,
        body.seed,
        start_pct_mso=body.start_pct_mso,
        max_pulses=body.max_pulses,
    ).to_dict()


@router.get(
    "/tms/screening",
    response_model=schemas.ScreeningCatalogue,
    response_model_exclude_unset=True,
    summary="Screening questionnaires and the findings catalogue",
)
def screening(_: Annotated[Principal, Depends(Require("tms.tools"))]) -> dict[str, Any]:
    return {
        "questionnaires": [q.to_dict() for q in questionnaires()],
        "findings": list(finding_catalogue().values()),
    }


# a patient's TMS pathway ------------------------------------------------------------------
@router.get(
    "/patients/{ref}/tms",
    response_model=schemas.Overview,
    response_model_exclude_unset=True,
    summary="Latest screen, threshold hunt and current course",
)
def patient_tms(
    db: Db, principal: Annotated[Principal, Depends(Require("tms.read"))], ref: PatientRef
) -> dict[str, Any]:
    return overview(db, principal, _patient(db, principal, ref, "tms"))


@router.post(
    "/patients/{ref}/tms/screens",
    status_code=201,
    response_model=schemas.Screen,
    response_model_exclude_unset=True,
    summary="Record a safety screen: verdict contraindicated / caution / clear, with reasons",
)
def create_screen(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.screen"))],
    ref: PatientRef,
    body: ScreenIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "tms_screen")
    row, _ = tms_service.record_screen(
        db,
        principal.actor,
        patient,
        instrument=body.instrument,
        answers=body.answers,
        findings=[RecordedFinding(f.id, f.detail) for f in body.findings],
        extra_medications=body.extra_medications,
        screened_on=body.screened_on,
    )
    return tms_service.screen_to_dict(row)


@router.post(
    "/patients/{ref}/tms/screens/acknowledge",
    response_model=schemas.Screen,
    response_model_exclude_unset=True,
    summary="The signed-in physician acknowledges the latest 'caution' screen",
)
def acknowledge_screen(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.acknowledge"))],
    ref: PatientRef,
    body: AcknowledgeIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "tms_screen")
    row = tms_service.acknowledge_screen(
        db, principal.actor, patient, physician=who(principal), note=body.note
    )
    return tms_service.screen_to_dict(row)


@router.post(
    "/patients/{ref}/tms/mt",
    response_model=schemas.Hunt,
    response_model_exclude_unset=True,
    summary="ML-PEST motor-threshold hunt: open it (start_pct_mso) or record one MEP",
)
def mt_step(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.deliver"))],
    ref: PatientRef,
    body: MtStepIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "tms_mt")
    row = tms_service.mt_step(
        db,
        principal.actor,
        patient,
        start_pct_mso=body.start_pct_mso,
        mep=body.mep,
        intensity_pct_mso=body.intensity_pct_mso,
        max_pulses=body.max_pulses,
    )
    return tms_service.mt_to_dict(row)


@router.post(
    "/patients/{ref}/tms/plan",
    status_code=201,
    response_model=schemas.Course,
    response_model_exclude_unset=True,
    summary="Plan a course: protocol, target, intensity from the MT, calendar",
)
def plan_course(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.plan"))],
    ref: PatientRef,
    body: PlanIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "tms_plan")
    override = (
        PhysicianOverride(who(principal), body.override_reason) if body.override_reason else None
    )
    tms_service.plan(
        db,
        principal.actor,
        patient,
        protocol_key=body.protocol,
        start=body.start,
        acute_sessions=body.acute_sessions,
        include_taper=body.include_taper,
        closures=body.closures,
        skipped_days=body.skipped_days,
        first_session_at=body.first_session_at,
        time_zone=body.time_zone,
        mt_pct_mso=body.mt_pct_mso,
        depth=depth_of(body.depth),
        target=target_spec(body.target),
        override=override,
        primary_scale=body.primary_scale,
    )
    return tms_service.status(db, principal.actor, patient)


@router.get(
    "/patients/{ref}/tms/course",
    response_model=schemas.Course,
    response_model_exclude_unset=True,
    summary="The current course: calendar, planned vs delivered, events, reviews",
)
def course(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.read"))],
    ref: PatientRef,
    as_of: Annotated[date | None, Query()] = None,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "tms_course")
    return tms_service.status(db, principal.actor, patient, as_of=as_of)


@router.post(
    "/patients/{ref}/tms/sessions",
    status_code=201,
    response_model=schemas.LoggedSession,
    response_model_exclude_unset=True,
    summary="Log a delivered session (pre-filled from the plan, checked against the limits)",
)
def log_session(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.deliver"))],
    ref: PatientRef,
    body: SessionIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "tms_session")
    data = body.model_dump(exclude={"delivered_at"}, exclude_none=True)
    data["operator"] = who(principal)
    data["adverse_events"] = [e.model_dump() for e in body.adverse_events]
    entry, transition = tms_service.log_session(
        db, principal.actor, patient, data, delivered_at=body.delivered_at
    )
    return tms_service.session_to_dict(entry, transition)


@router.post(
    "/patients/{ref}/tms/adverse-events",
    status_code=201,
    response_model=schemas.AdverseEventReport,
    response_model_exclude_unset=True,
    summary="Report adverse events outside a session (a serious one pauses the course)",
)
def report_adverse_event(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.adverse_event"))],
    ref: PatientRef,
    body: AdverseEventReportIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "tms_adverse_event")
    rows, transition = tms_service.report_adverse_event(
        db, principal.actor, patient, body.model_dump()
    )
    return {
        "adverse_events": [tms_service.adverse_event_to_dict(r) for r in rows],
        "course": transition.to_dict(),
    }


@router.post(
    "/patients/{ref}/tms/adverse-events/acknowledge",
    response_model=schemas.AcknowledgedEvents,
    response_model_exclude_unset=True,
    summary="The signed-in physician acknowledges the course's serious adverse events",
)
def acknowledge_adverse_events(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.review"))],
    ref: PatientRef,
    body: AcknowledgeIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "tms_adverse_event")
    rows = tms_service.acknowledge_adverse_events(
        db, principal.actor, patient, physician=who(principal), note=body.note
    )
    return {"adverse_events": [tms_service.adverse_event_to_dict(r) for r in rows]}


@router.get(
    "/patients/{ref}/tms/sessions",
    response_model=list[schemas.SessionLog],
    response_model_exclude_unset=True,
    summary="Delivered sessions of the current course",
)
def sessions(
    db: Db, principal: Annotated[Principal, Depends(Require("tms.read"))], ref: PatientRef
) -> Any:
    patient = _patient(db, principal, ref, "tms_sessions")
    repo = TmsRepository(db)
    plan = repo.current_plan(patient.id)
    if plan is None:
        raise NotFound("course: this patient has no TMS course")
    logs = repo.session_logs(plan.id)
    audit.record(
        db,
        principal.actor,
        "read",
        "tms_session_log",
        patient_ref=patient.ref,
        detail={"count": len(logs)},
    )
    return logs


@router.post(
    "/patients/{ref}/tms/pause-review",
    response_model=schemas.PauseReview,
    response_model_exclude_unset=True,
    summary="The signed-in physician resumes or stops a paused course",
)
def pause_review(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.review"))],
    ref: PatientRef,
    body: PauseReviewIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "tms_review")
    review, transition = tms_service.resolve_pause(
        db,
        principal.actor,
        patient,
        physician=who(principal),
        decision=body.decision,
        note=body.note,
        resume_on=body.resume_on,
    )
    return {**schemas.Review.model_validate(review).as_json(), "course": transition.to_dict()}


@router.post(
    "/patients/{ref}/tms/reviews",
    status_code=201,
    response_model=schemas.Review,
    response_model_exclude_unset=True,
    summary="Decision-point suggestions from the course's ratings (stored as pending)",
)
def create_review(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.review"))],
    ref: PatientRef,
    body: ReviewIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "tms_review")
    entry, _ = tms_service.decision_review(db, principal.actor, patient, scale=body.scale)
    return schemas.Review.model_validate(entry).as_json()


@router.post(
    "/patients/{ref}/tms/reviews/decide",
    response_model=schemas.Review,
    response_model_exclude_unset=True,
    summary="The signed-in clinician accepts or declines the pending suggestion (signed off)",
)
def decide(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.review"))],
    ref: PatientRef,
    body: DecideIn,
) -> dict[str, Any]:
    patient = _patient(db, principal, ref, "tms_review")
    entry, _ = tms_service.decide(
        db,
        principal.actor,
        patient,
        decision=body.decision,
        by=who(principal),
        note=body.note,
        action=body.action,
        resume_on=body.resume_on,
    )
    return schemas.Review.model_validate(entry).as_json()
