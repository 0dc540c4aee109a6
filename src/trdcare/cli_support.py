"""Shared plumbing of the thin CLI adapters: settings, unit of work, output, error mapping.

Bad input of any kind exits with status 2 and one line on stderr naming the field; nothing is
written, because the unit of work commits only after the whole command succeeded.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, NoReturn, ParamSpec, TypeVar, overload

import typer
from pydantic import ValidationError

# Typer 0.29 carries its own copy of click (checking values with pydantic) and does not
# re-export its usage errors; pyproject.toml asks for that Typer.
from typer._click import exceptions as usage
from typer.core import TyperGroup

from trdcare.config import Settings, load_settings
from trdcare.core.actor import Actor
from trdcare.core.checks import find_nul_character
from trdcare.core.errors import DomainError
from trdcare.core.input_errors import humanize, plain_issues, plain_message

# The database layer (SQLAlchemy, Alembic) is imported by the commands that use it, not at
# start-up: `trdcare --help` and the PGx commands need none of it (bench/cli_startup.py).
if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

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
            from trdcare.adapters.db.engine import make_engine
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
        from trdcare.adapters.db.migrate import is_up_to_date, upgrade

        if not is_up_to_date(self.engine):
            if not self.settings.is_sqlite:
                fail("database", "schema is not up to date; run `trdcare db upgrade` first")
            upgrade(self.engine)
        rebuild_stale_read_models(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        from trdcare.adapters.db.engine import unit_of_work

        self.ensure_schema()
        with unit_of_work(self.engine) as session:
            yield session


def _production() -> bool:
    return os.environ.get("TRDCARE_ENV", "").strip().lower() == "production"


READ_MODEL_ACTOR = Actor(username="system:read-models", role="system", source="job")


def rebuild_stale_read_models(engine: Engine) -> bool:
    """Rebuild the read models filled by other rules than this code's (after an upgrade)."""
    from trdcare.adapters.db.engine import unit_of_work
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


def output_file(out: str, suffix: str, option: str = "--out") -> Path:
    """The file a command writes (``suffix``, e.g. ``".pdf"``), checked before any work:
    the right kind of file, not a folder, in a folder that exists (exit 2 naming ``option``)."""
    path = Path(out)
    if path.suffix.lower() != suffix:
        fail(option, f"must be a {suffix} file, given {out!r}")
    if path.is_dir():
        fail(option, f"is a folder, not a file: {out!r}")
    if not path.parent.exists():
        fail(option, f"its folder does not exist: {str(path.parent)!r}")
    return path


def write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` whole or not at all: a private (0600, it may hold patient data)
    temporary file beside ``path``, renamed over it once written."""
    fd, tmp = tempfile.mkstemp(prefix=".trdcare-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# Values typed on the command line: a wrong one gets one plain line naming the option (exit 2),
# never a traceback or click's wording. Every room's cli.py uses these.
@overload
def parse_date(value: str, name: str) -> date: ...
@overload
def parse_date(value: None, name: str) -> None: ...
def parse_date(value: str | None, name: str) -> date | None:
    """``value`` as a date (``None`` stays ``None``); ``name`` is the option it came from."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(name, f"not a date YYYY-MM-DD (given: {value!r})")


def parse_dates(values: list[str] | None, name: str) -> list[date]:
    return [parse_date(v, name) for v in values or []]


def parse_time(value: str, name: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        fail(name, f"not a time HH:MM (given: {value!r})")


def parse_number(value: str, name: str) -> float:
    """A number typed on the command line; a word gets a plain message, not click's."""
    try:
        number = float(value)
    except ValueError:
        fail(name, f"not a number (given: {value!r})")
    # 400.0 is echoed as 400; a huge or odd value keeps its float form (never rounded).
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def plain_value(value: Any) -> Any:
    """A stored value as JSON prints it (dates and times in ISO form)."""
    return value.isoformat() if isinstance(value, date | datetime | time) else value


def changed_fields(changed: dict[str, tuple[Any, Any]]) -> dict[str, list[Any]]:
    """A correction's changed fields as ``{field: [old, new]}`` for ``--json``."""
    return {k: [plain_value(old), plain_value(new)] for k, (old, new) in changed.items()}


# The options every correction command takes.
ReasonOpt = Annotated[
    str, typer.Option("--reason", help="why (kept with the old version; 3-400 characters)")
]
VersionOpt = Annotated[
    int | None,
    typer.Option("--version", help="the version you looked at; refused if it changed since"),
]


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
        except Exception as exc:
            # Connection problems: say which database, never the data. (SQLAlchemy is loaded
            # only by commands that use a database; without it this cannot be one.)
            db_errors = sys.modules.get("sqlalchemy.exc")
            if db_errors is None or not isinstance(exc, db_errors.OperationalError):
                raise
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


# --- Command-line usage errors -----------------------------------------------------------
# The command-line library checks option values (numbers, choices...) and required options
# before a command runs, and would answer in its own boxed wording. The root group below turns
# every such usage error into one plain line on stderr, exit 2, in the same sentences as the
# pages and the API (core.input_errors), so nothing reaches stdout (--json stays clean).


def _param_name(param: Any) -> str:
    """An option as typed (``--frequency-hz``); an argument by its name (``MRN``)."""
    opts: list[str] = [str(o) for o in getattr(param, "opts", ())]
    if getattr(param, "param_type_name", "") == "option" and opts:
        return max(opts, key=len)  # the long form, e.g. --frequency-hz rather than -f
    return str(getattr(param, "name", "") or "").upper()


def _param_label(param: Any) -> str:
    return humanize(str(getattr(param, "name", "") or ""))


def _allowed(param: Any) -> str | None:
    """What the option accepts, in the words of :mod:`trdcare.core.input_errors`."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None:
        return None
    if descriptor.is_choice and descriptor.choices:
        names = [str(getattr(c, "value", c)) for c in descriptor.choices]
        return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
    annotation = descriptor.annotation
    kinds = {int: "int_parsing", float: "float_parsing"}
    kind = kinds.get(annotation)
    if kind is None and getattr(annotation, "__name__", "") in ("date", "datetime", "time"):
        kind = f"{annotation.__name__}_parsing"
    if kind is None:
        return None
    label = _param_label(param)
    allowed = plain_message({"type": kind}, label)[1]
    info = descriptor.parameter_info
    bounds = [
        plain_message({"type": t, "ctx": {k: v}}, label)[1]
        for t, k, v in (
            ("greater_than_equal", "ge", getattr(info, "min", None)),
            ("less_than_equal", "le", getattr(info, "max", None)),
        )
        if v is not None
    ]
    return ", ".join([allowed or "", *[b for b in bounds if b]]).strip(", ") or None


def _subcommands(ctx: Any) -> str:
    commands = getattr(getattr(ctx, "command", None), "commands", None) or {}
    if isinstance(commands, LazyCommands):  # the root's: named without importing them
        commands = {name: commands.listing(name) for name in commands}
    return ", ".join(sorted(name for name, c in commands.items() if not c.hidden))


def _given_of_usage(message: str, pattern: str) -> str | None:
    found = re.search(pattern, message)
    return found.group(1) if found else None


def usage_error_line(error: usage.UsageError) -> str:
    """One plain line (without ``error: ``) for a usage error of the command line."""
    ctx = error.ctx
    where = f"`{ctx.command_path}`" if ctx is not None else "this command"
    param = getattr(error, "param", None)
    if isinstance(error, usage.MissingParameter) and param is not None:
        name = _param_name(param)
        text = f"{name}: {plain_message({'type': 'missing'}, _param_label(param))[0]}"
        allowed = _allowed(param)
        return f"{text} (allowed: {allowed})" if allowed else text
    if isinstance(error, usage.BadParameter) and param is not None:
        name = _param_name(param)
        cause = error.__cause__
        if isinstance(cause, ValidationError) and cause.errors():
            entry = cause.errors()[0]
            message, _allowed_text, given = plain_message(entry, _param_label(param))
            text = f"{name}: {message}"
            return f"{text} (given: {given})" if given is not None else text
        # A check without a validation error (a file that cannot be opened): its own sentence.
        return f"{name}: {_param_label(param)} is not accepted: {error.message}"
    if isinstance(error, usage.NoSuchOption):
        name = error.option_name
        text = f"{name}: {name} is not an option of {where}"
        if error.possibilities:
            text += f" (did you mean {' or '.join(sorted(error.possibilities))}?)"
        return text + f"; see {where[:-1]} --help`"
    if isinstance(error, usage.BadOptionUsage):
        name = error.option_name
        if "requires" in error.message:
            return f"{name}: {name} needs a value after it"
        return f"{name}: {name} takes no value"
    unknown = _given_of_usage(error.message, r"No such command '(.*?)'")
    if unknown is not None:
        return f"command: '{unknown}' is not a command of {where} (allowed: {_subcommands(ctx)})"
    if error.message.startswith("Missing command"):
        return f"command: {where} needs a command (allowed: {_subcommands(ctx)})"
    extra = _given_of_usage(error.message, r"unexpected extra arguments?(?:\(s\))? \((.*)\)")
    if extra is not None:
        return f"{where} takes no more words (given: {extra})"
    return error.format_message()


# --- Commands imported when they run ------------------------------------------------------
# Importing every room's CLI (and with it the web app, pydantic schemas, numpy...) took ~1.5 s
# before any command ran; `python -m trdcare.pgx` showed a call needs 0.3 s. The root group
# names its commands and their help lines; a room's module is imported when its command runs.


@dataclass(frozen=True)
class LazyCommand:
    """A root command imported only when it runs (``bench/cli_startup.py`` measures why).

    ``module`` and ``attribute`` name a Typer sub-app or a command function; ``help`` is its
    line in ``trdcare --help`` (a test checks it is the command's own); ``extend`` names a
    ``module:function`` that adds another room's commands to the sub-app first.
    """

    module: str
    attribute: str
    help: str
    extend: str = ""

    def load(self, name: str) -> Any:
        from importlib import import_module

        import typer.main
        from typer.core import DEFAULT_MARKUP_MODE
        from typer.models import CommandInfo

        target = getattr(import_module(self.module), self.attribute)
        command: Any
        if isinstance(target, typer.Typer):
            if self.extend:
                module, _, function = self.extend.partition(":")
                getattr(import_module(module), function)(target)
            command = typer.main.get_group(target)
        else:
            command = typer.main.get_command_from_info(
                CommandInfo(name=name, callback=target),
                pretty_exceptions_short=True,
                rich_markup_mode=DEFAULT_MARKUP_MODE,
            )
        command.name = name
        return command

    def stub(self, name: str) -> Any:
        """What ``--help`` lists: the name and help line, nothing imported."""
        from typer.core import TyperCommand

        return TyperCommand(name=name, help=self.help)


# Loaded once a process: a sub-app extended by another room (the course group) is extended once.
_LOADED: dict[str, Any] = {}


class LazyCommands(MutableMapping[str, Any]):
    """A group's commands by name; a lazy one is imported on first look-up of its value."""

    def __init__(self, eager: Mapping[str, Any], lazy: Mapping[str, LazyCommand]) -> None:
        self.lazy = dict(lazy)
        self.eager = dict(eager)

    def __getitem__(self, name: str) -> Any:
        if name in self.eager:
            return self.eager[name]
        spec = self.lazy[name]
        key = f"{spec.module}:{spec.attribute}:{name}"
        if key not in _LOADED:
            _LOADED[key] = spec.load(name)
        return _LOADED[key]

    def listing(self, name: str) -> Any:
        """The command as ``--help`` lists it (a stub when not imported yet)."""
        if name in self.eager:
            return self.eager[name]
        return self.lazy[name].stub(name)

    def __setitem__(self, name: str, command: Any) -> None:
        self.lazy.pop(name, None)
        self.eager[name] = command

    def __delitem__(self, name: str) -> None:
        if self.eager.pop(name, None) is None:
            del self.lazy[name]

    def __contains__(self, name: object) -> bool:  # by name: nothing imported
        return name in self.eager or name in self.lazy

    def __iter__(self) -> Iterator[str]:
        yield from self.eager
        yield from (n for n in self.lazy if n not in self.eager)

    def __len__(self) -> int:
        return len(self.eager.keys() | self.lazy.keys())


class PlainWordsGroup(TyperGroup):
    """The root `trdcare` group: usage errors anywhere below it become one plain line, exit 2.

    Parsing happens in ``make_context`` (this group's options) and in ``invoke`` (each
    subcommand's), so both are guarded; asking for help (``NoArgsIsHelpError``) is left alone.
    Its commands are :class:`LazyCommand` entries of ``lazy_commands`` (a subclass's), imported
    when they run; ``--help`` lists them without importing them.
    """

    lazy_commands: ClassVar[Mapping[str, LazyCommand]] = {}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = LazyCommands(self.commands, self.lazy_commands)
        self._listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # the names only: nothing imported

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if self._listing and isinstance(self.commands, LazyCommands):
            return self.commands.listing(cmd_name) if cmd_name in self.commands else None
        return super().get_command(ctx, cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except usage.NoArgsIsHelpError:
            raise
        except usage.UsageError as error:
            _usage_failure(error)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except usage.NoArgsIsHelpError:
            raise
        except usage.UsageError as error:
            _usage_failure(error)


def _usage_failure(error: usage.UsageError) -> NoReturn:
    typer.echo(f"error: {usage_error_line(error)}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT) from None
