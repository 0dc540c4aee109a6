"""Settings of the web application, from the environment.

========================================  ==================================================
``TRDCARE_ENV``                           ``development`` (default) or ``production``
``TRDCARE_SECRET_KEY``                    signs CSRF tokens; required (>= 32 characters) in
                                          production; in development a random key is kept
                                          in ``<data dir>/secret_key`` (mode 0600)
``TRDCARE_DATABASE_URL`` / ``_DATA_DIR``  the database (see :mod:`trdcare.config`)
``TRDCARE_FORWARDED_ALLOW_IPS``           reverse proxies trusted for X-Forwarded-* headers
                                          (default ``127.0.0.1``)
``TRDCARE_SECURE_COOKIES``                ``1`` forces Secure cookies (always on in production)
``TRDCARE_SESSION_IDLE_MINUTES``          automatic logoff after inactivity (default 15)
``TRDCARE_SESSION_MAX_HOURS``             absolute session lifetime (default 12)
``TRDCARE_PUBLIC_URL``                    base URL used in self-report links; required
                                          (https) in production; in development the
                                          default is the URL of the request
``TRDCARE_CLINIC_PHONE``                  clinic phone shown with the crisis resources
``TRDCARE_CRISIS_LINE``                   crisis line text (default: US 988 Lifeline)
``TRDCARE_EMERGENCY_NUMBER``              emergency number (default 911)
``TRDCARE_TIMEZONE``                      the clinic's IANA time zone for display (default UTC)
``TRDCARE_REQUESTS_PER_WORKER``           requests one worker runs at once, and its database
                                          connections (default 4; the rest queue)
``TRDCARE_AUDIT_KEY_FILE`` / ``_KEY``     the audit key sealing the audit log; required in
                                          production; in development a random key is kept in
                                          ``<data dir>/audit_key`` (mode 0600); see
                                          :mod:`trdcare.audit.keys` and docs/security.md
``TRDCARE_AUDIT_CHECKPOINT_FILE``         signed checkpoints of the audit chains (default
                                          ``<data dir>/audit-checkpoints.jsonl``)
``TRDCARE_AUDIT_CHECKPOINT_MINUTES``      how often ``trdcare serve`` writes one (default 15;
                                          0: only at start and shutdown)
========================================  ==================================================
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from trdcare.accounts.service import SessionPolicy
from trdcare.audit.checkpoint_file import default_checkpoint_path
from trdcare.audit.domain import AuditKey
from trdcare.audit.keys import AuditKeyError, load_audit_key
from trdcare.config import Settings, load_settings, make_private_dir

ENV_MODE = "TRDCARE_ENV"
ENV_SECRET_KEY = "TRDCARE_SECRET_KEY"  # noqa: S105 - the variable name
MIN_SECRET_KEY_LENGTH = 32
SECRET_KEY_FILENAME = "secret_key"  # noqa: S105 - a file name
# Requests one worker process runs at once (and database connections it keeps). The work is
# mostly Python holding the GIL: on the HTTP load benchmark (2 workers, 2 cores, 32 users) 4 in
# flight per worker gave the same throughput as 20 with a shorter tail (p99 about 1.3 s
# against 1.9 s in alternating runs); the rest wait their turn in the event loop.
DEFAULT_REQUESTS_PER_WORKER = 4
# A checkpoint bounds how many of the newest audit entries could be deleted unseen; when
# nothing was appended since the last one, none is written (docs/security.md).
DEFAULT_AUDIT_CHECKPOINT_MINUTES = 15


class ConfigurationError(RuntimeError):
    """The server refuses to start with this configuration (the message says why)."""


@dataclass(frozen=True)
class CrisisResources:
    """Shown on every self-report page and at once on a positive suicide item."""

    emergency_number: str = "911"
    crisis_line: str = "call or text 988 (988 Suicide & Crisis Lifeline, United States)"
    clinic_phone: str | None = None


@dataclass(frozen=True)
class WebSettings:
    base: Settings
    secret_key: str
    production: bool = False
    secure_cookies: bool = False
    forwarded_allow_ips: str = "127.0.0.1"
    session_policy: SessionPolicy = field(default_factory=SessionPolicy)
    public_url: str | None = None
    crisis: CrisisResources = field(default_factory=CrisisResources)
    timezone: str = "UTC"
    requests_per_worker: int = DEFAULT_REQUESTS_PER_WORKER
    # None: the engine seals with the process default key (tests); load_web_settings
    # always sets one.
    audit_key: AuditKey | None = field(default=None, repr=False)
    audit_checkpoint_file: Path | None = None
    audit_checkpoint_minutes: int = DEFAULT_AUDIT_CHECKPOINT_MINUTES
    # The signal sources the clinician's neurofeedback page offers (TRDCARE_NF_SOURCES).
    nf_sources: tuple[str, ...] = ("synthetic",)

    @property
    def checkpoint_path(self) -> Path:
        return self.audit_checkpoint_file or default_checkpoint_path(self.base.data_dir)

    @property
    def database_url(self) -> str:
        return self.base.database_url

    @property
    def idle_seconds(self) -> int:
        return int(self.session_policy.idle.total_seconds())


def _int_env(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}: not a whole number (given: {raw!r})") from None
    if not low <= value <= high:
        raise ConfigurationError(f"{name}: out of range (allowed: {low} to {high}; given: {value})")
    return value


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _development_secret(data_dir: Path) -> str:
    """A per-installation random key kept next to the SQLite file (shared by workers)."""
    path = data_dir / SECRET_KEY_FILENAME
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if len(key) >= MIN_SECRET_KEY_LENGTH:
            return key
    make_private_dir(data_dir)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def load_web_settings(
    *,
    data_dir: str | os.PathLike[str] | None = None,
    database_url: str | None = None,
) -> WebSettings:
    """Read the web settings; raise :class:`ConfigurationError` on an unsafe production setup."""
    base = load_settings(data_dir=data_dir, database_url=database_url)
    mode = os.environ.get(ENV_MODE, "development").strip().lower()
    if mode not in ("development", "production"):
        raise ConfigurationError(
            f"{ENV_MODE}: unknown value (allowed: development, production; given: {mode!r})"
        )
    production = mode == "production"
    key = os.environ.get(ENV_SECRET_KEY, "")
    if production and len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            f"{ENV_SECRET_KEY}: production mode needs a secret key of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters (e.g. `python -c 'import secrets; "
            f"print(secrets.token_urlsafe(48))'`); refusing to start"
        )
    if not key:
        key = _development_secret(base.data_dir)
    elif len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            f"{ENV_SECRET_KEY}: too short (allowed: at least {MIN_SECRET_KEY_LENGTH} characters)"
        )
    try:
        audit_key = load_audit_key(base.data_dir, production=production)
    except AuditKeyError as exc:
        raise ConfigurationError(str(exc)) from None
    policy = SessionPolicy(
        idle=timedelta(minutes=_int_env("TRDCARE_SESSION_IDLE_MINUTES", 15, 1, 240)),
        absolute=timedelta(hours=_int_env("TRDCARE_SESSION_MAX_HOURS", 12, 1, 72)),
    )
    public_url = os.environ.get("TRDCARE_PUBLIC_URL") or None
    if public_url and not public_url.startswith(("http://", "https://")):
        raise ConfigurationError(f"TRDCARE_PUBLIC_URL: not an http(s) URL (given: {public_url!r})")
    # Without it a self-report link's address comes from the request's Host header, which
    # the client sets: a link sent to a patient could point anywhere.
    if production and not public_url:
        raise ConfigurationError(
            "TRDCARE_PUBLIC_URL: production mode needs the clinic's public https address, "
            "used in the self-report links sent to patients (e.g. https://trd.example.org); "
            "refusing to start"
        )
    if production and public_url and not public_url.startswith("https://"):
        raise ConfigurationError(
            "TRDCARE_PUBLIC_URL: production mode needs an https address (a link carries the "
            f"patient's token; given: {public_url!r}); refusing to start"
        )
    crisis = CrisisResources(
        emergency_number=os.environ.get("TRDCARE_EMERGENCY_NUMBER") or "911",
        crisis_line=os.environ.get("TRDCARE_CRISIS_LINE") or CrisisResources.crisis_line,
        clinic_phone=os.environ.get("TRDCARE_CLINIC_PHONE") or None,
    )
    timezone = os.environ.get("TRDCARE_TIMEZONE") or "UTC"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"TRDCARE_TIMEZONE: unknown time zone (allowed: an IANA name such as "
            f"'America/New_York'; given: {timezone!r})"
        ) from None
    return WebSettings(
        base=base,
        secret_key=key,
        production=production,
        secure_cookies=production or _truthy("TRDCARE_SECURE_COOKIES"),
        forwarded_allow_ips=os.environ.get("TRDCARE_FORWARDED_ALLOW_IPS") or "127.0.0.1",
        session_policy=policy,
        public_url=public_url.rstrip("/") if public_url else None,
        crisis=crisis,
        timezone=timezone,
        requests_per_worker=_int_env(
            "TRDCARE_REQUESTS_PER_WORKER", DEFAULT_REQUESTS_PER_WORKER, 1, 64
        ),
        audit_key=audit_key,
        audit_checkpoint_file=default_checkpoint_path(base.data_dir),
        audit_checkpoint_minutes=_int_env(
            "TRDCARE_AUDIT_CHECKPOINT_MINUTES", DEFAULT_AUDIT_CHECKPOINT_MINUTES, 0, 1440
        ),
        nf_sources=_nf_sources(os.environ.get("TRDCARE_NF_SOURCES") or "synthetic"),
    )


NF_SOURCE_FORMS = "synthetic, lsl:NAME, brainflow:BOARD, file:PATH"


def _nf_sources(raw: str) -> tuple[str, ...]:
    """The neurofeedback sources offered on the pages, separated by commas; a file is a
    path on the server, never one typed in a browser."""
    out = []
    for text in (t.strip() for t in raw.split(",")):
        kind, _, rest = text.partition(":")
        if not text or not (
            (kind == "synthetic" and not rest) or (kind in ("lsl", "brainflow", "file") and rest)
        ):
            raise ConfigurationError(
                f"TRDCARE_NF_SOURCES: not a source (allowed: {NF_SOURCE_FORMS}, separated by "
                f"commas; given: {text!r})"
            )
        out.append(text)
    return tuple(dict.fromkeys(out))
