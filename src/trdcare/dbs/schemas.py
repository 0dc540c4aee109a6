"""The DBS room's input and output models (CLI, API and pages alike).

Numbers are parsed here (a non-number is refused in plain words naming the field); the
rules (one amplitude mode, impedance with a voltage, the design input bounds) are the
domain's (:mod:`trdcare.dbs.domain.charge`), so every edge refuses the same input the same way.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from trdcare.adapters.web.corrections import Blank, CorrectionReason
from trdcare.core.inputs import (
    CODE_MAX_CHARS,
    NAME_MAX_CHARS,
    NOTE_MAX_CHARS,
    ClinicalNote,
    Code,
    InputModel,
)
from trdcare.core.outputs import Number, ResponseModel
from trdcare.core.text import check_free_text, check_single_line_text

FiniteNumber = Annotated[float, Field(allow_inf_nan=False)]

CHARGE_LABELS = {
    "amplitude_ma": "Amplitude (mA)",
    "amplitude_v": "Amplitude (V)",
    "impedance_ohm": "Impedance (ohm)",
    "pulse_width_us": "Pulse width (µs)",
    "contact_area_cm2": "Contact area (cm²)",
    "frequency_hz": "Frequency (Hz)",
}
"""Each field's label as a clinician reads it in an error message."""


class ChargeInput(InputModel):
    """One DBS setting to compute the charge of."""

    pulse_width_us: FiniteNumber
    amplitude_ma: FiniteNumber | None = None
    amplitude_v: FiniteNumber | None = None
    impedance_ohm: FiniteNumber | None = None
    contact_area_cm2: FiniteNumber | None = None
    frequency_hz: FiniteNumber | None = None


# -- the DBS pathway (candidacy, surgery, programming) -----------------------------------
Answer = Literal["yes", "no", "unknown"]
BlankNumber = Annotated[float | None, Field(allow_inf_nan=False), Blank]
OptionalDate = Annotated[date | None, Blank]
_ONE_LINE = AfterValidator(check_single_line_text)
OptionalCode = Annotated[str, StringConstraints(max_length=CODE_MAX_CHARS), _ONE_LINE]
OptionalName = Annotated[str, StringConstraints(max_length=NAME_MAX_CHARS), _ONE_LINE]


def _as_list(value: object) -> object:
    """A page form's repeated field (checkboxes) or one comma-separated line, as a list."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


class CandidacyIn(InputModel):
    """The clinician's answers for a DBS candidacy assessment (the rest is read from the
    record)."""

    assessed_for: OptionalDate = Field(
        default=None, title="Judged for (date)", description="Default: today"
    )
    diagnosis: Literal["mdd", "bipolar_i", "bipolar_ii", "other", "unknown"] = Field(
        default="unknown", title="Diagnosis"
    )
    psychotic_features: Answer = Field(default="unknown", title="Psychotic features")
    research_protocol: Answer = Field(default="unknown", title="Enrolled in a research protocol")
    protocol_ref: OptionalCode = Field(default="", title="Protocol reference (IRB / IDE)")


class SurgeryIn(InputModel):
    operated_on: date = Field(title="Surgery date")
    target: Literal["scc", "vc_vs", "nacc", "slmfb"] = Field(title="Target")
    protocol_ref: Code = Field(title="Protocol reference (IRB / IDE)")
    sides: Annotated[list[Literal["left", "right"]], BeforeValidator(_as_list)] = Field(
        min_length=1, max_length=2, title="Leads (sides)"
    )
    lead_model: Literal["medtronic-3387-3389"] = Field(
        default="medtronic-3387-3389", title="Lead model"
    )
    surgeon: OptionalName = Field(default="", title="Surgeon")
    primary_scale: Literal["madrs", "hamd17", "phq9", "qids_sr16"] = Field(
        default="madrs", title="Primary outcome scale"
    )
    note: ClinicalNote = Field(default="", title="Note")


class ProgrammingIn(InputModel):
    """One lead's setting: contacts, amplitude in mA (or in V with the impedance), pulse
    width, frequency; an override reason only for a setting beyond a limit (a physician)."""

    programmed_on: OptionalDate = Field(default=None, title="Date", description="Default: today")
    side: Literal["left", "right"] | None = Field(default=None, title="Lead (side)")
    contacts: Annotated[list[Annotated[int, Field(ge=0, le=63)]], BeforeValidator(_as_list)] = (
        Field(min_length=1, max_length=8, title="Active contacts (cathodes)")
    )
    amplitude_ma: BlankNumber = Field(default=None, title="Amplitude (mA)")
    amplitude_v: BlankNumber = Field(default=None, title="Amplitude (V)")
    impedance_ohm: BlankNumber = Field(default=None, title="Impedance (ohm)")
    pulse_width_us: BlankNumber = Field(default=None, title="Pulse width (µs)")
    frequency_hz: BlankNumber = Field(default=None, title="Frequency (Hz)")
    override_reason: Annotated[
        str, StringConstraints(max_length=NOTE_MAX_CHARS), AfterValidator(check_free_text)
    ] = Field(default="", title="Physician's override reason")
    note: ClinicalNote = Field(default="", title="Note")


class EndCourseIn(InputModel):
    status: Literal["completed", "stopped"] = Field(title="Outcome")
    on: date = Field(title="Date")
    reason: CorrectionReason = Field(title="Reason")


# -- answers ------------------------------------------------------------------------------
class SourceOut(ResponseModel):
    citation: str
    status: str
    where: str = ""
    tag: str = ""


class ReasonOut(ResponseModel):
    rule: str
    finding: str
    inputs: dict[str, Any]
    sources: list[SourceOut]
    status: str


class CriterionOut(ResponseModel):
    id: str
    label: str
    verdict: Literal["met", "unmet", "unknown"]
    finding: str
    data_source: str
    data_source_text: str
    sources: list[SourceOut]
    status: str
    inputs: dict[str, Any]


class CandidacyOut(ResponseModel):
    ref: str
    assessed_for: date
    assessed_by: str
    answers: dict[str, Any]
    as_of: date
    overall: Literal["meets_criteria", "does_not_meet", "incomplete"]
    investigational: bool
    investigational_note: str
    investigational_sources: list[SourceOut]
    criteria: list[CriterionOut]
    catalogue_version: str
    status: str


class SurgeryOut(ResponseModel):
    course: str
    course_status: str
    course_end: date | None
    operated_on: date
    target: str
    target_label: str
    protocol_ref: str
    lead_model: str
    lead_name: str
    sides: list[str]
    surgeon: str
    note: str
    primary_scale: str
    recorded_by: str
    investigational: bool


class BreachOut(ResponseModel):
    path: str
    message: str
    allowed: str | None
    given: str | None


class OverrideOut(ResponseModel):
    by: str
    at: str | None
    reason: str | None


class ProgrammingOut(ResponseModel):
    id: int
    programmed_on: date
    side: str
    contacts: list[int]
    amplitude_ma: Number | None
    amplitude_v: Number | None
    impedance_ohm: Number | None
    pulse_width_us: Number
    frequency_hz: Number
    current_ma_per_contact: Number
    current_is_estimate: bool
    contact_area_cm2: Number
    charge_per_phase_uc: Number
    charge_density_uc_per_cm2: Number
    shannon_k: Number
    within_limits: bool
    breaches: list[BreachOut]
    reasons: list[ReasonOut]
    status: str
    override: OverrideOut | None
    note: str
    recorded_by: str
    version: int
    retired_at: str | None = None
    retired_by: str | None = None
    retired_reason: str | None = None
    investigational: bool


class OutcomeOut(ResponseModel):
    """The course's outcome on its primary scale (the one outcome rule)."""

    scale: str
    baseline_on: date
    baseline_total: int
    latest_on: date
    latest_total: int
    percent_change: Number | None
    category: Literal["remission", "response", "partial_response", "non_response"]
    judged: bool
    note: str


class CourseEventOut(ResponseModel):
    id: int
    occurred_on: date
    kind: str
    severity: str
    serious: bool
    acknowledged: bool


class SafetyOut(ResponseModel):
    """The course's adverse events and open alerts (kept by the courses room)."""

    status: str
    paused: bool
    alerts: list[str]
    adverse_events: list[CourseEventOut]


class OverviewOut(ResponseModel):
    patient: str
    investigational: bool
    investigational_note: str
    candidacy: CandidacyOut | None
    surgery: SurgeryOut | None
    programmings: list[ProgrammingOut]
    withdrawn_programmings: list[ProgrammingOut]
    current_settings: list[ProgrammingOut]
    outcome: OutcomeOut | None
    safety: SafetyOut | None


class SurgeryCreatedOut(ResponseModel):
    patient: str
    surgery: SurgeryOut


class CourseEndedOut(ResponseModel):
    patient: str
    course: str
    status: str
    end_date: date | None


class ChargeOut(ResponseModel):
    """The calculator's document (``trdcare dbs charge --json``)."""

    charge_per_phase_uc: Number
    charge_density_uc_per_cm2: Number
    shannon_k: Number
    within_limits: bool
    within_shannon_limit: bool
    within_rated_density: bool | None
    current_ma: Number
    current_mode: str
    current_is_estimate: bool
    pulse_width_us: Number
    contact_area_cm2: Number
    frequency_hz: Number | None
    defaults_used: list[dict[str, Any]]
    limits: dict[str, Any]
    reasons: list[ReasonOut]
    status: str
