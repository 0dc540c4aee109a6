"""The VNS room's inputs (API bodies, page forms and CLI options alike) and typed answers.

A page form sends the exclusion answers as ``exclusion_<id>`` selects and the side effects as
checkboxes; :class:`CandidacyIn` and :class:`TitrationIn` read those as the same input as the
API's JSON body.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, model_validator

from trdcare.adapters.web.corrections import Blank, CorrectionReason
from trdcare.core.inputs import (
    CODE_MAX_CHARS,
    LABEL_MAX_CHARS,
    NAME_MAX_CHARS,
    ClinicalNote,
    InputModel,
    Label,
)
from trdcare.core.outputs import Number, ResponseModel
from trdcare.core.text import check_single_line_text

Answer = Literal["yes", "no", "unknown"]
FiniteNumber = Annotated[float, Field(allow_inf_nan=False), Blank]
OptionalNumber = Annotated[float | None, Field(allow_inf_nan=False), Blank]
OptionalInt = Annotated[int | None, Blank]
OptionalDate = Annotated[date | None, Blank]
EXCLUSION_PREFIX = "exclusion_"
_ONE_LINE = AfterValidator(check_single_line_text)
OptionalLabel = Annotated[str, StringConstraints(max_length=LABEL_MAX_CHARS), _ONE_LINE]
OptionalCode = Annotated[str, StringConstraints(max_length=CODE_MAX_CHARS), _ONE_LINE]
OptionalName = Annotated[str, StringConstraints(max_length=NAME_MAX_CHARS), _ONE_LINE]


def _as_list(value: object) -> object:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return value


class CandidacyIn(InputModel):
    """The clinician's answers for a VNS candidacy assessment (the rest is read from the
    record)."""

    assessed_for: OptionalDate = Field(
        default=None, title="Judged for (date)", description="Default: today"
    )
    lifetime_episodes: OptionalInt = Field(
        default=None,
        ge=1,
        le=200,
        title="Depressive episodes, lifetime (current included)",
    )
    medication_stable: Answer = Field(
        default="unknown", title="Medication regimen unchanged for 4 weeks"
    )
    exclusions: dict[Annotated[str, Field(max_length=40)], Answer] = Field(
        default_factory=dict, max_length=20, title="Exclusions"
    )

    @model_validator(mode="before")
    @classmethod
    def _from_page_form(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or not any(
            str(k).startswith(EXCLUSION_PREFIX) for k in data
        ):
            return data
        rest = {k: v for k, v in data.items() if not str(k).startswith(EXCLUSION_PREFIX)}
        rest["exclusions"] = {
            str(k)[len(EXCLUSION_PREFIX) :]: v
            for k, v in data.items()
            if str(k).startswith(EXCLUSION_PREFIX)
        }
        return rest


class ImplantIn(InputModel):
    implanted_on: date = Field(title="Implant date")
    generator_model: Label = Field(title="Pulse generator model")
    lead_model: OptionalLabel = Field(default="", title="Lead model")
    serial_number: OptionalCode = Field(default="", title="Serial number")
    surgeon: OptionalName = Field(default="", title="Surgeon")
    side: Literal["left", "right"] = Field(default="left", title="Side")
    primary_scale: Literal["madrs", "hamd17", "phq9", "qids_sr16"] = Field(
        default="madrs", title="Primary outcome scale"
    )
    note: ClinicalNote = Field(default="", title="Note")


class TitrationIn(InputModel):
    """One titration visit's settings."""

    visit_on: OptionalDate = Field(default=None, title="Visit date", description="Default: today")
    output_current_ma: FiniteNumber = Field(title="Output current (mA)")
    frequency_hz: FiniteNumber = Field(title="Frequency (Hz)")
    pulse_width_us: FiniteNumber = Field(title="Pulse width (µs)")
    on_time_s: FiniteNumber = Field(title="ON time (s)")
    off_time_min: FiniteNumber = Field(title="OFF time (min)")
    side_effects: Annotated[
        list[Annotated[str, Field(max_length=40)]], BeforeValidator(_as_list)
    ] = Field(default_factory=list, max_length=10, title="Side effects")
    note: ClinicalNote = Field(default="", title="Note")


class TitrationCorrectIn(InputModel):
    """A correction of a titration visit: the fields that change, the reason, the version."""

    visit_on: OptionalDate = Field(default=None, title="Visit date")
    output_current_ma: OptionalNumber = Field(default=None, title="Output current (mA)")
    frequency_hz: OptionalNumber = Field(default=None, title="Frequency (Hz)")
    pulse_width_us: OptionalNumber = Field(default=None, title="Pulse width (µs)")
    on_time_s: OptionalNumber = Field(default=None, title="ON time (s)")
    off_time_min: OptionalNumber = Field(default=None, title="OFF time (min)")
    side_effects: Annotated[
        list[Annotated[str, Field(max_length=40)]] | None, BeforeValidator(_as_list)
    ] = Field(default=None, max_length=10, title="Side effects")
    note: ClinicalNote | None = Field(default=None, title="Note")
    reason: CorrectionReason = Field(title="Reason")
    version: int = Field(ge=1, le=2**31 - 1, title="Version shown")


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


class CoverageOut(ResponseModel):
    note: str
    sources: list[SourceOut]


class CandidacyOut(ResponseModel):
    ref: str
    assessed_for: date
    assessed_by: str
    answers: dict[str, Any]
    as_of: date
    overall: Literal["meets_criteria", "does_not_meet", "incomplete"]
    criteria: list[CriterionOut]
    coverage: CoverageOut
    catalogue_version: str
    status: str


class ImplantOut(ResponseModel):
    course: str
    course_status: str
    course_end: date | None
    implanted_on: date
    generator_model: str
    lead_model: str
    serial_number: str
    surgeon: str
    side: str
    note: str
    primary_scale: str
    recorded_by: str


class TitrationOut(ResponseModel):
    id: int
    visit_on: date
    output_current_ma: Number
    frequency_hz: Number
    pulse_width_us: Number
    on_time_s: Number
    off_time_min: Number
    duty_cycle_pct: Number
    side_effects: list[str]
    flags: list[ReasonOut]
    note: str
    recorded_by: str
    recorded_at: str
    version: int
    retired_at: str | None = None
    retired_by: str | None = None
    retired_reason: str | None = None


class TimelineOut(ResponseModel):
    phase: Literal["not_started", "too_early", "assessable"]
    months_elapsed: int | None
    assessment_month: int
    durability_month: int
    counts_from: date | None
    too_early_to_call_non_response: bool
    finding: str
    reasons: list[ReasonOut]
    status: str


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
    candidacy: CandidacyOut | None
    implant: ImplantOut | None
    titrations: list[TitrationOut]
    withdrawn_titrations: list[TitrationOut]
    current_setting: TitrationOut | None
    timeline: TimelineOut | None
    outcome: OutcomeOut | None
    safety: SafetyOut | None
    catalogue_version: str


class ImplantCreatedOut(ResponseModel):
    patient: str
    implant: ImplantOut


class TitrationCreatedOut(ResponseModel):
    patient: str
    titration: TitrationOut
    timeline: TimelineOut | None


class CourseEndedOut(ResponseModel):
    patient: str
    course: str
    status: str
    end_date: date | None
