"""Tables of the web application: API tokens, sessions, login throttling, self-report links.

Secrets are never stored: tokens, session ids and link tokens are 256-bit random values of
which only the SHA-256 digest is kept (a high-entropy secret needs no slow hash; a stolen
table yields nothing usable).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from trdcare.adapters.db.base import Base


class ApiToken(Base):
    """A revocable bearer token of one user; ``prefix`` identifies it in lists."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by: Mapped[str | None] = mapped_column(String(120), default=None)


class WebSession(Base):
    """A signed-in browser. Ended on logout, inactivity or at its absolute expiry."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_reason: Mapped[str | None] = mapped_column(String(20), default=None)
    source: Mapped[str] = mapped_column(String(120))
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class LoginThrottle(Base):
    """Failed-login counter and lock of one key (``user:<name>`` or ``ip:<address>``)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime | None] = mapped_column(default=None)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)


class SelfReportLink(Base):
    """A single-use, expiring link that lets a patient answer one questionnaire.

    ``ref`` is the opaque id staff see (``L-...``); the token that opens the link is only
    in the link itself, stored here as its SHA-256 digest.
    """

    __tablename__ = "self_report_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    scale_id: Mapped[str] = mapped_column(String(20))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_courses.id"), default=None)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by: Mapped[str | None] = mapped_column(String(120), default=None)
    suicidal_ideation: Mapped[bool] = mapped_column(default=False)
    alert_acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    alert_acknowledged_by: Mapped[str | None] = mapped_column(String(120), default=None)

    __table_args__ = (Index("ix_self_report_links_patient", "patient_id", "created_at"),)
