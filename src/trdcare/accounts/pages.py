"""Pages of the accounts room: sign-in/out, one's account, user admin, the audit log viewer."""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import Field
from starlette.datastructures import FormData

from trdcare.accounts import service as account_service
from trdcare.accounts.domain import (
    PASSWORD_POLICY,
    PERMISSIONS,
    ROLE_DESCRIPTIONS,
    ROLES,
    STAFF_ROLES,
)
from trdcare.accounts.repository import AccountRepository
from trdcare.accounts.schemas import (
    LoginForm,
    PasswordChangeForm,
    PasswordReset,
    TokenCreate,
    UserCreate,
    UserUpdate,
)
from trdcare.adapters.web.auth import (
    Principal,
    Require,
    client_source,
    form_data,
    resolve_principal,
    settings_of,
)
from trdcare.adapters.web.db import Db
from trdcare.adapters.web.forms import (
    FormProblem,
    FormRejected,
    page_principal,
    page_session,
    redisplay,
)
from trdcare.adapters.web.security import (
    CSRF_FIELD,
    LOGIN_COOKIE,
    SECURE_LOGIN_COOKIE,
    csrf_matches,
    csrf_token,
    is_secure_request,
    login_cookie_name,
    origin_allowed,
    read_cookie,
    session_cookie_name,
)
from trdcare.adapters.web.templating import render
from trdcare.audit import service as audit_service
from trdcare.core.errors import DomainError, Issue
from trdcare.core.inputs import InputModel

router = APIRouter(include_in_schema=False)


class LogoutForm(InputModel):
    """Why the session ends: the user's choice, or the page's inactivity timer."""

    reason: Literal["logout", "idle"] = Field(default="logout", title="Reason")


def home_for(principal: Principal) -> str:
    """Where a role starts: the dashboard for clinical staff, else its first page."""
    if principal.can("clinical.read"):
        return "/dashboard"
    if principal.can("patients.read"):
        return "/patients"
    if principal.can("users.manage"):
        return "/admin/users"
    return "/account"


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


# sign-in ----------------------------------------------------------------------------------
def _login_page(
    request: Request,
    *,
    next_url: str | None,
    message: str | None = None,
    status_code: int = 200,
    username: str = "",
    notice: str | None = None,
) -> HTMLResponse:
    settings = settings_of(request)
    secure = is_secure_request(request, settings.secure_cookies)
    pre = read_cookie(
        request.cookies, SECURE_LOGIN_COOKIE, LOGIN_COOKIE, secure_only=settings.secure_cookies
    ) or secrets.token_urlsafe(24)
    response = render(
        request,
        "accounts/login.html",
        {
            "login_csrf": csrf_token(settings.secret_key, "login", pre),
            "next_url": next_url or "",
            "message": message,
            "notice": notice,
            "username": username,
        },
        status_code=status_code,
    )
    response.set_cookie(
        login_cookie_name(secure),
        pre,
        max_age=3600,
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )
    return response


_NOTICES = {
    "idle": "You were signed out after a period of inactivity.",
    "logout": "You are signed out.",
    "expired": "Your session ended; please sign in again.",
}


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    db: Db,
    next: Annotated[str | None, Query(max_length=300)] = None,
    reason: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    principal = resolve_principal(request, db)
    if principal is not None:
        return RedirectResponse(_safe_next(next) or home_for(principal), status_code=303)
    notice = _NOTICES.get(reason or "")
    if notice is None and getattr(request.state, "session_ended", False):
        notice = _NOTICES["expired"]
    return _login_page(request, next_url=_safe_next(next), notice=notice)


def _login_again(request: Request, problem: FormProblem) -> HTMLResponse:
    """The sign-in form again: what is missing, in words (the password is never shown back)."""
    return _login_page(
        request,
        next_url=_safe_next(problem.value("next")),
        username=problem.value("username")[:64],
        message=" ".join(issue.message for issue in problem.issues),
    )


@router.post("/login", response_class=HTMLResponse)
@redisplay(_login_again)
def login(
    request: Request,
    db: Db,
    sent: Annotated[FormData, Depends(form_data)],
    form: Annotated[LoginForm, Form()],
) -> Response:
    settings = settings_of(request)
    next_url = _safe_next(form.next)
    username = form.username.strip()
    pre = (
        read_cookie(
            request.cookies, SECURE_LOGIN_COOKIE, LOGIN_COOKIE, secure_only=settings.secure_cookies
        )
        or ""
    )
    given = sent.get(CSRF_FIELD)
    if not origin_allowed(request) or not csrf_matches(
        settings.secret_key, "login", pre, given if isinstance(given, str) else None
    ):
        return _login_page(
            request,
            next_url=next_url,
            username=username,
            message="The sign-in form had expired. Please try again.",
            status_code=403,
        )
    result = account_service.authenticate(
        db, username, form.password, source=client_source(request)
    )
    if result.outcome == "locked":
        return _login_page(
            request,
            next_url=next_url,
            username=username,
            message="Too many failed attempts. Sign-in is locked for a while; "
            "ask an administrator if you need access now.",
            status_code=429,
        )
    if result.outcome != "ok" or result.user is None:
        return _login_page(
            request,
            next_url=next_url,
            username=username,
            message="Wrong username or password.",
            status_code=401,
        )
    raw = account_service.start_session(
        db,
        result.user,
        source=client_source(request),
        user_agent=request.headers.get("user-agent", ""),
        policy=settings.session_policy,
    )
    secure = is_secure_request(request, settings.secure_cookies)
    principal = Principal(
        user_id=result.user.id,
        username=result.user.username,
        display_name=result.user.display_name,
        role=result.user.role,
        method="session",
        source=client_source(request),
    )
    response = RedirectResponse(next_url or home_for(principal), status_code=303)
    response.set_cookie(
        session_cookie_name(secure),
        raw,
        max_age=int(settings.session_policy.absolute.total_seconds()),
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )
    response.delete_cookie(login_cookie_name(secure), path="/", secure=secure, httponly=True)
    return response


@router.post("/logout")
def logout(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("account.self"))],
    form: Annotated[LogoutForm, Form()],
) -> Response:
    reason = form.reason
    if principal.session_secret:
        account_service.end_session(db, principal.session_secret, reason=reason)
    settings = settings_of(request)
    secure = is_secure_request(request, settings.secure_cookies)
    response = RedirectResponse(f"/login?reason={reason}", status_code=303)
    response.delete_cookie(session_cookie_name(secure), path="/", secure=secure, httponly=True)
    return response


@router.get("/session/ping")
def ping(_: Annotated[Principal, Depends(Require("account.self"))]) -> JSONResponse:
    """Keeps an active user's session alive (the page calls it on keyboard/mouse activity)."""
    return JSONResponse({"ok": True})


@router.get("/")
def root(principal: Annotated[Principal, Depends(Require("account.self"))]) -> Response:
    return RedirectResponse(home_for(principal), status_code=303)


# one's own account ------------------------------------------------------------------------
def _account_page(
    request: Request,
    db: Db,
    principal: Principal,
    *,
    errors: list[Issue] | None = None,
    values: dict[str, str] | None = None,
    new_token: str | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    user = account_service.get_user(db, principal.username)
    tokens = account_service.list_tokens(db, user)
    return render(
        request,
        "accounts/account.html",
        {
            "user": user,
            "tokens": [t for t, _ in tokens],
            "errors": errors or [],
            "values": {k: v for k, v in (values or {}).items() if "password" not in k},
            "new_token": new_token,
            "message": message,
            "policy": PASSWORD_POLICY,
            "permissions": [PERMISSIONS[p] for p in PERMISSIONS if principal.can(p)],
            "role_description": ROLE_DESCRIPTIONS.get(principal.role, ""),
        },
        status_code=status_code,
    )


@router.get("/account", response_class=HTMLResponse)
def account(
    request: Request, db: Db, principal: Annotated[Principal, Depends(Require("account.self"))]
) -> HTMLResponse:
    return _account_page(request, db, principal)


def _account_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        return _account_page(request, db, principal, errors=problem.issues, values=problem.values)


@router.post("/account/password", response_class=HTMLResponse)
@redisplay(_account_again)
def account_password(
    db: Db,
    principal: Annotated[Principal, Depends(Require("account.self"))],
    form: Annotated[PasswordChangeForm, Form()],
) -> Response:
    user = account_service.get_user(db, principal.username)
    try:
        account_service.set_password(
            db, principal.actor, user, form.new_password, current_password=form.current_password
        )
    except DomainError as exc:
        raise FormRejected(exc, {}) from exc  # passwords are never shown back
    # Changing the password ended every session, this one included: sign in again.
    return RedirectResponse("/login?reason=expired", status_code=303)


@router.post("/account/tokens", response_class=HTMLResponse)
@redisplay(_account_again)
def account_token(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("account.self"))],
    form: Annotated[TokenCreate, Form()],
) -> HTMLResponse:
    user = account_service.get_user(db, principal.username)
    try:
        _, raw = account_service.create_token(db, principal.actor, user, form)
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return _account_page(request, db, principal, new_token=raw)


@router.post("/account/tokens/{token_ref}/revoke")
def account_token_revoke(
    db: Db,
    principal: Annotated[Principal, Depends(Require("account.self"))],
    token_ref: str,
) -> Response:
    user = account_service.get_user(db, principal.username)
    account_service.revoke_token(db, principal.actor, token_ref[:20], owner=user)
    return RedirectResponse("/account", status_code=303)


# user administration ----------------------------------------------------------------------
def _users_page(
    request: Request,
    db: Db,
    *,
    errors: list[Issue] | None = None,
    values: dict[str, Any] | None = None,
    message: str | None = None,
    status_code: int = 200,
    new_token: str | None = None,
) -> HTMLResponse:
    return render(
        request,
        "accounts/users.html",
        {
            "users": account_service.list_users(db),
            "tokens": account_service.list_tokens(db),
            "roles": STAFF_ROLES,
            "role_options": [(r, r.replace("_", " ")) for r in STAFF_ROLES],
            "role_descriptions": ROLE_DESCRIPTIONS,
            "all_roles": ROLES,
            "permissions": list(PERMISSIONS.values()),
            "errors": errors or [],
            "values": values or {},
            "message": message,
            "policy": PASSWORD_POLICY,
            "new_token": new_token,
        },
        status_code=status_code,
    )


@router.get("/admin/users", response_class=HTMLResponse)
def users(
    request: Request, db: Db, _: Annotated[Principal, Depends(Require("users.manage"))]
) -> HTMLResponse:
    return _users_page(request, db)


def _users_again(request: Request, problem: FormProblem) -> HTMLResponse:
    # Only the add-user form is filled in again (never a password).
    adding = request.url.path == "/admin/users"
    values = {k: v for k, v in problem.values.items() if k != "password"} if adding else {}
    with page_session(request) as db:
        return _users_page(request, db, errors=problem.issues, values=values)


@router.post("/admin/users", response_class=HTMLResponse)
@redisplay(_users_again)
def users_add(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("users.manage"))],
    form: Annotated[UserCreate, Form()],
) -> HTMLResponse:
    try:
        account_service.create_user(db, principal.actor, form)
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return _users_page(request, db, message=f"Added user {form.username}.")


@router.post("/admin/users/{username}", response_class=HTMLResponse)
@redisplay(_users_again)
def users_update(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("users.manage"))],
    username: str,
    form: Annotated[UserUpdate, Form()],
) -> HTMLResponse:
    try:
        user = account_service.get_user(db, username[:64])
        account_service.update_user(db, principal.actor, user, form)
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return _users_page(request, db, message=f"Updated user {username}.")


@router.post("/admin/users/{username}/password", response_class=HTMLResponse)
@redisplay(_users_again)
def users_password(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("users.manage"))],
    username: str,
    form: Annotated[PasswordReset, Form()],
) -> HTMLResponse:
    try:
        user = account_service.get_user(db, username[:64])
        account_service.set_password(db, principal.actor, user, form.password)
    except DomainError as exc:
        raise FormRejected(exc, {}) from exc
    return _users_page(request, db, message=f"Password of {username} reset.")


@router.post("/admin/tokens/{token_ref}/revoke", response_class=HTMLResponse)
def tokens_revoke(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("users.manage"))],
    token_ref: str,
) -> HTMLResponse:
    account_service.revoke_token(db, principal.actor, token_ref[:20])
    return _users_page(request, db, message=f"Token {token_ref[:20]} revoked.")


# audit log viewer -------------------------------------------------------------------------
@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    db: Db,
    _: Annotated[Principal, Depends(Require("audit.read"))],
    patient: Annotated[str | None, Query(max_length=20)] = None,
    actor: Annotated[str | None, Query(max_length=120)] = None,
    action: Annotated[str | None, Query(max_length=20)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> HTMLResponse:
    rows, total = AccountRepository(db).audit_events(
        patient_ref=patient or None,
        actor=actor or None,
        action=action or None,
        limit=limit,
        offset=offset,
    )
    return render(
        request,
        "accounts/audit.html",
        {
            "rows": rows,
            "page": {"total": total, "limit": limit, "offset": offset},
            "filters": {"patient": patient or "", "actor": actor or "", "action": action or ""},
            "action_options": [("", "any"), *((a, a) for a in audit_service.ACTIONS)],
            "verification": None,
        },
    )


@router.post("/admin/audit/verify", response_class=HTMLResponse)
def audit_verify(
    request: Request, db: Db, _: Annotated[Principal, Depends(Require("audit.read"))]
) -> HTMLResponse:
    settings = settings_of(request)
    verification = audit_service.verify(
        db,
        checkpoint_path=settings.checkpoint_path,
        checkpoint_minutes=settings.audit_checkpoint_minutes,
    )
    rows, total = AccountRepository(db).audit_events(
        patient_ref=None, actor=None, action=None, limit=100, offset=0
    )
    return render(
        request,
        "accounts/audit.html",
        {
            "rows": rows,
            "page": {"total": total, "limit": 100, "offset": 0},
            "filters": {"patient": "", "actor": "", "action": ""},
            "action_options": [("", "any"), *((a, a) for a in audit_service.ACTIONS)],
            "verification": verification,
        },
    )
