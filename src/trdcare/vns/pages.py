"""Pages of the VNS room: a patient's VNS page (candidacy, implant, titration log, response
timeline), the candidacy, implant and titration forms, a titration visit's record page
(correct, entered in error, versions), ending the course; the chart panel.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal, Require
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
from trdcare.adapters.web.templating import render
from trdcare.assessments import pages as assessment_pages
from trdcare.audit import service as audit
from trdcare.core.clock import utc_today
from trdcare.core.errors import DomainError, Issue
from trdcare.courses.pages import OUTCOME_SCALES, course_links
from trdcare.patients import service as patient_service
from trdcare.patients.pages import patient_ref
from trdcare.vns import schemas
from trdcare.vns import service as vns_service
from trdcare.vns.domain import current_bound, load, response_timeline, side_effect_catalogue
from trdcare.vns.endpoints import TitrationId
from trdcare.vns.repository import VnsRepository

router = APIRouter(include_in_schema=False)


MESSAGES = {
    "candidacy": "Candidacy assessment recorded.",
    "implant": "Implant recorded; the VNS course is open.",
    "titrated": "Titration visit recorded.",
    "flagged": "Titration visit recorded. It carries flags for the physician (see the log).",
    "corrected": "Correction saved; the earlier version is kept with your reason.",
    "retired": "Marked entered in error; the record is kept with your reason and no longer counts.",
    "ended": "VNS course ended; its record is kept.",
}
ANSWER_OPTIONS = [("unknown", "Not known"), ("no", "No"), ("yes", "Yes")]
SIDES = [("left", "Left"), ("right", "Right")]
ENDINGS = [("completed", "Completed"), ("stopped", "Stopped")]


def _patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose=purpose)


def dashboard_rows(db: Session, principal: Principal) -> dict[str, dict[str, Any]]:
    """Per patient in a VNS course: the month on the response timeline and the current
    output ("VNS month 4 of 12, 1 mA"), so nobody reads an early course as a failure. The
    course's alerts (paused, serious adverse event) are the courses room's."""
    if not principal.can("vns.read"):
        return {}
    today = utc_today()
    out: dict[str, dict[str, Any]] = {}
    for ref, status, implanted_on, visits in VnsRepository(db).dashboard_rows():
        first = next((on for on, ma in visits if ma > 0), None)
        timeline = response_timeline(
            implant_on=implanted_on, first_stimulation_on=first, as_of=today
        )
        current = f", {visits[-1][1]:g} mA" if visits else ", not yet titrated"
        if timeline.months_elapsed is None:
            text = f"VNS implanted {implanted_on.isoformat()}{current}"
        else:
            text = f"VNS month {timeline.months_elapsed} of {timeline.assessment_month}{current}"
        if status == "paused":
            text += " (paused)"
        out[ref] = {"alerts": [], "course": text}
    audit.record(
        db,
        principal.actor,
        "read",
        "vns_caseload",
        detail={"courses": len(out), "patient_refs": sorted(out)},
    )
    return out


assessment_pages.DASHBOARD_PROVIDERS.append(dashboard_rows)


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    if not principal.can("vns.read"):
        return []
    return [
        Panel(
            id="vns",
            title="VNS",
            template="vns/panel.html",
            order=45,
            context={"vns": vns_service.overview(db, principal.actor, patient)},
        )
    ]


def _limits() -> dict[str, Any]:
    st = load().stimulation
    return {
        "max_ma": st.device_max_current_ma.value,
        "max_status": st.device_max_current_ma.status,
        "start_ma": st.start_current_ma.value,
        "therapeutic": f"{st.therapeutic_low_ma.value:g}-{st.therapeutic_high_ma.value:g} mA",
        "frequency_hz": st.depression_frequency_hz.value,
        "pulse_widths": " or ".join(f"{v:g}" for v in st.pulse_widths_us.values),
        "on_s": st.start_on_time_s.value,
        "off_min": st.start_off_time_min.value,
        "current_allowed": current_bound().describe(),
    }


# -- the VNS page -------------------------------------------------------------------------
def _vns_page(
    request: Request,
    db: Session,
    principal: Principal,
    patient: Patient,
    *,
    message: str | None = None,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    doc = vns_service.overview(db, principal.actor, patient)
    course_ref = doc["implant"]["course"] if doc["implant"] else None
    return render(
        request,
        "vns/patient.html",
        {
            "patient": patient,
            "vns": doc,
            "course_links": course_links(request, patient.ref, course_ref),
            "message": message,
            "values": values or {"on": utc_today().isoformat()},
            "errors": errors or [],
            "side_effect_labels": side_effect_catalogue(),
            "endings": ENDINGS,
            "limits": _limits(),
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/vns", response_class=HTMLResponse)
def vns_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("vns.read"))],
    ref: str,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "vns")
    return _vns_page(request, db, principal, patient, message=MESSAGES.get(msg or ""))


def _vns_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "vns")
        return _vns_page(
            request,
            db,
            principal,
            patient,
            values=problem.values,
            errors=problem.issues,
            status_code=422,
        )


@router.post("/patients/{ref}/vns/end", response_class=HTMLResponse)
@redisplay(_vns_again)
def end_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("vns.implant"))],
    ref: str,
    form: Annotated[schemas.EndCourseIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "vns_end")
    try:
        vns_service.end_course(
            db, principal.actor, patient, status=form.status, on=form.on, reason=form.reason
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/vns?msg=ended", status_code=303)


# -- candidacy ----------------------------------------------------------------------------
def _candidacy_page(
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
        "vns/candidacy.html",
        {
            "patient": patient,
            "values": values or {"assessed_for": utc_today().isoformat()},
            "errors": errors or [],
            "exclusions": [(e.id, e.label) for e in load().exclusions],
            "answers": ANSWER_OPTIONS,
            "criteria": load().criteria,
            "today": utc_today().isoformat(),
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/vns/candidacy", response_class=HTMLResponse)
def candidacy_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("vns.candidacy"))],
    ref: str,
) -> HTMLResponse:
    return _candidacy_page(request, db, principal, _patient(db, principal, ref, "vns_candidacy"))


def _candidacy_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "vns_candidacy")
        issues = [
            Issue(i.path.replace("exclusions.", "exclusion_"), i.message, i.allowed, i.given)
            for i in problem.issues
        ]
        return _candidacy_page(
            request, db, principal, patient, values=problem.values, errors=issues, status_code=422
        )


@router.post("/patients/{ref}/vns/candidacy", response_class=HTMLResponse)
@redisplay(_candidacy_again)
def candidacy_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("vns.candidacy"))],
    ref: str,
    form: Annotated[schemas.CandidacyIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "vns_candidacy")
    try:
        vns_service.assess_candidacy(db, principal.actor, patient, **form.model_dump())
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/vns?msg=candidacy", status_code=303)


# -- implant ------------------------------------------------------------------------------
def _implant_page(
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
        "vns/implant.html",
        {
            "patient": patient,
            "values": values or {"implanted_on": utc_today().isoformat()},
            "errors": errors or [],
            "sides": SIDES,
            "scales": OUTCOME_SCALES,
            "today": utc_today().isoformat(),
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/vns/implant", response_class=HTMLResponse)
def implant_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("vns.implant"))],
    ref: str,
) -> HTMLResponse:
    return _implant_page(request, db, principal, _patient(db, principal, ref, "vns_implant"))


def _implant_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "vns_implant")
        return _implant_page(
            request,
            db,
            principal,
            patient,
            values=problem.values,
            errors=problem.issues,
            status_code=422,
        )


@router.post("/patients/{ref}/vns/implant", response_class=HTMLResponse)
@redisplay(_implant_again)
def implant_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("vns.implant"))],
    ref: str,
    form: Annotated[schemas.ImplantIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "vns_implant")
    try:
        vns_service.record_implant(db, principal.actor, patient, **form.model_dump())
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/vns?msg=implant", status_code=303)


# -- titration ----------------------------------------------------------------------------
def _titration_page(
    request: Request,
    db: Session,
    principal: Principal,
    patient: Patient,
    *,
    values: dict[str, Any] | None = None,
    errors: list[Issue] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    doc = vns_service.overview(db, principal.actor, patient)
    current = doc["current_setting"]
    limits = _limits()
    defaults: dict[str, Any] = {
        "visit_on": utc_today().isoformat(),
        "output_current_ma": f"{current['output_current_ma']:g}" if current else "",
        "frequency_hz": f"{current['frequency_hz']:g}"
        if current
        else f"{limits['frequency_hz']:g}",
        "pulse_width_us": f"{current['pulse_width_us']:g}" if current else "250",
        "on_time_s": f"{current['on_time_s']:g}" if current else f"{limits['on_s']:g}",
        "off_time_min": f"{current['off_time_min']:g}" if current else f"{limits['off_min']:g}",
    }
    defaults.update(values or {})
    return render(
        request,
        "vns/titration.html",
        {
            "patient": patient,
            "vns": doc,
            "values": defaults,
            "errors": errors or [],
            "side_effects": list(side_effect_catalogue().items()),
            "limits": limits,
            "today": utc_today().isoformat(),
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/vns/titration", response_class=HTMLResponse)
def titration_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("vns.titrate"))],
    ref: str,
) -> HTMLResponse:
    return _titration_page(request, db, principal, _patient(db, principal, ref, "vns_titration"))


def _titration_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "vns_titration")
        return _titration_page(
            request,
            db,
            principal,
            patient,
            values=problem.values,
            errors=problem.issues,
            status_code=422,
        )


@router.post("/patients/{ref}/vns/titration", response_class=HTMLResponse)
@redisplay(_titration_again)
def titration_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("vns.titrate"))],
    ref: str,
    form: Annotated[schemas.TitrationIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "vns_titration")
    try:
        row = vns_service.log_titration(db, principal.actor, patient, form.model_dump())
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    message = "flagged" if row.flags else "titrated"
    return RedirectResponse(f"/patients/{patient.ref}/vns?msg={message}", status_code=303)


# -- a titration visit's record -----------------------------------------------------------
def _plain(value: Any) -> Any:
    """A kept value as the page says it (a list of side effects as their labels)."""
    if isinstance(value, list):
        labels = side_effect_catalogue()
        return ", ".join(labels.get(str(v), str(v)) for v in value) or "none"
    return value


def _history(entries: list[Any]) -> list[dict[str, Any]]:
    out = []
    for v in versions_out(entries):
        doc = v.model_dump()
        doc["changes"] = [
            {"field": c.field, "before": _plain(c.before), "after": _plain(c.after)}
            for c in v.changes
        ]
        out.append(doc)
    return out


def _record_page(
    request: Request,
    db: Session,
    principal: Principal,
    ref: str,
    number: int,
    *,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    detail: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "vns_titration_record")
    entries = vns_service.titration_versions(db, principal.actor, patient, number)
    record = vns_service.titration_row(db, patient, number)
    entry = vns_service.titration_to_dict(record)
    shown: dict[str, Any] = {k: f"{entry[k]:g}" for k in vns_service.TITRATION_FIELDS}
    shown.update({"visit_on": entry["visit_on"], "note": entry["note"]})
    shown.update(values or {})
    return render(
        request,
        "vns/record.html",
        {
            "patient": patient,
            "record": record,
            "entry": entry,
            "history": _history(entries),
            "may_correct": principal.can("vns.correct") and record.retired_at is None,
            "values": shown,
            "errors": errors or [],
            "detail": detail,
            "side_effects": list(side_effect_catalogue().items()),
            "limits": _limits(),
            "today": utc_today().isoformat(),
        },
        status_code=status_code,
    )


def _record_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    params = request.path_params
    with page_session(request) as db:
        return _record_page(
            request,
            db,
            principal,
            params["ref"],
            int(params["number"]),
            values=problem.values,
            errors=problem.issues,
            detail=problem.detail,
            status_code=422,
        )


@router.get("/patients/{ref}/vns/titrations/{number}", response_class=HTMLResponse)
def titration_record(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("vns.read"))],
    ref: str,
    number: TitrationId,
) -> HTMLResponse:
    return _record_page(request, db, principal, ref, number)


@router.post("/patients/{ref}/vns/titrations/{number}/correct", response_class=HTMLResponse)
@redisplay(_record_again)
def titration_correct_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("vns.correct"))],
    ref: str,
    number: TitrationId,
    form: Annotated[schemas.TitrationCorrectIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "vns_titration_correct")
    changes = form.model_dump(exclude={"reason", "version"}, exclude_none=True)
    # The page shows every side-effect box: none ticked means none, not "unchanged".
    changes.setdefault("side_effects", [])
    try:
        vns_service.correct_titration(
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
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/vns?msg=corrected", status_code=303)


@router.post(
    "/patients/{ref}/vns/titrations/{number}/entered-in-error", response_class=HTMLResponse
)
@redisplay(_record_again)
def titration_retire_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("vns.correct"))],
    ref: str,
    number: TitrationId,
    form: Annotated[RetireIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "vns_titration_retire")
    try:
        vns_service.retire_titration(
            db,
            principal.actor,
            patient,
            number,
            reason=form.reason,
            expected_version=form.version,
            as_role=principal.role,
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/vns?msg=retired", status_code=303)
