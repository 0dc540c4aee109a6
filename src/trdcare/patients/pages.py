"""Pages of the patient record: the list, registration, corrections and the patient chart."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from trdcare.adapters.web.auth import Principal, Require
from trdcare.adapters.web.db import Db
from trdcare.adapters.web.forms import (
    FormProblem,
    FormRejected,
    page_principal,
    page_session,
    redisplay,
)
from trdcare.adapters.web.panels import chart_panels
from trdcare.adapters.web.templating import render
from trdcare.core.clock import utc_today
from trdcare.core.errors import DomainError, Issue, NotFound
from trdcare.core.ids import is_ref
from trdcare.patients import service as patient_service
from trdcare.patients.domain import SEXES, age_years
from trdcare.patients.schemas import PatientCreate, PatientLookup, PatientUpdate

router = APIRouter(include_in_schema=False)

SEX_OPTIONS = [(s, s) for s in SEXES]
MESSAGES = {
    "added": "Patient registered.",
    "updated": "Patient record corrected; the previous version is kept.",
}


def patient_ref(ref: str) -> str:
    """Refuse anything but an opaque patient ref in a page URL."""
    if len(ref) > 12 or not is_ref(ref, "P"):
        raise NotFound("patient: no patient with this ref")
    return ref


@router.get("/patients", response_class=HTMLResponse)
def patient_list(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("patients.read"))],
    status: Annotated[Literal["active", "discharged", "all"], Query()] = "active",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    rows, total = patient_service.list_patients(
        db,
        principal.actor,
        status=None if status == "all" else status,
        limit=limit,
        offset=offset,
    )
    return render(
        request,
        "patients/list.html",
        {
            "patients": rows,
            "page": {"total": total, "limit": limit, "offset": offset},
            "status": status,
            "message": MESSAGES.get(msg or ""),
            "today": utc_today(),
            "age": age_years,
            "lookup_error": None,
        },
    )


def _list_again(request: Request, problem: FormProblem) -> HTMLResponse:
    """The list with the MRN search's problem beside it (the MRN is never shown back)."""
    principal = page_principal(request)
    with page_session(request) as db:
        rows, total = patient_service.list_patients(db, principal.actor, limit=100, offset=0)
        return render(
            request,
            "patients/list.html",
            {
                "patients": rows,
                "page": {"total": total, "limit": 100, "offset": 0},
                "status": "active",
                "message": None,
                "today": utc_today(),
                "age": age_years,
                "lookup_error": " ".join(i.message for i in problem.issues) or problem.detail,
            },
        )


@router.post("/patients/find", response_class=HTMLResponse)
@redisplay(_list_again)
def patient_find(
    db: Db,
    principal: Annotated[Principal, Depends(Require("patients.read"))],
    form: Annotated[PatientLookup, Form()],
) -> Response:
    """Find by MRN without putting the MRN in a URL (it is posted, then redirected by ref)."""
    try:
        patient = patient_service.find_patient(db, principal.actor, form.mrn, purpose="lookup")
    except DomainError as exc:
        raise FormRejected(exc, {}) from exc
    return RedirectResponse(f"/patients/{patient.ref}", status_code=303)


def _new_form(
    request: Request,
    values: dict[str, Any] | None = None,
    errors: list[Issue] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "patients/new.html",
        {"values": values or {}, "errors": errors or [], "sexes": SEX_OPTIONS},
        status_code=status_code,
    )


@router.get("/patients/new", response_class=HTMLResponse)
def patient_new(
    request: Request, _: Annotated[Principal, Depends(Require("patients.write"))]
) -> HTMLResponse:
    return _new_form(request)


def _new_again(request: Request, problem: FormProblem) -> HTMLResponse:
    return _new_form(request, problem.values, problem.issues)


@router.post("/patients/new", response_class=HTMLResponse)
@redisplay(_new_again)
def patient_create(
    db: Db,
    principal: Annotated[Principal, Depends(Require("patients.write"))],
    form: Annotated[PatientCreate, Form()],
) -> Response:
    try:
        patient = patient_service.add_patient(db, principal.actor, form)
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}?msg=added", status_code=303)


@router.get("/patients/{ref}", response_class=HTMLResponse)
def patient_chart(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("patients.read"))],
    ref: str,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    patient = patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose="chart")
    panels = chart_panels(db, principal, patient)
    return render(
        request,
        "patients/chart.html",
        {
            "patient": patient,
            "age": age_years(patient.birth_date, utc_today()),
            "panels": panels,
            "message": MESSAGES.get(msg or ""),
        },
    )


def _edit_form(
    request: Request,
    patient: Any,
    values: dict[str, Any] | None = None,
    errors: list[Issue] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    defaults = {
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "birth_date": patient.birth_date.isoformat(),
        "sex": patient.sex,
        "status": patient.status,
        "reason": "",
    }
    defaults.update(values or {})
    return render(
        request,
        "patients/edit.html",
        {
            "patient": patient,
            "values": defaults,
            "errors": errors or [],
            "sexes": SEX_OPTIONS,
            "statuses": [("active", "active"), ("discharged", "discharged")],
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/edit", response_class=HTMLResponse)
def patient_edit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("patients.write"))],
    ref: str,
) -> HTMLResponse:
    patient = patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose="edit")
    return _edit_form(request, patient)


def _edit_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    ref = patient_ref(request.path_params["ref"])
    with page_session(request) as db:
        patient = patient_service.find_patient(db, principal.actor, ref, purpose="edit")
        return _edit_form(request, patient, problem.values, problem.issues)


@router.post("/patients/{ref}/edit", response_class=HTMLResponse)
@redisplay(_edit_again)
def patient_update(
    db: Db,
    principal: Annotated[Principal, Depends(Require("patients.write"))],
    ref: str,
    form: Annotated[PatientUpdate, Form()],
) -> Response:
    patient = patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose="update")
    try:
        patient_service.update_patient(db, principal.actor, patient, form)
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}?msg=updated", status_code=303)
