"""Account use cases: users, passwords, sign-in with throttling, sessions, API tokens and
self-report links. Flushes, never commits.

Secrets (session ids, API tokens, link tokens) are 256-bit random values from
:mod:`secrets`; only their SHA-256 digest is stored. Passwords are hashed with Argon2id
(RFC 9106) through argon2-cffi, whose defaults are RFC 9106's second recommended option.

References
----------
.. [1] Biryukov A, Dinu D, Khovratovich D, Josefsson S. RFC 9106: Argon2 Memory-Hard Function
   for Password Hashing and Proof-of-Work Applications. IRTF, 2021.
.. [2] NIST SP 800-63B-4, sections 3.1.1.2 (passwords) and 3.2.2 (throttling).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from trdcare.accounts.domain import (
    LOCKOUT_POLICY,
    STAFF_ROLES,
    LockoutPolicy,
    ThrottleState,
    check_password,
)
from trdcare.accounts.repository import AccountRepository
from trdcare.accounts.schemas import TokenCreate, UserCreate, UserUpdate
from trdcare.adapters.db.locking import unique_insert
from trdcare.adapters.db.models import (
    ApiToken,
    LoginThrottle,
    Patient,
    SelfReportLink,
    TreatmentCourse,
    User,
    WebSession,
)
from trdcare.adapters.db.stamping import snapshot, stamp_new
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.checks import check_option
from trdcare.core.clock import utc_now
from trdcare.core.errors import Conflict, InvalidInput, Issue, NotFound, PermissionDenied
from trdcare.core.ids import new_ref

# Instruments the patient completes alone (the clinician-rated HAM-D17 and MADRS, and the
# interviewer-led C-SSRS screener, are entered by staff).
SELF_REPORT_SCALES: tuple[str, ...] = ("phq9", "gad7", "qids_sr16")

TOKEN_PREFIX = "trd_"  # noqa: S105 - a public marker, not a secret
# Timestamps of sessions and tokens are refreshed at most this often (saves a write per
# request; inactivity logoff is exact to within this interval).
TOUCH_INTERVAL = timedelta(seconds=60)

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("trdcare-dummy-password-for-constant-time")


def configure_password_hashing(*, time_cost: int, memory_cost_kib: int, parallelism: int) -> None:
    """Change the Argon2id cost (tests use a cheap setting; production keeps the default)."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism
    )
    _DUMMY_HASH = _hasher.hash("trdcare-dummy-password-for-constant-time")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def digest(secret: str) -> str:
    """SHA-256 hex digest of a high-entropy secret (never of a password)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _unique_ref(prefix: str, exists: Callable[[str], bool]) -> str:
    ref = new_ref(prefix)
    while exists(ref):
        ref = new_ref(prefix)
    return ref


# users ------------------------------------------------------------------------------------
def _check_password_or_raise(password: str, username: str, path: str = "password") -> None:
    issues = [
        Issue(path, i.message, i.allowed, i.given)
        for i in check_password(password, username=username)
    ]
    if issues:
        raise InvalidInput(issues[0].render(), issues=issues)


def create_user(session: Session, actor: Actor, data: UserCreate) -> User:
    """Add a staff account (roles: :data:`~trdcare.accounts.domain.STAFF_ROLES`)."""
    check_option("role", data.role, STAFF_ROLES)
    repo = AccountRepository(session)
    taken = Conflict(f"username: {data.username!r} is already taken")
    if repo.user_by_username(data.username) is not None:
        raise taken
    _check_password_or_raise(data.password, data.username)
    user = User(
        username=data.username,
        display_name=data.display_name,
        role=data.role,
        password_hash=hash_password(data.password),
        is_active=True,
    )
    stamp_new(user, actor)
    with unique_insert(session, taken):
        repo.add(user)
    audit.record(
        session, actor, "create", "user", entity_id=user.username, detail={"role": user.role}
    )
    return user


def list_users(session: Session) -> list[User]:
    return AccountRepository(session).users()


def get_user(session: Session, username: str) -> User:
    user = AccountRepository(session).user_by_username(username)
    if user is None:
        raise NotFound("username: no user with this name")
    return user


def update_user(session: Session, actor: Actor, user: User, data: UserUpdate) -> User:
    """Change role, name or active flag; the old version is kept with the reason.

    Deactivating a user ends their sessions and revokes their API tokens at once.
    """
    changes = data.model_dump(exclude_unset=True, exclude={"reason"}, exclude_none=True)
    if not changes:
        raise InvalidInput.single("update", "names no field to change")
    if user.username == actor.username and (
        changes.get("is_active") is False or changes.get("role", "admin") != "admin"
    ):
        raise Conflict("username: administrators cannot deactivate or demote themselves")
    snapshot(session, user, actor, data.reason)
    for key, value in changes.items():
        setattr(user, key, value)
    now = utc_now()
    repo = AccountRepository(session)
    if changes.get("is_active") is False or "role" in changes:
        repo.end_sessions_of(user.id, now, "account_changed")
    if changes.get("is_active") is False:
        repo.revoke_tokens_of(user.id, now, actor.username)
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "user",
        entity_id=user.username,
        detail={"fields": sorted(changes), "role": user.role, "is_active": user.is_active},
    )
    return user


def set_password(
    session: Session,
    actor: Actor,
    user: User,
    new_password: str,
    *,
    current_password: str | None = None,
) -> None:
    """Set a password (own change: the current one must be given). Ends other sessions."""
    if current_password is not None and not _verify_password(user.password_hash, current_password):
        raise InvalidInput.single("current_password", "does not match")
    _check_password_or_raise(new_password, user.username, "new_password")
    snapshot(session, user, actor, "password changed")
    user.password_hash = hash_password(new_password)
    AccountRepository(session).end_sessions_of(user.id, utc_now(), "password_changed")
    session.flush()
    audit.record(
        session, actor, "update", "user", entity_id=user.username, detail={"fields": ["password"]}
    )


# sign-in ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LoginResult:
    outcome: Literal["ok", "invalid", "locked"]
    user: User | None = None
    locked_until: datetime | None = None


def _state(row: LoginThrottle) -> ThrottleState:
    return ThrottleState(row.failures, row.window_started_at, row.locked_until)


def _store_state(row: LoginThrottle, state: ThrottleState) -> None:
    row.failures = state.failures
    row.window_started_at = state.window_started_at
    row.locked_until = state.locked_until


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    source: str,
    now: datetime | None = None,
    policy: LockoutPolicy = LOCKOUT_POLICY,
) -> LoginResult:
    """Check a username and password under throttling and lockout; audit the attempt.

    A locked user or address is refused without checking the password. An unknown
    username costs the same hash verification as a known one (no user enumeration).
    The user's and the address's throttle rows are locked (always in this order) before
    they are read and until the request commits: simultaneous attempts on one user or
    address are checked one after the other, so no more passwords are checked than the
    policy's limit.
    """
    now = now or utc_now()
    repo = AccountRepository(session)
    username = username.strip().lower()[:120]
    user_key, ip_key = f"user:{username}", f"ip:{source}"[:200]
    user_row, ip_row = repo.lock_throttle(user_key), repo.lock_throttle(ip_key)
    user_state, ip_state = _state(user_row), _state(ip_row)
    who = Actor(username=username or "-", role="-", source=source)
    if user_state.is_locked(now) or ip_state.is_locked(now):
        until = max(
            s.locked_until
            for s in (user_state, ip_state)
            if s.is_locked(now) and s.locked_until is not None
        )
        audit.record(session, who, "denied", "login", detail={"reason": "locked"})
        session.flush()
        return LoginResult("locked", locked_until=until)
    user = repo.user_by_username(username) if username else None
    ok = _verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        new_user_state = user_state.after_failure(user_key, now, policy)
        _store_state(user_row, new_user_state)
        _store_state(ip_row, ip_state.after_failure(ip_key, now, policy))
        audit.record(session, who, "denied", "login", detail={"reason": "invalid"})
        session.flush()
        if new_user_state.is_locked(now):
            return LoginResult("locked", locked_until=new_user_state.locked_until)
        return LoginResult("invalid")
    _store_state(user_row, user_state.after_success())
    if user.password_hash and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    audit.record(
        session,
        Actor(username=user.username, role=user.role, source=source),
        "login",
        "session",
    )
    session.flush()
    return LoginResult("ok", user=user)


# sessions ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """Automatic logoff (HIPAA 45 CFR 164.312(a)(2)(iii)): idle limit and absolute limit."""

    idle: timedelta = timedelta(minutes=15)
    absolute: timedelta = timedelta(hours=12)


def start_session(
    session: Session,
    user: User,
    *,
    source: str,
    user_agent: str,
    policy: SessionPolicy,
    now: datetime | None = None,
) -> str:
    """Open a browser session; return the secret for the cookie (stored only hashed)."""
    now = now or utc_now()
    raw = secrets.token_urlsafe(32)
    AccountRepository(session).add(
        WebSession(
            session_hash=digest(raw),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.absolute,
            source=source[:120],
            user_agent=user_agent[:200],
        )
    )
    return raw


@dataclass(frozen=True, slots=True)
class ResolvedSession:
    web_session: WebSession
    user: User


def resolve_session(
    session: Session, raw: str, *, policy: SessionPolicy, now: datetime | None = None
) -> ResolvedSession | None:
    """The live session for a cookie, or None; ends it when idle or past its expiry."""
    now = now or utc_now()
    found = AccountRepository(session).session_with_user(digest(raw))
    if found is None:
        return None
    web_session, user = found
    if web_session.ended_at is not None or not user.is_active:
        return None
    reason = None
    if now >= web_session.expires_at:
        reason = "expired"
    elif now - web_session.last_seen_at > policy.idle:
        reason = "idle"
    if reason:
        web_session.ended_at = now
        web_session.ended_reason = reason
        audit.record(
            session,
            Actor(user.username, user.role, web_session.source),
            "logout",
            "session",
            detail={"reason": reason},
        )
        session.flush()
        return None
    if now - web_session.last_seen_at >= TOUCH_INTERVAL:
        web_session.last_seen_at = now
    return ResolvedSession(web_session, user)


def end_session(session: Session, raw: str, *, reason: str = "logout") -> User | None:
    found = AccountRepository(session).session_with_user(digest(raw))
    if found is None or found[0].ended_at is not None:
        return None
    web_session, user = found
    web_session.ended_at = utc_now()
    web_session.ended_reason = reason
    audit.record(
        session,
        Actor(user.username, user.role, web_session.source),
        "logout",
        "session",
        detail={"reason": reason},
    )
    session.flush()
    return user


# API tokens -------------------------------------------------------------------------------
def create_token(
    session: Session, actor: Actor, user: User, data: TokenCreate
) -> tuple[ApiToken, str]:
    """Issue a bearer token for ``user``; the secret is returned once and stored hashed."""
    if not user.is_active:
        raise Conflict("username: the account is deactivated")
    repo = AccountRepository(session)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utc_now()
    token = ApiToken(
        ref=_unique_ref("T", repo.token_ref_exists),
        user_id=user.id,
        name=data.name,
        prefix=raw[:12],
        token_hash=digest(raw),
        created_at=now,
        created_by=actor.username,
        expires_at=now + timedelta(days=data.expires_in_days),
    )
    repo.add(token)
    audit.record(
        session,
        actor,
        "create",
        "api_token",
        entity_id=token.ref,
        detail={"user": user.username, "expires_in_days": data.expires_in_days},
    )
    return token, raw


def resolve_token(
    session: Session, raw: str, *, now: datetime | None = None
) -> tuple[ApiToken, User] | None:
    now = now or utc_now()
    if not raw.startswith(TOKEN_PREFIX):
        return None
    found = AccountRepository(session).token_with_user(digest(raw))
    if found is None:
        return None
    token, user = found
    if token.revoked_at is not None or not user.is_active:
        return None
    if token.expires_at is not None and now >= token.expires_at:
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL:
        token.last_used_at = now
    return token, user


def list_tokens(session: Session, user: User | None = None) -> list[tuple[ApiToken, str]]:
    return AccountRepository(session).tokens(None if user is None else user.id)


def revoke_token(
    session: Session, actor: Actor, ref: str, *, owner: User | None = None
) -> ApiToken:
    """Revoke a token; with ``owner`` given, only that user's own tokens can be revoked."""
    token = AccountRepository(session).token_by_ref(ref)
    if token is None or (owner is not None and token.user_id != owner.id):
        raise NotFound("token: no token with this ref")
    if token.revoked_at is None:
        token.revoked_at = utc_now()
        token.revoked_by = actor.username
        session.flush()
        audit.record(session, actor, "update", "api_token", entity_id=ref, detail={"revoked": True})
    return token


# self-report links ------------------------------------------------------------------------
LinkStatus = Literal["open", "used", "expired", "revoked"]


def link_status(link: SelfReportLink, now: datetime | None = None) -> LinkStatus:
    now = now or utc_now()
    if link.revoked_at is not None:
        return "revoked"
    if link.used_at is not None:
        return "used"
    if now >= link.expires_at:
        return "expired"
    return "open"


def create_link(
    session: Session,
    actor: Actor,
    patient: Patient,
    scale_id: str,
    *,
    expires_in_hours: int,
    course: TreatmentCourse | None = None,
) -> tuple[SelfReportLink, str]:
    """A single-use link for ``patient`` to answer ``scale_id``; returns the secret token."""
    check_option("scale", scale_id, SELF_REPORT_SCALES)
    if not 1 <= expires_in_hours <= 24 * 14:
        raise InvalidInput.single(
            "expires_in_hours", "out of range", allowed="1 to 336", given=expires_in_hours
        )
    if patient.status != "active":
        raise Conflict("patient: self-report links are only sent to active patients")
    repo = AccountRepository(session)
    raw = secrets.token_urlsafe(32)
    now = utc_now()
    link = SelfReportLink(
        ref=_unique_ref("L", repo.link_ref_exists),
        token_hash=digest(raw),
        patient_id=patient.id,
        scale_id=scale_id,
        course_id=course.id if course else None,
        created_at=now,
        created_by=actor.username,
        expires_at=now + timedelta(hours=expires_in_hours),
        suicidal_ideation=False,
    )
    repo.add(link)
    audit.record(
        session,
        actor,
        "create",
        "self_report_link",
        entity_id=link.ref,
        patient_ref=patient.ref,
        detail={"scale": scale_id, "expires_in_hours": expires_in_hours},
    )
    return link, raw


def find_link(session: Session, raw: str) -> SelfReportLink | None:
    """The link a token opens, whatever its state (None: no such link)."""
    if not raw or len(raw) > 100:
        return None
    return AccountRepository(session).link_by_hash(digest(raw))


def open_link(session: Session, raw: str, *, source: str) -> tuple[SelfReportLink, Patient]:
    """The open link for ``raw`` and its patient, audited as a read by the link holder.

    Raises
    ------
    NotFound
        For an unknown, used, expired or revoked link alike (the message does not say
        which, so a token cannot be probed).
    """
    link = find_link(session, raw)
    if link is None or link_status(link) != "open":
        raise NotFound("link: this link is not valid (it was used, has expired or is unknown)")
    patient = session.get(Patient, link.patient_id)
    if patient is None or patient.retired_at is not None:
        raise NotFound("link: this link is not valid (it was used, has expired or is unknown)")
    audit.record(
        session,
        link_actor(link, source),
        "read",
        "self_report_link",
        entity_id=link.ref,
        patient_ref=patient.ref,
        detail={"scale": link.scale_id},
    )
    return link, patient


def link_actor(link: SelfReportLink, source: str) -> Actor:
    return Actor(username=f"patient:{link.ref}", role="patient", source=source)


def link_course(session: Session, link: SelfReportLink) -> TreatmentCourse | None:
    return None if link.course_id is None else session.get(TreatmentCourse, link.course_id)


def require_complete_answers(item_keys: tuple[str, ...], answers: Mapping[str, int]) -> None:
    """A self-report form must answer every item (a link is used once)."""
    # Numbered as the patient sees the questions (by position), in words a patient reads.
    issues = [
        Issue(f"items.{key}", f"Please answer question {number}.")
        for number, key in enumerate(item_keys, start=1)
        if key not in answers
    ]
    if issues:
        raise InvalidInput(issues[0].render(), issues=issues)


class LinkAlreadyUsed(Conflict):
    """Another submission used the link first (a link is used once)."""

    code = "link_used"


def claim_link(session: Session, link: SelfReportLink) -> None:
    """Use the link up before its answers are stored (the check and the write are one
    conditional UPDATE, so of simultaneous submissions exactly one is kept).

    Raises
    ------
    LinkAlreadyUsed
        The link was used, revoked or expired since it was opened.
    """
    if not AccountRepository(session).claim_link(link, utc_now()):
        raise LinkAlreadyUsed(
            "link: this link was used by another submission a moment ago (a link is used "
            "once); these answers were not saved"
        )


def mark_link_used(
    session: Session, link: SelfReportLink, *, assessment_id: int, suicidal_ideation: bool
) -> None:
    """Tie the claimed link to its assessment; a positive suicide item raises a dashboard
    alert until acknowledged."""
    link.assessment_id = assessment_id
    link.suicidal_ideation = suicidal_ideation
    session.flush()


def list_links(session: Session, patient: Patient) -> list[SelfReportLink]:
    return AccountRepository(session).links_for_patient(patient.id)


def revoke_link(session: Session, actor: Actor, patient: Patient, ref: str) -> SelfReportLink:
    repo = AccountRepository(session)
    link = repo.link_by_ref(ref)
    if link is None or link.patient_id != patient.id:
        raise NotFound("link: no self-report link with this ref for this patient")
    # Only an open link is revoked; the check and the write are one statement, so a link
    # answered at the same moment ends used or revoked, never both.
    if link_status(link) == "open" and repo.revoke_link(link, utc_now(), actor.username):
        audit.record(
            session,
            actor,
            "update",
            "self_report_link",
            entity_id=ref,
            patient_ref=patient.ref,
            detail={"revoked": True},
        )
    return link


def open_alerts(session: Session) -> list[tuple[SelfReportLink, str]]:
    return AccountRepository(session).open_alerts()


def link_by_ref(session: Session, ref: str) -> SelfReportLink | None:
    """The link staff know by its ref (``L-...``), whatever its state."""
    return AccountRepository(session).link_by_ref(ref)


def link_of_assessment(session: Session, assessment_id: int) -> SelfReportLink | None:
    """The self-report link whose answers are this administration, if any."""
    return AccountRepository(session).link_of_assessment(assessment_id)


def acknowledge_alert(session: Session, actor: Actor, ref: str) -> SelfReportLink:
    """A clinician confirms a self-report suicide alert was seen and acted on (who and when
    on the link; the note goes on its assessment, see
    :func:`trdcare.assessments.service.acknowledge_self_report_alert`).

    Raises
    ------
    NotFound
        No self-report with a suicide alert has this ref.
    PermissionDenied
        Not clinical staff.
    Conflict
        Already acknowledged (by another, or a moment ago in another window).
    """
    repo = AccountRepository(session)
    link = repo.link_by_ref(ref)
    if link is None or not link.suicidal_ideation:
        raise NotFound("alert: no self-report suicide alert with this ref")
    if actor.role not in ("physician", "clinician", "technician"):
        raise PermissionDenied("alert: only clinical staff acknowledge alerts")
    if not repo.claim_link_alert(link, utc_now(), actor.username):
        session.refresh(link)
        raise Conflict(
            _already_acknowledged(link.alert_acknowledged_by, link.alert_acknowledged_at)
        )
    patient = session.get(Patient, link.patient_id)
    audit.record(
        session,
        actor,
        "update",
        "self_report_alert",
        entity_id=ref,
        patient_ref=patient.ref if patient else None,
        detail={"acknowledged": True},
    )
    return link


def _already_acknowledged(by: str | None, at: datetime | None) -> str:
    when = f" at {at:%Y-%m-%d %H:%M} UTC" if at else ""
    return f"alert: already acknowledged by {by or 'another user'}{when}; nothing was changed"


def ensure_user(
    session: Session, actor: Actor, username: str, role: str, display_name: str, password: str
) -> User:
    """Create ``username`` unless it exists (used by the demo loader of ``serve``)."""
    existing = AccountRepository(session).user_by_username(username)
    if existing is not None:
        return existing
    return create_user(
        session,
        actor,
        UserCreate(username=username, display_name=display_name, role=role, password=password),  # type: ignore[arg-type]
    )


def count_users(session: Session) -> int:
    return AccountRepository(session).count_users()
