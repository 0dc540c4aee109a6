"""Inputs and typed answers of the IV ketamine (OFF-LABEL) API, CLI and pages.

Every input is one pydantic model based on :class:`~trdcare.core.inputs.InputModel` (unknown
fields refused, plain wording by :mod:`trdcare.core.input_errors`); every answer a
:class:`~trdcare.core.outputs.ResponseModel`, so the OpenAPI document describes it. Every
answer carries the off-label notice.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field

from trdcare.adapters.web.corrections import RetireIn
from trdcare.core.inputs import (
    Blank,
    ClinicalNote,
    Diastolic,
    InputModel,
    OptionalDiastolic,
    OptionalPulse,
    OptionalRespiratoryRate,
    OptionalSpo2,
    OptionalSystolic,
    Reason,
    Systolic,
    within,
)
from trdcare.core.outputs import Number, ResponseModel
from trdcare.ketamine.domain import dose_limits, series_limits

# A moment a page form may leave empty (not given: now).
OptionalMoment = Annotated[datetime | None, Blank]

# The catalogue's ranges (a clinic's data file may widen them), checked with the input's other
# fields so a form reports them in one round; the domain checks the same ranges again.
_DOSE, _SERIES = dose_limits(), series_limits()
Weight = Annotated[float, within(_DOSE["weight_kg"])]
OptionalWeight = Annotated[float | None, Blank, within(_DOSE["weight_kg"])]
OptionalMgPerKg = Annotated[float | None, Blank, within(_DOSE["dose_mg_per_kg"])]
OptionalMinutes = Annotated[float | None, Blank, within(_DOSE["infusion_min"])]
OptionalInfusions = Annotated[float | None, Blank, within(_SERIES["infusions"])]
OptionalPerWeek = Annotated[float | None, Blank, within(_SERIES["infusions_per_week"])]


# -- inputs ------------------------------------------------------------------------------------
class DoseIn(InputModel):
    weight_kg: Weight = Field(title="Weight (kg)", allow_inf_nan=False)
    dose_mg_per_kg: OptionalMgPerKg = Field(default=None, title="Dose (mg/kg)", allow_inf_nan=False)
    infusion_min: OptionalMinutes = Field(
        default=None, title="Infusion time (min)", allow_inf_nan=False
    )


class SeriesIn(DoseIn):
    start: date = Field(title="First infusion on")
    infusions: OptionalInfusions = Field(default=None, title="Infusions", allow_inf_nan=False)
    infusions_per_week: OptionalPerWeek = Field(
        default=None, title="Infusions a week", allow_inf_nan=False
    )
    primary_scale: str = Field(default="madrs", title="Primary scale", max_length=20)


class InfusionStartIn(InputModel):
    predose_systolic_mmhg: Systolic = Field(title="Systolic before (mmHg)", allow_inf_nan=False)
    predose_diastolic_mmhg: Diastolic = Field(title="Diastolic before (mmHg)", allow_inf_nan=False)
    predose_pulse_bpm: OptionalPulse = Field(
        default=None, title="Pulse before (beats/min)", allow_inf_nan=False
    )
    predose_spo2_pct: OptionalSpo2 = Field(
        default=None, title="SpO2 before (%)", allow_inf_nan=False
    )
    weight_kg: OptionalWeight = Field(default=None, title="Weight today (kg)", allow_inf_nan=False)
    started_at: OptionalMoment = Field(default=None, title="Started at")
    bp_signoff_reason: Annotated[Reason | None, Blank] = Field(
        default=None, title="Physician's reason to infuse despite the blood pressure"
    )
    note: ClinicalNote = Field(default="", title="Note")


class ObservationIn(InputModel):
    at: OptionalMoment = Field(default=None, title="Observed at")
    systolic_mmhg: OptionalSystolic = Field(
        default=None, title="Systolic (mmHg)", allow_inf_nan=False
    )
    diastolic_mmhg: OptionalDiastolic = Field(
        default=None, title="Diastolic (mmHg)", allow_inf_nan=False
    )
    pulse_bpm: OptionalPulse = Field(default=None, title="Pulse (beats/min)", allow_inf_nan=False)
    spo2_pct: OptionalSpo2 = Field(default=None, title="SpO2 (%)", allow_inf_nan=False)
    respiratory_rate_per_min: OptionalRespiratoryRate = Field(
        default=None, title="Respiratory rate (breaths/min)", allow_inf_nan=False
    )
    sedation: bool = Field(default=False, title="Sedation present")
    dissociation: bool = Field(default=False, title="Dissociation present")
    respiratory_depression: bool = Field(default=False, title="Respiratory depression present")
    note: ClinicalNote = Field(default="", title="Note")


class InfusionEndIn(InputModel):
    ended_at: OptionalMoment = Field(default=None, title="Ended at")


class DischargeIn(InputModel):
    discharged_at: OptionalMoment = Field(default=None, title="Discharged at")
    sedation_resolved: bool = Field(default=False, title="Sedation resolved")
    dissociation_resolved: bool = Field(default=False, title="Dissociation resolved")
    respiratory_depression_resolved: bool = Field(
        default=False, title="Respiratory depression resolved"
    )


class StopIn(InputModel):
    reason: Reason = Field(title="Reason")
    on: Annotated[date | None, Blank] = Field(default=None, title="Stopped on")


class InfusionCorrectionIn(RetireIn):
    """The details to correct (only those given change)."""

    started_at: OptionalMoment = Field(default=None, title="Started at")
    ended_at: OptionalMoment = Field(default=None, title="Ended at")
    note: ClinicalNote | None = Field(default=None, title="Note")


# -- answers -----------------------------------------------------------------------------------
class Source(ResponseModel):
    citation: str
    status: str
    where: str = ""
    tag: str = ""


class ReasonOut(ResponseModel):
    rule: str
    finding: str
    inputs: dict[str, Any]
    sources: list[Source]
    status: str


class OffLabel(ResponseModel):
    off_label: bool
    text: str
    status: str
    where: str
    catalogue_version: str


class DoseOut(ResponseModel):
    weight_kg: Number
    dose_mg_per_kg: Number
    infusion_min: int
    dose_mg: Number
    rate_mg_per_min: Number
    standard: bool
    off_label: OffLabel
    status: str
    reasons: list[ReasonOut]


class PlannedInfusionOut(ResponseModel):
    number: int
    day: date
    week: int


class CalendarOut(ResponseModel):
    start: date
    infusions: int
    infusions_per_week: int
    planned: list[PlannedInfusionOut]
    off_label: OffLabel
    status: str
    reasons: list[ReasonOut]


class Observation(ResponseModel):
    at: str
    phase: str
    systolic_mmhg: int | None = None
    diastolic_mmhg: int | None = None
    pulse_bpm: int | None = None
    spo2_pct: int | None = None
    respiratory_rate_per_min: int | None = None
    sedation: bool
    dissociation: bool
    respiratory_depression: bool
    note: str = ""
    observed_by: str = ""


class Infusion(ResponseModel):
    id: int
    number: int
    version: int
    started_at: str
    ended_at: str | None
    weight_kg: Number
    dose_mg_per_kg: Number
    infusion_min: int
    dose_mg: Number
    administered_by: str
    predose: dict[str, Any]
    bp_warning: bool
    bp_signoff_by: str | None
    bp_signoff_reason: str | None
    observations: list[Observation]
    discharged_at: str | None
    discharge_signed_by: str | None
    discharge: dict[str, Any]
    note: str
    created_by: str


class StartedInfusion(Infusion):
    dose: DoseOut


class Series(ResponseModel):
    ref: str
    status: str
    start_date: date
    weight_kg: Number
    dose_mg_per_kg: Number
    infusion_min: int
    dose_mg: Number
    planned_infusions: int
    infusions_per_week: int
    given_infusions: int
    discharged_infusions: int
    planned_by: str
    calendar: list[PlannedInfusionOut]
    next_infusion: PlannedInfusionOut | None
    stop_reason: str | None
    rules_status: str
    reasons: list[ReasonOut]
    catalogue_version: str
    off_label: OffLabel
    infusions: list[Infusion]
    course_ref: str = Field(description="The treatment course (adverse events, pause review)")
    course_status: str = Field(description="active, paused (after a serious adverse event), ...")


class Readiness(ResponseModel):
    ready: bool
    unmet: list[str]
    observed_min: int | None = None
    minimum_min: int | None = None
    earliest_discharge: str | None = None
    status: str | None = None
    reasons: list[ReasonOut] | None = None


__all__ = [
    "CalendarOut",
    "DischargeIn",
    "DoseIn",
    "DoseOut",
    "Infusion",
    "InfusionCorrectionIn",
    "InfusionEndIn",
    "InfusionStartIn",
    "ObservationIn",
    "Readiness",
    "Series",
    "SeriesIn",
    "StartedInfusion",
    "StopIn",
]
