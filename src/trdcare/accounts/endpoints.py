"""JSON API of the accounts room: users, API tokens, the permission matrix, the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from trdcare.accounts import service as account_service
from trdcare.accounts.domain import PERMISSIONS, ROLE_DESCRIPTIONS, ROLES, permissions_of
from trdcare.accounts.repository import AccountRepository
from trdcare.accounts.schemas import (
    PasswordChange,
    Token,
    TokenCreate,
    TokenCreated,
    User,
    UserCreate,
    UserUpdate,
)
from trdcare.adapters.web.auth import Principal, Require, settings_of
from trdcare.adapters.web.db import Db
from trdcare.adapters.web.pagination import Page, Paging
from trdcare.audit import service as audit_service

router = APIRouter(tags=["accounts"])

USERNAME = Path(pattern=r"^[a-z][a-z0-9._-]{1,63}$", description="Login name")
TOKEN_REF = Path(pattern=r"^T-[0-9A-Z]{10}$", max_length=12, description="Token ref (T-...)")


class Me(User):
    permissions: list[str]


class RoleInfo(BaseModel):
    role: str
    description: str
    permissions: list[str]


class PermissionInfo(BaseModel):
    id: str
    description: str
    roles: list[str]


class Matrix(BaseModel):
    roles: list[RoleInfo]
    permissions: list[PermissionInfo]


class TokenWithOwner(Token):
    username: str


class AuditEventOut(BaseModel):
    id: int
    occurred_at: datetime
    actor: str
    role: str
    source: str
    action: str
    entity: str
    entity_id: str | None
    patient_ref: str | None
    detail: dict[str, Any]


class AuditVerification(BaseModel):
    """What `audit verify` read, what it found, and what it can and cannot vouch for."""

    entries: int
    intact: bool
    first_broken_entry: int | None
    reason: str | None
    chains: int
    keyed_entries: int
    plain_entries: int
    key_id: str | None
    checkpoints: int
    last_checkpoint_at: datetime | None
    entries_after_last_checkpoint: int
    checkpoint_problems: list[str]
    checked: list[str]
    not_checked: list[str]


def _token_out(row: Any, username: str) -> TokenWithOwner:
    return TokenWithOwner.model_validate(
        {**Token.model_validate(row).model_dump(), "username": username}
    )


@router.get("/me", response_model=Me, summary="The signed-in user and their permissions")
def me(db: Db, principal: Annotated[Principal, Depends(Require("account.self"))]) -> Me:
    user = account_service.get_user(db, principal.username)
    return Me.model_validate(
        {**User.model_validate(user).model_dump(), "permissions": list(permissions_of(user.role))}
    )


@router.post("/me/password", status_code=204, summary="Change one's own password")
def change_password(
    db: Db,
    principal: Annotated[Principal, Depends(Require("account.self"))],
    body: PasswordChange,
) -> None:
    user = account_service.get_user(db, principal.username)
    account_service.set_password(
        db, principal.actor, user, body.new_password, current_password=body.current_password
    )


@router.get("/me/tokens", response_model=list[Token], summary="One's own API tokens")
def my_tokens(
    db: Db, principal: Annotated[Principal, Depends(Require("account.self"))]
) -> list[Token]:
    user = account_service.get_user(db, principal.username)
    return [Token.model_validate(t) for t, _ in account_service.list_tokens(db, user)]


@router.post(
    "/me/tokens",
    response_model=TokenCreated,
    status_code=201,
    summary="Issue an API token for oneself (the secret is shown once)",
)
def create_my_token(
    db: Db, principal: Annotated[Principal, Depends(Require("account.self"))], body: TokenCreate
) -> TokenCreated:
    user = account_service.get_user(db, principal.username)
    row, raw = account_service.create_token(db, principal.actor, user, body)
    return TokenCreated.model_validate({**Token.model_validate(row).model_dump(), "token": raw})


@router.post(
    "/me/tokens/{token_ref}/revoke", response_model=Token, summary="Revoke one's own token"
)
def revoke_my_token(
    db: Db,
    principal: Annotated[Principal, Depends(Require("account.self"))],
    token_ref: Annotated[str, TOKEN_REF],
) -> Token:
    user = account_service.get_user(db, principal.username)
    row = account_service.revoke_token(db, principal.actor, token_ref, owner=user)
    return Token.model_validate(row)


@router.get("/roles", response_model=Matrix, summary="Roles and the permission matrix")
def roles(_: Annotated[Principal, Depends(Require("account.self"))]) -> Matrix:
    return Matrix(
        roles=[
            RoleInfo(role=r, description=ROLE_DESCRIPTIONS[r], permissions=list(permissions_of(r)))
            for r in ROLES
        ],
        permissions=[
            PermissionInfo(id=p.id, description=p.description, roles=sorted(p.roles))
            for p in PERMISSIONS.values()
        ],
    )


@router.get("/users", response_model=Page[User], summary="Staff accounts")
def list_users(
    db: Db, _: Annotated[Principal, Depends(Require("users.manage"))], paging: Paging
) -> Page[User]:
    users = account_service.list_users(db)
    window = users[paging.offset : paging.offset + paging.limit]
    return Page[User](
        items=[User.model_validate(u) for u in window],
        total=len(users),
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/users", response_model=User, status_code=201, summary="Add a staff account")
def create_user(
    db: Db, principal: Annotated[Principal, Depends(Require("users.manage"))], body: UserCreate
) -> User:
    return User.model_validate(account_service.create_user(db, principal.actor, body))


@router.get("/users/{username}", response_model=User, summary="One staff account")
def get_user(
    db: Db,
    _: Annotated[Principal, Depends(Require("users.manage"))],
    username: Annotated[str, USERNAME],
) -> User:
    return User.model_validate(account_service.get_user(db, username))


@router.patch(
    "/users/{username}",
    response_model=User,
    summary="Change role, name or active state (deactivation revokes tokens)",
)
def update_user(
    db: Db,
    principal: Annotated[Principal, Depends(Require("users.manage"))],
    username: Annotated[str, USERNAME],
    body: UserUpdate,
) -> User:
    user = account_service.get_user(db, username)
    return User.model_validate(account_service.update_user(db, principal.actor, user, body))


@router.post(
    "/users/{username}/tokens",
    response_model=TokenCreated,
    status_code=201,
    summary="Issue an API token for a user (e.g. an integration account)",
)
def create_user_token(
    db: Db,
    principal: Annotated[Principal, Depends(Require("users.manage"))],
    username: Annotated[str, USERNAME],
    body: TokenCreate,
) -> TokenCreated:
    user = account_service.get_user(db, username)
    row, raw = account_service.create_token(db, principal.actor, user, body)
    return TokenCreated.model_validate({**Token.model_validate(row).model_dump(), "token": raw})


@router.get("/tokens", response_model=list[TokenWithOwner], summary="Every API token")
def list_tokens(
    db: Db, _: Annotated[Principal, Depends(Require("users.manage"))]
) -> list[TokenWithOwner]:
    return [_token_out(t, username) for t, username in account_service.list_tokens(db)]


@router.post("/tokens/{token_ref}/revoke", response_model=Token, summary="Revoke any token")
def revoke_token(
    db: Db,
    principal: Annotated[Principal, Depends(Require("users.manage"))],
    token_ref: Annotated[str, TOKEN_REF],
) -> Token:
    return Token.model_validate(account_service.revoke_token(db, principal.actor, token_ref))


@router.get("/audit", response_model=Page[AuditEventOut], summary="The audit log, newest first")
def audit_log(
    db: Db,
    _: Annotated[Principal, Depends(Require("audit.read"))],
    paging: Paging,
    patient: Annotated[str | None, Query(pattern=r"^P-[0-9A-Z]{10}$", max_length=12)] = None,
    actor: Annotated[str | None, Query(max_length=120)] = None,
    action: Annotated[str | None, Query(max_length=20)] = None,
) -> Page[AuditEventOut]:
    rows, total = AccountRepository(db).audit_events(
        patient_ref=patient,
        actor=actor,
        action=action,
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page[AuditEventOut](
        items=[AuditEventOut.model_validate(r, from_attributes=True) for r in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get(
    "/audit/verify",
    response_model=AuditVerification,
    summary="Verify the audit hash chain; names the first broken entry",
)
def verify_audit(
    request: Request, db: Db, _: Annotated[Principal, Depends(Require("audit.read"))]
) -> AuditVerification:
    settings = settings_of(request)
    result = audit_service.verify(
        db,
        checkpoint_path=settings.checkpoint_path,
        checkpoint_minutes=settings.audit_checkpoint_minutes,
    )
    return AuditVerification(
        entries=result.entries,
        intact=result.intact,
        first_broken_entry=result.broken.entry_id if result.broken else None,
        reason=result.broken.reason if result.broken else None,
        chains=result.chains,
        keyed_entries=result.keyed_entries,
        plain_entries=result.plain_entries,
        key_id=result.key_id,
        checkpoints=result.checkpoints,
        last_checkpoint_at=result.last_checkpoint_at,
        entries_after_last_checkpoint=result.entries_after_last_checkpoint,
        checkpoint_problems=result.checkpoint_problems,
        checked=result.checked,
        not_checked=result.not_checked,
    )
