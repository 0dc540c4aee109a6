"""The labs room's inputs (API bodies and CLI options alike) and typed answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from trdcare.adapters.web.corrections import Blank
from trdcare.core.inputs import ClinicalNote, InputModel
from trdcare.core.outputs import ResponseModel

Finite = Annotated[float, Field(allow_inf_nan=False)]
# A page form's empty bound is "not given" (a result may come without a range).
OptionalFinite = Annotated[float | None, Field(allow_inf_nan=False), Blank]
Short = Annotated[str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True)]
LabName = Annotated[str, StringConstraints(max_length=200, strip_whitespace=True)]


class LabResultIn(InputModel):
    analyte: Short = Field(
        title="Test", description="Catalogue id or LOINC code, e.g. tsh or 3016-3"
    )
    value: Finite = Field(ge=0, le=1e6, title="Result")
    unit: Short = Field(title="Unit")
    reference_low: OptionalFinite = Field(default=None, ge=0, le=1e6, title="Reference range, low")
    reference_high: OptionalFinite = Field(
        default=None, ge=0, le=1e6, title="Reference range, high"
    )
    collected_on: date = Field(title="Collected on")
    lab: LabName = Field(default="", title="Laboratory")
    note: ClinicalNote = Field(default="", title="Note")


class LabResultOut(ResponseModel):
    id: int
    analyte: str
    name: str
    loinc: str
    loinc_status: str
    value: float
    unit: str
    reference_low: float | None
    reference_high: float | None
    flag: str
    flag_words: str
    abnormal: bool
    collected_on: date
    lab: str
    note: str
    recorded_at: datetime
    recorded_by: str
    version: int


class LabsOverviewOut(ResponseModel):
    patient: str
    results: list[LabResultOut]
    withdrawn: list[LabResultOut]
    catalogue_version: str
    interpretation: str
