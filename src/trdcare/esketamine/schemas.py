"""Typed answers of the esketamine API: what each route returns, described in the OpenAPI
document. Each mirrors a stored record (course, session, observation) or a domain result
(eligibility, discharge readiness, the REMS form's content); explanations keep the house
shape (a reason names the rule, the finding, the inputs and the sources with their status).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from trdcare.core.outputs import ResponseModel


class Source(ResponseModel):
    citation: str
    status: str
    where: str = ""
    tag: str = ""


class Reason(ResponseModel):
    rule: str
    finding: str
    inputs: dict[str, Any]
    sources: list[Source]
    status: str


class Label(ResponseModel):
    name: str
    version: str
    effective_date: str | None
    first_approved: str
    status: str
    catalogue_version: str


class EligibilityFinding(ResponseModel):
    id: str
    kind: str
    text: str
    status: str
    reason: Reason


class Eligibility(ResponseModel):
    verdict: str
    needs_signoff: bool
    blocks: list[EligibilityFinding]
    warnings: list[EligibilityFinding]
    answers: dict[str, bool]
    trd_status: str
    population: str
    label: Label
    status: str


class Question(ResponseModel):
    id: str
    kind: str
    question: str
    text: str
    status: str
    tag: str


class Signature(ResponseModel):
    by: str | None
    at: str | None
    note: str | None = None


class ScheduledSession(ResponseModel):
    number: int
    week: int
    date: str
    phase: str
    first_dose: bool


class Vitals(ResponseModel):
    systolic_mmhg: int | None
    diastolic_mmhg: int | None
    pulse_bpm: int | None
    spo2_pct: int | None


class BpCheck(ResponseModel):
    systolic_mmhg: int
    diastolic_mmhg: int
    verdict: str
    needs_prescriber_signoff: bool
    blocks_dosing: bool
    findings: list[str]
    status: str
    reasons: list[Reason]


class Concomitant(ResponseModel):
    name: str
    drug_class: str
    effect: str
    reason: Reason


class Observation(ResponseModel):
    id: int
    observed_at: str
    minutes_after_dose: int | None
    purpose: str
    sedation: bool
    dissociation: bool
    respiratory_depression: bool
    systolic_mmhg: int | None
    diastolic_mmhg: int | None
    pulse_bpm: int | None
    spo2_pct: int | None
    respiratory_rate_per_min: int | None
    note: str
    recorded_by: str
    version: int


class Discharge(ResponseModel):
    systolic_mmhg: int | None
    diastolic_mmhg: int | None
    pulse_bpm: int | None
    spo2_pct: int | None
    sedation_resolved: bool | None
    dissociation_resolved: bool | None
    respiratory_depression_resolved: bool | None
    safe_transport: bool | None
    by: str | None
    at: str | None
    note: str | None
    bp_elevated: bool | None = Field(
        description="The discharge reading was above the elevated threshold (the discharging "
        "clinician confirmed it was reviewed); the rule is UNVERIFIED"
    )
    bp_findings: list[str]
    bp_rule_status: str | None


class RemsTask(ResponseModel):
    session_ref: str
    session_number: int
    due: str
    state: str
    submitted_at: str | None
    submitted_by: str | None


class Session(ResponseModel):
    """One session from check-in to discharge."""

    ref: str
    number: int
    phase: str
    status: str
    version: int
    retired: bool
    retired_reason: str | None
    checked_in_at: str | None
    predose: Vitals
    bp_check: BpCheck
    bp_signoff: Signature | None
    medications: list[str]
    concomitant: list[Concomitant]
    first_treatment: bool
    dose_mg: int | None
    devices: int | None
    lot: str | None
    device_times: list[str]
    device_flags: list[str]
    administered_by: str | None
    monitoring_start: str | None
    monitoring_end: str | None
    observations: list[Observation]
    discharge: Discharge | None
    signed: Signature | None
    rems: RemsTask | None
    note: str


class Course(ResponseModel):
    """The current esketamine course: eligibility, calendar and sessions."""

    course_ref: str
    population: str
    maintenance: str
    start_date: str
    weeks: int
    status: str
    eligibility: Eligibility
    eligibility_verdict: str
    signoff: Signature | None
    schedule: list[ScheduledSession]
    label: Label
    sessions: list[Session]
    delivered_sessions: int
    course_status: str = Field(
        description="The treatment course's status: active, paused (after a serious adverse "
        "event, until a physician's review), stopped or completed"
    )
    course_alerts: list[str] = Field(
        description="Open alerts of the courses room: course_paused, serious_adverse_event"
    )


class Readiness(ResponseModel):
    ready: bool
    monitored_min: int
    minimum_min: int
    earliest_discharge: str
    unmet: list[str]
    status: str
    reasons: list[Reason]


class RemsRule(ResponseModel):
    text: str
    status: str
    where: str


class RemsForm(ResponseModel):
    """The REMS Patient Monitoring Form's content, generated from the session."""

    session_ref: str
    verified_fields: dict[str, Any]
    unverified_fields: dict[str, Any]
    due: str | None
    task: RemsTask | None
    rule: RemsRule
    status_note: str


class ObservationState(ResponseModel):
    id: int
    version: int
    retired_reason: str | None


class Correction(ResponseModel):
    ref: str
    version: int
    changed: list[str]


class SessionAdverseEvent(ResponseModel):
    id: int
    occurred_on: str
    kind: str
    severity: str
    serious: bool
    serious_criteria: list[str]
    description: str
    acknowledged_by: str | None


class ReportedAdverseEvent(ResponseModel):
    """An adverse event reported from a session, and what it did to the course."""

    event: SessionAdverseEvent
    paused: bool
    course_status: str
