"""`trdcare user ...`: staff accounts, their API tokens and the permission matrix."""

from __future__ import annotations

import secrets
import sys
from typing import Annotated

import typer

from trdcare.accounts import service as account_service
from trdcare.accounts.domain import PERMISSIONS, ROLE_DESCRIPTIONS, ROLES, matrix_markdown
from trdcare.accounts.schemas import Token, TokenCreate, User, UserCreate, UserUpdate
from trdcare.cli_support import emit_json, fail, get_context, handle_errors

app = typer.Typer(help="Staff accounts, API tokens and roles.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def generate_password() -> str:
    """A random 20-character password (about 119 bits) that passes the policy."""
    return secrets.token_urlsafe(15)


def _read_password(password_stdin: bool, generate: bool) -> tuple[str, bool]:
    if password_stdin and generate:
        fail("password", "give either --password-stdin or --generate-password, not both")
    if generate:
        return generate_password(), True
    if password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            fail("password", "nothing was read from standard input")
        return line, False
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value, False


@app.command("add")
@handle_errors
def add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name (lower case).")],
    role: Annotated[
        str, typer.Option("--role", help="admin, physician, clinician, technician or front_desk.")
    ],
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    generate: Annotated[
        bool, typer.Option("--generate-password", help="Generate and print a password.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Add a staff account (the password is prompted for unless given another way)."""
    cli = get_context(ctx)
    password, generated = _read_password(password_stdin, generate)
    data = UserCreate.model_validate(
        {
            "username": username,
            "display_name": name or username,
            "role": role,
            "password": password,
        }
    )
    with cli.session() as session:
        user = account_service.create_user(session, cli.actor, data)
        out = User.model_validate(user).model_dump(mode="json")
    if generated:
        out["password"] = password
    if json_out:
        emit_json(out)
        return
    typer.echo(f"added user {out['username']} ({out['role']})")
    if generated:
        typer.echo(f"password: {password}")


@app.command("list")
@handle_errors
def list_(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """List staff accounts."""
    cli = get_context(ctx)
    with cli.session() as session:
        users = [
            User.model_validate(u).model_dump(mode="json")
            for u in account_service.list_users(session)
        ]
    if json_out:
        emit_json({"total": len(users), "items": users})
        return
    for u in users:
        state = "active" if u["is_active"] else "deactivated"
        typer.echo(f"{u['username']:20} {u['role']:11} {state:11} {u['display_name']}")
    typer.echo(f"{len(users)} users")


@app.command("set")
@handle_errors
def set_(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name.")],
    reason: Annotated[str, typer.Option(help="Why the account changes (kept).")],
    role: Annotated[str | None, typer.Option(help="New role.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="New display name.")] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--deactivate", help="Activate or deactivate.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Change a user's role, name or active state (deactivation revokes tokens)."""
    raw: dict[str, object] = {"reason": reason}
    if role is not None:
        raw["role"] = role
    if name is not None:
        raw["display_name"] = name
    if active is not None:
        raw["is_active"] = active
    data = UserUpdate.model_validate(raw)
    cli = get_context(ctx)
    with cli.session() as session:
        user = account_service.get_user(session, username)
        account_service.update_user(session, cli.actor, user, data)
        out = User.model_validate(user).model_dump(mode="json")
    if json_out:
        emit_json(out)
    else:
        typer.echo(f"updated user {out['username']} ({out['role']}, version {out['version']})")


@app.command("password")
@handle_errors
def password(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    generate: Annotated[
        bool, typer.Option("--generate-password", help="Generate and print a password.")
    ] = False,
) -> None:
    """Reset a user's password (ends their browser sessions)."""
    cli = get_context(ctx)
    new_password, generated = _read_password(password_stdin, generate)
    with cli.session() as session:
        user = account_service.get_user(session, username)
        account_service.set_password(session, cli.actor, user, new_password)
    typer.echo(f"password of {username} changed")
    if generated:
        typer.echo(f"password: {new_password}")


@app.command("token")
@handle_errors
def token(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name the token acts as.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "cli",
    days: Annotated[int, typer.Option("--days", help="Lifetime in days (1-366).")] = 90,
    json_out: JsonOpt = False,
) -> None:
    """Issue an API bearer token (printed once; stored only hashed)."""
    data = TokenCreate.model_validate({"name": name, "expires_in_days": days})
    cli = get_context(ctx)
    with cli.session() as session:
        user = account_service.get_user(session, username)
        row, raw = account_service.create_token(session, cli.actor, user, data)
        out = Token.model_validate(row).model_dump(mode="json")
    out["token"] = raw
    if json_out:
        emit_json(out)
    else:
        typer.echo(f"token {out['ref']} for {username}: {raw}")


@app.command("roles")
def roles(json_out: JsonOpt = False) -> None:
    """Print the roles and the permission matrix."""
    if json_out:
        emit_json(
            {
                "roles": {r: ROLE_DESCRIPTIONS[r] for r in ROLES},
                "permissions": {
                    p.id: {"description": p.description, "roles": sorted(p.roles)}
                    for p in PERMISSIONS.values()
                },
            }
        )
        return
    for role in ROLES:
        typer.echo(f"{role:11} {ROLE_DESCRIPTIONS[role]}")
    typer.echo("")
    typer.echo(matrix_markdown())
