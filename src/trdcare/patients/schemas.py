"""Pydantic models for patient input and output: one model per input, shared by the API, the
page forms (``Annotated[Model, Form()]``) and the CLI. A field's ``title`` is the label a user
reads in every message about it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from trdcare.core.inputs import Code, InputModel, PersonName, Reason

Sex = Literal["female", "male", "other", "unknown"]
PatientStatus = Literal["active", "discharged"]


MRN_FIELD = Field(title="Medical record number", description="The clinic's medical record number")


class PatientCreate(InputModel):
    mrn: Code = MRN_FIELD
    given_name: PersonName = Field(title="Given name")
    family_name: PersonName = Field(title="Family name")
    birth_date: date = Field(title="Date of birth")
    sex: Sex = Field(default="unknown", title="Administrative sex")


class PatientUpdate(InputModel):
    """A correction: only the fields given change (a field equal to the record is no change)."""

    given_name: PersonName | None = Field(default=None, title="Given name")
    family_name: PersonName | None = Field(default=None, title="Family name")
    birth_date: date | None = Field(default=None, title="Date of birth")
    sex: Sex | None = Field(default=None, title="Administrative sex")
    status: PatientStatus | None = Field(default=None, title="Status")
    reason: Reason = Field(
        title="Reason for the correction", description="Why the record is corrected"
    )


class PatientLookup(InputModel):
    mrn: Code = MRN_FIELD


class Patient(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ref: str
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    sex: str
    status: str
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
