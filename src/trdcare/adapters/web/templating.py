"""Server-rendered pages: one Jinja2 environment over every room's ``templates/`` folder.

Templates are addressed as ``<room>/<file>`` (``web/base.html``, ``patients/chart.html``).
Autoescaping is on; pages carry no inline script or style (the CSP forbids both), so all
behaviour lives in ``/static/app.js`` and all looks in ``/static/app.css``.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from importlib import import_module
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, PrefixLoader, StrictUndefined, select_autoescape

from trdcare import __version__
from trdcare.adapters.web.security import csrf_token
from trdcare.core.input_errors import default_label
from trdcare.core.provenance import provenance_label, provenance_labels

ROOMS = (
    "accounts",
    "patients",
    "assessments",
    "history",
    "tms",
    "esketamine",
    "vns",
    "dbs",
    "ketamine",
    "psilocybin",
    "neurofeedback",
    "pgx",
    "labs",
    "courses",
    "reports",
    "pathway",
)

# Navigation: (label, url, permission); an entry shows only to roles that hold it.
NAV: tuple[tuple[str, str, str], ...] = (
    ("Dashboard", "/", "clinical.read"),
    ("Patients", "/patients", "patients.read"),
    ("TMS tools", "/tms/tools", "tms.tools"),
    ("Users", "/admin/users", "users.manage"),
    ("Audit log", "/admin/audit", "audit.read"),
    ("My account", "/account", "account.self"),
)


def _room_dir(room: str) -> Path | None:
    try:
        module = import_module(f"trdcare.{room}")
    except ImportError:
        return None
    if module.__file__ is None:
        return None
    path = Path(module.__file__).parent / "templates"
    return path if path.is_dir() else None


@lru_cache(maxsize=1)
def environment() -> Environment:
    loaders: dict[str, FileSystemLoader] = {
        "web": FileSystemLoader(str(files("trdcare.adapters.web") / "templates"))
    }
    for room in ROOMS:
        folder = _room_dir(room)
        if folder is not None:
            loaders[room] = FileSystemLoader(str(folder))
    env = Environment(
        loader=PrefixLoader(dict(loaders)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship inside the package and change only with a new version (a restart):
        # no file check on every render.
        auto_reload=False,
    )
    env.filters["dt"] = _format_datetime
    env.filters["tm"] = _format_time
    env.filters["d"] = _format_date
    env.filters["pct"] = _format_percent
    env.filters["label"] = _label
    env.filters["answer"] = _answer
    env.filters["field_label"] = _field_label
    env.filters["scale_name"] = _scale_name
    env.filters["provenance"] = provenance_label
    env.filters["provenances"] = provenance_labels
    env.globals["version"] = __version__
    return env


def _format_datetime(value: datetime | str | None, tz: str = "UTC") -> str:
    """A moment in the clinic's time zone; a service's ISO text (``2026-01-02T10:00:00+00:00``,
    as JSON documents carry it) is read first."""
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def _format_time(value: datetime | str | None, tz: str = "UTC") -> str:
    """The time of day of a moment in the clinic's time zone (``14:05``)."""
    text = _format_datetime(value, tz)
    return text[11:] if len(text) > 11 else text


def _format_date(value: date | datetime | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat()


def _format_percent(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:+.{digits}f} %"


def _label(value: object) -> str:
    """``moderately_severe`` -> ``moderately severe`` for display."""
    if value is None:
        return "-"
    return str(value).replace("_", " ")


def _answer(value: object) -> str:
    """A recorded value in a table cell: yes / no for a flag, ``-`` when absent."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _label(value)


def _scale_name(scale_id: str | None) -> str:
    """``qids_sr16`` -> ``QIDS-SR16``: a scale as a clinician names it (its key if unknown)."""
    from trdcare.assessments.domain.scoring import SCALE_IDS, get_scale

    if not scale_id:
        return "-"
    return get_scale(scale_id).short_name if scale_id in SCALE_IDS else scale_id


def _field_label(path: str) -> str:
    """``antidepressant_trials.0.end`` -> ``End (antidepressant trials, entry 1)``."""
    return default_label(path.split(".") if path else [])


def page_context(request: Request) -> dict[str, Any]:
    settings = request.app.state.settings
    principal = getattr(request.state, "principal", None)
    csrf = ""
    if principal is not None and principal.session_secret:
        csrf = csrf_token(settings.secret_key, "session", principal.session_secret)
    nav = [
        (label, url) for label, url, perm in NAV if principal is not None and principal.can(perm)
    ]
    return {
        "request": request,
        "principal": principal,
        "csrf_token": csrf,
        "nav": nav,
        "idle_seconds": settings.idle_seconds,
        "tz": settings.timezone,
        "crisis": settings.crisis,
        "path": request.url.path,
    }


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render ``name`` with the page context (user, CSRF token, navigation)."""
    values = page_context(request)
    values.update(context or {})
    html = environment().get_template(name).render(values)
    return HTMLResponse(html, status_code=status_code)
