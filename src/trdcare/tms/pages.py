"""Pages of the TMS room: the tools (Beam F3, protocol library, safety check, simulator),
and a patient's pathway: safety screen, step-by-step ML-PEST wizard, course plan with the
F3 calculator, calendar, session log, adverse events and decision-point sign-off.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from trdcare.adapters.db.models import Patient
from trdcare.adapters.db.models.tms import (
    TmsSessionLog,
)
from trdcare.adapters.web.auth import Principal, Require, form_data
from trdcare.adapters.web.db import Db
from trdcare.adapters.web.panels import Panel
from trdcare.adapters.web.problems import ProblemIssue
from trdcare.adapters.web.templating import render
from trdcare.assessments import pages as assessment_pages
from trdcare.audit import service as audit
from trdcare.core.clock import utc_now, utc_today
from trdcare.core.errors import DomainError, InvalidInput
from trdcare.patients import service as patient_service
from trdcare.patients.pages import field, form_issues, patient_ref
from trdcare.tms import service as tms_service
from trdcare.tms.domain import (
    PhysicianOverride,
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
from trdcare.tms.endpoints import DepthIn, TargetIn, depth_of, overview, target_spec, who
from trdcare.tms.repository import TmsRepository

router = APIRouter(include_in_schema=False)

Form = Annotated[FormData, Depends(form_data)]
AE_ROWS = 3
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
}


def _patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose=purpose)


def _float(form: FormData, name: str) -> float | None:
    raw = field(form, name)
    if raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise InvalidInput.single(name, "not a number", given=raw) from None


def _int(form: FormData, name: str) -> int | None:
    raw = field(form, name)
    if raw == "":
        return None
    if not raw.lstrip("-").isdigit():
        raise InvalidInput.single(name, "not a whole number", given=raw)
    return int(raw)


def _date(form: FormData, name: str) -> date | None:
    raw = field(form, name)
    if raw == "":
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput.single(name, "not a date (YYYY-MM-DD)", given=raw) from None


def _dates(form: FormData, name: str) -> list[date]:
    out = []
    for part in field(form, name).replace(";", ",").split(","):
        part = part.strip()
        if part:
            try:
                out.append(date.fromisoformat(part))
            except ValueError:
                raise InvalidInput.single(
                    name, "not a list of dates (YYYY-MM-DD, comma-separated)", given=part
                ) from None
    return out


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
    errors: list[ProblemIssue] = []
    f3 = check = simulation = None
    measurements = (tragus_tragus_cm, nasion_inion_cm, circumference_cm)
    if all(m is not None for m in measurements):
        try:
            f3 = beam_f3(*measurements, side=side).to_dict()  # type: ignore[arg-type]
        except DomainError as exc:
            errors += form_issues(exc)
    parameters = (frequency_hz, intensity_pct_mt, train_duration_s, inter_train_interval_s, trains)
    if all(p is not None for p in parameters):
        try:
            check = check_parameters(*parameters).to_dict()  # type: ignore[arg-type]
        except DomainError as exc:
            errors += form_issues(exc)
    if true_mt is not None and seed is not None:
        try:
            simulation = simulate_hunt(true_mt, seed).to_dict()
        except DomainError as exc:
            errors += form_issues(exc)
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
    data = overview(db, principal, patient)
    logs: list[TmsSessionLog] = []
    plan = TmsRepository(db).current_plan(patient.id)
    if plan is not None:
        logs = TmsRepository(db).session_logs(plan.id)
    return render(
        request,
        "tms/patient.html",
        {
            "patient": patient,
            "tms": data,
            "logs": logs,
            "message": MESSAGES.get(msg or ""),
            "ae_kinds": {k: v.label for k, v in adverse_event_kinds().items()},
        },
    )


def _screen_page(
    request: Request,
    patient: Patient,
    instrument: str,
    *,
    values: dict[str, str] | None = None,
    errors: list[ProblemIssue] | None = None,
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


@router.post("/patients/{ref}/tms/screen", response_class=HTMLResponse)
def screen_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.screen"))],
    ref: str,
    form: Form,
) -> Response:
    patient = _patient(db, principal, ref, "tms_screen")
    known = [q.id for q in questionnaires()]
    instrument = field(form, "instrument") if field(form, "instrument") in known else known[0]
    q = questionnaire(instrument)
    answers: dict[str, bool] = {}
    for item in q.items:
        value = field(form, f"item_{item.id}")
        if value in ("yes", "no"):
            answers[item.id] = value == "yes"
    findings = [
        RecordedFinding(f.id, field(form, f"detail_{f.id}"))
        for f in finding_catalogue().values()
        if field(form, f"finding_{f.id}") == "on"
    ]
    extra = [m.strip() for m in field(form, "extra_medications").split(",") if m.strip()]
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        tms_service.record_screen(
            db,
            principal.actor,
            patient,
            instrument=instrument,
            answers=answers,
            findings=findings,
            extra_medications=extra,
        )
    except DomainError as exc:
        return _screen_page(
            request, patient, instrument, values=values, errors=form_issues(exc), status_code=422
        )
    return RedirectResponse(f"/patients/{patient.ref}/tms?msg=screened", status_code=303)


@router.post("/patients/{ref}/tms/screen/acknowledge")
def screen_acknowledge(
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.acknowledge"))],
    ref: str,
    form: Form,
) -> Response:
    patient = _patient(db, principal, ref, "tms_screen")
    note = field(form, "note")
    if len(note) < 3:
        raise InvalidInput.single("note", "is required", allowed="the physician's reasoning")
    tms_service.acknowledge_screen(
        db, principal.actor, patient, physician=who(principal), note=note
    )
    return RedirectResponse(f"/patients/{patient.ref}/tms?msg=acknowledged", status_code=303)


# motor threshold wizard -------------------------------------------------------------------
def _mt_page(
    request: Request,
    db: Session,
    principal: Principal,
    patient: Patient,
    *,
    errors: list[ProblemIssue] | None = None,
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


@router.post("/patients/{ref}/tms/mt", response_class=HTMLResponse)
def mt_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.deliver"))],
    ref: str,
    form: Form,
) -> Response:
    patient = _patient(db, principal, ref, "tms_mt")
    try:
        mep_raw = field(form, "mep")
        tms_service.mt_step(
            db,
            principal.actor,
            patient,
            start_pct_mso=_float(form, "start_pct_mso"),
            mep=None if mep_raw == "" else mep_raw == "yes",
            intensity_pct_mso=_float(form, "intensity_pct_mso"),
            max_pulses=_int(form, "max_pulses"),
        )
    except DomainError as exc:
        db.rollback()
        patient = _patient(db, principal, ref, "tms_mt")
        return _mt_page(request, db, principal, patient, errors=form_issues(exc), status_code=422)
    return RedirectResponse(f"/patients/{patient.ref}/tms/mt", status_code=303)


# course plan ------------------------------------------------------------------------------
def _plan_page(
    request: Request,
    db: Session,
    patient: Patient,
    *,
    values: dict[str, str] | None = None,
    errors: list[ProblemIssue] | None = None,
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


@router.post("/patients/{ref}/tms/plan", response_class=HTMLResponse)
def plan_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.plan"))],
    ref: str,
    form: Form,
) -> Response:
    patient = _patient(db, principal, ref, "tms_plan")
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        start = _date(form, "start")
        if start is None:
            raise InvalidInput.single("start", "is required", allowed="the first treatment day")
        first = field(form, "first_session_at") or "09:00"
        try:
            first_at = time.fromisoformat(first)
        except ValueError:
            raise InvalidInput.single(
                "first_session_at", "not a time (HH:MM)", given=first
            ) from None
        depth = None
        if field(form, "m1_depth_mm") or field(form, "target_depth_mm"):
            depth = DepthIn.model_validate(
                {
                    "m1_depth_mm": _float(form, "m1_depth_mm"),
                    "target_depth_mm": _float(form, "target_depth_mm"),
                }
            )
        target = TargetIn.model_validate(
            {
                "method": field(form, "target_method") or "beam_f3",
                "side": field(form, "side") or "left",
                "tragus_tragus_cm": _float(form, "tragus_tragus_cm"),
                "nasion_inion_cm": _float(form, "nasion_inion_cm"),
                "circumference_cm": _float(form, "circumference_cm"),
            }
        )
        reason = field(form, "override_reason")
        tms_service.plan(
            db,
            principal.actor,
            patient,
            protocol_key=field(form, "protocol"),
            start=start,
            acute_sessions=_int(form, "acute_sessions"),
            include_taper=field(form, "include_taper") == "on",
            closures=_dates(form, "closures"),
            skipped_days=_dates(form, "skipped_days"),
            first_session_at=first_at,
            time_zone=field(form, "time_zone") or "UTC",
            mt_pct_mso=_float(form, "mt_pct_mso"),
            depth=depth_of(depth),
            target=target_spec(target),
            override=PhysicianOverride(who(principal), reason) if reason else None,
            primary_scale=field(form, "primary_scale") or "phq9",
        )
    except (DomainError, ValidationError) as exc:
        db.rollback()
        patient = _patient(db, principal, ref, "tms_plan")
        return _plan_page(
            request, db, patient, values=values, errors=form_issues(exc), status_code=422
        )
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
        "ae_rows": range(AE_ROWS),
        "operator": who(principal),
    }


def _form_adverse_events(form: FormData) -> list[dict[str, Any]]:
    """The filled adverse-event rows of a form (a row without a kind is left empty)."""
    events = []
    for i in range(AE_ROWS):
        kind = field(form, f"ae_{i}_kind")
        if not kind:
            continue
        events.append(
            {
                "kind": kind,
                "severity": field(form, f"ae_{i}_severity"),
                "serious": True if field(form, f"ae_{i}_serious") == "on" else None,
                "description": field(form, f"ae_{i}_description"),
            }
        )
    return events


# session log ------------------------------------------------------------------------------
def _session_page(
    request: Request,
    db: Session,
    principal: Principal,
    patient: Patient,
    *,
    values: dict[str, str] | None = None,
    errors: list[ProblemIssue] | None = None,
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


@router.post("/patients/{ref}/tms/session", response_class=HTMLResponse)
def session_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.deliver"))],
    ref: str,
    form: Form,
) -> Response:
    patient = _patient(db, principal, ref, "tms_session")
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        events = _form_adverse_events(form)
        data: dict[str, Any] = {
            "session_number": _int(form, "session_number"),
            "planned_pulses": _int(form, "planned_pulses"),
            "pulses_delivered": _int(form, "pulses_delivered"),
            "excess_reason": field(form, "excess_reason") or None,
            "intensity_pct_mso": _float(form, "intensity_pct_mso"),
            "mt_pct_mso": _float(form, "mt_pct_mso"),
            "trains_delivered": _int(form, "trains_delivered"),
            "coil": field(form, "coil"),
            "device": field(form, "device"),
            "target": field(form, "target"),
            "operator": who(principal),
            "mt_rechecked": field(form, "mt_rechecked") == "on",
            "interruptions": [
                x.strip() for x in field(form, "interruptions").split(";") if x.strip()
            ],
            "side_effects": [str(v) for v in form.getlist("side_effects")],
            "adverse_events": events,
        }
        data = {k: v for k, v in data.items() if v is not None}  # the plan fills the gaps
        when_raw = field(form, "delivered_at")
        delivered_at = None
        if when_raw:
            try:
                parsed = datetime.fromisoformat(when_raw)
            except ValueError:
                raise InvalidInput.single(
                    "delivered_at", "not a date and time", given=when_raw
                ) from None
            tz = request.app.state.settings.timezone
            delivered_at = parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(tz))
        _, transition = tms_service.log_session(
            db, principal.actor, patient, data, delivered_at=delivered_at
        )
    except DomainError as exc:
        db.rollback()
        patient = _patient(db, principal, ref, "tms_session")
        return _session_page(
            request, db, principal, patient, values=values, errors=form_issues(exc), status_code=422
        )
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
    errors: list[ProblemIssue] | None = None,
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


@router.post("/patients/{ref}/tms/adverse-event", response_class=HTMLResponse)
def adverse_event_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.adverse_event"))],
    ref: str,
    form: Form,
) -> Response:
    patient = _patient(db, principal, ref, "tms_adverse_event")
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        _, transition = tms_service.report_adverse_event(
            db,
            principal.actor,
            patient,
            {
                "occurred_on": _date(form, "occurred_on"),
                "adverse_events": _form_adverse_events(form),
            },
        )
    except DomainError as exc:
        db.rollback()
        patient = _patient(db, principal, ref, "tms_adverse_event")
        return _adverse_event_page(
            request, db, principal, patient, values=values, errors=form_issues(exc), status_code=422
        )
    paused = any(r.rule == "serious_adverse_event_pause" for r in transition.reasons)
    message = "ae_paused" if paused else "ae_recorded"
    return RedirectResponse(f"/patients/{patient.ref}/tms?msg={message}", status_code=303)


@router.post("/patients/{ref}/tms/adverse-events/acknowledge", response_class=HTMLResponse)
def adverse_events_acknowledge(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.review"))],
    ref: str,
    form: Form,
) -> Response:
    patient = _patient(db, principal, ref, "tms_adverse_event")
    try:
        tms_service.acknowledge_adverse_events(
            db, principal.actor, patient, physician=who(principal), note=field(form, "note")
        )
    except DomainError as exc:
        db.rollback()
        patient = _patient(db, principal, ref, "tms_adverse_event")
        return _adverse_event_page(
            request, db, principal, patient, errors=form_issues(exc), status_code=422
        )
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
        },
    )


def _review_action(
    request: Request,
    db: Session,
    principal: Principal,
    ref: str,
    action: Callable[[Patient], object],
) -> Response:
    patient = _patient(db, principal, ref, "tms_review")
    try:
        action(patient)
    except DomainError as exc:
        db.rollback()
        patient = _patient(db, principal, ref, "tms_review")
        return render(
            request,
            "tms/review.html",
            {
                "patient": patient,
                "tms": overview(db, principal, patient),
                "message": None,
                "errors": form_issues(exc),
            },
            status_code=422,
        )
    return RedirectResponse(f"/patients/{patient.ref}/tms/review?msg=reviewed", status_code=303)


@router.post("/patients/{ref}/tms/review/suggest", response_class=HTMLResponse)
def review_suggest(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.review"))],
    ref: str,
    form: Form,
) -> Response:
    scale = field(form, "scale") or None
    return _review_action(
        request,
        db,
        principal,
        ref,
        lambda p: tms_service.decision_review(db, principal.actor, p, scale=scale),
    )


@router.post("/patients/{ref}/tms/review/decide", response_class=HTMLResponse)
def review_decide(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.review"))],
    ref: str,
    form: Form,
) -> Response:
    def act(p: Patient) -> object:
        return tms_service.decide(
            db,
            principal.actor,
            p,
            decision=field(form, "decision"),
            by=who(principal),
            note=field(form, "note"),
            action=field(form, "action") or None,
            resume_on=_date(form, "resume_on"),
        )

    return _review_action(request, db, principal, ref, act)


@router.post("/patients/{ref}/tms/review/pause", response_class=HTMLResponse)
def review_pause(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("tms.review"))],
    ref: str,
    form: Form,
) -> Response:
    def act(p: Patient) -> object:
        return tms_service.resolve_pause(
            db,
            principal.actor,
            p,
            physician=who(principal),
            decision=field(form, "decision"),
            note=field(form, "note"),
            resume_on=_date(form, "resume_on"),
        )

    return _review_action(request, db, principal, ref, act)
