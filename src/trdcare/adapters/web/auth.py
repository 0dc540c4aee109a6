"""Who is calling, and may they? Sessions, bearer tokens, the permission check and CSRF.

Every route declares exactly one permission by depending on ``Require("<permission>")``
(see :mod:`trdcare.accounts.domain.permissions`). ``Require`` authenticates the request
(bearer token first, then the session cookie), checks the role against the matrix, audits
a refusal, and for cookie-authenticated state changes checks the CSRF token and origin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from trdcare.accounts import service as account_service
from trdcare.accounts.domain import PERMISSIONS, is_allowed
from trdcare.adapters.db.models import User
from trdcare.adapters.web.db import get_db
from trdcare.adapters.web.problems import CsrfFailed, NotAuthenticated
from trdcare.adapters.web.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SAFE_METHODS,
    SECURE_SESSION_COOKIE,
    SESSION_COOKIE,
    csrf_matches,
    origin_allowed,
    read_cookie,
)
from trdcare.adapters.web.settings import WebSettings
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.errors import PermissionDenied
from trdcare.core.ids import is_ref


def refusal_words(role: str, permission: str) -> str:
    """Why a role is refused, in the clinic's words: the role as people say it and what the
    missing permission allows (its id last, for the administrator who grants it)."""
    allows = PERMISSIONS[permission].description if permission in PERMISSIONS else permission
    return (
        f"role: a {role.replace('_', ' ')} account may not do this; it needs the permission to "
        f"{allows[:1].lower()}{allows[1:]} ({permission})"
    )


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    user_id: int
    username: str
    display_name: str
    role: str
    method: Literal["session", "token"]
    source: str
    session_secret: str | None = None

    @property
    def actor(self) -> Actor:
        return Actor(username=self.username, role=self.role, source=self.source)

    def can(self, permission: str) -> bool:
        return is_allowed(self.role, permission)


def who(principal: Principal) -> str:
    """How the acting user is named in clinical records: display name and login."""
    return f"{principal.display_name} ({principal.username})"


def client_source(request: Request) -> str:
    """The client address (after trusted proxy headers were applied by the server)."""
    return request.client.host if request.client else "unknown"


def settings_of(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


def session_cookie(request: Request) -> str | None:
    """The session cookie (in production only the ``__Host-`` prefixed one)."""
    return read_cookie(
        request.cookies,
        SECURE_SESSION_COOKIE,
        SESSION_COOKIE,
        secure_only=settings_of(request).secure_cookies,
    )


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise NotAuthenticated("authorization: expected 'Bearer <token>'")
    return value.strip()


def _principal_from_user(
    user: User, method: Literal["session", "token"], source: str, secret: str | None
) -> Principal:
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        method=method,
        source=source,
        session_secret=secret,
    )


def resolve_principal(request: Request, db: Session) -> Principal | None:
    """Authenticate the request (cached on ``request.state``); None when anonymous.

    Raises
    ------
    NotAuthenticated
        A bearer token was sent but is unknown, revoked or expired.
    """
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    source = client_source(request)
    principal: Principal | None = None
    token = _bearer(request)
    if token is not None:
        found = account_service.resolve_token(db, token)
        if found is None:
            raise NotAuthenticated("authorization: the token is unknown, revoked or expired")
        principal = _principal_from_user(found[1], "token", source, None)
    else:
        raw = session_cookie(request)
        if raw:
            resolved = account_service.resolve_session(
                db, raw, policy=settings_of(request).session_policy
            )
            if resolved is not None:
                principal = _principal_from_user(resolved.user, "session", source, raw)
            else:
                request.state.session_ended = True
    request.state.principal = principal
    return principal


async def form_data(request: Request) -> FormData:
    """The parsed form of the request (Starlette caches it for the endpoint)."""
    return await request.form()


async def csrf_guard(request: Request) -> None:
    """Check origin and CSRF token of a cookie-authenticated state-changing request."""
    if request.method in SAFE_METHODS or request.headers.get("authorization"):
        return
    raw = session_cookie(request)
    if raw is None:
        return  # no ambient credential: the permission check answers 401
    if not origin_allowed(request):
        raise CsrfFailed("origin: the request came from another site")
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    if not csrf_matches(settings_of(request).secret_key, "session", raw, given):
        raise CsrfFailed("csrf_token: missing or does not match this session; reload the page")


class Require:
    """Dependency: the caller must be signed in and hold ``permission``."""

    def __init__(self, permission: str) -> None:
        if permission not in PERMISSIONS:
            raise ValueError(f"permission must be one of {sorted(PERMISSIONS)}, got {permission!r}")
        self.permission = permission

    def __repr__(self) -> str:
        return f"Require({self.permission!r})"

    def __call__(
        self,
        request: Request,
        db: Annotated[Session, Depends(get_db, scope="function")],
        _csrf: Annotated[None, Depends(csrf_guard)],
    ) -> Principal:
        principal = resolve_principal(request, db)
        if principal is None:
            # A session ended for inactivity is written before the refusal.
            db.commit()
            raise NotAuthenticated("not signed in: sign in or send 'Authorization: Bearer'")
        if not principal.can(self.permission):
            ref = request.path_params.get("ref")
            audit.record(
                db,
                principal.actor,
                "denied",
                "route",
                patient_ref=ref
                if isinstance(ref, str) and len(ref) <= 20 and is_ref(ref, "P")
                else None,
                detail={"permission": self.permission, "method": request.method},
            )
            db.commit()
            raise PermissionDenied(refusal_words(principal.role, self.permission))
        return principal
