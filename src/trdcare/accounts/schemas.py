"""Pydantic models of the accounts room (CLI and API)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from trdcare.accounts.domain.passwords import check_password
from trdcare.core.inputs import CODE_MAX_CHARS, InputModel, PersonName, Reason

StaffRole = Literal["admin", "physician", "clinician", "technician", "front_desk"]

USERNAME_PATTERN = r"^[a-z][a-z0-9._-]{1,63}$"


PASSWORD_MAX_CHARS = 1024  # far above any passphrase; the policy checks the rest


def _meets_policy(password: str) -> str:
    """The password policy's rules that need no username, checked with the other fields, so a
    form says every problem in one round (the service checks the username rule too)."""
    issues = check_password(password)
    if issues:
        first = issues[0]
        detail = "; ".join(
            part
            for part in (
                f"allowed: {first.allowed}" if first.allowed else "",
                f"given: {first.given}" if first.given else "",
            )
            if part
        )
        raise ValueError(f"{first.message} ({detail})" if detail else first.message)
    return password


#: A new password: checked against the policy (length, variety, common passwords).
NewPassword = Annotated[str, AfterValidator(_meets_policy)]


class UserCreate(InputModel):
    username: str = Field(
        pattern=USERNAME_PATTERN,
        title="Username",
        examples=["j.smith"],
        description="Lower-case login name: a letter, then letters, digits, '.', '_' or '-'",
    )
    display_name: PersonName = Field(title="Display name")
    role: StaffRole = Field(title="Role")
    password: NewPassword = Field(
        min_length=1,
        max_length=PASSWORD_MAX_CHARS,
        title="Password",
        description="Checked by the policy",
    )


class UserUpdate(InputModel):
    display_name: PersonName | None = Field(default=None, title="Display name")
    role: StaffRole | None = Field(default=None, title="Role")
    is_active: bool | None = Field(default=None, title="State")
    reason: Reason = Field(title="Reason", description="Why the account changes")


class PasswordChange(InputModel):
    model_config = ConfigDict(str_strip_whitespace=False)  # a password is taken as typed

    current_password: str = Field(
        min_length=1, max_length=PASSWORD_MAX_CHARS, title="Current password"
    )
    new_password: NewPassword = Field(
        min_length=1, max_length=PASSWORD_MAX_CHARS, title="New password"
    )


class PasswordChangeForm(PasswordChange):
    """The account page's form: the new password typed twice."""

    confirm_password: str = Field(max_length=PASSWORD_MAX_CHARS, title="Repeated new password")

    @field_validator("confirm_password")
    @classmethod
    def _same_as_new(cls, value: str, info: ValidationInfo) -> str:
        # A refused new password is said once, by its own field.
        if "new_password" in info.data and value != info.data["new_password"]:
            raise ValueError("does not match the new password")
        return value


class PasswordReset(InputModel):
    """An administrator sets a user's password (the policy checks it)."""

    model_config = ConfigDict(str_strip_whitespace=False)

    password: NewPassword = Field(min_length=1, max_length=PASSWORD_MAX_CHARS, title="New password")


class LoginForm(InputModel):
    """The sign-in form (its CSRF token is checked against the pre-session cookie)."""

    model_config = ConfigDict(str_strip_whitespace=False)

    username: str = Field(min_length=1, max_length=CODE_MAX_CHARS, title="Username")
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_CHARS, title="Password")
    next: str = Field(default="", max_length=2000, title="Next page")


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


class TokenCreate(InputModel):
    name: PersonName = Field(title="What it is for", description="What the token is for")
    expires_in_days: int = Field(default=90, ge=1, le=366, title="Valid for (days)")


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
