"""Pages of the TMS room: the tools (Beam F3, protocol library, safety check, simulator),
and a patient's pathway: safety screen, step-by-step ML-PEST wizard, course plan with the
F3 calculator, calendar, session log, adverse events and decision-point sign-off.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from trdcare.adapters.db.models import Patient
from trdcare.adapters.db.models.tms import (
    TmsSessionLog,
)
from trdcare.adapters.web.auth import Principal, Require, form_data, who
from trdcare.adapters.web.corrections import Blank, RetireIn, versions_out
from trdcare.adapters.web.db import Db
from trdcare.adapters.web.forms import (
    FormProblem,
    FormRejected,
    domain_issues,
    flat_paths,
    page_principal,
    page_session,
    redisplay,
)
from trdcare.adapters.web.panels import Panel
from trdcare.adapters.web.templating import render
from trdcare.assessments import pages as assessment_pages
from trdcare.audit import service as audit
from trdcare.core.clock import utc_now, utc_today
from trdcare.core.errors import DomainError, Issue, PermissionDenied
from trdcare.patients import service as patient_service
from trdcare.patients.pages import patient_ref
from trdcare.tms import service as tms_service
from trdcare.tms.domain import (
    RecordedFinding,
    beam_f3,
    check_parameters,
    check_protocol,
    common_side_effects,
    finding_catalogue,
    hotspot_rule_target,
    library,
    questionnaire,
    questionnaires,
    simulate_hunt,
    target_site,
)
from trdcare.tms.domain.sessions import adverse_event_kinds
from trdcare.tms.domain.targeting import HEAD_MEASUREMENT_LIMITS
from trdcare.tms.endpoints import (
    AE_FORM_ROWS,
    PLAN_FORM_PATHS,
    AcknowledgeIn,
    AdverseEventReportIn,
    DecideIn,
    EventId,
    MtStepIn,
    PauseReviewIn,
    PlanIn,
    ReviewIn,
    ScreenIn,
    SessionIn,
    SessionNumber,
    overview,
    plan_course_from,
    session_entry,
)
from trdcare.tms.repository import TmsRepository

router = APIRouter(include_in_schema=False)


MESSAGES = {
    "screened": "Safety screen recorded.",
    "acknowledged": "Caution acknowledged by the physician.",
    "planned": "Course planned; the calendar is below.",
    "logged": "Session logged.",
    "logged_timing": "Session logged. Its timing departs from the course (see the flag in the "
    "session list): check the date and time, and the course calendar.",
    "paused": "Session logged. A serious adverse event PAUSED the course: a physician review "
    "is needed before the next session.",
    "ae_recorded": "Adverse event recorded.",
    "ae_acknowledged": "Serious adverse events acknowledged.",
    "ae_paused": "Adverse event recorded. It is serious: the course is PAUSED until a physician "
    "reviews it.",
    "reviewed": "Review recorded.",
    "decided": "Decision recorded and signed.",
    "corrected": "Correction saved; the earlier version is kept with your reason.",
    "retired": "Marked entered in error; the record is kept with your reason and no longer counts.",
    "cancelled": "Course cancelled; it is kept with your reason. Another course can be planned.",
    "stopped": "Course stopped; its sessions are kept and the remaining ones are off the calendar.",
}


# How the session and adverse-event pages name an event row's fields (flat_paths).
def ae_form_issues(problem: FormProblem) -> list[Issue]:
    """The issues of a form with adverse-event rows, each beside its own row.

    The form sends only the rows with an event chosen, so the n-th event is the n-th filled
    row (row 2 alone is event 1), not row n: its path and its words follow the row.
    """
    filled = [i for i in range(AE_FORM_ROWS) if problem.value(f"ae_{i}_kind")]
    paths = {f"adverse_events.{n}.": f"ae_{row}_" for n, row in enumerate(filled)}
    issues = []
    for issue in flat_paths(problem, paths).issues:
        for n, row in enumerate(filled):
            if issue.path.startswith(f"ae_{row}_"):
                said = issue.message.replace(
                    f"(adverse events, entry {n + 1})", f"(event {row + 1})"
                )
                issue = replace(issue, message=said)
        issues.append(issue)
    return issues


def _patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose=purpose)


# session markers on the trajectory chart, and the dashboard columns ---------------------------
def session_dates(db: Session, patient: Patient) -> list[date]:
    repo = TmsRepository(db)
    plan = repo.current_plan(patient.id)
    if plan is None:
        return []
    return [lg.delivered_at.date() for lg in repo.session_logs(plan.id)]


def dashboard_rows(db: Session, principal: Principal) -> dict[str, dict[str, Any]]:
    """Per patient with a TMS course: 'session n of N' and the TMS alerts, in one query.

    Alerts: ``course_paused`` (review required), ``serious_adverse_event`` (not yet
    acknowledged by a physician, whatever the course's status: a seizure after the last
    session still needs one), and ``decision_point_due`` (a decision point of an ongoing
    course reached with no review at or after it). A patient's courses, oldest first, merge;
    only an ongoing one gives the "session n of N" text (and counts as "in a course").
    """
    rows = TmsRepository(db).dashboard_rows()
    out: dict[str, dict[str, Any]] = {}
    for ref, status, delivered, planned, review_required, points, n_serious, upto in rows:
        entry = out.setdefault(ref, {"alerts": []})
        alerts: list[str] = entry["alerts"]
        if status == "paused" or review_required:
            alerts.append("course_paused")
        if n_serious:
            alerts.append("serious_adverse_event")
        reached = [p for p in (points or []) if p <= delivered]
        ongoing = status in ("planned", "active", "paused")
        if ongoing and reached and (upto is None or upto < max(reached)):
            alerts.append("decision_point_due")
        if ongoing:
            entry["course"] = f"TMS session {delivered} of {planned} ({status})"
    for entry in out.values():
        entry["alerts"] = list(dict.fromkeys(entry["alerts"]))  # once per kind
    audit.record(
        db,
        principal.actor,
        "read",
        "tms_caseload",
        detail={"courses": len(out), "patient_refs": sorted(out)},
    )
    return out


assessment_pages.SESSION_DATE_PROVIDERS.append(session_dates)
assessment_pages.DASHBOARD_PROVIDERS.append(dashboard_rows)


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    if not principal.can("tms.read"):
        return []
    return [
        Panel(
            id="tms",
            title="TMS",
            template="tms/panel.html",
            order=40,
            context={"tms": overview(db, principal, patient)},
        )
    ]


# tools ------------------------------------------------------------------------------------
@router.get("/tms/tools", response_class=HTMLResponse)
def tools(
    request: Request,
    db: Db,
    _: Annotated[Principal, Depends(Require("tms.tools"))],
    tragus_tragus_cm: Annotated[float | None, Query()] = None,
    nasion_inion_cm: Annotated[float | None, Query()] = None,
    circumference_cm: Annotated[float | None, Query()] = None,
    side: Annotated[str, Query(pattern="^(left|right)$")] = "left",
    frequency_hz: Annotated[float | None, Query()] = None,
    intensity_pct_mt: Annotated[float | None, Query()] = None,
    train_duration_s: Annotated[float | None, Query()] = None,
    inter_train_interval_s: Annotated[float | None, Query()] = None,
    trains: Annotated[int | None, Query()] = None,
    true_mt: Annotated[float | None, Query()] = None,
    seed: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None,
) -> HTMLResponse:
    errors: list[Issue] = []
    f3 = check = simulation = None
    measurements = (tragus_tragus_cm, nasion_inion_cm, circumference_cm)
    if all(m is not None for m in measurements):
        try:
            f3 = beam_f3(*measurements, side=side).to_dict()  # type: ignore[arg-type]
        except DomainError as exc:
            errors += domain_issues(exc)
    parameters = (frequency_hz, intensity_pct_mt, train_duration_s, inter_train_interval_s, trains)
    if all(p is not None for p in parameters):
        try:
            check = check_parameters(*parameters).to_dict()  # type: ignore[arg-type]
        except DomainError as exc:
            errors += domain_issues(exc)
    if true_mt is not None and seed is not None:
        try:
            simulation = simulate_hunt(true_mt, seed).to_dict()
        except DomainError as exc:
            errors += domain_issues(exc)
    protocols = [{**p.to_dict(), "safety": check_protocol(p).to_dict()} for p in library()]
    return render(
        request,
        "tms/tools.html",
        {
            "f3": f3,
            "check": check,
            "simulation": simulation,
            "errors": errors,
            "protocols": protocols,
            "custom": tms_service.list_protocols(db)[len(protocols) :],
            "rule": hotspot_rule_target(side=side).to_dict(),
            "q": dict(request.query_params),
        },
    )


# the patient's pathway --------------------------------------------------------------------
@router.get("/patients/{ref}/tms", response_class=HTMLResponse)
def tms_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.read"))],
    ref: str,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "tms")
    return _tms_patient_page(request, db, principal, patient, message=MESSAGES.get(msg or ""))


def _tms_patient_page(
    request: Request,
    db: Session,
    principal: Principal,
    patient: Patient,
    *,
    message: str | None = None,
    problem: FormProblem | None = None,
) -> HTMLResponse:
    data = overview(db, principal, patient)
    logs: list[TmsSessionLog] = []
    plan = TmsRepository(db).current_plan(patient.id)
    if plan is not None:
        logs = TmsRepository(db).session_logs(plan.id)
    # Which acknowledgement form was refused (its note is shown again, the other stays empty).
    failed = None
    if problem is not None:
        failed = "screen" if request.url.path.endswith("/screen/acknowledge") else "adverse"
    return render(
        request,
        "tms/patient.html",
        {
            "patient": patient,
            "tms": data,
            "logs": logs,
            "withdrawn": tms_service.withdrawn_records(db, principal.actor, patient),
            "message": message,
            "ae_kinds": {k: v.label for k, v in adverse_event_kinds().items()},
            "errors": problem.issues if problem else [],
            "failed": failed,
            "note": problem.value("note") if problem else "",
        },
    )


# What a "yes" leads to, in words (the catalogue's on_yes keys; their full meanings are in
# screening.json's on_yes_meanings).
ON_YES_WORDS = {
    "caution": "caution",
    "contraindicated": "contraindicated",
    "resolve_implant": "implant or metal to be checked",
}


def _screen_page(
    request: Request,
    patient: Patient,
    instrument: str,
    *,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "tms/screen.html",
        {
            "patient": patient,
            "instrument": questionnaire(instrument),
            "instruments": [(q.id, q.name) for q in questionnaires()],
            "findings": list(finding_catalogue().values()),
            "on_yes_words": ON_YES_WORDS,
            "values": values or {},
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/tms/screen", response_class=HTMLResponse)
def screen_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.screen"))],
    ref: str,
    instrument: Annotated[str, Query(max_length=40)] = "rossi2011",
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "tms_screen")
    known = [q.id for q in questionnaires()]
    return _screen_page(request, patient, instrument if instrument in known else known[0])


def _screen_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    known = [q.id for q in questionnaires()]
    instrument = problem.value("instrument")
    instrument = instrument if instrument in known else known[0]
    # A question is named by its number on the page, never by its catalogue id.
    # (The form's generic label says "Question <id>"; the number replaces it.)
    numbers = {f"answers.{it.id}": it.number for it in questionnaire(instrument).items}
    errors = []
    for i in problem.issues:
        said = i.message.removeprefix(f"Question {i.path.removeprefix('answers.')}: ")
        if i.path in numbers and said[:1].islower():
            i = replace(i, message=f"Question {numbers[i.path]}: {said}")
        errors.append(i)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "tms_screen")
        return _screen_page(request, patient, instrument, values=problem.values, errors=errors)


@router.post("/patients/{ref}/tms/screen", response_class=HTMLResponse)
@redisplay(_screen_again)
def screen_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.screen"))],
    ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[ScreenIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "tms_screen")
    try:
        tms_service.record_screen(
            db,
            principal.actor,
            patient,
            instrument=form.instrument,
            answers=form.answers,
            findings=[RecordedFinding(f.id, f.detail) for f in form.findings],
            extra_medications=form.extra_medications,
            screened_on=form.screened_on,
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return RedirectResponse(f"/patients/{patient.ref}/tms?msg=screened", status_code=303)


def _tms_patient_again(request: Request, problem: FormProblem) -> HTMLResponse:
    """The TMS page again with the acknowledgement's problem (the note is kept)."""
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "tms")
        return _tms_patient_page(request, db, principal, patient, problem=problem)


@router.post("/patients/{ref}/tms/screen/acknowledge", response_class=HTMLResponse)
@redisplay(_tms_patient_again)
def screen_acknowledge(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.acknowledge"))],
    ref: str,
    form: Annotated[AcknowledgeIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "tms_screen")
    try:
        tms_service.acknowledge_screen(
            db, principal.actor, patient, physician=who(principal), note=form.note
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/tms?msg=acknowledged", status_code=303)


# motor threshold wizard -------------------------------------------------------------------
def _mt_page(
    request: Request,
    db: Session,
    principal: Principal,
    patient: Patient,
    *,
    errors: list[Issue] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    repo = TmsRepository(db)
    current = repo.current_mt(patient.id)  # the open hunt, else the latest finished one
    hunt = current if current is not None and not current.stopped else None
    latest = current if current is not None and current.stopped else None
    audit.record(
        db,
        principal.actor,
        "read",
        "tms_mt_session",
        patient_ref=patient.ref,
        detail={"open": hunt is not None},
    )
    return render(
        request,
        "tms/mt.html",
        {
            "patient": patient,
            "hunt": tms_service.mt_to_dict(hunt) if hunt else None,
            "latest": tms_service.mt_to_dict(latest) if latest else None,
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/tms/mt", response_class=HTMLResponse)
def mt_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.read"))],
    ref: str,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "tms_mt")
    return _mt_page(request, db, principal, patient)


def _mt_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "tms_mt")
        return _mt_page(request, db, principal, patient, errors=problem.issues)


@router.post("/patients/{ref}/tms/mt", response_class=HTMLResponse)
@redisplay(_mt_again)
def mt_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.deliver"))],
    ref: str,
    form: Annotated[MtStepIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "tms_mt")
    try:
        tms_service.mt_step(
            db,
            principal.actor,
            patient,
            start_pct_mso=form.start_pct_mso,
            mep=form.mep,
            intensity_pct_mso=form.intensity_pct_mso,
            max_pulses=form.max_pulses,
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/tms/mt", status_code=303)


# course plan ------------------------------------------------------------------------------
def _plan_page(
    request: Request,
    db: Session,
    patient: Patient,
    *,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    repo = TmsRepository(db)
    mt = repo.latest_mt(patient.id)
    screen = repo.latest_screen(patient.id)
    defaults = {
        "start": (utc_today() + timedelta(days=(7 - utc_today().weekday()) % 7 or 7)).isoformat(),
        "first_session_at": "09:00",
        "time_zone": request.app.state.settings.timezone,
        "mt_pct_mso": ""
        if mt is None or mt.estimate_pct_mso is None
        else f"{mt.estimate_pct_mso:g}",
        "target_method": "beam_f3",
        "side": "left",
        "include_taper": "on",
        "primary_scale": "phq9",
    }
    defaults.update(values or {})
    return render(
        request,
        "tms/plan.html",
        {
            "head_limits": HEAD_MEASUREMENT_LIMITS,
            "patient": patient,
            "values": defaults,
            "errors": errors or [],
            "protocols": tms_service.list_protocols(db),
            "screen": tms_service.screen_to_dict(screen) if screen else None,
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/tms/plan", response_class=HTMLResponse)
def plan_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.plan"))],
    ref: str,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "tms_plan")
    return _plan_page(request, db, patient)


def _plan_again(request: Request, problem: FormProblem) -> HTMLResponse:
    """The plan form again, as typed, with every problem beside its field at once."""
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "tms_plan")
        return _plan_page(
            request,
            db,
            patient,
            values=problem.values,
            errors=flat_paths(problem, PLAN_FORM_PATHS).issues,
        )


@router.post("/patients/{ref}/tms/plan", response_class=HTMLResponse)
@redisplay(_plan_again)
def plan_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.plan"))],
    ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[PlanIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "tms_plan")
    try:
        plan_course_from(db, principal, patient, form)
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return RedirectResponse(f"/patients/{patient.ref}/tms/calendar?msg=planned", status_code=303)


# calendar ---------------------------------------------------------------------------------
@router.get("/patients/{ref}/tms/calendar", response_class=HTMLResponse)
def calendar_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.read"))],
    ref: str,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "tms_calendar")
    data = overview(db, principal, patient)
    months = tms_service.course_calendar(db, patient) if data["course"] else ()
    return render(
        request,
        "tms/calendar.html",
        {
            "patient": patient,
            "tms": data,
            "months": months,
            "message": MESSAGES.get(msg or ""),
        },
    )


def _adverse_event_fields(principal: Principal) -> dict[str, Any]:
    """What a form's adverse-event rows (``tms/_adverse_event_rows.html``) need."""
    return {
        "ae_kinds": [(k, v.label) for k, v in adverse_event_kinds().items()],
        "ae_rows": range(AE_FORM_ROWS),
        "operator": who(principal),
    }


# session log ------------------------------------------------------------------------------
def _session_page(
    request: Request,
    db: Session,
    principal: Principal,
    patient: Patient,
    *,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    side_effects_ticked: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    data = overview(db, principal, patient)
    course = data["course"]
    defaults: dict[str, str] = {}
    if course:
        protocol = tms_service.resolve_protocol(db, course["protocol"])[0]
        intensity = course["intensity"] or {}
        nxt = course["progress"].get("next_session") or {}
        defaults = {
            "session_number": str(nxt.get("number") or course["delivered"] + 1),
            "planned_pulses": str(protocol.pulses_per_session or ""),
            "pulses_delivered": str(protocol.pulses_per_session or ""),
            "intensity_pct_mso": str(intensity.get("intensity_pct_mso") or ""),
            "mt_pct_mso": "" if course["mt_pct_mso"] is None else f"{course['mt_pct_mso']:g}",
            "coil": str(protocol.to_dict().get("coil") or ""),
            "target": target_site(course["target"] or {}),
            "delivered_at": utc_now()
            .astimezone(ZoneInfo(request.app.state.settings.timezone))
            .strftime("%Y-%m-%dT%H:%M"),
        }
    defaults.update(values or {})
    return render(
        request,
        "tms/session.html",
        {
            "patient": patient,
            "tms": data,
            "values": defaults,
            "errors": errors or [],
            "side_effects": [(k, v[0]) for k, v in common_side_effects().items()],
            "side_effects_ticked": side_effects_ticked or [],
            **_adverse_event_fields(principal),
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/tms/session", response_class=HTMLResponse)
def session_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.deliver"))],
    ref: str,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "tms_session")
    return _session_page(request, db, principal, patient)


def _session_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "tms_session")
        return _session_page(
            request,
            db,
            principal,
            patient,
            values=problem.values,
            errors=ae_form_issues(problem),
            side_effects_ticked=problem.ticked("side_effects"),
        )


@router.post("/patients/{ref}/tms/session", response_class=HTMLResponse)
@redisplay(_session_again)
def session_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.deliver"))],
    ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[SessionIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "tms_session")
    delivered_at = form.delivered_at
    if delivered_at is not None and delivered_at.tzinfo is None:
        # The page's date-and-time field is the clinic's local time.
        tz = ZoneInfo(request.app.state.settings.timezone)
        delivered_at = delivered_at.replace(tzinfo=tz)
    try:
        _, transition = tms_service.log_session(
            db, principal.actor, patient, session_entry(form, principal), delivered_at=delivered_at
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    if transition.state.status == "paused":
        message = "paused"
    elif any(r.rule == "session_timing" for r in transition.reasons):
        message = "logged_timing"
    else:
        message = "logged"
    return RedirectResponse(f"/patients/{patient.ref}/tms?msg={message}", status_code=303)


# adverse events outside a session ----------------------------------------------------------
def _adverse_event_page(
    request: Request,
    db: Session,
    principal: Principal,
    patient: Patient,
    *,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    today = utc_now().astimezone(ZoneInfo(request.app.state.settings.timezone)).date()
    return render(
        request,
        "tms/adverse_event.html",
        {
            "patient": patient,
            "tms": overview(db, principal, patient),
            "values": {"occurred_on": today.isoformat(), **(values or {})},
            "errors": errors or [],
            "today": today.isoformat(),
            **_adverse_event_fields(principal),
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/tms/adverse-event", response_class=HTMLResponse)
def adverse_event_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.adverse_event"))],
    ref: str,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "tms_adverse_event")
    return _adverse_event_page(request, db, principal, patient)


def _adverse_event_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "tms_adverse_event")
        return _adverse_event_page(
            request,
            db,
            principal,
            patient,
            values=problem.values,
            errors=ae_form_issues(problem),
        )


@router.post("/patients/{ref}/tms/adverse-event", response_class=HTMLResponse)
@redisplay(_adverse_event_again)
def adverse_event_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.adverse_event"))],
    ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[AdverseEventReportIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "tms_adverse_event")
    try:
        _, transition = tms_service.report_adverse_event(
            db, principal.actor, patient, form.model_dump()
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    paused = any(r.rule == "serious_adverse_event_pause" for r in transition.reasons)
    message = "ae_paused" if paused else "ae_recorded"
    return RedirectResponse(f"/patients/{patient.ref}/tms?msg={message}", status_code=303)


@router.post("/patients/{ref}/tms/adverse-events/acknowledge", response_class=HTMLResponse)
@redisplay(_tms_patient_again)
def adverse_events_acknowledge(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.review"))],
    ref: str,
    form: Annotated[AcknowledgeIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "tms_adverse_event")
    try:
        tms_service.acknowledge_adverse_events(
            db, principal.actor, patient, physician=who(principal), note=form.note
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/tms?msg=ae_acknowledged", status_code=303)


# reviews ----------------------------------------------------------------------------------
@router.get("/patients/{ref}/tms/review", response_class=HTMLResponse)
def review_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.read"))],
    ref: str,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "tms_review")
    return render(
        request,
        "tms/review.html",
        {
            "patient": patient,
            "tms": overview(db, principal, patient),
            "message": MESSAGES.get(msg or ""),
            "errors": [],
            "values": {},
            "failed": None,
        },
    )


def _review_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "tms_review")
        return render(
            request,
            "tms/review.html",
            {
                "patient": patient,
                "tms": overview(db, principal, patient),
                "message": None,
                "errors": problem.issues,
                "values": problem.values,
                "failed": request.url.path.rsplit("/", 1)[-1],  # pause, decide or suggest
            },
        )


@router.post("/patients/{ref}/tms/review/suggest", response_class=HTMLResponse)
@redisplay(_review_again)
def review_suggest(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.review"))],
    ref: str,
    form: Annotated[ReviewIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "tms_review")
    try:
        tms_service.decision_review(db, principal.actor, patient, scale=form.scale)
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/tms/review?msg=reviewed", status_code=303)


@router.post("/patients/{ref}/tms/review/decide", response_class=HTMLResponse)
@redisplay(_review_again)
def review_decide(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.review"))],
    ref: str,
    form: Annotated[DecideIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "tms_review")
    try:
        tms_service.decide(
            db,
            principal.actor,
            patient,
            decision=form.decision,
            by=who(principal),
            note=form.note,
            action=form.action,
            resume_on=form.resume_on,
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/tms/review?msg=reviewed", status_code=303)


@router.post("/patients/{ref}/tms/review/pause", response_class=HTMLResponse)
@redisplay(_review_again)
def review_pause(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.review"))],
    ref: str,
    form: Annotated[PauseReviewIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "tms_review")
    try:
        tms_service.resolve_pause(
            db,
            principal.actor,
            patient,
            physician=who(principal),
            decision=form.decision,
            note=form.note,
            resume_on=form.resume_on,
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/tms/review?msg=reviewed", status_code=303)


# cancel, stop, corrections and entered-in-error --------------------------------------------
class SessionCorrectionForm(RetireIn):
    """The session correction form: every detail as shown, changed or not (only the
    changed ones make the new version)."""

    delivered_at: Annotated[datetime | None, Blank] = Field(default=None, title="Delivered at")
    planned_pulses: Annotated[int | None, Blank] = Field(default=None, title="Planned pulses")
    pulses_delivered: Annotated[int | None, Blank] = Field(default=None, title="Pulses delivered")
    excess_reason: Annotated[str | None, Blank] = Field(
        default=None, max_length=500, title="Reason for pulses above plan"
    )
    intensity_pct_mso: Annotated[float | None, Blank] = Field(
        default=None, title="Intensity (% MSO)"
    )
    mt_pct_mso: Annotated[float | None, Blank] = Field(
        default=None, title="Motor threshold in use (% MSO)"
    )
    trains_delivered: Annotated[int | None, Blank] = Field(default=None, title="Trains delivered")
    coil: str = Field(default="", max_length=80, title="Coil")
    device: str = Field(default="", max_length=80, title="Device")
    target: str = Field(default="", max_length=80, title="Target")
    side_effects: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=list, max_length=10, title="Side effects"
    )


class AdverseEventCorrectionForm(RetireIn):
    kind: str = Field(max_length=40, title="Kind")
    severity: Literal["mild", "moderate", "severe"] = Field(title="Severity")
    serious: bool = Field(default=False, title="Serious")
    description: str = Field(default="", max_length=1000, title="Description")
    occurred_on: Annotated[date | None, Blank] = Field(default=None, title="Day it happened")


def _rejected(exc: DomainError, form: RetireIn) -> Exception:
    """A refused change is shown again on its form; a refusal for the user's role stays a
    403 (it is not something to correct in the form)."""
    return exc if isinstance(exc, PermissionDenied) else FormRejected(exc, form)


def _history(entries: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "version": v.version,
            "changed_by": v.changed_by,
            "changed_at": v.changed_at,
            "reason": v.reason,
            "changes": [
                {"field": f.field, "before": f.before, "after": f.after} for f in v.changes
            ],
        }
        for v in versions_out(entries)
    ]


def _record_page(
    request: Request,
    db: Session,
    principal: Principal,
    ref: str,
    *,
    number: int | None = None,
    event_id: int | None = None,
    values: dict[str, str] | None = None,
    errors: list[Any] | None = None,
    detail: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "tms_record")
    record: Any
    if number is not None:
        record, entries = tms_service.session_versions(db, principal.actor, patient, number)
        kind = "session"
        title = f"Session {number}"
    else:
        assert event_id is not None
        record, entries = tms_service.adverse_event_versions(db, principal.actor, patient, event_id)
        kind = "adverse_event"
        title = f"Adverse event {event_id}"
    may_correct = principal.can("tms.correct") and record.retired_at is None
    return render(
        request,
        "tms/record.html",
        {
            "patient": patient,
            "kind": kind,
            "title": title,
            "record": record,
            "history": _history(entries),
            "may_correct": may_correct,
            "values": values or {},
            "errors": errors or [],
            "detail": detail,
            "side_effects": [(k, v[0]) for k, v in common_side_effects().items()],
            "ae_kinds": [(k, v.label) for k, v in adverse_event_kinds().items()],
            "local_delivered_at": _local_input(record) if kind == "session" else "",
        },
        status_code=status_code,
    )


def _local_input(record: Any) -> str:
    return str(record.delivered_at.strftime("%Y-%m-%dT%H:%M"))


def _record_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    params = request.path_params
    with page_session(request) as db:
        return _record_page(
            request,
            db,
            principal,
            params["ref"],
            number=int(params["number"]) if "number" in params else None,
            event_id=int(params["event_id"]) if "event_id" in params else None,
            values=problem.values,
            errors=problem.issues,
            detail=problem.detail,
            status_code=422,
        )


@router.get("/patients/{ref}/tms/sessions/{number}", response_class=HTMLResponse)
def session_record(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.read"))],
    ref: str,
    number: SessionNumber,
) -> HTMLResponse:
    return _record_page(request, db, principal, ref, number=number)


@router.post("/patients/{ref}/tms/sessions/{number}/correct", response_class=HTMLResponse)
@redisplay(_record_again)
def session_correct_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.correct"))],
    ref: str,
    number: SessionNumber,
    form: Annotated[SessionCorrectionForm, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "tms_session_correct")
    changes = form.model_dump(exclude={"reason", "version"})
    changes = {k: v for k, v in changes.items() if v is not None}
    try:
        tms_service.correct_session(
            db,
            principal.actor,
            patient,
            number,
            changes,
            reason=form.reason,
            expected_version=form.version,
            as_role=principal.role,
        )
    except DomainError as exc:
        raise _rejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/tms?msg=corrected", status_code=303)


@router.post("/patients/{ref}/tms/sessions/{number}/entered-in-error", response_class=HTMLResponse)
@redisplay(_record_again)
def session_retire_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.correct"))],
    ref: str,
    number: SessionNumber,
    form: Annotated[RetireIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "tms_session_retire")
    try:
        tms_service.retire_session(
            db,
            principal.actor,
            patient,
            number,
            reason=form.reason,
            expected_version=form.version,
            as_role=principal.role,
        )
    except DomainError as exc:
        raise _rejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/tms?msg=retired", status_code=303)


@router.get("/patients/{ref}/tms/adverse-events/{event_id}", response_class=HTMLResponse)
def adverse_event_record(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.read"))],
    ref: str,
    event_id: EventId,
) -> HTMLResponse:
    return _record_page(request, db, principal, ref, event_id=event_id)


@router.post("/patients/{ref}/tms/adverse-events/{event_id}/correct", response_class=HTMLResponse)
@redisplay(_record_again)
def adverse_event_correct_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.correct"))],
    ref: str,
    event_id: EventId,
    form: Annotated[AdverseEventCorrectionForm, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "tms_adverse_event_correct")
    changes = form.model_dump(exclude={"reason", "version"})
    if changes.get("occurred_on") is None:
        changes.pop("occurred_on")
    try:
        _, _, transition = tms_service.correct_adverse_event(
            db,
            principal.actor,
            patient,
            event_id,
            changes,
            reason=form.reason,
            expected_version=form.version,
            as_role=principal.role,
            physician=who(principal),
        )
    except DomainError as exc:
        raise _rejected(exc, form) from exc
    paused = transition is not None and transition.state.status == "paused"
    message = "ae_paused" if paused else "corrected"
    return RedirectResponse(f"/patients/{patient.ref}/tms?msg={message}", status_code=303)


@router.post(
    "/patients/{ref}/tms/adverse-events/{event_id}/entered-in-error",
    response_class=HTMLResponse,
)
@redisplay(_record_again)
def adverse_event_retire_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.correct"))],
    ref: str,
    event_id: EventId,
    form: Annotated[RetireIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "tms_adverse_event_retire")
    try:
        tms_service.retire_adverse_event(
            db,
            principal.actor,
            patient,
            event_id,
            reason=form.reason,
            expected_version=form.version,
            as_role=principal.role,
            physician=who(principal),
        )
    except DomainError as exc:
        raise _rejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/tms?msg=retired", status_code=303)


def _end_page(
    request: Request,
    db: Session,
    principal: Principal,
    ref: str,
    *,
    values: dict[str, str] | None = None,
    errors: list[Any] | None = None,
    detail: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "tms_end")
    return render(
        request,
        "tms/end.html",
        {
            "patient": patient,
            "tms": overview(db, principal, patient),
            "values": values or {},
            "errors": errors or [],
            "detail": detail,
        },
        status_code=status_code,
    )


def _end_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        return _end_page(
            request,
            db,
            principal,
            request.path_params["ref"],
            values=problem.values,
            errors=problem.issues,
            detail=problem.detail,
            status_code=422,
        )


@router.get("/patients/{ref}/tms/course/end", response_class=HTMLResponse)
def course_end_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.cancel"))],
    ref: str,
) -> HTMLResponse:
    return _end_page(request, db, principal, ref)


@router.post("/patients/{ref}/tms/course/cancel", response_class=HTMLResponse)
@redisplay(_end_again)
def course_cancel_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.cancel"))],
    ref: str,
    form: Annotated[RetireIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "tms_cancel")
    try:
        tms_service.cancel_course(
            db, principal.actor, patient, reason=form.reason, expected_version=form.version
        )
    except DomainError as exc:
        raise _rejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/tms?msg=cancelled", status_code=303)


@router.post("/patients/{ref}/tms/course/stop", response_class=HTMLResponse)
@redisplay(_end_again)
def course_stop_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.cancel"))],
    ref: str,
    form: Annotated[RetireIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "tms_stop")
    try:
        tms_service.stop_course(
            db, principal.actor, patient, reason=form.reason, expected_version=form.version
        )
    except DomainError as exc:
        raise _rejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/tms?msg=stopped", status_code=303)
