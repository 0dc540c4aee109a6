"""Pages of the pathway room: the options view (every therapy's status with its reasons and
sources, printable) and its chart panel. The patient's stated preferences are posted with the
page's form (patient data never in a URL); the view is a read, audited by the service.

The care plan (below): the editor (therapies on one timeline, the measurement schedule with
what is due and the self-report link of a patient's measure, the stated preferences, scores
attributed to the therapies, every version with who, when and why), its chart panel, and the
dashboard's overdue flag of a scheduled measure."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal, Require
from trdcare.adapters.web.db import Db
from trdcare.adapters.web.forms import (
    FormProblem,
    FormRejected,
    page_principal,
    page_session,
    redisplay,
)
from trdcare.adapters.web.panels import Panel
from trdcare.adapters.web.selfreport import link_url
from trdcare.adapters.web.templating import render
from trdcare.assessments import pages as assessment_pages
from trdcare.assessments.domain import SCALE_IDS, get_scale
from trdcare.core.errors import DomainError
from trdcare.history import service as history_service
from trdcare.pathway import schemas
from trdcare.pathway import service as pathway_service
from trdcare.pathway.domain.care_plan import COMPLETED_BY_LABELS, MAX_EVERY_DAYS
from trdcare.pathway.domain.facts import Preferences
from trdcare.pathway.domain.options import STATUS_WORDS
from trdcare.pathway.endpoints import MeasureKey, TherapyKey
from trdcare.pathway.schemas import (
    MeasureChangeIn,
    MeasureIn,
    MeasureLinkIn,
    PreferencesIn,
    RemoveIn,
    TherapyChangeIn,
    TherapyIn,
)
from trdcare.patients import service as patient_service
from trdcare.patients.pages import patient_ref

router = APIRouter(include_in_schema=False)

#: The badge class of each status (app.css): contraindicated and not indicated stand out.
BADGES = {
    "contraindicated": "danger",
    "not_indicated": "warn",
    "needs_information": "warn",
    "investigational_only": "",
    "available": "ok",
}


def _patient(db: Session, principal: Principal, ref: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose="options")


def _doc(
    db: Session, principal: Principal, patient: Patient, prefs: schemas.OptionsForm
) -> dict[str, Any]:
    report = pathway_service.options_for_patient(
        db,
        principal.actor,
        patient,
        preferences=pathway_service.Preferences(prefs.drug_free, prefs.cannot_attend_daily),
        ect=pathway_service.EctIndications(**prefs.ect().model_dump()),
    )
    return report.to_dict()


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    """The treatment options panel and the care plan's."""
    return _options_panels(db, principal, patient) + _care_plan_panels(db, principal, patient)


def _options_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    if not principal.can("pathway.read"):
        return []
    return [
        Panel(
            id="options",
            title="Treatment options",
            template="pathway/panel.html",
            order=12,  # right after the treatment history it reads
            context={
                "options": _doc(db, principal, patient, schemas.OptionsForm()),
                "badges": BADGES,
            },
        )
    ]


def _page(
    request: Request,
    db: Session,
    principal: Principal,
    patient: Patient,
    prefs: schemas.OptionsForm,
) -> HTMLResponse:
    return render(
        request,
        "pathway/options.html",
        {
            "patient": patient,
            "options": _doc(db, principal, patient, prefs),
            "prefs": prefs,
            "badges": BADGES,
            "status_words": STATUS_WORDS,
            "ect_fields": [
                (name, field.title)
                for name, field in schemas.OptionsForm.model_fields.items()
                if name
                in (
                    "catatonia",
                    "severe_suicidality",
                    "prior_ect_response",
                    "rapid_response_needed",
                )
            ],
        },
    )


@router.get("/patients/{ref}/options", response_class=HTMLResponse)
def options_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("pathway.read"))],
    ref: str,
) -> HTMLResponse:
    return _page(request, db, principal, _patient(db, principal, ref), schemas.OptionsForm())


@router.post("/patients/{ref}/options", response_class=HTMLResponse)
def options_with_preferences(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("pathway.read"))],
    ref: str,
    form: Annotated[schemas.OptionsForm, Form()],
) -> HTMLResponse:
    return _page(request, db, principal, _patient(db, principal, ref), form)


# -- the care plan ------------------------------------------------------------------------------
MESSAGES = {
    "saved": "Care plan saved as a new version; the earlier one is kept with your reason.",
    "removed": "Removed as entered in error; it is kept in the plan's versions with your reason.",
}

#: The dashboard's flag for a measure of a care plan that is overdue.
ALERT_LABELS = {"care_plan_measure_overdue": "Care-plan measure overdue"}
assessment_pages.ALERT_LABELS.update(ALERT_LABELS)

Read = Annotated[Principal, Depends(Require("care_plan.read"))]
Write = Annotated[Principal, Depends(Require("care_plan.write"))]


def _plan_patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose=purpose)


# the dashboard and the chart -----------------------------------------------------------------
def dashboard_rows(db: Session, principal: Principal) -> dict[str, dict[str, Any]]:
    """Per patient with a care-plan measure overdue: the flag (the dashboard audits the
    patients it shows)."""
    return {
        ref: {"alerts": ["care_plan_measure_overdue"]}
        for ref in pathway_service.overdue_measures(db)
    }


assessment_pages.DASHBOARD_PROVIDERS.append(dashboard_rows)


def _care_plan_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    if not principal.can("care_plan.read"):
        return []
    return [
        Panel(
            id="care-plan",
            title="Care plan",
            template="pathway/care_plan_panel.html",
            order=13,  # beside the treatment options, before the assessments it schedules
            context={"plan": pathway_service.plan_view(db, principal.actor, patient)},
        )
    ]


# the editor ----------------------------------------------------------------------------------
def _form_of(path: str) -> str:
    """Which form of the page a POST path belongs to (its problems are shown beside it)."""
    parts = path.rstrip("/").split("/care-plan/", 1)[-1].split("/")
    if parts == ["therapies"]:
        return "add-therapy"
    if parts == ["measures"]:
        return "add-measure"
    if parts == ["preferences"]:
        return "preferences"
    if len(parts) == 2:
        return f"change-{parts[1]}"
    if len(parts) == 3:
        return f"{parts[2]}-{parts[1]}"
    return ""


def _editor(
    request: Request,
    db: Session,
    principal: Principal,
    ref: str,
    *,
    message: str | None = None,
    problem: FormProblem | None = None,
    failed: str = "",
    new_link: str | None = None,
) -> HTMLResponse:
    patient = _plan_patient(db, principal, ref, "care_plan")
    plan = pathway_service.plan_view(db, principal.actor, patient)
    versions = pathway_service.plan_versions(db, principal.actor, patient)
    courses = history_service.list_courses(db, principal.actor, patient)
    labels = pathway_service.therapy_labels()
    today = plan["today"].isoformat()
    return render(
        request,
        "pathway/editor.html",
        {
            "patient": patient,
            "plan": plan,
            "versions": versions,
            "message": message,
            "errors": problem.issues if problem else [],
            "detail": problem.detail if problem else None,
            "values": problem.values if problem else {},
            "failed": failed,
            "new_link": new_link,
            "today": today,
            "therapies": sorted(labels.items(), key=lambda kv: kv[1]),
            "scales": [(s, get_scale(s).name) for s in SCALE_IDS],
            "self_report_scales": [
                get_scale(s).short_name for s in pathway_service.vocabulary().self_report_scales
            ],
            "completed_by": list(COMPLETED_BY_LABELS.items()),
            "max_every_days": MAX_EVERY_DAYS,
            "courses": [
                (
                    c.ref,
                    f"{c.ref}: {labels.get(c.modality, c.modality)} from {c.start_date.isoformat()}",
                )
                for c in courses
            ],
            "can_write": principal.can("care_plan.write"),
        },
        status_code=422 if problem else 200,
    )


@router.get("/patients/{ref}/care-plan", response_class=HTMLResponse)
def editor(
    request: Request,
    db: Db,
    principal: Read,
    ref: str,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    return _editor(request, db, principal, ref, message=MESSAGES.get(msg or ""))


def _again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        return _editor(
            request,
            db,
            principal,
            request.path_params["ref"],
            problem=problem,
            failed=_form_of(request.url.path),
        )


def _saved(patient: Patient, msg: str = "saved") -> Response:
    return RedirectResponse(f"/patients/{patient.ref}/care-plan?msg={msg}", status_code=303)


@router.post("/patients/{ref}/care-plan/therapies", response_class=HTMLResponse)
@redisplay(_again)
def add_therapy(db: Db, principal: Write, ref: str, form: Annotated[TherapyIn, Form()]) -> Response:
    patient = _plan_patient(db, principal, ref, "care_plan_change")
    try:
        pathway_service.add_therapy(db, principal.actor, patient, **form.model_dump())
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return _saved(patient)


@router.post("/patients/{ref}/care-plan/therapies/{therapy_key}", response_class=HTMLResponse)
@redisplay(_again)
def change_therapy(
    db: Db,
    principal: Write,
    ref: str,
    therapy_key: TherapyKey,
    form: Annotated[TherapyChangeIn, Form()],
) -> Response:
    patient = _plan_patient(db, principal, ref, "care_plan_change")
    try:
        pathway_service.change_therapy(
            db, principal.actor, patient, therapy_key, **form.model_dump()
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return _saved(patient)


@router.post(
    "/patients/{ref}/care-plan/therapies/{therapy_key}/remove", response_class=HTMLResponse
)
@redisplay(_again)
def remove_therapy(
    db: Db, principal: Write, ref: str, therapy_key: TherapyKey, form: Annotated[RemoveIn, Form()]
) -> Response:
    patient = _plan_patient(db, principal, ref, "care_plan_change")
    try:
        pathway_service.remove_therapy(
            db, principal.actor, patient, therapy_key, reason=form.reason, version=form.version
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return _saved(patient, "removed")


@router.post("/patients/{ref}/care-plan/measures", response_class=HTMLResponse)
@redisplay(_again)
def add_measure(db: Db, principal: Write, ref: str, form: Annotated[MeasureIn, Form()]) -> Response:
    patient = _plan_patient(db, principal, ref, "care_plan_change")
    try:
        pathway_service.add_measure(db, principal.actor, patient, **form.model_dump())
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return _saved(patient)


@router.post("/patients/{ref}/care-plan/measures/{measure_key}", response_class=HTMLResponse)
@redisplay(_again)
def change_measure(
    db: Db,
    principal: Write,
    ref: str,
    measure_key: MeasureKey,
    form: Annotated[MeasureChangeIn, Form()],
) -> Response:
    patient = _plan_patient(db, principal, ref, "care_plan_change")
    try:
        pathway_service.change_measure(
            db, principal.actor, patient, measure_key, **form.model_dump()
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return _saved(patient)


@router.post("/patients/{ref}/care-plan/measures/{measure_key}/remove", response_class=HTMLResponse)
@redisplay(_again)
def remove_measure(
    db: Db, principal: Write, ref: str, measure_key: MeasureKey, form: Annotated[RemoveIn, Form()]
) -> Response:
    patient = _plan_patient(db, principal, ref, "care_plan_change")
    try:
        pathway_service.remove_measure(
            db, principal.actor, patient, measure_key, reason=form.reason, version=form.version
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return _saved(patient, "removed")


@router.post("/patients/{ref}/care-plan/preferences", response_class=HTMLResponse)
@redisplay(_again)
def set_preferences(
    db: Db, principal: Write, ref: str, form: Annotated[PreferencesIn, Form()]
) -> Response:
    patient = _plan_patient(db, principal, ref, "care_plan_change")
    prefs = Preferences(drug_free=form.drug_free, cannot_attend_daily=form.cannot_attend_daily)
    try:
        pathway_service.set_preferences(
            db, principal.actor, patient, prefs, form.note, reason=form.reason, version=form.version
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return _saved(patient)


@router.post("/patients/{ref}/care-plan/measures/{measure_key}/link", response_class=HTMLResponse)
@redisplay(_again)
def send_link(
    request: Request,
    db: Db,
    principal: Write,
    ref: str,
    measure_key: MeasureKey,
    form: Annotated[MeasureLinkIn, Form()],
) -> HTMLResponse:
    patient = _plan_patient(db, principal, ref, "care_plan_link")
    try:
        _, raw = pathway_service.send_measure_link(
            db, principal.actor, patient, measure_key, expires_in_hours=form.expires_in_hours
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return _editor(request, db, principal, ref, new_link=link_url(request, raw))
