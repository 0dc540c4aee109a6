"""Pages of the PGx room: the patient's PGx page (each gene's result in use, the CPIC
recommendations and the trials they bear on, every result on record), the form to upload a
VCF (the API's, :mod:`trdcare.pgx.upload`), the form to enter an outside call (a
lab-reported diplotype), marking a result entered in error; the chart panel.
"""

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
    flat_paths,
    page_principal,
    page_session,
    redisplay,
)
from trdcare.adapters.web.panels import Panel
from trdcare.adapters.web.templating import render
from trdcare.core.clock import utc_today
from trdcare.core.errors import DomainError, Issue
from trdcare.patients import service as patient_service
from trdcare.patients.pages import patient_ref
from trdcare.pgx import schemas
from trdcare.pgx import service as pgx_service
from trdcare.pgx.domain import tables
from trdcare.pgx.endpoints import ResultId
from trdcare.pgx.upload import (
    ACCEPTED,
    UPLOAD_BODY_LIMIT_BYTES,
    VCF_UPLOAD_MAX_BYTES,
    VcfUploadIn,
    import_upload,
)

router = APIRouter(include_in_schema=False)

MESSAGES = {
    "vcf": "VCF stored: one result per gene, with the file's checksum. Check the calls below.",
    "outside": "Outside call recorded; the results in use and the recommendations include it.",
    "retired": "Marked entered in error; the result is kept with your reason and no longer counts.",
}
# The domain names a diplotype's problem by gene (``diplotype.CYP2D6``, as the API and the
# CLI's --diplotype GENE=... do); the form has one diplotype field.
DIPLOTYPE_PATHS = {f"diplotype.{gene}": "diplotype" for gene in tables.GENES}


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    if not principal.can("pgx.read"):
        return []
    doc = pgx_service.overview(db, principal.actor, patient)
    return [
        Panel(
            id="pgx",
            title="Pharmacogenomics (CPIC)",
            template="pgx/panel.html",
            order=15,  # right after the treatment history, whose trials it explains
            context={"pgx": doc},
        )
    ]


def _patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose=purpose)


def _pgx_page(
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
    return render(
        request,
        "pgx/patient.html",
        {
            "patient": patient,
            "pgx": pgx_service.overview(db, principal.actor, patient),
            "message": message,
            "values": values or {},
            "errors": errors or [],
            "retiring": retiring,
            "genes": [(g, g) for g in tables.GENES],
            "today": utc_today().isoformat(),
            "vcf_accepted": ACCEPTED,
            "vcf_max_mb": VCF_UPLOAD_MAX_BYTES // 1_000_000,
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/pgx", response_class=HTMLResponse)
def pgx_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("pgx.read"))],
    ref: str,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "pgx")
    return _pgx_page(request, db, principal, patient, message=MESSAGES.get(msg or ""))


def _pgx_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    problem = flat_paths(problem, DIPLOTYPE_PATHS)
    number = request.path_params.get("number")
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "pgx")
        return _pgx_page(
            request,
            db,
            principal,
            patient,
            values=problem.values,
            errors=problem.issues,
            retiring=int(number) if number is not None else None,
            status_code=422,
        )


@router.post(
    "/patients/{ref}/pgx/vcf", response_class=HTMLResponse, max_body_size=UPLOAD_BODY_LIMIT_BYTES
)
@redisplay(_pgx_again)
def vcf_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("pgx.record"))],
    ref: str,
    form: Annotated[VcfUploadIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "pgx_import")
    try:
        import_upload(db, principal.actor, patient, form)
    except DomainError as exc:
        # The sample ID is shown again; a browser never lets a page refill a file input.
        raise FormRejected(exc, {"sample": form.sample or ""}) from exc
    return RedirectResponse(f"/patients/{patient.ref}/pgx?msg=vcf", status_code=303)


@router.post("/patients/{ref}/pgx/outside-calls", response_class=HTMLResponse)
@redisplay(_pgx_again)
def outside_call_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("pgx.record"))],
    ref: str,
    form: Annotated[schemas.OutsideCallIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "pgx_outside")
    try:
        pgx_service.add_outside_call(db, principal.actor, patient, **form.model_dump())
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/pgx?msg=outside", status_code=303)


@router.post("/patients/{ref}/pgx/results/{number}/entered-in-error", response_class=HTMLResponse)
@redisplay(_pgx_again)
def retire_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("pgx.record"))],
    ref: str,
    number: ResultId,
    form: Annotated[RetireIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "pgx_retire")
    try:
        pgx_service.retire_result(
            db, principal.actor, patient, number, reason=form.reason, expected_version=form.version
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/pgx?msg=retired", status_code=303)
