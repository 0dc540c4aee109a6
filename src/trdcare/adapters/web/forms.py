"""Page forms parsed by pydantic, every problem shown beside its field, the values kept.

The pattern (one model per input, shared by the JSON endpoint and the page)::

    @router.post("/patients/new", response_class=HTMLResponse)
    @redisplay(_new_form_again)
    def patient_create(
        request: Request, db: Db, principal: ..., form: Annotated[PatientCreate, Form()]
    ) -> Response:
        try:
            patient = patient_service.add_patient(db, principal.actor, form)
        except DomainError as exc:
            raise FormRejected(exc, form) from exc
        return RedirectResponse(...)

* FastAPI parses the posted form with the model (``Annotated[Model, Form()]``); the
  endpoint only ever sees a valid model. The model's ``Field(title=...)`` is the label a
  user reads in every message about the field (the API's 422 uses it too).
* When the model refuses the form, the request-validation handler calls the endpoint's
  ``redisplay`` hook with the values as typed and every problem in plain words
  (:mod:`trdcare.core.input_errors`); the page answers 422 with the form filled in.
* When the service refuses the input (a :class:`DomainError` with issues), the endpoint raises
  :class:`FormRejected`; the request's transaction has rolled back by the time the same hook
  renders the form again, so nothing is half-written.

A hook opens its own unit of work (:func:`page_session`) when it needs the database, e.g. to
show the patient's name above the form again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar, get_args
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.web.auth import Principal
from trdcare.adapters.web.problems import NotAuthenticated
from trdcare.core.clock import utc_now
from trdcare.core.errors import DomainError, Issue, NotFound, message_issue

# Form fields that are the page's machinery, never shown back as a value.
MACHINERY_FIELDS = frozenset({"csrf_token"})

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class FormProblem:
    """A refused form: the values as the user typed them, and every issue in plain words."""

    values: dict[str, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    detail: str | None = None
    # Every value of a field sent more than once (ticked checkboxes of one name).
    lists: dict[str, list[str]] = field(default_factory=dict)

    def value(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def ticked(self, name: str) -> list[str]:
        """The values of the boxes named ``name`` that were ticked."""
        return self.lists.get(name, [])


Redisplay = Callable[[Request, FormProblem], Response]
_HOOK = "trdcare_redisplay"


class FormRejected(Exception):
    """The service refused a valid form; the endpoint's ``redisplay`` hook shows it again."""

    def __init__(self, error: DomainError, form: BaseModel | Mapping[str, object]) -> None:
        super().__init__(error.render())
        self.error = error
        self.values = form_values(form)
        self.lists = form_lists(form)


def redisplay(hook: Redisplay) -> Callable[[Endpoint], Endpoint]:
    """Mark a page endpoint: a refused form is shown again by ``hook``."""

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _HOOK, hook)
        return endpoint

    return mark


def redisplay_hook(request: Request) -> Redisplay | None:
    route = request.scope.get("route")
    hook = getattr(getattr(route, "endpoint", None), _HOOK, None)
    return hook if callable(hook) else None


def form_values(form: BaseModel | Mapping[str, object] | FormData | None) -> dict[str, str]:
    """The values of a form as text, to fill the form in again (never the CSRF token)."""
    if form is None:
        return {}
    if isinstance(form, BaseModel):
        items: Mapping[str, object] = form.model_dump(mode="json", by_alias=True)
    elif isinstance(form, FormData):
        items = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    else:
        items = form
    out: dict[str, str] = {}
    for key, value in items.items():
        if key in MACHINERY_FIELDS or value is None or isinstance(value, dict | list):
            continue
        out[key] = value if isinstance(value, str) else str(value)
    return out


def form_lists(
    form: BaseModel | Mapping[str, object] | FormData | None,
) -> dict[str, list[str]]:
    """Every value of each field, as text (a checkbox group sends one value per ticked box;
    :func:`form_values` keeps one). Never the CSRF token."""
    if form is None:
        return {}
    if isinstance(form, FormData):
        pairs = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    else:
        items = form.model_dump(mode="json", by_alias=True) if isinstance(form, BaseModel) else form
        pairs = []
        for key, value in items.items():
            for one in value if isinstance(value, list) else [value]:
                if isinstance(one, str | int | float) and not isinstance(one, bool):
                    pairs.append((key, str(one)))
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        if key not in MACHINERY_FIELDS:
            out.setdefault(key, []).append(value)
    return out


def domain_issues(error: DomainError) -> list[Issue]:
    """A service's refusal as issues (its message as one issue when it carries none).

    A refusal without issues (a Conflict such as ``"mrn: a patient with this MRN already
    exists"``) still names its field first, so it is shown beside that field.
    """
    return list(error.issues) or [message_issue(error.message)]


# How the services write a moment in a message (core.clock, the rooms' domains): in UTC, as the
# API reads it. A page's form takes the clinic's local time, so a page shows the same moment so.
_UTC_MOMENT = re.compile(r"\b(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))? UTC\b")


def in_clinic_time_words(issues: list[Issue], tz: ZoneInfo) -> list[Issue]:
    """The moments in a service's issues (``2026-03-02 11:00 UTC``) in the clinic's time zone
    (``2026-03-02 13:00 (Europe/Berlin)``), as the page's date-and-time fields take them; a
    clinic on UTC reads them unchanged."""
    if tz.key == "UTC":
        return issues

    def local(match: re.Match[str]) -> str:
        y, mo, d, h, mi, sec = (int(g or 0) for g in match.groups())
        moment = datetime(y, mo, d, h, mi, sec, tzinfo=UTC).astimezone(tz)
        shown = f"{moment:%Y-%m-%d %H:%M:%S}" if match.group(6) else f"{moment:%Y-%m-%d %H:%M}"
        return f"{shown} ({tz.key})"

    def words(text: str | None) -> str | None:
        return None if text is None else _UTC_MOMENT.sub(local, text)

    return [
        replace(i, message=words(i.message) or "", allowed=words(i.allowed), given=words(i.given))
        for i in issues
    ]


def labelled(issues: list[Issue], labels: Mapping[str, str]) -> list[Issue]:
    """A service's issues named by the form's own labels (``Field(title=...)``).

    The service knows the field by its path (``birth_date: is in the future``); the form calls
    it "Date of birth", so that is the name the user reads before the message.
    """
    out = []
    for issue in issues:
        label = labels.get(issue.path)
        parent, _, key = issue.path.rpartition(".")
        if label is None and parent and f"{parent}.*" in labels:  # an entry: "Question 9"
            label = labels[f"{parent}.*"].format(key=key)
        if label and issue.message[:1].islower():
            issue = replace(issue, message=f"{label}: {issue.message}")
        out.append(issue)
    return out


def labels_of(*models: type[BaseModel]) -> tuple[dict[str, str], dict[str, str]]:
    """Human labels (``Field(title=...)``) and examples (``Field(examples=[...])``) by path.

    Nested models are walked (``target.tragus_tragus_cm``), so a message about a nested
    field names it as the form does.
    """
    labels: dict[str, str] = {}
    examples: dict[str, str] = {}
    for model in models:
        _collect(model, "", labels, examples, depth=0)
    return labels, examples


def _collect(
    model: type[BaseModel],
    prefix: str,
    labels: dict[str, str],
    examples: dict[str, str],
    *,
    depth: int,
) -> None:
    # A mapping field's entries, e.g. {"answers": "Question {key}"} -> "answers.*".
    for name, template in getattr(model, "item_labels", {}).items():
        labels[f"{prefix}{name}.*"] = template
    for name, info in model.model_fields.items():
        for key in {name, info.alias or name}:
            if info.title:
                labels[f"{prefix}{key}"] = info.title
            if info.examples:
                examples[f"{prefix}{key}"] = str(info.examples[0])
        nested = _model_in(info.annotation)
        if nested is not None and depth < 3:
            _collect(nested, f"{prefix}{name}.", labels, examples, depth=depth + 1)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model of ``Model``, ``Model | None`` or ``list[Model]``, else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def flat_paths(problem: FormProblem, renames: Mapping[str, str]) -> FormProblem:
    """Issues of a nested model named as a flat page form names its fields.

    ``renames`` maps a path prefix to the form's prefix, e.g. ``{"target.method":
    "target_method", "target.": "", "depth.": ""}`` (the longest match wins).
    """
    ordered = sorted(renames.items(), key=lambda kv: -len(kv[0]))

    def rename(path: str) -> str:
        for old, new in ordered:
            if path == old or path.startswith(old):
                return new + path[len(old) :]
        return path

    return replace(problem, issues=[replace(i, path=rename(i.path)) for i in problem.issues])


def route_models(request: Request) -> list[type[BaseModel]]:
    """The pydantic models a route's body (JSON or form) is parsed with."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    models: list[type[BaseModel]] = []
    for param in getattr(dependant, "body_params", ()) or ():
        annotation = getattr(getattr(param, "field_info", None), "annotation", None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            models.append(annotation)
    return models


def page_principal(request: Request) -> Principal:
    """The signed-in user of a page whose permission check has passed."""
    principal = getattr(request.state, "principal", None)
    if not isinstance(principal, Principal):
        raise NotAuthenticated("session: sign in again")
    return principal


@contextmanager
def page_session(request: Request) -> Iterator[Session]:
    """A unit of work for a redisplay hook (the request's own has rolled back)."""
    with unit_of_work(request.app.state.engine) as session:
        yield session


def redisplay_page(
    show: Callable[[Request, Session, Principal, FormProblem], Response],
) -> Redisplay:
    """A redisplay hook that shows a page again with the refused form: ``show`` gets the
    signed-in user and a unit of work of its own (the request's has rolled back)."""

    def hook(request: Request, problem: FormProblem) -> Response:
        principal = page_principal(request)
        with page_session(request) as db:
            return show(request, db, principal, problem)

    return hook


def show_again(page: Callable[..., Response], *ids: str, **fixed: Any) -> Redisplay:
    """A redisplay hook for a patient's page: ``page(request, db, principal, ref, *numbers,
    values=..., errors=..., detail=..., status_code=422, **fixed)`` with the patient's ref and
    the path's record numbers named by ``ids`` (``"number"``), in a unit of work of its own.
    """

    def show(request: Request, db: Session, principal: Principal, problem: FormProblem) -> Response:
        params = request.path_params
        numbers = []
        for name in ids:
            try:
                numbers.append(int(params[name]))
            except (KeyError, ValueError):
                raise NotFound(f"{name}: no such record") from None
        return page(
            request,
            db,
            principal,
            params["ref"],
            *numbers,
            values=problem.values,
            errors=problem.issues,
            detail=problem.detail,
            status_code=422,
            **fixed,
        )

    return redisplay_page(show)


def clinic_now_input(request: Request) -> str:
    """Now, as a page's ``datetime-local`` field shows it: the clinic's local time."""
    return utc_now().astimezone(clinic_time_zone(request)).strftime("%Y-%m-%dT%H:%M")


def clinic_time_zone(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


def in_clinic_time(request: Request, model: Model, *names: str) -> Model:
    """A form's date-and-time fields (``datetime-local``: no offset) read as the clinic's
    local time; a value with an offset (the API's) is kept as given."""
    tz = clinic_time_zone(request)
    changes: dict[str, Any] = {}
    for name in names:
        value = getattr(model, name)
        if isinstance(value, datetime) and value.tzinfo is None:
            changes[name] = value.replace(tzinfo=tz)
        elif isinstance(value, list):
            changes[name] = [
                v.replace(tzinfo=tz) if isinstance(v, datetime) and v.tzinfo is None else v
                for v in value
            ]
    return model.model_copy(update=changes)
