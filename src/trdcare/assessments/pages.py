"""Pages of the assessments room: the caseload dashboard, a patient's assessments with the
trajectory chart, staff entry of a scale, sending self-report links, and the patient's
self-report page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ConfigDict
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from trdcare.accounts import service as account_service
from trdcare.accounts.domain import may_see_link_field
from trdcare.accounts.schemas import SelfReportLinkCreate
from trdcare.accounts.service import LinkAlreadyUsed
from trdcare.adapters.db.models import Assessment, Patient
from trdcare.adapters.web.auth import Principal, Require, client_source, form_data
from trdcare.adapters.web.charts import BandArea, Threshold, trajectory_svg
from trdcare.adapters.web.corrections import RetireIn, versions_out
from trdcare.adapters.web.db import Db
from trdcare.adapters.web.forms import (
    FormProblem,
    FormRejected,
    page_principal,
    page_session,
    redisplay,
)
from trdcare.adapters.web.panels import Panel
from trdcare.adapters.web.problems import CsrfFailed
from trdcare.adapters.web.selfreport import (
    LinkHolder,
    OpenLink,
    link_url,
    submit_self_report,
)
from trdcare.adapters.web.templating import render
from trdcare.assessments import service as assessment_service
from trdcare.assessments.domain import (
    DEFAULT_CRITERIA,
    SCALE_IDS,
    CourseOutcome,
    CourseVerdict,
    Scale,
    get_scale,
    parse_answers,
)
from trdcare.assessments.endpoints import AssessmentId
from trdcare.assessments.schemas import (
    ALERT_NOTE_MAX_CHARS,
    FORM_ITEM_PREFIX,
    AlertAcknowledgement,
    Answers,
    SelfReportAnswers,
)
from trdcare.assessments.service import OtherAlerts
from trdcare.audit import service as audit
from trdcare.core.clock import utc_today
from trdcare.core.errors import DomainError, InvalidInput, Issue, NotFound, PermissionDenied
from trdcare.history import service as history_service
from trdcare.patients import service as patient_service
from trdcare.patients.pages import patient_ref

router = APIRouter(include_in_schema=False)

TRACKED_SCALES = ("phq9", "gad7", "qids_sr16", "hamd17", "madrs")
# The instruction line each self-report form opens with (the instruments' own time frames).
SELF_REPORT_INSTRUCTIONS = {
    "phq9": "Over the last 2 weeks, how often have you been bothered by any of the following "
    "problems? Choose one answer for each question.",
    "gad7": "Over the last 2 weeks, how often have you been bothered by the following "
    "problems? Choose one answer for each question.",
    "qids_sr16": "For each question, choose the one answer that best describes you over the "
    "past seven days.",
}

# Chart extras contributed by other rooms (the TMS room registers its session dates).
SessionDates = Callable[[Session, Patient], list[date]]
SESSION_DATE_PROVIDERS: list[SessionDates] = []
# Dashboard extras contributed by other rooms: patient ref -> extra columns and alerts.
DashboardRows = Callable[[Session, Principal], dict[str, dict[str, Any]]]
DASHBOARD_PROVIDERS: list[DashboardRows] = []


# the trajectory chart ---------------------------------------------------------------------
@dataclass(frozen=True)
class Trajectory:
    scale: Scale
    svg: Markup
    points: list[tuple[date, int]]
    baseline: int | None
    response_at: float | None
    remission_at: int | None


def trajectory(
    db: Session,
    scale_id: str,
    rows: list[Assessment],
    patient: Patient,
    course_start: date | None,
    verdict: CourseVerdict | None = None,
) -> Trajectory:
    """The chart of one scale: bands shaded, response and remission lines, sessions ticked.

    The baseline and the response and remission lines are those of ``verdict`` (the outcome
    rule, ``course_verdict``, with its criteria), so the chart draws what the outcome says.
    """
    scale = get_scale(scale_id)
    points = [
        (r.administered_on, int(r.total))
        for r in rows
        if r.scale_id == scale_id and r.complete and r.total is not None
    ]
    bands = [
        BandArea(b.label, b.low, b.high) for b in scale.convention(scale.default_convention).bands
    ]
    criteria = verdict.criteria if verdict is not None else DEFAULT_CRITERIA
    baseline = verdict.baseline.total if verdict is not None else None
    thresholds = []
    response_at = None
    if baseline:
        cut = criteria.response_min_reduction_pct
        response_at = baseline * (1 - cut / 100)
        thresholds.append(
            Threshold(
                f"response: <= {response_at:g} ({cut:g} % below baseline {baseline})",
                response_at,
                "#1f4e79",
            )
        )
    remission_at = None
    if scale.remission is not None:
        remission = (
            verdict.remission_rule if verdict is not None else criteria.remission_rule(scale)
        )
        remission_at = remission.value
        thresholds.append(
            Threshold(f"remission: <= {remission.value}", remission.value + 0.5, "#1e7b34", "2 3")
        )
    sessions: list[date] = []
    for provider in SESSION_DATE_PROVIDERS:
        sessions.extend(provider(db, patient))
    svg = trajectory_svg(
        title=f"{scale.name} over time",
        points=points,
        total_max=scale.total_max or 27,
        bands=bands,
        thresholds=thresholds,
        sessions=sessions,
        course_start=course_start,
    )
    return Trajectory(scale, svg, points, baseline, response_at, remission_at)


def _outcome(
    db: Session, principal: Principal, patient: Patient, scale_id: str, rows: list[Assessment]
) -> CourseOutcome | None:
    """The outcome on ``scale_id`` of the patient's current course (None: no complete score)."""
    if not any(r.scale_id == scale_id and r.complete and r.total is not None for r in rows):
        return None
    outcome, _ = assessment_service.patient_outcome(db, principal.actor, patient, scale_id=scale_id)
    return outcome


def _course_start(db: Session, patient: Patient) -> date | None:
    course = history_service.find_course(db, patient, None)
    return course.start_date if course else None


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    """The chart's assessment panel (clinical staff) and self-report panel (senders)."""
    panels = []
    if principal.can("clinical.read"):
        rows = assessment_service.list_assessments(db, principal.actor, patient)
        course = history_service.find_course(db, patient, None)
        scale_id = course.primary_scale if course else "phq9"
        outcome = _outcome(db, principal, patient, scale_id, rows)
        chart = trajectory(
            db,
            scale_id,
            rows,
            patient,
            course.start_date if course else None,
            outcome.verdict if outcome else None,
        )
        panels.append(
            Panel(
                id="assessments",
                title="Assessments",
                template="assessments/panel.html",
                order=20,
                context={
                    "chart": chart,
                    "latest": list(reversed(rows))[:6],
                    "outcome": outcome,
                    "can_enter": principal.can("assessments.write"),
                },
            )
        )
    if principal.can("self_report.send"):
        links = account_service.list_links(db, patient)[:5]
        panels.append(
            Panel(
                id="self-report",
                title="Self-report links",
                template="assessments/links_panel.html",
                order=30,
                context={
                    "links": [(link, account_service.link_status(link)) for link in links],
                    "scales": account_service.SELF_REPORT_SCALES,
                    "show_findings": may_see_link_field(principal.role, "suicidal_ideation"),
                },
            )
        )
    return panels


# dashboard --------------------------------------------------------------------------------
URGENT_ALERTS = assessment_service.URGENT_ALERTS
# Sort key -> the order it shows (for aria-sort); the database sorts (caseload_page).
SORTS: dict[str, str] = {
    "name": "ascending",
    "score": "descending",
    "change": "ascending",
    "alerts": "descending",
    "last": "ascending",
}
# Rows per dashboard page: a screenful a clinician can read (the patient list pages likewise).
DASHBOARD_PAGE_SIZE = 50
ALERT_LABELS = {
    "suicidal_ideation": "Suicidal ideation",
    "self_report_suicidal_ideation": "Suicidal ideation (self-report)",
    "assessment_overdue": "Assessment overdue",
    "decision_point_due": "Decision point awaiting review",
    "serious_adverse_event": "Serious adverse event",
    "course_paused": "Course paused",
}


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("clinical.read"))],
    scale: Annotated[Literal["phq9", "gad7", "qids_sr16", "hamd17", "madrs"], Query()] = "phq9",
    sort: Annotated[Literal["name", "score", "change", "alerts", "last"], Query()] = "alerts",
    show: Annotated[
        Literal["all", "alerts", "response", "remission", "no_response", "in_course"], Query()
    ] = "all",
    band: Annotated[str | None, Query(max_length=30)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = DASHBOARD_PAGE_SIZE,
    msg: Annotated[str | None, Query(max_length=30)] = None,
) -> HTMLResponse:
    """The caseload, filtered and sorted over every active patient, shown a page at a time.

    Sorting and filtering see the whole caseload (alerts first by default, so the patients
    needing attention are on the first page); only the page shown is rendered and audited.
    """
    extras: dict[str, dict[str, Any]] = {}
    for provider in DASHBOARD_PROVIDERS:
        for ref, extra in provider(db, principal).items():
            merged = extras.setdefault(ref, {"alerts": []})
            merged["alerts"] = merged["alerts"] + list(extra.get("alerts", []))
            for key, value in extra.items():
                if key in ("course", "course_fallback") and merged.get(key) and value:
                    # A patient in courses of two rooms (TMS and another): both are shown.
                    merged[key] = f"{merged[key]}; {value}"
                elif key != "alerts":
                    merged[key] = value
    for merged in extras.values():
        # The courses room names any ongoing course ("course_fallback"), for the modalities
        # whose own room does not describe it; a room's own words come first.
        fallback = merged.pop("course_fallback", None)
        if fallback and not merged.get("course"):
            merged["course"] = fallback
    open_alerts = account_service.open_alerts(db)
    for _link, ref in open_alerts:
        extras.setdefault(ref, {"alerts": []})["alerts"].append("self_report_suicidal_ideation")
    staff_alerts = assessment_service.open_staff_alerts(db, as_of=utc_today())
    page = assessment_service.caseload_page(
        db,
        principal.actor,
        scale_id=scale,
        as_of=utc_today(),
        other_alerts={
            ref: OtherAlerts(frozenset(extra["alerts"]), bool(extra.get("course")))
            for ref, extra in extras.items()
        },
        show=show,
        band=band,
        sort=sort,
        offset=offset,
        limit=limit,
    )
    entries = []
    for entry in page.entries:
        extra = extras.get(entry.patient_ref, {})
        doc = entry.to_dict()
        doc["alerts"] = sorted(set(entry.alerts) | set(extra.get("alerts", ())))
        doc["course"] = extra.get("course")
        entries.append(doc)
    counts = {"patients": page.total, "alerts": page.with_alerts}
    filters = {"scale": scale, "show": show, "band": band or ""}
    bands = [
        b.label for b in get_scale(scale).convention(get_scale(scale).default_convention).bands
    ]
    audit.record(
        db,
        principal.actor,
        "read",
        "caseload_view",
        detail={
            "scale": scale,
            "patient_refs": [e["patient"] for e in entries],
            "offset": offset,
            "self_report_alerts": [ref for _, ref in open_alerts],
            "staff_alerts": [a.patient_ref for a in staff_alerts],
        },
    )
    return render(
        request,
        "assessments/dashboard.html",
        {
            "entries": entries,
            "page": {"total": page.total, "limit": limit, "offset": offset},
            "query": urlencode({**filters, "sort": sort}),
            # Column headers sort the whole caseload (a click in the browser would sort only
            # the page on screen): key -> (URL, aria-sort).
            "sort_heads": {
                key: (
                    "/dashboard?" + urlencode({**filters, "sort": key, "limit": limit}),
                    order if key == sort else "none",
                )
                for key, order in SORTS.items()
            },
            "scale": get_scale(scale),
            "scales": [(s, get_scale(s).name) for s in TRACKED_SCALES],
            "sort": sort,
            "show": show,
            "band": band or "",
            "bands": bands,
            "alert_labels": ALERT_LABELS,
            "urgent_alerts": URGENT_ALERTS,
            "self_report_alerts": open_alerts,
            "staff_alerts": staff_alerts,
            "message": DASHBOARD_MESSAGES.get(msg or ""),
            "counts": counts,
            "overdue_after_days": assessment_service.DEFAULT_OVERDUE_AFTER_DAYS,
            "alert_window_days": assessment_service.DEFAULT_ALERT_WINDOW_DAYS,
            "scale_names": {s: get_scale(s).name for s in SCALE_IDS},
        },
    )


DASHBOARD_MESSAGES = {
    "alert_acknowledged": "Alert acknowledged. Your name, the time and your note are kept "
    "with the assessment; the suicide-item answer stays on the record.",
}


def _alert_link(db: Session, link_ref: str) -> tuple[Assessment, Patient, str]:
    """A self-report's suicide alert: its administration, patient and link ref."""
    link = account_service.link_by_ref(db, link_ref[:20])
    if link is None or not link.suicidal_ideation or link.assessment_id is None:
        raise NotFound("alert: no self-report suicide alert with this ref")
    row, patient = assessment_service.alert_assessment(db, link.assessment_id)
    return row, patient, link.ref


def _acknowledge_page(
    request: Request,
    db: Session,
    principal: Principal,
    row: Assessment,
    patient: Patient,
    action: str,
    *,
    note: str = "",
    errors: list[Issue] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The confirmation step of an acknowledgement: what the alert is, and a note."""
    audit.record(
        db,
        principal.actor,
        "read",
        "suicide_alert",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"scale": row.scale_id, "source": row.source},
    )
    scale = get_scale(row.scale_id)
    flags = [f for f in row.flags if f.get("code") == "suicidal_ideation"]
    return render(
        request,
        "assessments/acknowledge_alert.html",
        {
            "patient": patient,
            "row": row,
            "scale": scale,
            "flags": flags,
            "action": action,
            "note": note,
            "errors": errors or [],
            "note_max": ALERT_NOTE_MAX_CHARS,
        },
        status_code=status_code,
    )


def _acknowledge_again(request: Request, problem: FormProblem) -> HTMLResponse:
    """The confirmation page again, the note as typed and its problem beside it."""
    principal = page_principal(request)
    with page_session(request) as db:
        if "assessment_id" in request.path_params:
            row, patient = assessment_service.alert_assessment(
                db, _assessment_id(request.path_params["assessment_id"])
            )
            action = f"/alerts/assessments/{row.id}/acknowledge"
        else:
            row, patient, ref = _alert_link(db, request.path_params["link_ref"])
            action = f"/alerts/{ref}/acknowledge"
        return _acknowledge_page(
            request,
            db,
            principal,
            row,
            patient,
            action,
            note=problem.value("note"),
            errors=problem.issues,
            status_code=422,
        )


def _assessment_id(raw: str) -> int:
    if not raw.isdecimal() or len(raw) > 10:
        raise NotFound("alert: no suicidality alert with this id")
    return int(raw)


@router.get("/alerts/assessments/{assessment_id}/acknowledge", response_class=HTMLResponse)
def staff_alert_confirm(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("assessments.write"))],
    assessment_id: str,
) -> HTMLResponse:
    row, patient = assessment_service.alert_assessment(db, _assessment_id(assessment_id))
    action = f"/alerts/assessments/{row.id}/acknowledge"
    return _acknowledge_page(request, db, principal, row, patient, action)


@router.post("/alerts/assessments/{assessment_id}/acknowledge", response_class=HTMLResponse)
@redisplay(_acknowledge_again)
def staff_alert_acknowledge(
    db: Db,
    principal: Annotated[Principal, Depends(Require("assessments.write"))],
    assessment_id: str,
    form: Annotated[AlertAcknowledgement, Form()],
) -> Response:
    try:
        assessment_service.acknowledge_staff_alert(
            db, principal.actor, _assessment_id(assessment_id), note=form.note
        )
    except InvalidInput as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse("/dashboard?msg=alert_acknowledged", status_code=303)


@router.get("/alerts/{link_ref}/acknowledge", response_class=HTMLResponse)
def self_report_alert_confirm(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("assessments.write"))],
    link_ref: str,
) -> HTMLResponse:
    row, patient, ref = _alert_link(db, link_ref)
    return _acknowledge_page(request, db, principal, row, patient, f"/alerts/{ref}/acknowledge")


@router.post("/alerts/{link_ref}/acknowledge", response_class=HTMLResponse)
@redisplay(_acknowledge_again)
def acknowledge_alert(
    db: Db,
    principal: Annotated[Principal, Depends(Require("assessments.write"))],
    link_ref: str,
    form: Annotated[AlertAcknowledgement, Form()],
) -> Response:
    _, _, ref = _alert_link(db, link_ref)
    try:
        assessment_service.acknowledge_self_report_alert(db, principal.actor, ref, note=form.note)
    except InvalidInput as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse("/dashboard?msg=alert_acknowledged", status_code=303)


# a patient's assessments ------------------------------------------------------------------
def _load_patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose=purpose)


@router.get("/patients/{ref}/assessments", response_class=HTMLResponse)
def assessments_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("clinical.read"))],
    ref: str,
    scale: Annotated[str | None, Query(max_length=20)] = None,
    msg: Annotated[str | None, Query(max_length=30)] = None,
) -> HTMLResponse:
    patient = _load_patient(db, principal, ref, "assessments")
    rows = assessment_service.list_assessments(db, principal.actor, patient)
    course = history_service.find_course(db, patient, None)
    scale_id = scale if scale in TRACKED_SCALES else (course.primary_scale if course else "phq9")
    outcome = _outcome(db, principal, patient, scale_id, rows)
    chart = trajectory(
        db,
        scale_id,
        rows,
        patient,
        course.start_date if course else None,
        outcome.verdict if outcome else None,
    )
    answers = assessment_service.assessment_answers(db, rows)
    return render(
        request,
        "assessments/patient.html",
        {
            "patient": patient,
            "rows": list(reversed(rows)),
            "answers": answers,
            "chart": chart,
            "outcome": outcome,
            "scales": [(s, get_scale(s).name) for s in TRACKED_SCALES],
            "all_scales": [(s, get_scale(s).name) for s in SCALE_IDS],
            "scale_id": scale_id,
            "message": msg,
        },
    )


def _entry_form(
    request: Request,
    patient: Patient,
    scale: Scale,
    *,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "assessments/entry.html",
        {
            "patient": patient,
            "scale": scale,
            "values": values or {},
            "errors": errors or [],
            "all_scales": [(s, get_scale(s).name) for s in SCALE_IDS],
            "today": utc_today().isoformat(),
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/assessments/new", response_class=HTMLResponse)
def entry_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("assessments.write"))],
    ref: str,
    scale: Annotated[str, Query(max_length=20)] = "phq9",
) -> HTMLResponse:
    patient = _load_patient(db, principal, ref, "assessment_entry")
    return _entry_form(request, patient, get_scale(scale))


def item_values(problem: FormProblem) -> dict[str, str]:
    """The answers as ticked, keyed by item (``item_9`` -> ``9``), to tick them again."""
    prefix = FORM_ITEM_PREFIX
    return {k[len(prefix) :]: v for k, v in problem.values.items() if k.startswith(prefix)}


def item_issues(problem: FormProblem) -> list[Issue]:
    """pydantic names an answer ``answers.9``, the scales ``items.9``: one name beside it."""
    return [
        replace(i, path="items." + i.path.removeprefix("answers."))
        if i.path.startswith("answers.")
        else i
        for i in problem.issues
    ]


def _entry_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    scale_id = problem.value("scale", "phq9")
    scale = get_scale(scale_id if scale_id in SCALE_IDS else "phq9")
    with page_session(request) as db:
        patient = _load_patient(db, principal, request.path_params["ref"], "assessment_entry")
        return _entry_form(
            request, patient, scale, values=item_values(problem), errors=item_issues(problem)
        )


@router.post("/patients/{ref}/assessments/new", response_class=HTMLResponse)
@redisplay(_entry_again)
def entry_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("assessments.write"))],
    ref: str,
    form: Annotated[Answers, Form()],
) -> Response:
    patient = _load_patient(db, principal, ref, "assessment_entry")
    try:
        row, _ = assessment_service.record_assessment(
            db, principal.actor, patient, form.scale, form.answers, source="staff"
        )
    except DomainError as exc:
        raise FormRejected(exc, _form_of(form)) from exc
    message = "saved_flagged" if row.suicidal_ideation else "saved"
    return RedirectResponse(
        f"/patients/{patient.ref}/assessments?scale={row.scale_id}&msg={message}", status_code=303
    )


def _form_of(form: Answers | SelfReportAnswers) -> dict[str, object]:
    """The form's own field names again (``item_<key>``), to fill it in after a refusal."""
    values: dict[str, object] = {f"{FORM_ITEM_PREFIX}{k}": v for k, v in form.answers.items()}
    if isinstance(form, Answers):
        values["scale"] = form.scale
    return values


# sending self-report links ----------------------------------------------------------------
@router.get("/patients/{ref}/self-report", response_class=HTMLResponse)
def links_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("self_report.send"))],
    ref: str,
) -> HTMLResponse:
    patient = _load_patient(db, principal, ref, "self_report_links")
    return _links_page(request, db, patient)


def _links_page(
    request: Request,
    db: Session,
    patient: Patient,
    *,
    new_url: str | None = None,
    errors: list[Issue] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    links = account_service.list_links(db, patient)
    # The signed-in sender (set by the route's permission check); the suicide item's answer
    # is shown only to roles that may read clinical findings.
    principal: Principal = request.state.principal
    return render(
        request,
        "assessments/links.html",
        {
            "show_findings": may_see_link_field(principal.role, "suicidal_ideation"),
            "patient": patient,
            "links": [(link, account_service.link_status(link)) for link in links],
            "scales": [(s, get_scale(s).name) for s in account_service.SELF_REPORT_SCALES],
            "new_url": new_url,
            "errors": errors or [],
        },
        status_code=status_code,
    )


def _links_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _load_patient(db, principal, request.path_params["ref"], "self_report_link")
        return _links_page(request, db, patient, errors=problem.issues)


@router.post("/patients/{ref}/self-report", response_class=HTMLResponse)
@redisplay(_links_again)
def links_create(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("self_report.send"))],
    ref: str,
    form: Annotated[SelfReportLinkCreate, Form()],
) -> HTMLResponse:
    patient = _load_patient(db, principal, ref, "self_report_link")
    try:
        _, raw = account_service.create_link(
            db, principal.actor, patient, form.scale, expires_in_hours=form.expires_in_hours
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return _links_page(request, db, patient, new_url=link_url(request, raw))


@router.post("/patients/{ref}/self-report/{link_ref}/revoke")
def links_revoke(
    db: Db,
    principal: Annotated[Principal, Depends(Require("self_report.send"))],
    ref: str,
    link_ref: str,
) -> Response:
    patient = _load_patient(db, principal, ref, "self_report_link")
    account_service.revoke_link(db, principal.actor, patient, link_ref[:20])
    return RedirectResponse(f"/patients/{patient.ref}/self-report", status_code=303)


# the patient's self-report page -----------------------------------------------------------
def _questionnaire(
    request: Request,
    opened: OpenLink,
    *,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    scale = get_scale(opened.link.scale_id)
    suicide_min = {rule.item: rule.min_value for rule in scale.safety_rules}
    return render(
        request,
        "assessments/self_report.html",
        {
            "scale": scale,
            "link": opened.link,
            "values": values or {},
            "errors": errors or [],
            "suicide_min": suicide_min,
            "instructions": SELF_REPORT_INSTRUCTIONS.get(scale.id, ""),
            "form_csrf": _link_csrf(request, opened.link.ref),
        },
        status_code=status_code,
    )


def _link_csrf(request: Request, link_ref: str) -> str:
    from trdcare.adapters.web.security import csrf_token

    return csrf_token(request.app.state.settings.secret_key, "self_report", link_ref)


@router.get("/r/{token}", response_class=HTMLResponse)
def self_report_page(
    request: Request, opened: Annotated[OpenLink, Depends(LinkHolder())], token: str
) -> HTMLResponse:
    return _questionnaire(request, opened)


def _questionnaire_again(request: Request, problem: FormProblem) -> HTMLResponse:
    """The questionnaire again, the answers given still ticked, each question's problem beside
    it in a patient's words ("Please answer question 2.")."""
    with page_session(request) as db:
        opened = LinkHolder()(request, db)
        return _questionnaire(
            request, opened, values=item_values(problem), errors=item_issues(problem)
        )


@router.post("/r/{token}", response_class=HTMLResponse)
@redisplay(_questionnaire_again)
def self_report_submit(
    request: Request,
    db: Db,
    opened: Annotated[OpenLink, Depends(LinkHolder())],
    token: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[SelfReportAnswers, Form()],
) -> HTMLResponse:
    from trdcare.adapters.web.security import csrf_matches

    scale = get_scale(opened.link.scale_id)
    given = raw.get("csrf_token")  # the link's own token (patients have no session)
    if not csrf_matches(
        request.app.state.settings.secret_key,
        "self_report",
        opened.link.ref,
        given if isinstance(given, str) else None,
    ):
        raise CsrfFailed("csrf_token: the form is stale; open the link again")
    try:
        flagged = submit_self_report(db, opened, form.answers, source=client_source(request))
    except LinkAlreadyUsed:
        raise  # another submission won: the error page says so (not the form again)
    except DomainError as exc:  # raised before anything is written
        raise FormRejected(exc, _form_of(form)) from exc
    return render(
        request,
        "assessments/self_report_done.html",
        {"flagged": flagged, "scale": scale},
    )


# corrections and entered-in-error ----------------------------------------------------------
class AssessmentCorrectionPage(RetireIn):
    """The correction form: the reason, the version shown, and every item as
    ``item_<key>`` (parsed as at entry by the scale's own rules)."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    def answers_given(self) -> list[str]:
        extra = self.model_extra or {}
        return [
            f"{key.removeprefix('item_')}={value}"
            for key, value in extra.items()
            if key.startswith("item_") and str(value).strip() not in ("", "-")
        ]


def _assessment_record(
    request: Request,
    db: Session,
    principal: Principal,
    ref: str,
    assessment_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: list[Any] | None = None,
    detail: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    patient = _load_patient(db, principal, ref, "assessment_record")
    record, entries = assessment_service.assessment_versions(
        db, principal.actor, patient, assessment_id
    )
    scale = get_scale(record.scale_id)
    return render(
        request,
        "assessments/record.html",
        {
            "patient": patient,
            "record": record,
            "scale_name": scale.name,
            "items": scale.items,
            "answers": assessment_service.assessment_answers(db, [record]).get(record.id, {}),
            "history": [v.model_dump() for v in versions_out(entries)],
            "may_correct": principal.can("assessments.correct") and record.retired_at is None,
            "values": values or {},
            "errors": errors or [],
            "detail": detail,
        },
        status_code=status_code,
    )


def _assessment_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        return _assessment_record(
            request,
            db,
            principal,
            request.path_params["ref"],
            int(request.path_params["assessment_id"]),
            values=problem.values,
            errors=problem.issues,
            detail=problem.detail,
            status_code=422,
        )


def _rejected(exc: DomainError, form: RetireIn) -> Exception:
    return exc if isinstance(exc, PermissionDenied) else FormRejected(exc, form)


@router.get("/patients/{ref}/assessments/{assessment_id}", response_class=HTMLResponse)
def assessment_record(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("clinical.read"))],
    ref: str,
    assessment_id: AssessmentId,
) -> HTMLResponse:
    return _assessment_record(request, db, principal, ref, assessment_id)


@router.post("/patients/{ref}/assessments/{assessment_id}/correct", response_class=HTMLResponse)
@redisplay(_assessment_again)
def assessment_correct_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("assessments.correct"))],
    ref: str,
    assessment_id: AssessmentId,
    form: Annotated[AssessmentCorrectionPage, Form()],
) -> Response:
    patient = _load_patient(db, principal, ref, "assessment_correct")
    try:
        scale = assessment_service.assessment_scale(db, patient, assessment_id)
        new, _ = assessment_service.correct_assessment(
            db,
            principal.actor,
            patient,
            assessment_id,
            parse_answers(scale, form.answers_given()),
            reason=form.reason,
            expected_version=form.version,
            as_role=principal.role,
        )
    except DomainError as exc:
        raise _rejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/assessments/{new.id}", status_code=303)


@router.post(
    "/patients/{ref}/assessments/{assessment_id}/entered-in-error", response_class=HTMLResponse
)
@redisplay(_assessment_again)
def assessment_retire_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("assessments.correct"))],
    ref: str,
    assessment_id: AssessmentId,
    form: Annotated[RetireIn, Form()],
) -> Response:
    patient = _load_patient(db, principal, ref, "assessment_retire")
    try:
        assessment_service.retire_assessment(
            db,
            principal.actor,
            patient,
            assessment_id,
            reason=form.reason,
            expected_version=form.version,
            as_role=principal.role,
        )
    except DomainError as exc:
        raise _rejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/assessments?msg=retired", status_code=303)
