"""Pages of the IV ketamine room (OFF-LABEL, said on every page as the API says it in every
answer): the series page (plan, calendar, infusions, stop), the plan form, the form that
starts an infusion (baseline readings, the dose at the day's weight computed and shown), an
infusion's page (monitoring entries, end, discharge readiness and discharge, correction,
entered in error, versions); the chart panel and the caseload line.

Every form is parsed by the same input model as the API (:mod:`trdcare.ketamine.schemas`); a
refused form comes back with each problem beside its field and the values as typed
(:mod:`trdcare.adapters.web.forms`). A page's date-and-time field is the clinic's local
time. Adverse events and the physician's pause review are the courses room's pages, linked
from the series page (the API records them there too).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal, Require, form_data, who
from trdcare.adapters.web.corrections import RetireIn, versions_out
from trdcare.adapters.web.db import Db
from trdcare.adapters.web.forms import (
    FormRejected,
    clinic_now_input,
    clinic_time_zone,
    domain_issues,
    in_clinic_time,
    labelled,
    labels_of,
    redisplay,
    show_again,
)
from trdcare.adapters.web.panels import Panel
from trdcare.adapters.web.templating import render
from trdcare.assessments import pages as assessment_pages
from trdcare.audit import service as audit
from trdcare.core.clock import utc_now
from trdcare.core.errors import DomainError, Issue, NotFound
from trdcare.core.input_errors import plain_issues
from trdcare.core.vitals import VITAL_SIGN_RANGES
from trdcare.courses.pages import OUTCOME_SCALES, course_links
from trdcare.ketamine import schemas
from trdcare.ketamine import service as ket_service
from trdcare.ketamine.domain import (
    dose_limits,
    load,
    off_label,
    series_limits,
    weight_based_dose,
)
from trdcare.ketamine.endpoints import (
    InfusionNumber,
)
from trdcare.ketamine.repository import KetamineRepository
from trdcare.patients import service as patient_service
from trdcare.patients.pages import patient_ref

router = APIRouter(include_in_schema=False)

MESSAGES = {
    "planned": "Series planned (off-label); the calendar and the dose are below.",
    "stopped": "Series stopped; its infusions are kept.",
    "started": "Infusion started at the dose shown; record the readings as you monitor.",
    "observed": "Observation recorded.",
    "ended": "End of the infusion recorded; observation for discharge counts from it.",
    "discharged": "Discharged.",
    "corrected": "Correction saved; the earlier version is kept with your reason.",
    "retired": "Marked entered in error; the record is kept with your reason and no longer counts.",
}
PHASES = {"during": "during the infusion", "after": "after the infusion"}
STATUSES = {
    "active": "ongoing",
    "completed": "completed",
    "stopped": "stopped",
    "paused": "paused",
}


def _patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose=purpose)


def _series_or_none(db: Session, principal: Principal, patient: Patient) -> dict[str, Any] | None:
    try:
        return ket_service.status(db, principal.actor, patient)
    except NotFound:
        return None


def _rules() -> dict[str, Any]:
    """What the forms say about the catalogue's rules (each with its status)."""
    data = load()
    return {
        "dose": dose_limits(),
        "series": series_limits(),
        "standard_mg_per_kg": data.dose.standard_mg_per_kg,
        "standard_infusion_min": data.dose.standard_infusion_min,
        "dose_status": data.dose.status,
        "series_status": data.series.status,
        "default_infusions": data.series.default_infusions,
        "default_per_week": data.series.default_infusions_per_week,
        "bp": data.preinfusion_blood_pressure,
        "minimum_min": data.observation.minimum_after_infusion_min,
        "observation_status": data.observation.status,
    }


# -- dashboard and chart ------------------------------------------------------------------
def dashboard_rows(db: Session, principal: Principal) -> dict[str, dict[str, Any]]:
    """Per patient with an active series: 'IV ketamine (off-label): infusion n of N', and
    whether an infusion is under way (not yet discharged)."""
    if not principal.can("ketamine.read"):
        return {}
    out: dict[str, dict[str, Any]] = {}
    for ref, planned, discharged, open_ in KetamineRepository(db).dashboard_rows():
        under_way = ", infusion under way" if open_ else ""
        out[ref] = {
            "alerts": [],
            "course": f"IV ketamine (off-label): {discharged} of {planned} infusions{under_way}",
        }
    audit.record(
        db,
        principal.actor,
        "read",
        "ketamine_caseload",
        detail={"series": len(out), "patient_refs": sorted(out)},
    )
    return out


assessment_pages.DASHBOARD_PROVIDERS.append(dashboard_rows)


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    if not principal.can("ketamine.read"):
        return []
    series = KetamineRepository(db).current_series(patient.id)
    doc = None if series is None else ket_service.status(db, principal.actor, patient)
    return [
        Panel(
            id="ketamine",
            title="IV ketamine (off-label)",
            template="ketamine/panel.html",
            order=45,
            context={"series": doc, "off_label": off_label()},
        )
    ]


# -- the dose calculator (no patient data) ------------------------------------------------
DOSE_FIELDS = ("weight_kg", "dose_mg_per_kg", "infusion_min")


@router.get("/ketamine/dose", response_class=HTMLResponse)
def dose_page(
    request: Request,
    principal: Annotated[Principal, Depends(Require("ketamine.read"))],
    weight_kg: Annotated[str, Query(max_length=40)] = "",
    dose_mg_per_kg: Annotated[str, Query(max_length=40)] = "",
    infusion_min: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """The API's dose calculator as a page: the weight-based dose with its reasons, each
    problem beside its field (parsed by the API's input model, checked by the domain)."""
    values = {
        "weight_kg": weight_kg,
        "dose_mg_per_kg": dose_mg_per_kg,
        "infusion_min": infusion_min,
    }
    errors: list[Issue] = []
    dose = None
    if any(v.strip() for v in values.values()):
        labels, _ = labels_of(schemas.DoseIn)
        try:
            body = schemas.DoseIn.model_validate(values)
            dose = weight_based_dose(
                body.weight_kg, body.dose_mg_per_kg, body.infusion_min
            ).to_dict()
        except ValidationError as exc:
            errors = plain_issues(exc.errors(), labels)
        except DomainError as exc:
            errors = labelled(domain_issues(exc), labels)
    rules = _rules()
    return render(
        request,
        "ketamine/dose.html",
        {
            "off_label": off_label(),
            "rules": rules,
            "dose": dose,
            "values": values
            if any(v.strip() for v in values.values())
            else {
                "dose_mg_per_kg": f"{rules['standard_mg_per_kg']:g}",
                "infusion_min": str(rules["standard_infusion_min"]),
            },
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


# -- the series page ------------------------------------------------------------------------
def _series_page(
    request: Request,
    db: Session,
    principal: Principal,
    ref: str,
    *,
    message: str | None = None,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    detail: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "ketamine")
    series = _series_or_none(db, principal, patient)
    course_ref = series["course_ref"] if series else None
    return render(
        request,
        "ketamine/patient.html",
        {
            "patient": patient,
            "series": series,
            "off_label": off_label(),
            "course_links": course_links(request, patient.ref, course_ref),
            "statuses": STATUSES,
            "message": message,
            "values": values or {},
            "errors": errors or [],
            "detail": detail,
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/ketamine", response_class=HTMLResponse)
def series_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.read"))],
    ref: str,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    return _series_page(request, db, principal, ref, message=MESSAGES.get(msg or ""))


@router.post("/patients/{ref}/ketamine/series/stop", response_class=HTMLResponse)
@redisplay(show_again(_series_page))
def stop_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.plan"))],
    ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[schemas.StopIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "ketamine_stop")
    try:
        ket_service.stop_series(db, principal.actor, patient, reason=form.reason, on=form.on)
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return RedirectResponse(f"/patients/{patient.ref}/ketamine?msg=stopped", status_code=303)


# -- plan -----------------------------------------------------------------------------------
def _plan_page(
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
    patient = _patient(db, principal, ref, "ketamine_plan")
    rules = _rules()
    defaults = {
        "start": utc_now().astimezone(clinic_time_zone(request)).date().isoformat(),
        "dose_mg_per_kg": f"{rules['standard_mg_per_kg']:g}",
        "infusion_min": str(rules["standard_infusion_min"]),
        "infusions": str(rules["default_infusions"]),
        "infusions_per_week": str(rules["default_per_week"]),
        "primary_scale": "madrs",
    }
    return render(
        request,
        "ketamine/plan.html",
        {
            "patient": patient,
            "series": _series_or_none(db, principal, patient),
            "off_label": off_label(),
            "rules": rules,
            "scales": OUTCOME_SCALES,
            "values": {**defaults, **(values or {})},
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/ketamine/plan", response_class=HTMLResponse)
def plan_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.plan"))],
    ref: str,
) -> HTMLResponse:
    return _plan_page(request, db, principal, ref)


@router.post("/patients/{ref}/ketamine/plan", response_class=HTMLResponse)
@redisplay(show_again(_plan_page))
def plan_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.plan"))],
    ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[schemas.SeriesIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "ketamine_plan")
    try:
        ket_service.plan_series(
            db,
            principal.actor,
            patient,
            planned_by=who(principal),
            **form.model_dump(),
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return RedirectResponse(f"/patients/{patient.ref}/ketamine?msg=planned", status_code=303)


# -- start an infusion ------------------------------------------------------------------------
def _start_page(
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
    patient = _patient(db, principal, ref, "ketamine_infusion")
    series = _series_or_none(db, principal, patient)
    planned_dose = None
    if series is not None:
        # The dose at the planned weight, shown before the day's weight is typed.
        planned_dose = weight_based_dose(
            series["weight_kg"], series["dose_mg_per_kg"], series["infusion_min"]
        ).to_dict()
    return render(
        request,
        "ketamine/start.html",
        {
            "patient": patient,
            "series": series,
            "planned_dose": planned_dose,
            "off_label": off_label(),
            "rules": _rules(),
            "ranges": VITAL_SIGN_RANGES,
            "values": {"started_at": clinic_now_input(request), **(values or {})},
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/ketamine/infusions/new", response_class=HTMLResponse)
def start_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.administer"))],
    ref: str,
) -> HTMLResponse:
    return _start_page(request, db, principal, ref)


@router.post("/patients/{ref}/ketamine/infusions/new", response_class=HTMLResponse)
@redisplay(show_again(_start_page))
def start_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.administer"))],
    ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[schemas.InfusionStartIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "ketamine_infusion")
    local = in_clinic_time(request, form, "started_at")
    try:
        row, _ = ket_service.start_infusion(
            db,
            principal.actor,
            patient,
            administered_by=who(principal),
            bp_signer=who(principal),
            as_role=principal.role,
            **local.model_dump(),
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _done(patient, row.number, "started")


# -- an infusion's page ------------------------------------------------------------------------
def _done(patient: Patient, number: int, msg: str) -> RedirectResponse:
    return RedirectResponse(
        f"/patients/{patient.ref}/ketamine/infusions/{number}?msg={msg}", status_code=303
    )


def _moment(value: Any, tz: ZoneInfo) -> Any:
    """A kept time as the page shows times (the clinic's, to the minute); other values as
    they are."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return value


def _history(entries: list[Any], tz: ZoneInfo) -> list[dict[str, Any]]:
    out = []
    for version in versions_out(entries):
        doc = version.model_dump()
        doc["changes"] = [
            {"field": c.field, "before": _moment(c.before, tz), "after": _moment(c.after, tz)}
            for c in version.changes
        ]
        out.append(doc)
    return out


def _infusion_page(
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
    patient = _patient(db, principal, ref, "ketamine_infusion_record")
    record, entries = ket_service.infusion_versions(db, principal.actor, patient, number)
    infusion = ket_service.infusion_to_dict(record)
    series = ket_service.status(db, principal.actor, patient)
    readiness = None
    if record.discharged_at is None:
        readiness = ket_service.readiness(db, principal.actor, patient, number)
    dose = weight_based_dose(record.weight_kg, record.dose_mg_per_kg, record.infusion_min).to_dict()
    now = clinic_now_input(request)
    tz = clinic_time_zone(request)
    defaults = {
        "at": now,
        "ended_at": now,
        "discharged_at": now,
        "started_at": record.started_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
        "note": record.note,
    }
    if record.ended_at is not None:
        defaults["ended_at"] = record.ended_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M")
    return render(
        request,
        "ketamine/infusion.html",
        {
            "patient": patient,
            "series": series,
            "i": infusion,
            "record": record,
            "dose": dose,
            "readiness": readiness,
            "off_label": off_label(),
            "rules": _rules(),
            "phases": PHASES,
            "ranges": VITAL_SIGN_RANGES,
            "history": _history(entries, tz),
            "course_links": course_links(request, patient.ref, series["course_ref"]),
            "failed": failed,
            "message": message,
            "values": {**defaults, **(values or {})},
            "errors": errors or [],
            "detail": detail,
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/ketamine/infusions/{number}", response_class=HTMLResponse)
def infusion_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.read"))],
    ref: str,
    number: InfusionNumber,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    return _infusion_page(request, db, principal, ref, number, message=MESSAGES.get(msg or ""))


_INFUSION = "/patients/{ref}/ketamine/infusions/{number}"


@router.post(_INFUSION + "/observations", response_class=HTMLResponse)
@redisplay(show_again(_infusion_page, "number", failed="observe"))
def observe_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.observe"))],
    ref: str,
    number: InfusionNumber,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[schemas.ObservationIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "ketamine_observation")
    local = in_clinic_time(request, form, "at")
    try:
        ket_service.record_observation(
            db, principal.actor, patient, number, observed_by=who(principal), **local.model_dump()
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _done(patient, number, "observed")


@router.post(_INFUSION + "/end", response_class=HTMLResponse)
@redisplay(show_again(_infusion_page, "number", failed="end"))
def end_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.administer"))],
    ref: str,
    number: InfusionNumber,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[schemas.InfusionEndIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "ketamine_infusion_end")
    local = in_clinic_time(request, form, "ended_at")
    try:
        ket_service.end_infusion(db, principal.actor, patient, number, ended_at=local.ended_at)
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _done(patient, number, "ended")


@router.post(_INFUSION + "/discharge", response_class=HTMLResponse)
@redisplay(show_again(_infusion_page, "number", failed="discharge"))
def discharge_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.discharge"))],
    ref: str,
    number: InfusionNumber,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[schemas.DischargeIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "ketamine_discharge")
    local = in_clinic_time(request, form, "discharged_at")
    try:
        ket_service.discharge(
            db, principal.actor, patient, number, signed_by=who(principal), **local.model_dump()
        )
    except DomainError as exc:
        raise FormRejected(exc, raw) from exc
    return _done(patient, number, "discharged")


@router.post(_INFUSION + "/correct", response_class=HTMLResponse)
@redisplay(show_again(_infusion_page, "number", failed="correct"))
def correct_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.correct"))],
    ref: str,
    number: InfusionNumber,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[schemas.InfusionCorrectionIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "ketamine_infusion_correct")
    local = in_clinic_time(request, form, "started_at", "ended_at")
    # A time left empty on the page is "unchanged" (an end is never erased by a correction).
    changes = local.model_dump(exclude={"reason", "version"}, exclude_none=True)
    try:
        ket_service.correct_infusion(
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
        raise FormRejected(exc, raw) from exc
    return _done(patient, number, "corrected")


@router.post(_INFUSION + "/entered-in-error", response_class=HTMLResponse)
@redisplay(show_again(_infusion_page, "number", failed="retire"))
def retire_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("ketamine.correct"))],
    ref: str,
    number: InfusionNumber,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[RetireIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "ketamine_infusion_retire")
    try:
        ket_service.retire_infusion(
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
    return RedirectResponse(f"/patients/{patient.ref}/ketamine?msg=retired", status_code=303)
