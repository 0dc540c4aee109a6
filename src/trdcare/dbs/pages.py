"""Pages of the DBS room (INVESTIGATIONAL for depression, said on every page): a patient's DBS
page (candidacy, surgery, programming records with charge and limits, current settings,
ending the course), the candidacy, surgery and programming forms (a setting beyond a limit is
refused beside the amplitude; a physician may record an override with a reason), a
programming record's page (entered in error, versions); the chart panel.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from trdcare.accounts.domain.permissions import DBS_OVERRIDE_ROLES
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
from trdcare.dbs import schemas
from trdcare.dbs import service as dbs_service
from trdcare.dbs.domain import default_limits, lead_contacts, target_catalogue
from trdcare.dbs.domain.catalogue import load_pathway
from trdcare.dbs.endpoints import ProgrammingId
from trdcare.dbs.repository import DbsRepository
from trdcare.patients import service as patient_service
from trdcare.patients.pages import patient_ref

router = APIRouter(include_in_schema=False)


MESSAGES = {
    "candidacy": "Candidacy assessment recorded.",
    "surgery": "Surgery recorded; the DBS course is open.",
    "programmed": "Programming recorded.",
    "overridden": "Programming recorded BEYOND a limit, with your override and reason.",
    "retired": "Marked entered in error; the record is kept with your reason and no longer counts.",
    "ended": "DBS course ended; its record is kept.",
}
ANSWER_OPTIONS = [("unknown", "Not known"), ("no", "No"), ("yes", "Yes")]
DIAGNOSIS_OPTIONS = [
    ("unknown", "Not known"),
    ("mdd", "Major depressive disorder"),
    ("bipolar_ii", "Bipolar II disorder"),
    ("bipolar_i", "Bipolar I disorder"),
    ("other", "Another diagnosis"),
]
SIDES = [("left", "Left"), ("right", "Right")]
ENDINGS = [("completed", "Completed"), ("stopped", "Stopped")]


def _patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose=purpose)


def dashboard_rows(db: Session, principal: Principal) -> dict[str, dict[str, Any]]:
    """Per patient in a DBS course: "DBS (investigational), <target>, programmed <date>", and
    how many current settings stand beyond a limit under a physician's override. The course's
    alerts (paused, serious adverse event) are the courses room's."""
    if not principal.can("dbs.read"):
        return {}
    targets = target_catalogue()
    out: dict[str, dict[str, Any]] = {}
    for ref, status, target, last_on, overridden in DbsRepository(db).dashboard_rows():
        label = targets.get(target, target).split(" (")[0]
        text = f"DBS (investigational), {label}"
        text += f", programmed {last_on.isoformat()}" if last_on else ", not yet programmed"
        if overridden:
            plural = "s" if overridden != 1 else ""
            text += f", {overridden} setting{plural} beyond a limit by a physician's override"
        if status == "paused":
            text += " (paused)"
        out[ref] = {"alerts": [], "course": text}
    audit.record(
        db,
        principal.actor,
        "read",
        "dbs_caseload",
        detail={"courses": len(out), "patient_refs": sorted(out)},
    )
    return out


assessment_pages.DASHBOARD_PROVIDERS.append(dashboard_rows)


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    if not principal.can("dbs.read"):
        return []
    return [
        Panel(
            id="dbs",
            title="DBS (investigational)",
            template="dbs/panel.html",
            order=46,
            context={"dbs": dbs_service.overview(db, principal.actor, patient)},
        )
    ]


def _limits() -> dict[str, Any]:
    lim = default_limits()
    return {
        "k": lim.shannon_k.value,
        "k_status": lim.shannon_k.status,
        "rated": None if lim.rated_density is None else lim.rated_density.value,
        "rated_status": None if lim.rated_density is None else lim.rated_density.status,
        "lead": lim.lead_name,
        "area": lim.contact_area.value,
        "area_status": lim.contact_area.status,
    }


def _common(principal: Principal) -> dict[str, Any]:
    return {
        "investigational": load_pathway().status.label,
        "limits": _limits(),
        "may_override": principal.role in DBS_OVERRIDE_ROLES,
        "today": utc_today().isoformat(),
    }


# -- the DBS page -------------------------------------------------------------------------
def _dbs_page(
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
    doc = dbs_service.overview(db, principal.actor, patient)
    course_ref = doc["surgery"]["course"] if doc["surgery"] else None
    return render(
        request,
        "dbs/patient.html",
        {
            "patient": patient,
            "dbs": doc,
            "course_links": course_links(request, patient.ref, course_ref),
            "message": message,
            "values": values or {"on": utc_today().isoformat()},
            "errors": errors or [],
            "endings": ENDINGS,
            **_common(principal),
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/dbs", response_class=HTMLResponse)
def dbs_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("dbs.read"))],
    ref: str,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "dbs")
    return _dbs_page(request, db, principal, patient, message=MESSAGES.get(msg or ""))


def _dbs_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "dbs")
        return _dbs_page(
            request,
            db,
            principal,
            patient,
            values=problem.values,
            errors=problem.issues,
            status_code=422,
        )


@router.post("/patients/{ref}/dbs/end", response_class=HTMLResponse)
@redisplay(_dbs_again)
def end_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("dbs.surgery"))],
    ref: str,
    form: Annotated[schemas.EndCourseIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "dbs_end")
    try:
        dbs_service.end_course(
            db, principal.actor, patient, status=form.status, on=form.on, reason=form.reason
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/dbs?msg=ended", status_code=303)


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
        "dbs/candidacy.html",
        {
            "patient": patient,
            "values": values or {"assessed_for": utc_today().isoformat()},
            "errors": errors or [],
            "answers": ANSWER_OPTIONS,
            "diagnoses": DIAGNOSIS_OPTIONS,
            **_common(principal),
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/dbs/candidacy", response_class=HTMLResponse)
def candidacy_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("dbs.candidacy"))],
    ref: str,
) -> HTMLResponse:
    return _candidacy_page(request, db, principal, _patient(db, principal, ref, "dbs_candidacy"))


def _candidacy_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "dbs_candidacy")
        return _candidacy_page(
            request,
            db,
            principal,
            patient,
            values=problem.values,
            errors=problem.issues,
            status_code=422,
        )


@router.post("/patients/{ref}/dbs/candidacy", response_class=HTMLResponse)
@redisplay(_candidacy_again)
def candidacy_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("dbs.candidacy"))],
    ref: str,
    form: Annotated[schemas.CandidacyIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "dbs_candidacy")
    try:
        dbs_service.assess_candidacy(db, principal.actor, patient, **form.model_dump())
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/dbs?msg=candidacy", status_code=303)


# -- surgery ------------------------------------------------------------------------------
def _surgery_page(
    request: Request,
    db: Session,
    principal: Principal,
    patient: Patient,
    *,
    values: dict[str, Any] | None = None,
    errors: list[Issue] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "dbs/surgery.html",
        {
            "patient": patient,
            "values": values or {"operated_on": utc_today().isoformat(), "sides": "left right"},
            "errors": errors or [],
            "targets": list(target_catalogue().items()),
            "sides": SIDES,
            "scales": OUTCOME_SCALES,
            **_common(principal),
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/dbs/surgery", response_class=HTMLResponse)
def surgery_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("dbs.surgery"))],
    ref: str,
) -> HTMLResponse:
    return _surgery_page(request, db, principal, _patient(db, principal, ref, "dbs_surgery"))


def _surgery_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "dbs_surgery")
        return _surgery_page(
            request,
            db,
            principal,
            patient,
            values=problem.values,
            errors=problem.issues,
            status_code=422,
        )


@router.post("/patients/{ref}/dbs/surgery", response_class=HTMLResponse)
@redisplay(_surgery_again)
def surgery_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("dbs.surgery"))],
    ref: str,
    form: Annotated[schemas.SurgeryIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "dbs_surgery")
    try:
        dbs_service.record_surgery(db, principal.actor, patient, **form.model_dump())
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/dbs?msg=surgery", status_code=303)


# -- programming --------------------------------------------------------------------------
def _programming_page(
    request: Request,
    db: Session,
    principal: Principal,
    patient: Patient,
    *,
    values: dict[str, Any] | None = None,
    errors: list[Issue] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    doc = dbs_service.overview(db, principal.actor, patient)
    surgery = doc["surgery"]
    defaults: dict[str, Any] = {
        "programmed_on": utc_today().isoformat(),
        "side": surgery["sides"][0] if surgery else "left",
        "pulse_width_us": "90",
        "frequency_hz": "130",
    }
    defaults.update(values or {})
    sides = [(s, label) for s, label in SIDES if surgery and s in surgery["sides"]]
    return render(
        request,
        "dbs/programming.html",
        {
            "patient": patient,
            "dbs": doc,
            "values": defaults,
            "errors": errors or [],
            "sides": sides or SIDES,
            "contacts": lead_contacts(surgery["lead_model"] if surgery else None),
            "breached": any(e.path in ("amplitude_ma", "amplitude_v") for e in errors or []),
            **_common(principal),
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/dbs/programming", response_class=HTMLResponse)
def programming_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("dbs.program"))],
    ref: str,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "dbs_programming")
    return _programming_page(request, db, principal, patient)


def _programming_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "dbs_programming")
        return _programming_page(
            request,
            db,
            principal,
            patient,
            values=problem.values,
            errors=problem.issues,
            status_code=422,
        )


@router.post("/patients/{ref}/dbs/programming", response_class=HTMLResponse)
@redisplay(_programming_again)
def programming_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("dbs.program"))],
    ref: str,
    form: Annotated[schemas.ProgrammingIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "dbs_programming")
    try:
        row, _ = dbs_service.program(
            db,
            principal.actor,
            patient,
            form.model_dump(exclude={"override_reason"}),
            override_reason=form.override_reason,
            as_role=principal.role,
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    message = "overridden" if row.override_by else "programmed"
    return RedirectResponse(f"/patients/{patient.ref}/dbs?msg={message}", status_code=303)


# -- a programming record -----------------------------------------------------------------
def _record_page(
    request: Request,
    db: Session,
    principal: Principal,
    ref: str,
    number: int,
    *,
    errors: list[Issue] | None = None,
    detail: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "dbs_programming_record")
    record, entries = dbs_service.programming_versions(db, principal.actor, patient, number)
    return render(
        request,
        "dbs/record.html",
        {
            "patient": patient,
            "record": record,
            "entry": dbs_service.programming_to_dict(record),
            "history": [v.model_dump() for v in versions_out(entries)],
            "may_correct": principal.can("dbs.correct") and record.retired_at is None,
            "errors": errors or [],
            "detail": detail,
            **_common(principal),
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
            errors=problem.issues,
            detail=problem.detail,
            status_code=422,
        )


@router.get("/patients/{ref}/dbs/programmings/{number}", response_class=HTMLResponse)
def programming_record(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("dbs.read"))],
    ref: str,
    number: ProgrammingId,
) -> HTMLResponse:
    return _record_page(request, db, principal, ref, number)


@router.post(
    "/patients/{ref}/dbs/programmings/{number}/entered-in-error", response_class=HTMLResponse
)
@redisplay(_record_again)
def programming_retire_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("dbs.correct"))],
    ref: str,
    number: ProgrammingId,
    form: Annotated[RetireIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "dbs_programming_retire")
    try:
        dbs_service.retire_programming(
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
    return RedirectResponse(f"/patients/{patient.ref}/dbs?msg=retired", status_code=303)
