"""Pydantic models for patient input and output (CLI and API)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from trdcare.core.text import FreeText, SingleLineText

Sex = Literal["female", "male", "other", "unknown"]
PatientStatus = Literal["active", "discharged"]


class PatientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    mrn: SingleLineText = Field(
        min_length=1, max_length=64, description="The clinic's medical record number"
    )
    given_name: SingleLineText = Field(min_length=1, max_length=120)
    family_name: SingleLineText = Field(min_length=1, max_length=120)
    birth_date: date
    sex: Sex = "unknown"


class PatientUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    given_name: SingleLineText | None = Field(default=None, min_length=1, max_length=120)
    family_name: SingleLineText | None = Field(default=None, min_length=1, max_length=120)
    birth_date: date | None = None
    sex: Sex | None = None
    status: PatientStatus | None = None
    reason: FreeText = Field(
        min_length=3, max_length=500, description="Why the record is corrected"
    )


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
