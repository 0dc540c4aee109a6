"""`trdcare serve`: run the clinic web application.

On the embedded default (SQLite in the data folder) the first run creates the database,
loads the synthetic demo clinic and demo logins, and prints the URL and the logins. In
production (``TRDCARE_ENV=production``) no demo is loaded, a secret key and an audit key are
required and the server database must have been upgraded with ``trdcare db upgrade``.

The serving process writes a signed checkpoint of the audit chains' heads at start, every
``TRDCARE_AUDIT_CHECKPOINT_MINUTES`` (when something was appended) and at shutdown, from one
thread of the process that supervises the workers (so several workers never race to write
one). See docs/security.md for what the checkpoints let `trdcare audit verify` detect.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from trdcare.accounts import service as account_service
from trdcare.adapters.db.engine import make_engine, unit_of_work
from trdcare.adapters.web.logs import log_config
from trdcare.adapters.web.settings import (
    ENV_MODE,
    ConfigurationError,
    WebSettings,
    load_web_settings,
)
from trdcare.cli_support import fail, get_context, handle_errors, rebuild_stale_read_models
from trdcare.config import ENV_DATA_DIR, ENV_DATABASE_URL, make_private_dir
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_today

logger = logging.getLogger("trdcare.audit")

DEMO_LOGINS_FILENAME = "demo-logins.json"
SETUP_ACTOR = Actor(username="system:serve", role="system", source="job")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    display_name: str
    password: str


DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    ("dr.demo", "physician", "Dr Demo"),
    ("nurse.demo", "clinician", "Nurse Demo"),
    ("tech.demo", "technician", "Tech Demo"),
    ("desk.demo", "front_desk", "Desk Demo"),
    ("admin.demo", "admin", "Admin Demo"),
)


def _write_private(path: Path, text: str) -> None:
    make_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def demo_logins(session: Session, data_dir: Path) -> list[DemoLogin]:
    """Create the demo accounts once (random passwords, kept in a 0600 file) and list them."""
    path = data_dir / DEMO_LOGINS_FILENAME
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
        return [DemoLogin(**entry) for entry in stored]
    logins = []
    for username, role, name in DEMO_USERS:
        password = secrets.token_urlsafe(15)
        account_service.ensure_user(session, SETUP_ACTOR, username, role, name, password)
        logins.append(DemoLogin(username, role, name, password))
    _write_private(path, json.dumps([login.__dict__ for login in logins], indent=2))
    return logins


def active_demo_logins(session: Session) -> list[str]:
    """The demo accounts made by ``serve`` in this database that can still sign in."""
    demo = {username for username, _, _ in DEMO_USERS}
    return [
        user.username
        for user in account_service.list_users(session)
        if user.username in demo and user.is_active and user.created_by == SETUP_ACTOR.username
    ]


def refuse_demo_logins(engine: Engine) -> None:
    """Production refuses to start while demo logins can sign in (their passwords are in a
    file of the data folder and were printed when it was made).

    Raises
    ------
    ConfigurationError
        Naming each demo account and the command that deactivates it.
    """
    with unit_of_work(engine) as session:
        names = active_demo_logins(session)
    if names:
        raise ConfigurationError(
            f"{ENV_MODE}=production: this database still has the demo logins "
            f"{', '.join(names)} (made by `trdcare serve` in development); they must not sign "
            "in to a clinic's record. Deactivate each with `trdcare user set NAME --deactivate "
            "--reason 'production'` (or serve a new data folder); refusing to start"
        )


def prepare(
    settings: WebSettings, *, demo: bool, seed: int = 1, patients: int = 240
) -> list[DemoLogin]:
    """Create/upgrade the schema, load the demo clinic on first run; return the demo logins."""
    from trdcare.adapters.db.migrate import is_up_to_date, upgrade
    from trdcare.adapters.web.db import make_web_engine

    engine = make_web_engine(settings.database_url, pool_size=1)
    if settings.audit_key is not None:
        from trdcare.audit.keys import bind_key

        bind_key(engine, settings.audit_key)
    try:
        if not is_up_to_date(engine):
            if settings.base.is_sqlite:
                upgrade(engine)
            else:
                fail("database", "schema is not up to date; run `trdcare db upgrade` first")
        rebuild_stale_read_models(engine)
        if settings.production:
            try:
                refuse_demo_logins(engine)
            except ConfigurationError as exc:
                fail("configuration", str(exc))
            return []
        if not demo:
            return []
        from trdcare.demo.service import demo_state, load_demo

        with unit_of_work(engine) as session:
            demo_patients, other_patients = demo_state(session)
            users = account_service.count_users(session)
            if other_patients or (users and not demo_patients):
                return []  # a clinic's real record: never mix demo data or logins into it
            if not demo_patients:
                typer.echo(f"loading the demo clinic ({patients} synthetic patients)...")
                load_demo(session, seed=seed, patients=patients, as_of=utc_today())
            return demo_logins(session, settings.base.data_dir)
    finally:
        engine.dispose()


class AuditCheckpointer(threading.Thread):
    """Writes a signed checkpoint of the audit chain heads now and then (only when a head
    moved), and a last one on :meth:`stop`. A refusal (the log no longer matches the last
    checkpoint) is logged as a warning naming the entry, never patient data; serving goes on.
    """

    def __init__(self, settings: WebSettings) -> None:
        super().__init__(name="audit-checkpoint", daemon=True)
        self.settings = settings
        self.interval_s = settings.audit_checkpoint_minutes * 60
        self._stopping = threading.Event()
        # Its own small engine with plain (deferred) transactions: on SQLite a checkpoint
        # only reads, so it never holds the write lock that requests wait for.
        self.engine = make_engine(settings.database_url, hide_parameters=True)
        if settings.audit_key is not None:
            from trdcare.audit.keys import bind_key

            bind_key(self.engine, settings.audit_key)

    def checkpoint_once(self) -> str | None:
        """Write one checkpoint if a head moved; return the refusal, if any."""
        from trdcare.audit import service as audit_service

        try:
            with unit_of_work(self.engine) as session:
                audit_service.write_checkpoint(
                    session,
                    self.settings.checkpoint_path,
                    key=self.settings.audit_key,
                    only_if_changed=True,
                )
        except audit_service.CheckpointRefused as exc:
            logger.warning("audit checkpoint refused: %s (run `trdcare audit verify`)", exc)
            return str(exc)
        except Exception:
            logger.exception("audit checkpoint failed")
            return "the checkpoint could not be written (see the log)"
        return None

    def run(self) -> None:
        while not self._stopping.wait(self.interval_s):
            self.checkpoint_once()

    def stop(self) -> None:
        self._stopping.set()
        if self.is_alive():
            self.join(timeout=60)
        self.checkpoint_once()
        self.engine.dispose()


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Worker processes (env TRDCARE_WORKERS; default 1)."),
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Load the demo clinic into an empty database.")
    ] = True,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Run the clinic web application (JSON API under /api/v1 and the pages)."""
    import uvicorn

    run_serve = handle_errors(_prepare_for_serve)
    settings, logins, n_workers = run_serve(ctx, demo, workers)
    checkpointer = AuditCheckpointer(settings)
    refused = checkpointer.checkpoint_once()
    if refused:
        typer.echo(
            f"WARNING: the audit log does not match its last checkpoint: {refused}; "
            "run `trdcare audit verify`",
            err=True,
        )
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"  # noqa: S104
    typer.echo(f"trdcare is starting at {url}")
    backend = "SQLite " + str(settings.base.data_dir) if settings.base.is_sqlite else "PostgreSQL"
    typer.echo(
        f"database: {backend}; workers: {n_workers}; mode: "
        f"{'production' if settings.production else 'development'}"
    )
    every = (
        f"every {settings.audit_checkpoint_minutes} min, "
        if settings.audit_checkpoint_minutes
        else ""
    )
    typer.echo(
        f"audit log: sealed with audit key {settings.audit_key.key_id if settings.audit_key else '?'}"
        f"; signed checkpoints at start, {every}at shutdown: {settings.checkpoint_path}"
    )
    if logins:
        typer.echo("demo logins (synthetic clinic; change or remove before real use):")
        for login in logins:
            typer.echo(f"  {login.role:11} {login.username:11} password: {login.password}")
        typer.echo("  patients answer questionnaires through self-report links sent from a chart")
    elif not settings.production:
        typer.echo("no demo logins: create an account with `trdcare user add NAME --role admin`")
    if checkpointer.interval_s:
        checkpointer.start()
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again: with this
    # handler that ends in SystemExit, so the last checkpoint below is still written.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        uvicorn.run(
            "trdcare.adapters.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=n_workers,
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
            log_config=log_config(log_level),
            server_header=False,
            timeout_graceful_shutdown=10,
        )
    finally:
        checkpointer.stop()


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _prepare_for_serve(
    ctx: typer.Context, demo: bool, workers: int | None
) -> tuple[WebSettings, list[DemoLogin], int]:
    cli = get_context(ctx)
    base = cli.settings
    # Worker processes build the app from the environment: hand the resolved settings over.
    os.environ[ENV_DATA_DIR] = str(base.data_dir)
    os.environ[ENV_DATABASE_URL] = base.database_url
    try:
        settings = load_web_settings()
    except ConfigurationError as exc:
        fail("configuration", str(exc))
    raw_workers = os.environ.get("TRDCARE_WORKERS") or "1"
    if workers is None and not (raw_workers.isdecimal() and 1 <= int(raw_workers) <= 64):
        fail("TRDCARE_WORKERS", f"not a whole number from 1 to 64 (given: {raw_workers!r})")
    n_workers = workers or int(raw_workers)
    logins = prepare(settings, demo=demo)
    return settings, logins, n_workers
