"""Input and response models of the courses room: one model per input (API body, page form,
CLI options alike) and one typed model per answer.

Who acts is the signed-in user (the reviewing physician is taken from the credentials on the
web, named with ``--by`` on the command line), never typed into a body.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from trdcare.adapters.web.corrections import CorrectionReason, RetireIn
from trdcare.core.inputs import ClinicalNote, InputModel, RequiredNote
from trdcare.core.outputs import ResponseModel

SEVERITIES = ("mild", "moderate", "severe")
SERIOUS_CRITERIA = (
    "death",
    "life_threatening",
    "hospitalisation",
    "disability",
    "congenital_anomaly",
    "important_medical_event",
)
Severity = Literal["mild", "moderate", "severe"]
SeriousCriterion = Literal[
    "death",
    "life_threatening",
    "hospitalisation",
    "disability",
    "congenital_anomaly",
    "important_medical_event",
]


def _criteria_from_form(data: Any, *, always: bool = False) -> Any:
    """A page form sends one checkbox per criterion (``serious_<id>=on``): gather them into
    ``serious_criteria`` (``always``: the form showed them, so none ticked is an empty list).
    An unknown ``serious_<x>`` is kept as ``x``, for the model to refuse by name."""
    if not isinstance(data, dict):
        return data
    boxes = [
        k
        for k in data
        if isinstance(k, str) and k.startswith("serious_") and k != "serious_criteria"
    ]
    if not boxes and not always:
        return data
    out = {k: v for k, v in data.items() if k not in boxes}
    out["serious_criteria"] = [
        k.removeprefix("serious_") for k in boxes if data[k] not in (None, "")
    ]
    return out


# inputs ------------------------------------------------------------------------------------
class AdverseEventIn(InputModel):
    """One adverse event of a treatment course."""

    kind: str = Field(min_length=1, max_length=40, title="Event")
    severity: Severity = Field(title="Severity")
    occurred_on: date = Field(title="Date it happened")
    serious_criteria: list[SeriousCriterion] = Field(
        default_factory=list,
        max_length=len(SERIOUS_CRITERIA),
        title="Serious because",
        description="The serious criteria it meets (21 CFR 312.32(a), ICH E2A); none: not "
        "serious (an always-serious kind is recorded as an important medical event)",
    )
    description: ClinicalNote = Field(default="", title="Description")
    delivery_ref: str | None = Field(
        default=None,
        max_length=80,
        pattern=r"^[A-Za-z0-9_.:/-]+$",
        title="Seen in",
        description="The therapy room's record it was seen in, e.g. esketamine_session:12",
    )

    @model_validator(mode="before")
    @classmethod
    def _from_page_form(cls, data: Any) -> Any:
        data = _criteria_from_form(data)
        if isinstance(data, dict) and data.get("delivery_ref") == "":
            data = {**data, "delivery_ref": None}
        return data


class AcknowledgeIn(InputModel):
    note: RequiredNote = Field(title="Your reasoning", description="The physician's reasoning")


class PauseReviewIn(InputModel):
    decision: Literal["resume", "stop"] = Field(title="Decision")
    note: RequiredNote = Field(title="Why", description="The physician's reasoning")


class AdverseEventCorrectionIn(RetireIn):
    """A correction: the fields to change (only those given), the reason and the version."""

    kind: str | None = Field(default=None, min_length=1, max_length=40, title="Event")
    severity: Severity | None = Field(default=None, title="Severity")
    occurred_on: date | None = Field(default=None, title="Date it happened")
    serious_criteria: list[SeriousCriterion] | None = Field(
        default=None, max_length=len(SERIOUS_CRITERIA), title="Serious because"
    )
    description: ClinicalNote | None = Field(default=None, title="Description")

    @model_validator(mode="before")
    @classmethod
    def _from_page_form(cls, data: Any) -> Any:
        if isinstance(data, dict) and "serious_shown" in data:
            # The page always shows the checkboxes: none ticked means "not serious".
            data = _criteria_from_form(
                {k: v for k, v in data.items() if k != "serious_shown"}, always=True
            )
        if isinstance(data, dict):
            # A page's empty input is "not changed" (an empty description is a value).
            data = {k: (None if v == "" and k != "description" else v) for k, v in data.items()}
        return data

    @field_validator("serious_criteria")
    @classmethod
    def _once_each(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else list(dict.fromkeys(value))

    def changes(self) -> dict[str, Any]:
        fields = ("kind", "severity", "occurred_on", "serious_criteria", "description")
        # Only what was given (a page's empty input is "not changed").
        return {
            f: getattr(self, f)
            for f in fields
            if f in self.model_fields_set and getattr(self, f) is not None
        }


_ = CorrectionReason  # re-exported for the pages' forms


# answers -----------------------------------------------------------------------------------
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


class CourseStatusChange(ResponseModel):
    before: str
    after: str
    reason: Reason


class AdverseEvent(ResponseModel):
    """A stored adverse event of a course."""

    id: int
    version: int = Field(description="The version shown; a correction names it")
    course_ref: str
    occurred_on: date
    kind: str
    kind_label: str
    kind_status: str = Field(description="The reference status of the kind (VERIFIED...)")
    severity: str
    serious: bool
    serious_criteria: list[str]
    criteria_added: list[str] = Field(
        description="Criteria the always-serious rule of the kind added (none ticked)"
    )
    description: str
    delivery_ref: str | None
    catalogue_version: str
    recorded_by: str
    recorded_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    acknowledgement_note: str | None


class Pause(ResponseModel):
    """A pause of a course and the physician's review that ended it (who, when, why)."""

    id: int
    event_id: int
    paused_at: datetime
    reason: str
    decision: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None


class Outcome(ResponseModel):
    """The course's outcome on its primary scale by the one outcome rule."""

    scale: str
    baseline_total: int
    baseline_on: date
    baseline_after_course_start: bool
    latest_total: int
    latest_on: date
    change: int
    percent_change: float | None
    category: str
    response: bool
    remission: bool


class CourseSafety(ResponseModel):
    """A non-TMS course: status, open pause, adverse events, pauses and outcome."""

    ref: str
    modality: str
    status: str
    start_date: date
    end_date: date | None
    primary_scale: str
    deliverable: bool
    refusal: str | None = Field(description="Why nothing may be delivered now (None: it may)")
    open_pause: Pause | None
    alerts: list[str]
    adverse_events: list[AdverseEvent]
    pauses: list[Pause]
    outcome: Outcome | None


class ReportedEvent(ResponseModel):
    adverse_event: AdverseEvent
    course: CourseStatusChange
    paused: bool


class AcknowledgedEvents(ResponseModel):
    adverse_events: list[AdverseEvent]


class PauseReviewed(ResponseModel):
    pause: Pause
    course: CourseStatusChange


class Kind(ResponseModel):
    id: str
    label: str
    source: Source
    note: str
    requires_description: bool
    always_serious: bool
    always_serious_source: Source | None


class Graded(ResponseModel):
    id: str
    label: str
    source: Source
    note: str


class ModalityKinds(ResponseModel):
    modality: str
    label: str
    note: str
    kinds: list[Kind]


class Catalogue(ResponseModel):
    version: str
    serious_criteria: list[Graded]
    severities: list[Graded]
    modalities: list[ModalityKinds]


class CorrectionOut(ResponseModel):
    id: int
    version: int
    retired_at: datetime | None = None
    retired_by: str | None = None
    retired_reason: str | None = None
    changed: list[str]
    course_status: str
