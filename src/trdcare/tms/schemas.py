"""Typed answers of the TMS API: what each route returns, described in the OpenAPI document.

Each model mirrors a domain result (calculators, safety checks, protocols, the ML-PEST hunt,
decision-point suggestions) or a stored record (screens, sessions, adverse events, reviews).
Explanations keep their shape everywhere: a :class:`Reason` names the rule, the finding, the
inputs and the sources with their status.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import AliasChoices, Field, computed_field

from trdcare.core.outputs import IsoDateTime, Number, ResponseModel
from trdcare.tms.domain import review_moment


# provenance ---------------------------------------------------------------------------------
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


class Explained(ResponseModel):
    status: str
    reasons: list[Reason]


# calculators ----------------------------------------------------------------------------------
class HeadMeasurements(ResponseModel):
    tragus_tragus_cm: Number
    nasion_inion_cm: Number
    circumference_cm: Number


class Target(ResponseModel):
    """A scalp target: Beam F3/F4 (``site``, x/y in cm) or the hotspot rule (``rule``); a
    course planned without one shows an empty object."""

    method: str | None = None
    side: str | None = None
    status: str | None = None
    reasons: list[Reason] | None = None
    site: str | None = None
    x_cm: Number | None = None
    y_cm: Number | None = None
    theta_deg: Number | None = None
    x_meaning: str | None = None
    y_meaning: str | None = None
    measurements: HeadMeasurements | None = None
    rule: str | None = None
    distance_cm: Number | None = None
    instruction: str | None = None


class DepthAdjustment(ResponseModel):
    m1_depth_mm: Number
    target_depth_mm: Number
    gradient: str
    gradient_pct_mso_per_mm: Number


class Intensity(Explained):
    mt_pct_mso: Number
    adjusted_mt_pct_mso: Number
    pct_mt: Number
    intensity_pct_mso: Number
    unclipped_pct_mso: Number
    clipped: bool
    depth: DepthAdjustment | None
    warnings: list[str]


class TableCell(ResponseModel):
    frequency_hz: Number
    intensity_pct_mt: Number
    max_train_s: Number
    kind: str
    notation: str


class TrainCheck(ResponseModel):
    reasons: list[Reason]
    check: str
    frequency_hz: Number
    intensity_pct_mt: Number
    train_duration_s: Number
    verdict: str
    within_limits: bool
    max_train_s: Number
    cell: TableCell
    lookup: str
    table_id: str
    table_version: str
    table_status: str


class ItiCheck(Explained):
    check: str
    inter_train_interval_s: Number | None
    trains: int
    verdict: str
    within_limits: bool
    minimum_s: Number


class ParameterCheck(ResponseModel):
    within_limits: bool
    verdict: str
    max_train_s: Number
    pulses: int
    session_s: Number
    table_status: str
    cell: TableCell
    lookup: str
    train: TrainCheck
    iti: ItiCheck
    reasons: list[Reason]


class HuntTrial(ResponseModel):
    intensity_pct_mso: Number
    mep: bool


class SimulatedHunt(ResponseModel):
    seed: int
    true_mt_pct_mso: Number
    start_pct_mso: Number
    estimate_pct_mso: Number
    error_pct_mso: Number
    pulses: int
    stop_reason: str
    trials: list[HuntTrial]


# screening ----------------------------------------------------------------------------------
class ScreeningItem(ResponseModel):
    id: str
    number: int
    text: str
    secondary_text: str | None = None
    on_yes: str
    findings: list[str]
    source: Source
    status: str


class Questionnaire(ResponseModel):
    id: str
    name: str
    status: str
    note: str
    version: str
    items: list[ScreeningItem]


class FindingDefinition(ResponseModel):
    id: str
    label: str
    klass: str = Field(
        validation_alias=AliasChoices("klass", "class"),
        serialization_alias="class",
        description="contraindicated or caution",
    )
    requires_detail: bool


class ScreeningCatalogue(ResponseModel):
    questionnaires: list[Questionnaire]
    findings: list[FindingDefinition]


class Screen(Explained):
    """A recorded safety screen with its verdict and reasons."""

    ref: str
    screened_on: date
    acknowledged_by: str | None
    acknowledged_at: str | None
    instrument: str
    verdict: str
    blocks_course: bool
    needs_physician_acknowledgement: bool
    answers: dict[str, bool]
    findings: list[dict[str, Any]]
    medication_flags: list[dict[str, Any]]
    catalogue_version: str


# protocols ----------------------------------------------------------------------------------
class Pattern(ResponseModel):
    kind: str
    frequency_hz: Number | None = None
    pulses_per_burst: int | None = None
    intra_burst_frequency_hz: Number | None = None
    burst_frequency_hz: Number | None = None
    bursts_per_train: int | None = None


class SessionTiming(ResponseModel):
    nominal_s: Number
    slot_s: Number
    pulse_span_s: Number
    nominal_min: Number | None = None


class Derived(ResponseModel):
    pulses_per_train: Number | None = None
    pulses: Number | None = None
    timing: SessionTiming | None = None
    pulses_per_session: Number | None = None
    pulses_per_course: Number | None = None
    session_timing: SessionTiming | None = None
    session_duration_s: Number | None = None


class Block(ResponseModel):
    label: str
    target: str | None = None
    pattern: Pattern | None = None
    intensity_pct_mt: Number | None = None
    train_duration_s: Number | None = None
    inter_train_interval_s: Number | None = None
    trains: int | None = None
    stated_pulses: int | None = None
    stated_pulses_per_train: int | None = None
    complete: bool | None = None
    derived: Derived | None = None


class Continuation(ResponseModel):
    sessions_per_week: int
    weeks: int


class Schedule(ResponseModel):
    treatment_days: str
    sessions_per_day: int
    gap_between_sessions_min: Number | None
    acute_sessions_min: int
    acute_sessions_max: int
    taper_sessions_per_week: list[int]
    taper_sessions: int
    continuation: Continuation | None
    decision_points: list[int]
    session_cap: int | None


class StatedDuration(ResponseModel):
    seconds: Number
    convention: str
    precision_s: Number
    text: str


class Stated(ResponseModel):
    pulses_per_session: int | None
    session_duration: StatedDuration | None
    pulses_per_course: int | None = None
    sessions_per_course: int | None = None


class Clearance(ResponseModel):
    body: str
    device: str
    year: int
    note: str
    source: Source
    status: str


class FieldProvenance(ResponseModel):
    fields: list[str]
    note: str
    citation: str
    status: str
    where: str
    tag: str


class Protocol(ResponseModel):
    id: str
    name: str
    origin: str
    based_on: str | None
    version: str
    coil: str
    mt_basis: str
    targeting: str
    blocks: list[Block]
    schedule: Schedule
    stated: Stated
    derived: Derived
    complete: bool
    missing: list[str]
    clearance: Clearance | None
    status: str
    provenance: list[FieldProvenance]
    pulses_text: str | None = None


class BlockCheck(ResponseModel):
    index: int
    label: str
    within_limits: bool
    train: TrainCheck | None = None
    iti: ItiCheck | None = None
    theta_burst: dict[str, Any] | None = None


class ProtocolCheck(Explained):
    protocol_id: str
    verdict: str
    accepted: bool
    within_limits: bool
    requires_override: bool
    missing: list[str]
    table_status: str
    blocks: list[BlockCheck]


class CheckedProtocol(Protocol):
    safety: ProtocolCheck
    approval_basis: str | None = None
    override_by: str | None = None
    override_reason: str | None = None


class Approval(ResponseModel):
    protocol_id: str
    basis: str
    override: dict[str, Any] | None
    safety: ProtocolCheck


class SavedProtocol(ResponseModel):
    key: str
    approval: Approval
    definition: dict[str, Any]


# the motor-threshold hunt -------------------------------------------------------------------
class HuntModel(ResponseModel):
    spread_fraction: Number
    grid_step: Number
    grid_max: Number


class HuntResult(Explained):
    method: str
    estimate_pct_mso: Number
    pulses: int
    ci95_pct_mso: list[Number]
    stopped: bool
    stop_reason: str | None
    within_device_range: bool


class Hunt(ResponseModel):
    """A stored ML-PEST hunt: its state after the last step, and the result so far."""

    id: int
    measured_on: date
    stopped: bool
    method: str
    model: HuntModel
    start_pct_mso: Number
    max_pulses: int
    ci_width_pct_mso: Number | None
    resolution_pct_mso: Number
    trials: list[HuntTrial]
    pulses_used: int
    next_intensity_pct_mso: Number | None
    estimate_pct_mso: Number
    ci95_pct_mso: list[Number]
    stop_reason: str | None
    result: HuntResult


# the course -----------------------------------------------------------------------------------
class PlannedSession(ResponseModel):
    number: int
    phase: str
    day: date
    starts_at: str
    session_of_day: int
    shifted_from: date | None
    shift_reason: str | None


class Progress(ResponseModel):
    planned: int
    delivered: int
    remaining: int
    missed: list[int]
    next_session: PlannedSession | None
    behind: bool


class AdverseEvent(ResponseModel):
    id: int
    version: int = Field(description="The version shown; a correction names it")
    session_number: int | None
    occurred_on: date | None
    kind: str
    severity: str
    serious: bool
    description: str
    acknowledged_at: str | None
    acknowledged_by: str | None
    acknowledgement_note: str | None


class Outcome(Explained):
    scale: str
    baseline_total: Number
    current_total: Number
    percent_change: Number
    improvement_pct: Number
    category: str
    remission: bool
    response: bool


class Suggestion(ResponseModel):
    rule: str
    finding: str
    inputs: dict[str, Any]
    sources: list[Source]
    status: str
    action: str
    primary: bool


class Suggestions(ResponseModel):
    """The decision-point suggestions stored with a review (empty for a pause review)."""

    protocol_id: str | None = None
    sessions_delivered: int | None = None
    decision_point: int | None = None
    stage: str | None = None
    outcome: Outcome | None = None
    primary_action: str | None = None
    suggestions: list[Suggestion] | None = None
    status: str | None = None
    reasons: list[Reason] | None = None


class Review(ResponseModel):
    """A stored review (a decision point or a pause), read from its row."""

    id: int
    kind: str
    sessions_delivered: int
    decision_point: int | None
    scale: str | None
    baseline_total: Number | None
    current_total: Number | None
    primary_action: str | None
    decision: str
    chosen_action: str | None
    decided_by: str | None
    note: str | None
    suggestions: Suggestions | dict[str, Any]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def moment(self) -> str:
        """When it was taken, in the clinic's words ("after session 10 (decision point 10)")."""
        return review_moment(self.sessions_delivered, self.decision_point)

    def as_json(self) -> dict[str, Any]:
        """The JSON document of the review (the API's and the CLI's ``--json``)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class CourseState(ResponseModel):
    status: str
    review_required: bool
    pause_reason: str | None = None


class Transition(ResponseModel):
    """What an event did to the course: its state after, and why."""

    state: CourseState | dict[str, Any]
    reasons: list[Reason]


class Course(ResponseModel):
    """The current course: plan, calendar, planned vs delivered, events and reviews."""

    patient: str
    course: str | None
    protocol: str
    protocol_name: str | None
    status: str
    version: int = Field(description="The version shown; a correction names it")
    review_required: bool
    pause_reason: str | None
    start_date: date
    planned: int
    delivered: int
    progress: Progress
    mt_pct_mso: Number | None
    intensity: Intensity | None
    target: Target | None
    target_label: str
    approval_basis: str | None
    decision_points: list[int]
    sessions: list[PlannedSession]
    adverse_events: list[AdverseEvent]
    reviews: list[Review]


class Overview(ResponseModel):
    patient: str
    screen: Screen | None
    mt: Hunt | None
    course: Course | None


class SessionLog(ResponseModel):
    """A delivered session as stored."""

    session_number: int
    version: int = Field(description="The version shown; a correction names it")
    delivered_at: IsoDateTime
    planned_pulses: int
    pulses_delivered: int
    excess_reason: str | None
    intensity_pct_mso: Number | None
    mt_pct_mso: Number | None
    intensity_pct_mt: Number | None
    trains_delivered: int | None
    coil: str
    device: str
    target: str
    operator: str
    mt_rechecked: bool
    interruptions: list[str]
    side_effects: list[str]
    timing_flags: list[str]


class LoggedSession(ResponseModel):
    """A session just logged, and what it did to the course."""

    session_number: int
    delivered_at: str
    planned_pulses: int
    pulses_delivered: int
    excess_reason: str | None
    intensity_pct_mso: Number | None
    mt_pct_mso: Number | None
    intensity_pct_mt: Number | None
    operator: str
    side_effects: list[str]
    timing_flags: list[str]
    course: Transition


class AdverseEventReport(ResponseModel):
    adverse_events: list[AdverseEvent]
    course: Transition


class AcknowledgedEvents(ResponseModel):
    adverse_events: list[AdverseEvent]


class PauseReview(Review):
    course: Transition
