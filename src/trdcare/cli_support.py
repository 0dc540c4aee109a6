"""Shared plumbing of the thin CLI adapters: settings, unit of work, output, error mapping.

Bad input of any kind exits with status 2 and one line on stderr naming the field; nothing is
written, because the unit of work commits only after the whole command succeeded.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from trdcare.adapters.db.engine import make_engine, unit_of_work
from trdcare.adapters.db.migrate import is_up_to_date, upgrade
from trdcare.config import Settings, load_settings
from trdcare.core.actor import Actor
from trdcare.core.checks import find_nul_character
from trdcare.core.errors import DomainError
from trdcare.core.input_errors import plain_issues

if TYPE_CHECKING:
    from trdcare.audit.domain import AuditKey

P = ParamSpec("P")
R = TypeVar("R")

EXIT_BAD_INPUT = 2


@dataclass
class CliContext:
    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)
    _audit_key: AuditKey | None = field(default=None, repr=False)

    @property
    def actor(self) -> Actor:
        # The local operator of an installation acts as its administrator.
        return Actor(username=self.settings.actor_username, role="admin", source="cli")

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from trdcare.audit.keys import bind_key

            key = self.audit_key
            self._engine = make_engine(self.settings.database_url)
            bind_key(self._engine, key)
        return self._engine

    @property
    def audit_key(self) -> AuditKey:
        """The key that seals the audit log (see :mod:`trdcare.audit.keys`); exit 2 with
        the reason when there is none (production never makes one up)."""
        from trdcare.audit.keys import AuditKeyError, load_audit_key

        if self._audit_key is None:
            try:
                self._audit_key = load_audit_key(self.settings.data_dir, production=_production())
            except AuditKeyError as exc:
                fail("", str(exc))
        return self._audit_key

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def ensure_schema(self) -> None:
        """SQLite (embedded) is migrated on first use; a server database must be upgraded."""
        if not is_up_to_date(self.engine):
            if not self.settings.is_sqlite:
                fail("database", "schema is not up to date; run `trdcare db upgrade` first")
            upgrade(self.engine)
        rebuild_stale_read_models(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        self.ensure_schema()
        with unit_of_work(self.engine) as session:
            yield session


def _production() -> bool:
    return os.environ.get("TRDCARE_ENV", "").strip().lower() == "production"


READ_MODEL_ACTOR = Actor(username="system:read-models", role="system", source="job")


def rebuild_stale_read_models(engine: Engine) -> bool:
    """Rebuild the read models filled by other rules than this code's (after an upgrade)."""
    from trdcare.assessments.service import ensure_caseload_scores

    with unit_of_work(engine) as session:
        return ensure_caseload_scores(session, READ_MODEL_ACTOR)


def get_context(ctx: typer.Context) -> CliContext:
    obj = ctx.find_root().obj
    if not isinstance(obj, CliContext):
        obj = CliContext(load_settings())
        ctx.find_root().obj = obj
    return obj


def fail(path: str, message: str) -> NoReturn:
    typer.echo(f"error: {path}: {message}" if path else f"error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def format_validation_error(error: ValidationError, prefix: str = "") -> str:
    """One line: the first problem in the same plain words as the pages and the API."""
    issues = plain_issues(error.errors(), prefix=prefix)
    first = issues[0]
    text = f"{first.path}: {first.message}" if first.path else first.message
    if first.given is not None and first.given not in first.message:
        text += f" (given: {first.given})"
    if len(issues) > 1:
        text += f" (and {len(issues) - 1} more)"
    return text


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Map expected errors to one line on stderr and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DomainError as exc:
            typer.echo(f"error: {exc.render()}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except ValidationError as exc:
            typer.echo(f"error: {format_validation_error(exc)}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except OperationalError as exc:
            # Connection problems: say which database, never the data.
            typer.echo(
                f"error: database: cannot use the database ({exc.orig.__class__.__name__})",
                err=True,
            )
            raise typer.Exit(1) from None

    return wrapper


def emit_json(document: Any) -> None:
    typer.echo(json.dumps(document, indent=2, sort_keys=False, default=str))


def read_json_file(path: str, field_name: str) -> Any:
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as exc:
        fail(field_name, f"cannot read file ({exc.strerror})")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(field_name, f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")
    nul = find_nul_character(document)
    if nul is not None:
        fail(nul or field_name, "contains a NUL character (not allowed in text)")
    return document
