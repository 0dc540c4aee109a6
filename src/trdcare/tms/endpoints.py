"""JSON API of the TMS room: calculators and the protocol library (no patient data), and a
patient's safety screen, motor-threshold hunt, course plan and calendar, session log,
adverse events and decision-point reviews.

Who acts is the signed-in user: the acknowledging physician, the physician overriding a
safety limit, the operator of a session and the clinician deciding a review are taken from
the credentials, never typed in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Annotated, Any, ClassVar, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal, Require, who
from trdcare.adapters.web.corrections import (
    RecordStateOut,
    RetireIn,
    VersionOut,
    state_out,
    versions_out,
)
from trdcare.adapters.web.db import Db
from trdcare.audit import service as audit
from trdcare.core.errors import NotFound
from trdcare.core.inputs import (
    REASON_MAX_CHARS,
    ClinicalNote,
    InputModel,
    Label,
    PlannedDate,
    Reason,
    RequiredNote,
    TimeZoneName,
    within,
)
from trdcare.core.text import check_free_text, check_single_line_text
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
from trdcare.tms.domain.sessions import SESSION_LIMITS
from trdcare.tms.domain.targeting import HEAD_MEASUREMENT_LIMITS
from trdcare.tms.domain.threshold import ML_PEST_LIMITS, MT_LIMITS
from trdcare.tms.repository import TmsRepository

router = APIRouter(tags=["tms"])

Side = Literal["left", "right"]
ProtocolId = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")]


class _In(InputModel):
    """Base of the TMS room's input models (API bodies and page forms alike)."""


# A page form's adverse-event rows: ae_<i>_kind, ae_<i>_severity, ae_<i>_serious (a
# checkbox), ae_<i>_description; a row without a kind is an empty row.
AE_FORM_ROWS = 3


def _split(text: str | list[Any], separators: str) -> list[Any]:
    """A page's one-line list (``"a, b"``) as entries; FastAPI hands a list field's form
    value over as a list of the one string typed."""
    parts = text if isinstance(text, list) else [text]
    out: list[Any] = []
    for part in parts:
        if isinstance(part, str):
            out += [p.strip() for p in re.split(f"[{separators}]", part) if p.strip()]
        else:
            out.append(part)
    return out


def _adverse_events_from_form(data: dict[str, Any]) -> dict[str, Any]:
    """Gather a page form's ``ae_<i>_*`` fields into ``adverse_events`` (other keys kept)."""
    if not any(k.startswith("ae_") for k in data):
        return data
    events = []
    for i in range(AE_FORM_ROWS):
        row = {k: data.pop(f"ae_{i}_{k}", None) or None for k in AE_FORM_FIELDS}
        if row["kind"]:
            event = {k: v for k, v in row.items() if v is not None}
            event["serious"] = True if row["serious"] is not None else None
            events.append(event)
    return {**data, "adverse_events": events}


AE_FORM_FIELDS = ("kind", "severity", "serious", "description")


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
    m1_depth_mm: float = Field(title="Depth at the motor hotspot (mm)")
    target_depth_mm: float = Field(title="Depth at the target (mm)")


class IntensityIn(_In):
    mt_pct_mso: float
    pct_mt: float = Field(description="Protocol intensity in % MT, e.g. 120")
    depth: DepthIn | None = None


class FindingIn(_In):
    id: str = Field(min_length=1, max_length=60, title="Finding")
    detail: Annotated[str, Field(max_length=REASON_MAX_CHARS), AfterValidator(check_free_text)] = (
        Field(default="", title="Detail")
    )


class ScreenIn(_In):
    """A safety screen. The page's form (``item_<id>`` yes/no radios, ``finding_<id>``
    checkboxes with ``detail_<id>``, comma-separated other medications) is read as the same
    input."""

    instrument: str = Field(default="rossi2011", max_length=40, title="Questionnaire")
    answers: dict[str, bool] = Field(
        default_factory=dict, title="Answers", description="Item id -> yes (true) / no (false)"
    )
    findings: list[FindingIn] = Field(default_factory=list, max_length=50, title="Findings")
    extra_medications: list[Label] = Field(
        default_factory=list, max_length=50, title="Other current medications"
    )
    screened_on: date | None = Field(default=None, title="Screened on")

    # "items.<key>" is how the scale's own rules name a question (assessments.domain.scoring).
    item_labels: ClassVar[dict[str, str]] = {"answers": "Question {key}", "items": "Question {key}"}

    @model_validator(mode="before")
    @classmethod
    def _from_page_form(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or "answers" in data:
            return data
        rest = {k: v for k, v in data.items() if v != ""}  # an empty box is not given
        answers = {k[5:]: rest.pop(k) for k in list(rest) if k.startswith("item_")}
        ticked = [k[8:] for k in list(rest) if k.startswith("finding_")]
        findings = [
            {"id": fid, "detail": rest.get(f"detail_{fid}", "")}
            for fid in ticked
            if rest.pop(f"finding_{fid}") in ("on", True)
        ]
        for key in [k for k in rest if k.startswith("detail_")]:
            rest.pop(key)
        if "extra_medications" in rest:
            rest["extra_medications"] = _split(rest["extra_medications"], ",;")
        return {**rest, "answers": answers, "findings": findings}


class AcknowledgeIn(_In):
    note: RequiredNote = Field(title="Your reasoning", description="The physician's reasoning")


def _head_measurement(name: str, title: str) -> Any:
    """A Beam F3 head measurement, bounded by the calculator's own input envelope."""
    limits = HEAD_MEASUREMENT_LIMITS[name]
    return Field(default=None, ge=limits.low, le=limits.high, title=title, validate_default=True)


class TargetIn(_In):
    method: Literal["beam_f3", "hotspot_rule"] = Field(title="Target method")
    side: Side = Field(default="left", title="Side")
    tragus_tragus_cm: float | None = _head_measurement("tragus_tragus_cm", "Tragus to tragus (cm)")
    nasion_inion_cm: float | None = _head_measurement("nasion_inion_cm", "Nasion to inion (cm)")
    circumference_cm: float | None = _head_measurement(
        "circumference_cm", "Head circumference (cm)"
    )

    @field_validator("tragus_tragus_cm", "nasion_inion_cm", "circumference_cm")
    @classmethod
    def _needed_for_beam_f3(cls, value: float | None, info: ValidationInfo) -> float | None:
        # Checked with the form's other fields, so every missing measurement is said at once
        # (before, an empty one reached the calculator as "out of range").
        if value is None and info.data.get("method") == "beam_f3":
            raise ValueError("is required for the Beam F3 method")
        return value


class PlanIn(_In):
    """A course plan. The plan page's flat form (``target_method``, ``side`` and the head
    measurements; the two depths; comma-separated dates; the taper checkbox) is read as the
    same input, so every problem of the form is reported at once."""

    protocol: str = Field(min_length=1, max_length=60, title="Protocol")
    start: PlannedDate = Field(title="First treatment day")
    acute_sessions: int | None = Field(default=None, ge=1, le=200, title="Acute sessions")
    include_taper: bool = Field(default=True, title="Include the taper")
    closures: list[date] = Field(default_factory=list, max_length=200, title="Clinic closures")
    skipped_days: list[date] = Field(
        default_factory=list, max_length=200, title="Days the patient cannot come"
    )
    first_session_at: time = Field(default=time(9, 0), title="First session time")
    time_zone: TimeZoneName = Field(default="UTC", title="Time zone")
    mt_pct_mso: Annotated[float | None, within(MT_LIMITS["mt_pct_mso"])] = Field(
        default=None, title="Motor threshold (% MSO)"
    )
    depth: DepthIn | None = None
    target: TargetIn | None = None
    override_reason: ClinicalNote | None = Field(
        default=None,
        title="Physician override reason",
        description="Needed to plan a protocol past the safety limits (physician override)",
    )
    primary_scale: Literal["phq9", "qids_sr16", "hamd17", "madrs"] = Field(
        default="phq9", title="Primary outcome scale"
    )

    @model_validator(mode="before")
    @classmethod
    def _from_page_form(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or "target_method" not in data:
            return data
        # The gathered fields are not the model's own, so FastAPI hands them over as typed,
        # an empty box included: empty is "not given", as for the model's own fields.
        rest = {k: v for k, v in data.items() if v != ""}
        target = {"method": rest.pop("target_method", None)}
        for key in ("side", "tragus_tragus_cm", "nasion_inion_cm", "circumference_cm"):
            if key in rest:
                target[key] = rest.pop(key)
        depth = {k: rest.pop(k) for k in ("m1_depth_mm", "target_depth_mm") if k in rest}
        for key in ("closures", "skipped_days"):
            if key in rest:
                rest[key] = _split(rest[key], ",;")
        # An unticked checkbox is not sent at all: on the page, absent means no taper.
        rest["include_taper"] = rest.get("include_taper", False)
        return {**rest, "target": target, **({"depth": depth} if depth else {})}


# How the plan page names the nested fields (flat_paths).
PLAN_FORM_PATHS = {"target.method": "target_method", "target.": "", "depth.": ""}


class MtStepIn(_In):
    start_pct_mso: Annotated[float | None, within(ML_PEST_LIMITS["start_pct_mso"])] = Field(
        default=None, title="Start intensity (% MSO)", description="Open a hunt here"
    )
    mep: bool | None = Field(
        default=None, title="MEP", description="MEP present after the last stimulus"
    )
    intensity_pct_mso: Annotated[float | None, within(ML_PEST_LIMITS["intensity_pct_mso"])] = Field(
        default=None,
        title="Intensity given (% MSO)",
        description="The intensity actually given (default: the proposed one)",
    )
    max_pulses: int | None = Field(default=None, ge=1, le=200, title="Stop after (pulses)")


class AdverseEventIn(_In):
    kind: str = Field(max_length=40, title="Event")
    severity: Literal["mild", "moderate", "severe"] = Field(title="Severity")
    serious: bool | None = Field(default=None, title="Serious")
    description: ClinicalNote = Field(default="", title="Description")


class AdverseEventReportIn(_In):
    occurred_on: date = Field(
        title="Date it happened", description="The day the events happened (not in the future)"
    )
    adverse_events: list[AdverseEventIn] = Field(
        min_length=1, max_length=10, title="Adverse events"
    )

    @model_validator(mode="before")
    @classmethod
    def _from_page_form(cls, data: Any) -> Any:
        return _adverse_events_from_form(dict(data)) if isinstance(data, Mapping) else data


class SessionIn(_In):
    """A delivered session. The session page's form (``;``-separated interruptions, the
    side-effect checkboxes, the adverse-event rows) is read as the same input."""

    session_number: Annotated[int | None, within(SESSION_LIMITS["session_number"])] = Field(
        default=None, title="Session number", description="Default: the next one"
    )
    planned_pulses: Annotated[int | None, within(SESSION_LIMITS["planned_pulses"])] = Field(
        default=None, title="Planned pulses", description="Default: the protocol's"
    )
    pulses_delivered: Annotated[int, within(SESSION_LIMITS["pulses_delivered"])] = Field(
        title="Pulses delivered"
    )
    excess_reason: Reason | None = Field(default=None, title="Reason for the extra pulses")
    intensity_pct_mso: Annotated[float | None, within(SESSION_LIMITS["intensity_pct_mso"])] = Field(
        default=None, title="Intensity (% MSO)", description="Default: the plan's"
    )
    mt_pct_mso: Annotated[float | None, within(SESSION_LIMITS["mt_pct_mso"])] = Field(
        default=None, title="Motor threshold in use (% MSO)", description="Default: the plan's MT"
    )
    trains_delivered: Annotated[int | None, within(SESSION_LIMITS["trains_delivered"])] = Field(
        default=None, title="Trains delivered"
    )
    coil: Annotated[str, Field(max_length=80), AfterValidator(check_single_line_text)] = Field(
        default="", title="Coil"
    )
    device: Annotated[str, Field(max_length=80), AfterValidator(check_single_line_text)] = Field(
        default="", title="Device"
    )
    target: Annotated[str, Field(max_length=80), AfterValidator(check_single_line_text)] = Field(
        default="", title="Target"
    )
    mt_rechecked: bool = Field(default=False, title="Motor threshold re-checked")
    interruptions: list[Annotated[str, Field(max_length=200), AfterValidator(check_free_text)]] = (
        Field(default_factory=list, max_length=20, title="Interruptions")
    )
    side_effects: list[
        Annotated[str, Field(max_length=40), AfterValidator(check_single_line_text)]
    ] = Field(default_factory=list, max_length=10, title="Side effects")
    adverse_events: list[AdverseEventIn] = Field(
        default_factory=list, max_length=10, title="Adverse events"
    )
    delivered_at: datetime | None = Field(default=None, title="Delivered at")

    @model_validator(mode="before")
    @classmethod
    def _from_page_form(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        page_form = any(str(k).startswith("ae_") for k in data)  # the rows' selects
        rest = _adverse_events_from_form(dict(data))
        if page_form and "interruptions" in rest:  # one line, separated with ";"
            rest["interruptions"] = _split(rest["interruptions"], ";")
        return rest


class PauseReviewIn(_In):
    decision: Literal["resume", "stop"] = Field(title="Decision")
    note: RequiredNote = Field(title="Review note")
    resume_on: date | None = Field(default=None, title="Resume on")


class DecideIn(_In):
    decision: Literal["accept", "decline"] = Field(title="Decision")
    action: (
        Literal["continue", "consider_protocol_change", "extend", "begin_taper", "stop"] | None
    ) = Field(default=None, title="Action")
    note: ClinicalNote = Field(default="", title="Note")
    resume_on: date | None = Field(default=None, title="Resume on")


class ReviewIn(_In):
    scale: Literal["phq9", "qids_sr16", "hamd17", "madrs"] | None = Field(
        default=None, title="Scale"
    )


def session_entry(body: SessionIn, principal: Principal) -> dict[str, Any]:
    """The session log entry of a parsed session form or body (the plan fills the gaps)."""
    data = body.model_dump(exclude={"delivered_at"}, exclude_none=True)
    data["operator"] = who(principal)
    data["adverse_events"] = [e.model_dump() for e in body.adverse_events]
    return data


def plan_course_from(db: Session, principal: Principal, patient: Patient, body: PlanIn) -> None:
    """Plan the course a parsed plan form or body describes (one call for page and API)."""
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
    plan_course_from(db, principal, patient, body)
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
    entry, transition = tms_service.log_session(
        db, principal.actor, patient, session_entry(body, principal), delivered_at=body.delivered_at
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


# cancel, stop, corrections and entered-in-error --------------------------------------------
SessionNumber = Annotated[int, Path(ge=1, le=2**31 - 1, description="The session's number")]
EventId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The adverse event's id")]


class CourseChangeOut(BaseModel):
    """The course after a cancellation or stop."""

    status: str
    version: int
    delivered_sessions: int
    planned_sessions: int
    reason: str


class SessionCorrectionIn(RetireIn):
    """The details to correct (only those given change); the rest as logged."""

    delivered_at: datetime | None = None
    planned_pulses: int | None = None
    pulses_delivered: int | None = None
    excess_reason: str | None = Field(default=None, max_length=500)
    intensity_pct_mso: float | None = None
    mt_pct_mso: float | None = None
    trains_delivered: int | None = None
    coil: str | None = Field(default=None, max_length=80)
    device: str | None = Field(default=None, max_length=80)
    target: str | None = Field(default=None, max_length=80)
    mt_rechecked: bool | None = None
    interruptions: list[Annotated[str, Field(max_length=200)]] | None = Field(
        default=None, max_length=20
    )
    side_effects: list[Annotated[str, Field(max_length=40)]] | None = Field(
        default=None, max_length=10
    )


class CorrectionOut(BaseModel):
    """A corrected record: its new version and what changed."""

    record: RecordStateOut
    changed: list[str]
    course_status: str


class AdverseEventCorrectionIn(RetireIn):
    kind: str | None = Field(default=None, max_length=40)
    severity: Literal["mild", "moderate", "severe"] | None = None
    serious: bool | None = None
    description: str | None = Field(default=None, max_length=1000)
    occurred_on: date | None = None


class RetiredOut(BaseModel):
    record: RecordStateOut
    course_status: str


def _changes(body: RetireIn) -> dict[str, Any]:
    return body.model_dump(exclude_unset=True, exclude={"reason", "version"})


@router.post(
    "/patients/{ref}/tms/course/cancel",
    summary="Cancel the current course before its first session (with a reason)",
)
def cancel_course(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.cancel"))],
    ref: PatientRef,
    body: RetireIn,
) -> CourseChangeOut:
    patient = _patient(db, principal, ref, "tms_cancel")
    row = tms_service.cancel_course(
        db, principal.actor, patient, reason=body.reason, expected_version=body.version
    )
    return CourseChangeOut(
        status=row.status,
        version=row.version,
        delivered_sessions=row.delivered_sessions,
        planned_sessions=row.planned_sessions,
        reason=row.retired_reason or "",
    )


@router.post(
    "/patients/{ref}/tms/course/stop",
    summary="Stop the current course that began, before its planned end (with a reason)",
)
def stop_course(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.cancel"))],
    ref: PatientRef,
    body: RetireIn,
) -> CourseChangeOut:
    patient = _patient(db, principal, ref, "tms_stop")
    row, transition = tms_service.stop_course(
        db, principal.actor, patient, reason=body.reason, expected_version=body.version
    )
    return CourseChangeOut(
        status=row.status,
        version=row.version,
        delivered_sessions=row.delivered_sessions,
        planned_sessions=row.planned_sessions,
        reason=transition.reasons[0].finding,
    )


@router.post(
    "/patients/{ref}/tms/sessions/{number}/correct",
    summary="Correct a session's details: a new version, the old one kept with the reason",
)
def correct_session(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.correct"))],
    ref: PatientRef,
    number: SessionNumber,
    body: SessionCorrectionIn,
) -> CorrectionOut:
    patient = _patient(db, principal, ref, "tms_session_correct")
    entry, changed = tms_service.correct_session(
        db,
        principal.actor,
        patient,
        number,
        _changes(body),
        reason=body.reason,
        expected_version=body.version,
        as_role=principal.role,
    )
    return CorrectionOut(
        record=state_out(entry),
        changed=sorted(changed),
        course_status=tms_service.course_status(db, patient),
    )


@router.post(
    "/patients/{ref}/tms/sessions/{number}/entered-in-error",
    summary="Mark the latest session entered in error: kept, no longer counted as given",
)
def retire_session(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.correct"))],
    ref: PatientRef,
    number: SessionNumber,
    body: RetireIn,
) -> RetiredOut:
    patient = _patient(db, principal, ref, "tms_session_retire")
    entry, transition = tms_service.retire_session(
        db,
        principal.actor,
        patient,
        number,
        reason=body.reason,
        expected_version=body.version,
        as_role=principal.role,
    )
    return RetiredOut(record=state_out(entry), course_status=transition.state.status)


@router.get(
    "/patients/{ref}/tms/sessions/{number}/versions",
    summary="The earlier versions of a session: who corrected it, when and why",
)
def session_versions(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.read"))],
    ref: PatientRef,
    number: SessionNumber,
) -> list[VersionOut]:
    patient = _patient(db, principal, ref, "tms_session_versions")
    _, entries = tms_service.session_versions(db, principal.actor, patient, number)
    return versions_out(entries)


@router.post(
    "/patients/{ref}/tms/adverse-events/{event_id}/correct",
    summary="Correct an adverse event (made not serious: physician only)",
)
def correct_adverse_event(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.correct"))],
    ref: PatientRef,
    event_id: EventId,
    body: AdverseEventCorrectionIn,
) -> CorrectionOut:
    patient = _patient(db, principal, ref, "tms_adverse_event_correct")
    event, changed, transition = tms_service.correct_adverse_event(
        db,
        principal.actor,
        patient,
        event_id,
        _changes(body),
        reason=body.reason,
        expected_version=body.version,
        as_role=principal.role,
        physician=who(principal),
    )
    status = transition.state.status if transition else tms_service.course_status(db, patient)
    return CorrectionOut(record=state_out(event), changed=sorted(changed), course_status=status)


@router.post(
    "/patients/{ref}/tms/adverse-events/{event_id}/entered-in-error",
    summary="Mark an adverse event entered in error (a serious one: physician only)",
)
def retire_adverse_event(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.correct"))],
    ref: PatientRef,
    event_id: EventId,
    body: RetireIn,
) -> RetiredOut:
    patient = _patient(db, principal, ref, "tms_adverse_event_retire")
    event = tms_service.retire_adverse_event(
        db,
        principal.actor,
        patient,
        event_id,
        reason=body.reason,
        expected_version=body.version,
        as_role=principal.role,
        physician=who(principal),
    )
    return RetiredOut(record=state_out(event), course_status=tms_service.course_status(db, patient))


@router.get(
    "/patients/{ref}/tms/adverse-events/{event_id}/versions",
    summary="The earlier versions of an adverse event: who corrected it, when and why",
)
def adverse_event_versions(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.read"))],
    ref: PatientRef,
    event_id: EventId,
) -> list[VersionOut]:
    patient = _patient(db, principal, ref, "tms_adverse_event_versions")
    _, entries = tms_service.adverse_event_versions(db, principal.actor, patient, event_id)
    return versions_out(entries)
