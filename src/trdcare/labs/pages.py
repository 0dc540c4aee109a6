"""Pages of the labs room: the patient's labs page (results with flags, results entered in
error), the form to record a biomarker result, marking one entered in error; the chart panel
(beside the treatment history)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal, Require
from trdcare.adapters.web.corrections import RetireIn
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
from trdcare.core.clock import utc_today
from trdcare.core.errors import DomainError, Issue
from trdcare.labs import schemas
from trdcare.labs import service as labs_service
from trdcare.labs.domain import load
from trdcare.labs.endpoints import ResultId
from trdcare.patients import service as patient_service
from trdcare.patients.pages import patient_ref

router = APIRouter(include_in_schema=False)

MESSAGES = {
    "recorded": "Lab result recorded and flagged against the laboratory's range.",
    "retired": "Marked entered in error; the result is kept with your reason and no longer counts.",
}


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    if not principal.can("labs.read"):
        return []
    return [
        Panel(
            id="labs",
            title="Labs",
            template="labs/panel.html",
            order=16,  # beside the treatment history and the PGx results
            context={"labs": labs_service.overview(db, principal.actor, patient)},
        )
    ]


def _patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose=purpose)


def _labs_page(
    request: Request,
    db: Session,
    principal: Principal,
    patient: Patient,
    *,
    message: str | None = None,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    retiring: int | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    today = utc_today().isoformat()
    catalogue = load()
    return render(
        request,
        "labs/patient.html",
        {
            "patient": patient,
            "labs": labs_service.overview(db, principal.actor, patient),
            "message": message,
            "values": values or {"collected_on": today},
            "errors": errors or [],
            "retiring": retiring,
            "tests": [(a.id, f"{a.short_name} (LOINC {a.loinc})") for a in catalogue.analytes],
            "catalogue": catalogue,
            "units": sorted({u for a in catalogue.analytes for u in a.units}),
            "units_hint": "; ".join(
                f"{a.short_name}: {', '.join(a.units)}" for a in catalogue.analytes
            ),
            "today": today,
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/labs", response_class=HTMLResponse)
def labs_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("labs.read"))],
    ref: str,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "labs")
    return _labs_page(request, db, principal, patient, message=MESSAGES.get(msg or ""))


def _labs_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    number = request.path_params.get("number")
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "labs")
        return _labs_page(
            request,
            db,
            principal,
            patient,
            values=problem.values,
            errors=problem.issues,
            retiring=int(number) if number is not None else None,
            status_code=422,
        )


@router.post("/patients/{ref}/labs", response_class=HTMLResponse)
@redisplay(_labs_again)
def record_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("labs.record"))],
    ref: str,
    form: Annotated[schemas.LabResultIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "labs_record")
    try:
        labs_service.record_result(db, principal.actor, patient, **form.model_dump())
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/labs?msg=recorded", status_code=303)


@router.post("/patients/{ref}/labs/{number}/entered-in-error", response_class=HTMLResponse)
@redisplay(_labs_again)
def retire_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("labs.record"))],
    ref: str,
    number: ResultId,
    form: Annotated[RetireIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "labs_retire")
    try:
        labs_service.retire_result(
            db, principal.actor, patient, number, reason=form.reason, expected_version=form.version
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/labs?msg=retired", status_code=303)
