"""Pydantic models of the accounts room (CLI and API)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from trdcare.core.inputs import InputModel
from trdcare.core.text import FreeText, SingleLineText

StaffRole = Literal["admin", "physician", "clinician", "technician", "front_desk"]

USERNAME_PATTERN = r"^[a-z][a-z0-9._-]{1,63}$"


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    username: str = Field(
        pattern=USERNAME_PATTERN,
        description="Lower-case login name: a letter, then letters, digits, '.', '_' or '-'",
    )
    display_name: SingleLineText = Field(min_length=1, max_length=200)
    role: StaffRole
    password: str = Field(min_length=1, max_length=1024, description="Checked by the policy")


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    display_name: SingleLineText | None = Field(default=None, min_length=1, max_length=200)
    role: StaffRole | None = None
    is_active: bool | None = None
    reason: FreeText = Field(min_length=3, max_length=500, description="Why the account changes")


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class User(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str
    display_name: str
    role: str
    is_active: bool
    last_login_at: datetime | None
    created_at: datetime
    created_by: str
    version: int


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: SingleLineText = Field(min_length=1, max_length=100, description="What the token is for")
    expires_in_days: int = Field(default=90, ge=1, le=366)


class Token(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ref: str
    name: str
    prefix: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(Token):
    token: str = Field(description="The secret bearer token; shown once, stored only hashed")


class SelfReportLinkCreate(InputModel):
    scale: str = Field(
        min_length=1, max_length=20, title="Scale", description="Scale id, e.g. phq9"
    )
    expires_in_hours: int = Field(default=96, ge=1, le=24 * 14, title="Valid for (hours)")
    course: str | None = Field(
        default=None,
        max_length=20,
        title="Course",
        description="Course ref (C-...) the answers belong to",
    )


class SelfReportLink(BaseModel):
    ref: str
    patient: str
    scale: str
    created_at: datetime
    created_by: str
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    status: Literal["open", "used", "expired", "revoked"]
    suicidal_ideation: bool | None = Field(
        description=(
            "Whether the suicide item was answered positive; null for roles that may not "
            "read clinical findings (front desk)"
        )
    )


class SelfReportLinkCreated(SelfReportLink):
    url: str = Field(description="The link to give the patient; shown once")
