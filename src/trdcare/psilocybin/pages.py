"""Pages of the psilocybin room (RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY, said on every
page as the API says it in every answer): the enrolment page (screen and findings, the
physician's review, the washout checked against the record today, preparation and
integration sessions, dosing days, closing), the exclusion screen, a session, a dosing day
(dose, time, support person, baseline readings; the washout and preparation checked by the
service) and its page (the vitals schedule, observations until the effects resolve, the
discharge, entered in error); the chart panel and the caseload line.

Every form is parsed by the same input model as the API (:mod:`trdcare.psilocybin.schemas`);
a refused form comes back with each problem beside its field and the values as typed. A
page's date-and-time field is the clinic's local time. Adverse events and the physician's
pause review are the courses room's pages, linked from the enrolment page.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal, Require, form_data, who
from trdcare.adapters.web.corrections import RetireIn
from trdcare.adapters.web.db import Db
from trdcare.adapters.web.forms import (
    FormProblem,
    FormRejected,
    clinic_now_input,
    clinic_time_zone,
    in_clinic_time,
    redisplay,
    redisplay_page,
    show_again,
)
from trdcare.adapters.web.panels import Panel
from trdcare.adapters.web.templating import render
from trdcare.assessments import pages as assessment_pages
from trdcare.audit import service as audit
from trdcare.core.clock import utc_now
from trdcare.core.errors import DomainError, Issue, NotFound
from trdcare.core.vitals import VITAL_SIGN_RANGES
from trdcare.courses.pages import course_links
from trdcare.patients import service as patient_service
from trdcare.patients.pages import patient_ref
from trdcare.psilocybin import schemas
from trdcare.psilocybin import service as psi_service
from trdcare.psilocybin.domain import exclusion_questions, load, restriction
from trdcare.psilocybin.endpoints import (
    DosingNumber,
    SessionId,
)
from trdcare.psilocybin.repository import PsilocybinRepository

router = APIRouter(include_in_schema=False)

_WORDS = {
    "review": "screen awaiting a physician's review",
    "preparation": "preparation",
    "dosing": "dosing day",
    "integration": "integration",
}
STATUSES = {
    **_WORDS,
    "screened": "screened",
    "excluded": "excluded",
    "declined": "declined after review",
    "completed": "completed",
    "stopped": "stopped",
    "active": "ongoing",
    "paused": "paused",
}
VERDICTS = {"eligible": "eligible", "needs_review": "needs review", "excluded": "excluded"}
EFFECTS = {"exclude": "excludes", "review": "needs a physician's review"}
SESSION_KINDS = [("preparation", "Preparation"), ("integration", "Integration")]
DECISIONS = [("enrol", "Enrol"), ("decline", "Decline")]
CLOSINGS = [("completed", "Completed"), ("stopped", "Stopped")]
MESSAGES = {
    "screened": "Screen recorded.",
    "reviewed": "Review recorded.",
    "closed": "Enrolment closed; its record is kept.",
    "session": "Session recorded.",
    "dosed": "Dosing day recorded; monitor until the effects resolve.",
    "observed": "Observation recorded.",
    "discharged": "Discharged with the support person.",
    "retired": "Marked entered in error; the record is kept with your reason and no longer counts.",
}


def _patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose=purpose)


def _enrolment_or_none(
    db: Session, principal: Principal, patient: Patient
) -> dict[str, Any] | None:
    try:
        return psi_service.status(db, principal.actor, patient)
    except NotFound:
        return None


def _programmes() -> list[tuple[str, str]]:
    return [(p.id, p.label) for p in load().programmes]


def _rules() -> dict[str, Any]:
    data = load()
    return {
        "doses": [(f"{d:g}", f"{d:g} mg") for d in data.dose.doses_mg],
        "dose_status": data.dose.status,
        "max_dosing": data.dose.max_dosing_sessions,
        "washout": data.washout,
        "monitoring_min": data.monitoring.minimum_after_dose_min,
        "monitoring_status": data.monitoring.status,
        "vitals_minutes": data.vitals_schedule.minutes_after_dose,
        "vitals_status": data.vitals_schedule.status,
        "support_person": data.support_person,
        "preparation": data.preparation,
        "integration": data.integration,
    }


def _common(patient: Patient) -> dict[str, Any]:
    return {
        "patient": patient,
        "restriction": restriction(),
        "statuses": STATUSES,
        "verdicts": VERDICTS,
        "effects": EFFECTS,
        "programmes": dict(_programmes()),
        "rules": _rules(),
        "ranges": VITAL_SIGN_RANGES,
    }


# -- dashboard and chart ------------------------------------------------------------------
def dashboard_rows(db: Session, principal: Principal) -> dict[str, dict[str, Any]]:
    """Per patient with an open enrolment: 'Psilocybin protocol: <phase>'."""
    if not principal.can("psilocybin.read"):
        return {}
    out: dict[str, dict[str, Any]] = {}
    for ref, status in PsilocybinRepository(db).dashboard_rows():
        entry: dict[str, Any] = {"alerts": []}
        if status != "review":  # a screen under review is not yet a course
            entry["course"] = f"Psilocybin protocol (research/regulated): {_WORDS[status]}"
        out[ref] = entry
    audit.record(
        db,
        principal.actor,
        "read",
        "psilocybin_caseload",
        detail={"enrolments": len(out), "patient_refs": sorted(out)},
    )
    return out


assessment_pages.DASHBOARD_PROVIDERS.append(dashboard_rows)


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    if not principal.can("psilocybin.read"):
        return []
    row = PsilocybinRepository(db).latest_enrolment(patient.id)
    doc = None if row is None else psi_service.status(db, principal.actor, patient)
    return [
        Panel(
            id="psilocybin",
            title="Psilocybin (research protocol or regulated programme only)",
            template="psilocybin/panel.html",
            order=46,
            context={"enrolment": doc, "restriction": restriction(), "statuses": STATUSES},
        )
    ]


# -- the enrolment page ---------------------------------------------------------------------
def _enrolment_page(
    request: Request,
    db: Session,
    principal: Principal,
    ref: str,
    *,
    failed: str | None = None,
    message: str | None = None,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    detail: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "psilocybin")
    enrolment = _enrolment_or_none(db, principal, patient)
    course_ref = enrolment["course_ref"] if enrolment else None
    return render(
        request,
        "psilocybin/patient.html",
        {
            **_common(patient),
            "e": enrolment,
            "course_links": course_links(request, patient.ref, course_ref),
            "decisions": DECISIONS,
            "closings": CLOSINGS,
            "kinds": dict(SESSION_KINDS),
            "failed": failed,
            "message": message,
            "values": values or {},
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/psilocybin", response_class=HTMLResponse)
def enrolment_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.read"))],
    ref: str,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    return _enrolment_page(request, db, principal, ref, message=MESSAGES.get(msg or ""))


def _to_enrolment(patient: Patient, msg: str) -> RedirectResponse:
    return RedirectResponse(f"/patients/{patient.ref}/psilocybin?msg={msg}", status_code=303)


@router.post("/patients/{ref}/psilocybin/review", response_class=HTMLResponse)
@redisplay(show_again(_enrolment_page, failed="review"))
def review_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.review"))],
    ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[schemas.ReviewIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "psilocybin_review")
    try:
        psi_service.review_screen(
            db,
            principal.actor,
            patient,
            decision=form.decision,
            note=form.note,
            physician=who(principal),
            as_role=principal.role,
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _to_enrolment(patient, "reviewed")


@router.post("/patients/{ref}/psilocybin/close", response_class=HTMLResponse)
@redisplay(show_again(_enrolment_page, failed="close"))
def close_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.review"))],
    ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[schemas.CloseIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "psilocybin_close")
    try:
        psi_service.close_enrolment(
            db, principal.actor, patient, status=form.status, reason=form.reason
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _to_enrolment(patient, "closed")


@router.post(
    "/patients/{ref}/psilocybin/sessions/{session_id}/entered-in-error",
    response_class=HTMLResponse,
)
@redisplay(show_again(_enrolment_page, failed="retire_session"))
def retire_session_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.correct"))],
    ref: str,
    session_id: SessionId,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[RetireIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "psilocybin_session_retire")
    try:
        psi_service.retire_session(
            db,
            principal.actor,
            patient,
            session_id,
            reason=form.reason,
            expected_version=form.version,
            as_role=principal.role,
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _to_enrolment(patient, "retired")


# -- the exclusion screen -------------------------------------------------------------------
def _screen_page(
    request: Request,
    db: Session,
    principal: Principal,
    ref: str,
    *,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    detail: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "psilocybin_screen")
    today = utc_now().astimezone(clinic_time_zone(request)).date().isoformat()
    questions = [
        {"id": qid, "question": q, "effect": EFFECTS[effect], "status": status}
        for qid, q, effect, status in exclusion_questions()
    ]
    return render(
        request,
        "psilocybin/screen.html",
        {
            **_common(patient),
            "e": _enrolment_or_none(db, principal, patient),
            "questions": questions,
            "programme_options": _programmes(),
            "values": {
                "screened_on": today,
                "washout_days": str(load().washout.default_days),
                **(values or {}),
            },
            "errors": errors or [],
            "today": today,
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/psilocybin/screen", response_class=HTMLResponse)
def screen_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.screen"))],
    ref: str,
) -> HTMLResponse:
    return _screen_page(request, db, principal, ref)


def _screen_again(
    request: Request, db: Session, principal: Principal, problem: FormProblem
) -> HTMLResponse:
    # A question is shown as its radio group q_<id>; the service names it by its id.
    ids = {qid for qid, *_ in exclusion_questions()}
    issues = []
    for issue in problem.issues:
        path = issue.path.removeprefix("answers.")
        if path in ids:
            issue = Issue(f"q_{path}", issue.message, issue.allowed, issue.given)
        issues.append(issue)
    return _screen_page(
        request,
        db,
        principal,
        request.path_params["ref"],
        values=problem.values,
        errors=issues,
        status_code=422,
    )


@router.post("/patients/{ref}/psilocybin/screen", response_class=HTMLResponse)
@redisplay(redisplay_page(_screen_again))
def screen_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.screen"))],
    ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[schemas.ScreenIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "psilocybin_screen")
    try:
        psi_service.screen_and_enrol(
            db, principal.actor, patient, screened_by=who(principal), **form.model_dump()
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _to_enrolment(patient, "screened")


# -- a preparation or integration session ---------------------------------------------------
def _session_page(
    request: Request,
    db: Session,
    principal: Principal,
    ref: str,
    *,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    detail: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "psilocybin_session")
    enrolment = _enrolment_or_none(db, principal, patient)
    kind = "integration" if enrolment and enrolment["dosing_days"] else "preparation"
    return render(
        request,
        "psilocybin/session.html",
        {
            **_common(patient),
            "e": enrolment,
            "kinds": SESSION_KINDS,
            "values": {
                "kind": kind,
                "held_at": clinic_now_input(request),
                "duration_min": "60",
                **(values or {}),
            },
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/psilocybin/sessions/new", response_class=HTMLResponse)
def session_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.screen"))],
    ref: str,
) -> HTMLResponse:
    return _session_page(request, db, principal, ref)


@router.post("/patients/{ref}/psilocybin/sessions/new", response_class=HTMLResponse)
@redisplay(show_again(_session_page))
def session_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.screen"))],
    ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[schemas.SessionIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "psilocybin_session")
    local = in_clinic_time(request, form, "held_at")
    try:
        psi_service.record_session(db, principal.actor, patient, **local.model_dump())
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _to_enrolment(patient, "session")


# -- a dosing day ---------------------------------------------------------------------------
def _dosing_form_page(
    request: Request,
    db: Session,
    principal: Principal,
    ref: str,
    *,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    detail: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "psilocybin_dosing_day")
    rules = _rules()
    return render(
        request,
        "psilocybin/dosing_new.html",
        {
            **_common(patient),
            "e": _enrolment_or_none(db, principal, patient),
            "values": {
                "administered_at": clinic_now_input(request),
                "dose_mg": rules["doses"][0][0],
                **(values or {}),
            },
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/psilocybin/dosing-days/new", response_class=HTMLResponse)
def dosing_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.dose"))],
    ref: str,
) -> HTMLResponse:
    return _dosing_form_page(request, db, principal, ref)


@router.post("/patients/{ref}/psilocybin/dosing-days/new", response_class=HTMLResponse)
@redisplay(show_again(_dosing_form_page))
def dosing_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.dose"))],
    ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[schemas.DosingDayIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "psilocybin_dosing_day")
    local = in_clinic_time(request, form, "administered_at")
    try:
        row = psi_service.record_dosing_day(
            db, principal.actor, patient, administered_by=who(principal), **local.model_dump()
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _to_day(patient, row.number, "dosed")


def _to_day(patient: Patient, number: int, msg: str) -> RedirectResponse:
    return RedirectResponse(
        f"/patients/{patient.ref}/psilocybin/dosing-days/{number}?msg={msg}", status_code=303
    )


def _day_page(
    request: Request,
    db: Session,
    principal: Principal,
    ref: str,
    number: int,
    *,
    failed: str | None = None,
    message: str | None = None,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    detail: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "psilocybin_dosing_record")
    enrolment = psi_service.status(db, principal.actor, patient)
    day = next((d for d in enrolment["dosing_days"] if d["number"] == number), None)
    if day is None:
        raise NotFound(f"dosing day: no dosing day {number} in this enrolment")
    last = day["observations"][-1] if day["observations"] else None
    dosed_at = datetime.fromisoformat(day["administered_at"])
    earliest = dosed_at + timedelta(minutes=load().monitoring.minimum_after_dose_min)
    now = clinic_now_input(request)
    return render(
        request,
        "psilocybin/dosing_day.html",
        {
            **_common(patient),
            "e": enrolment,
            "d": day,
            "last": last,
            "earliest_discharge": earliest.isoformat(),
            "course_links": course_links(request, patient.ref, enrolment["course_ref"]),
            "failed": failed,
            "message": message,
            "values": {"at": now, "discharged_at": now, **(values or {})},
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/psilocybin/dosing-days/{number}", response_class=HTMLResponse)
def day_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.read"))],
    ref: str,
    number: DosingNumber,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    return _day_page(request, db, principal, ref, number, message=MESSAGES.get(msg or ""))


_DAY = "/patients/{ref}/psilocybin/dosing-days/{number}"


@router.post(_DAY + "/observations", response_class=HTMLResponse)
@redisplay(show_again(_day_page, "number", failed="observe"))
def observe_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.observe"))],
    ref: str,
    number: DosingNumber,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[schemas.DosingObservationIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "psilocybin_observation")
    local = in_clinic_time(request, form, "at")
    try:
        psi_service.record_dosing_observation(
            db, principal.actor, patient, number, observed_by=who(principal), **local.model_dump()
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _to_day(patient, number, "observed")


@router.post(_DAY + "/discharge", response_class=HTMLResponse)
@redisplay(show_again(_day_page, "number", failed="discharge"))
def discharge_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.discharge"))],
    ref: str,
    number: DosingNumber,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[schemas.DosingDischargeIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "psilocybin_discharge")
    local = in_clinic_time(request, form, "discharged_at")
    try:
        psi_service.discharge_dosing_day(
            db, principal.actor, patient, number, signed_by=who(principal), **local.model_dump()
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _to_day(patient, number, "discharged")


@router.post(_DAY + "/entered-in-error", response_class=HTMLResponse)
@redisplay(show_again(_day_page, "number", failed="retire"))
def retire_day_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("psilocybin.correct"))],
    ref: str,
    number: DosingNumber,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[RetireIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "psilocybin_dosing_day_retire")
    try:
        psi_service.retire_dosing_day(
            db,
            principal.actor,
            patient,
            number,
            reason=form.reason,
            expected_version=form.version,
            as_role=principal.role,
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _to_enrolment(patient, "retired")
