"""Esketamine pages: the room's overview, eligibility and plan, calendar, check-in, the
session page (BP sign-off, dose, observations, discharge, signature, REMS submission,
corrections), the printable REMS Patient Monitoring Form, the chart panel and the caseload
dashboard's REMS tasks.

Every form is parsed by the same input model as the API; a refused form comes back with
each problem beside its field and the values as typed (:mod:`trdcare.adapters.web.forms`).
A page's date-and-time field is the clinic's local time.
"""

from __future__ import annotations

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
    clinic_time_zone,
    in_clinic_time,
    page_principal,
    page_session,
    redisplay,
)
from trdcare.adapters.web.panels import Panel
from trdcare.adapters.web.templating import render
from trdcare.assessments import pages as assessment_pages
from trdcare.core.errors import DomainError, Issue, NotFound
from trdcare.core.vitals import VITAL_SIGN_RANGES
from trdcare.courses.domain import kinds_for
from trdcare.esketamine import service as esk_service
from trdcare.esketamine.domain import (
    DOSE_PHASES,
    contraindication_items,
    load,
    warning_items,
)
from trdcare.esketamine.endpoints import (
    AdverseEventIn,
    BpSignoffIn,
    CheckInIn,
    DischargeIn,
    DoseIn,
    ObservationIn,
    PauseReviewIn,
    PlanIn,
    RemsSubmittedIn,
    SessionCorrectionIn,
    SignIn,
    StopIn,
    check_in_from,
    discharge_from,
    dose_from,
    observe_from,
    plan_from,
)
from trdcare.patients import service as patient_service
from trdcare.patients.pages import patient_ref

router = APIRouter(include_in_schema=False)

MESSAGES = {
    "planned": "Course planned; the label calendar is below.",
    "checked_in": "Checked in.",
    "bp_signed": "Elevated pre-dose blood pressure signed off; dosing may go ahead.",
    "dosed": "Dose recorded; monitoring has begun (at least 2 hours).",
    "observed": "Observation recorded.",
    "discharged": "Discharged. The REMS Patient Monitoring Form is due within 7 days.",
    "signed": "Session signed.",
    "rems": "REMS form marked submitted.",
    "corrected": "Correction saved; the earlier version is kept with your reason.",
    "retired": "Marked entered in error; the record is kept with your reason.",
    "stopped": "Course stopped; its sessions are kept.",
    "ae": "Adverse event recorded.",
    "ae_paused": "Adverse event recorded. It is serious: the course is PAUSED until a physician "
    "reviews it.",
    "reviewed": "Pause reviewed.",
}
SERIOUS_CRITERIA = [
    ("death", "death"),
    ("life_threatening", "life-threatening"),
    ("hospitalisation", "hospitalisation"),
    ("disability", "disability"),
    ("congenital_anomaly", "congenital anomaly"),
    ("important_medical_event", "important medical event"),
]
SEVERITIES = [("mild", "mild"), ("moderate", "moderate"), ("severe", "severe")]
ALERT_LABELS = {
    "rems_form_due": "REMS form due",
    "rems_form_overdue": "REMS form overdue",
    "esketamine_bp_signoff": "Esketamine BP sign-off needed",
}
assessment_pages.ALERT_LABELS.update(ALERT_LABELS)
POPULATIONS = [
    ("trd", "Treatment-resistant depression"),
    ("mdd_suicidal", "MDD with acute suicidal ideation or behaviour (4 weeks)"),
]
MAINTENANCE = [("weekly", "once weekly"), ("every_2_weeks", "every 2 weeks")]
PURPOSES = [("post_dose_40_min", "blood pressure at about 40 minutes"), ("routine", "routine")]


def _patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose=purpose)


def _now_local(request: Request) -> str:
    return esk_service.utc_now().astimezone(clinic_time_zone(request)).strftime("%Y-%m-%dT%H:%M")


def _course_or_none(db: Session, principal: Principal, patient: Patient) -> dict[str, Any] | None:
    try:
        return esk_service.status(db, principal.actor, patient)
    except NotFound:
        return None


# dashboard and chart ------------------------------------------------------------------------
def dashboard_rows(db: Session, principal: Principal) -> dict[str, dict[str, Any]]:
    """Per patient: the esketamine course text and its REMS / BP sign-off tasks."""
    if not principal.can("esketamine.read"):
        return {}
    return esk_service.dashboard(db, principal.actor)


assessment_pages.DASHBOARD_PROVIDERS.append(dashboard_rows)


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    if not principal.can("esketamine.read"):
        return []
    return [
        Panel(
            id="esketamine",
            title="Esketamine",
            template="esketamine/panel.html",
            order=45,
            context={"esk": _course_or_none(db, principal, patient)},
        )
    ]


# overview and calendar ---------------------------------------------------------------------
@router.get("/patients/{ref}/esketamine", response_class=HTMLResponse)
def overview_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.read"))],
    ref: str,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "esketamine")
    return render(
        request,
        "esketamine/patient.html",
        {
            "patient": patient,
            "esk": _course_or_none(db, principal, patient),
            "message": MESSAGES.get(msg or ""),
            "tz": str(clinic_time_zone(request)),
            "errors": [],
            "values": {},
        },
    )


@router.get("/patients/{ref}/esketamine/calendar", response_class=HTMLResponse)
def calendar_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.read"))],
    ref: str,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "esketamine_calendar")
    esk = _course_or_none(db, principal, patient)
    months = esk_service.calendar(db, patient) if esk else ()
    return render(
        request,
        "esketamine/calendar.html",
        {"patient": patient, "esk": esk, "months": months},
    )


# plan ---------------------------------------------------------------------------------------
def _plan_page(
    request: Request,
    db: Session,
    principal: Principal,
    patient: Patient,
    *,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    trd = esk_service.trd_status(db, principal.actor, patient)
    return render(
        request,
        "esketamine/plan.html",
        {
            "patient": patient,
            "esk": _course_or_none(db, principal, patient),
            "contraindications": contraindication_items(),
            "warnings": warning_items(),
            "trd_status": trd,
            "medications": esk_service.record_medications(db, principal.actor, patient),
            "populations": POPULATIONS,
            "maintenance": MAINTENANCE,
            "values": {
                "start_date": esk_service.today().isoformat(),
                "weeks": "12",
                **(values or {}),
            },
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/esketamine/plan", response_class=HTMLResponse)
def plan_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.plan"))],
    ref: str,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "esketamine_plan")
    return _plan_page(request, db, principal, patient)


def _plan_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "esketamine_plan")
        issues = [
            Issue("q_" + i.path.split(".", 1)[1], i.message, i.allowed, i.given)
            if i.path.startswith("answers.")
            else i
            for i in problem.issues
        ]
        return _plan_page(
            request,
            db,
            principal,
            patient,
            values=problem.values,
            errors=issues,
            status_code=422,
        )


@router.post("/patients/{ref}/esketamine/plan", response_class=HTMLResponse)
@redisplay(_plan_again)
def plan_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.plan"))],
    ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[PlanIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "esketamine_plan")
    try:
        plan_from(db, principal, patient, form)
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return RedirectResponse(f"/patients/{patient.ref}/esketamine?msg=planned", status_code=303)


def _stop_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "esketamine_stop")
        return render(
            request,
            "esketamine/patient.html",
            {
                "patient": patient,
                "esk": _course_or_none(db, principal, patient),
                "message": None,
                "tz": str(clinic_time_zone(request)),
                "errors": problem.issues,
                "values": problem.values,
            },
            status_code=422,
        )


@router.post("/patients/{ref}/esketamine/course/stop", response_class=HTMLResponse)
@redisplay(_stop_again)
def stop_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.plan"))],
    ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[StopIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "esketamine_stop")
    try:
        esk_service.stop_course(db, principal.actor, patient, reason=form.reason, on=form.on)
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return RedirectResponse(f"/patients/{patient.ref}/esketamine?msg=stopped", status_code=303)


def _discharge_bp_threshold() -> str:
    rule = load().discharge_blood_pressure
    return f"{rule.systolic_above_mmhg}/{rule.diastolic_above_mmhg}"


# check-in -----------------------------------------------------------------------------------
def _check_in_page(
    request: Request,
    db: Session,
    principal: Principal,
    patient: Patient,
    *,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "esketamine/check_in.html",
        {
            "patient": patient,
            "esk": _course_or_none(db, principal, patient),
            "medications": esk_service.record_medications(db, principal.actor, patient),
            "ranges": VITAL_SIGN_RANGES,
            "threshold": load().predose_blood_pressure,
            "values": {"checked_in_at": _now_local(request), **(values or {})},
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/esketamine/check-in", response_class=HTMLResponse)
def check_in_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.deliver"))],
    ref: str,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "esketamine_check_in")
    return _check_in_page(request, db, principal, patient)


def _check_in_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "esketamine_check_in")
        return _check_in_page(
            request,
            db,
            principal,
            patient,
            values=problem.values,
            errors=problem.issues,
            status_code=422,
        )


@router.post("/patients/{ref}/esketamine/check-in", response_class=HTMLResponse)
@redisplay(_check_in_again)
def check_in_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.deliver"))],
    ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[CheckInIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "esketamine_check_in")
    local = in_clinic_time(request, form, "checked_in_at")
    try:
        session_ref = check_in_from(db, principal, patient, local)
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return RedirectResponse(
        f"/patients/{patient.ref}/esketamine/sessions/{session_ref}?msg=checked_in",
        status_code=303,
    )


# the session page ---------------------------------------------------------------------------
def _session_page(
    request: Request,
    db: Session,
    principal: Principal,
    patient: Patient,
    session_ref: str,
    *,
    failed: str | None = None,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    data = esk_service.session_detail(db, principal.actor, patient, session_ref)
    readiness = None
    if data["status"] == "dosed":
        readiness = esk_service.readiness(db, principal.actor, patient, session_ref)
    now = _now_local(request)
    defaults = {
        "observed_at": now,
        "discharged_at": now,
        "dose_mg": "84" if data["phase"] != "induction_day_1" else "56",
    }
    return render(
        request,
        "esketamine/session.html",
        {
            "patient": patient,
            "s": data,
            "readiness": readiness,
            "failed": failed,
            "values": {**defaults, **(values or {})},
            "errors": errors or [],
            "message": message,
            "ranges": VITAL_SIGN_RANGES,
            "discharge_bp_threshold": _discharge_bp_threshold(),
            "purposes": PURPOSES,
            "doses": _dose_options(data["phase"]),
            "tz": str(clinic_time_zone(request)),
            "dose_phases": DOSE_PHASES,
            "operator": who(principal),
            "events": esk_service.session_adverse_events(db, principal.actor, patient, session_ref),
            "ae_kinds": [(k, v.label) for k, v in kinds_for("esketamine").items()],
            "severities": SEVERITIES,
            "serious_criteria": SERIOUS_CRITERIA,
        },
        status_code=status_code,
    )


def _dose_options(phase: str) -> list[tuple[str, str]]:
    steps = {d for s in load().doses if s.phase == phase for d in s.doses_mg}
    return [(str(d), f"{d} mg ({d // 28} devices)") for d in sorted(steps)] or [
        ("", "no label dose for this phase")
    ]


@router.get("/patients/{ref}/esketamine/sessions/{session_ref}", response_class=HTMLResponse)
def session_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.read"))],
    ref: str,
    session_ref: str,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "esketamine_session")
    return _session_page(
        request, db, principal, patient, session_ref, message=MESSAGES.get(msg or "")
    )


def _again(step: str) -> Any:
    def hook(request: Request, problem: FormProblem) -> HTMLResponse:
        principal = page_principal(request)
        with page_session(request) as db:
            patient = _patient(db, principal, request.path_params["ref"], "esketamine_session")
            return _session_page(
                request,
                db,
                principal,
                patient,
                request.path_params["session_ref"],
                failed=step,
                values=problem.values,
                errors=problem.issues,
                status_code=422,
            )

    return hook


def _done(patient: Patient, session_ref: str, msg: str) -> RedirectResponse:
    return RedirectResponse(
        f"/patients/{patient.ref}/esketamine/sessions/{session_ref}?msg={msg}", status_code=303
    )


_BASE = "/patients/{ref}/esketamine/sessions/{session_ref}"


@router.post(_BASE + "/bp-signoff", response_class=HTMLResponse)
@redisplay(_again("bp_signoff"))
def bp_signoff_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.sign"))],
    ref: str,
    session_ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[BpSignoffIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "esketamine_bp_signoff")
    try:
        esk_service.sign_off_bp(
            db, principal.actor, patient, session_ref, physician=who(principal), note=form.note
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _done(patient, session_ref, "bp_signed")


@router.post(_BASE + "/dose", response_class=HTMLResponse)
@redisplay(_again("dose"))
def dose_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.deliver"))],
    ref: str,
    session_ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[DoseIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "esketamine_dose")
    local = in_clinic_time(request, form, "device_times", "administered_at", "monitoring_start")
    try:
        dose_from(db, principal, patient, session_ref, local)
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _done(patient, session_ref, "dosed")


@router.post(_BASE + "/observations", response_class=HTMLResponse)
@redisplay(_again("observe"))
def observe_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.observe"))],
    ref: str,
    session_ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[ObservationIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "esketamine_observe")
    local = in_clinic_time(request, form, "observed_at")
    try:
        observe_from(db, principal, patient, session_ref, local)
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _done(patient, session_ref, "observed")


@router.post(_BASE + "/discharge", response_class=HTMLResponse)
@redisplay(_again("discharge"))
def discharge_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.discharge"))],
    ref: str,
    session_ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[DischargeIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "esketamine_discharge")
    local = in_clinic_time(request, form, "discharged_at")
    try:
        discharge_from(db, principal, patient, session_ref, local)
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _done(patient, session_ref, "discharged")


@router.post(_BASE + "/sign", response_class=HTMLResponse)
@redisplay(_again("sign"))
def sign_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.sign"))],
    ref: str,
    session_ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[SignIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "esketamine_sign")
    try:
        esk_service.sign_session(
            db, principal.actor, patient, session_ref, physician=who(principal)
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _done(patient, session_ref, "signed")


@router.post(_BASE + "/rems-submitted", response_class=HTMLResponse)
@redisplay(_again("rems"))
def rems_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.rems"))],
    ref: str,
    session_ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[RemsSubmittedIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "esketamine_rems_submitted")
    local = in_clinic_time(request, form, "submitted_at")
    try:
        esk_service.mark_rems_submitted(
            db,
            principal.actor,
            patient,
            session_ref,
            submitted_by=who(principal),
            submitted_at=local.submitted_at,
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _done(patient, session_ref, "rems")


@router.post(_BASE + "/correct", response_class=HTMLResponse)
@redisplay(_again("correct"))
def correct_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.correct"))],
    ref: str,
    session_ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[SessionCorrectionIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "esketamine_session_correct")
    changes = {
        k: v for k, v in form.model_dump(exclude={"reason", "version"}).items() if v is not None
    }
    try:
        esk_service.correct_session(
            db,
            principal.actor,
            patient,
            session_ref,
            changes,
            reason=form.reason,
            expected_version=form.version,
            as_role=principal.role,
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _done(patient, session_ref, "corrected")


@router.post(_BASE + "/entered-in-error", response_class=HTMLResponse)
@redisplay(_again("retire"))
def retire_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.correct"))],
    ref: str,
    session_ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[RetireIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "esketamine_session_retire")
    try:
        esk_service.retire_session(
            db,
            principal.actor,
            patient,
            session_ref,
            reason=form.reason,
            expected_version=form.version,
            as_role=principal.role,
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _done(patient, session_ref, "retired")


@router.get(_BASE + "/rems-form", response_class=HTMLResponse)
def rems_form_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.read"))],
    ref: str,
    session_ref: str,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "esketamine_rems_form")
    form = esk_service.rems_form(db, principal.actor, patient, session_ref)
    return render(request, "esketamine/rems_form.html", {"patient": patient, "form": form})


@router.post(_BASE + "/adverse-events", response_class=HTMLResponse)
@redisplay(_again("ae"))
def adverse_event_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.adverse_event"))],
    ref: str,
    session_ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[AdverseEventIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "esketamine_adverse_event")
    try:
        reported = esk_service.report_adverse_event(
            db, principal.actor, patient, session_ref, **form.model_dump()
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _done(patient, session_ref, "ae_paused" if reported.paused else "ae")


def _review_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "esketamine_pause_review")
        return render(
            request,
            "esketamine/patient.html",
            {
                "patient": patient,
                "esk": _course_or_none(db, principal, patient),
                "message": None,
                "tz": str(clinic_time_zone(request)),
                "errors": problem.issues,
                "values": problem.values,
            },
            status_code=422,
        )


@router.post("/patients/{ref}/esketamine/course/pause-review", response_class=HTMLResponse)
@redisplay(_review_again)
def pause_review_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("esketamine.sign"))],
    ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[PauseReviewIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "esketamine_pause_review")
    try:
        esk_service.review_pause(
            db,
            principal.actor,
            patient,
            physician=who(principal),
            decision=form.decision,
            note=form.note,
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return RedirectResponse(f"/patients/{patient.ref}/esketamine?msg=reviewed", status_code=303)
