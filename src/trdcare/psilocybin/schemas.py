"""Inputs and typed answers of the psilocybin API, CLI and pages (RESEARCH PROTOCOL OR
REGULATED PROGRAMME ONLY; every answer carries the notice)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from trdcare.core.inputs import (
    Blank,
    ClinicalNote,
    Code,
    Diastolic,
    InputModel,
    Label,
    OptionalDiastolic,
    OptionalPulse,
    OptionalRespiratoryRate,
    OptionalSpo2,
    OptionalSystolic,
    PersonName,
    Reason,
    Systolic,
)
from trdcare.core.outputs import Number, ResponseModel
from trdcare.psilocybin.domain import exclusion_questions

OptionalMoment = Annotated[datetime | None, Blank]


class ScreenIn(InputModel):
    programme: Literal["research_protocol", "regulated_programme"] = Field(title="Programme")
    protocol_id: Code = Field(title="Protocol registration or licence id")
    protocol_name: Label = Field(title="Protocol name")
    answers: dict[str, bool | None] = Field(title="Screening answers", max_length=40)
    screened_on: Annotated[date | None, Blank] = Field(default=None, title="Screened on")
    washout_days: Annotated[float | None, Blank] = Field(
        default=None, title="Washout (days, set by the protocol)", allow_inf_nan=False
    )

    @model_validator(mode="before")
    @classmethod
    def _from_page_form(cls, data: Any) -> Any:
        # The page sends one yes/no radio group per question, ``q_<id>``; one not ticked is
        # not answered (the screen refuses it, naming the question).
        if not isinstance(data, Mapping) or "answers" in data:
            return data
        rest = dict(data)
        answers: dict[str, bool | None] = {}
        for qid, *_ in exclusion_questions():
            value = rest.pop(f"q_{qid}", None)
            answers[qid] = None if value in (None, "") else value == "yes"
        return {**rest, "answers": answers}


class ReviewIn(InputModel):
    decision: Literal["enrol", "decline"] = Field(title="Decision")
    note: Reason = Field(title="Review note")


class CloseIn(InputModel):
    status: Literal["completed", "stopped"] = Field(title="Close as")
    reason: Reason = Field(title="Reason")


class SessionIn(InputModel):
    kind: Literal["preparation", "integration"] = Field(title="Session")
    facilitator: PersonName = Field(title="Facilitator or therapist")
    duration_min: float = Field(title="Length (min)", allow_inf_nan=False)
    held_at: OptionalMoment = Field(default=None, title="Held at")
    note: ClinicalNote = Field(default="", title="Note")


class DosingDayIn(InputModel):
    dose_mg: float = Field(title="Dose (mg)", allow_inf_nan=False)
    administered_at: OptionalMoment = Field(default=None, title="Given at")
    monitored_by: PersonName = Field(title="Monitoring facilitator")
    support_person: PersonName = Field(title="Support person for the way home")
    predose_systolic_mmhg: Systolic = Field(title="Systolic before (mmHg)", allow_inf_nan=False)
    predose_diastolic_mmhg: Diastolic = Field(title="Diastolic before (mmHg)", allow_inf_nan=False)
    predose_pulse_bpm: OptionalPulse = Field(
        default=None, title="Pulse before (beats/min)", allow_inf_nan=False
    )
    predose_spo2_pct: OptionalSpo2 = Field(
        default=None, title="SpO2 before (%)", allow_inf_nan=False
    )
    note: ClinicalNote = Field(default="", title="Note")


class DosingObservationIn(InputModel):
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
    effects_present: bool = Field(default=True, title="Effects still present")
    note: ClinicalNote = Field(default="", title="Note")


class DosingDischargeIn(InputModel):
    discharged_at: OptionalMoment = Field(default=None, title="Discharged at")
    effects_resolved: bool = Field(default=False, title="Effects resolved")
    support_person_present: bool = Field(default=False, title="Support person present")


# -- answers -----------------------------------------------------------------------------------
class Restriction(ResponseModel):
    research_or_regulated_only: bool
    text: str
    status: str
    where: str
    catalogue_version: str


class Question(ResponseModel):
    id: str
    question: str
    effect: str
    status: str


class Questions(ResponseModel):
    questions: list[Question]
    restriction: Restriction


class SessionOut(ResponseModel):
    id: int
    version: int
    kind: str
    held_at: str
    duration_min: int
    facilitator: str
    note: str
    created_by: str


class DosingDay(ResponseModel):
    id: int
    number: int
    version: int
    dose_mg: Number
    administered_at: str
    administered_by: str
    monitored_by: str
    support_person: str
    support_person_present: bool
    predose: dict[str, Any]
    washout: dict[str, Any]
    vitals_due: list[str]
    observations: list[dict[str, Any]]
    discharged_at: str | None
    discharge_signed_by: str | None
    discharge: dict[str, Any]
    note: str
    created_by: str


class Enrolment(ResponseModel):
    ref: str
    status: str
    programme: str
    protocol_id: str
    protocol_name: str
    screened_on: date
    screened_by: str
    verdict: str
    screen: dict[str, Any]
    review_by: str | None
    review_note: str | None
    washout_days: int
    in_course: bool
    stop_reason: str | None
    catalogue_version: str
    restriction: Restriction
    sessions: list[SessionOut]
    dosing_days: list[DosingDay]
    washout_today: dict[str, Any] | None = None
    course_ref: str | None = Field(default=None, description="The treatment course, once enrolled")
    course_status: str | None = Field(
        default=None, description="active, paused (after a serious adverse event), ..."
    )
