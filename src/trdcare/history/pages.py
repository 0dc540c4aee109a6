"""Pages of the treatment-history room: TRD status and stages explained, and the history form."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from pydantic import Field
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal, Require, form_data
from trdcare.adapters.web.corrections import Blank, RetireIn, versions_out
from trdcare.adapters.web.db import Db
from trdcare.adapters.web.forms import (
    FormProblem,
    FormRejected,
    domain_issues,
    page_principal,
    page_session,
    redisplay,
)
from trdcare.adapters.web.panels import Panel
from trdcare.adapters.web.templating import render
from trdcare.assessments.domain.scoring import get_scale
from trdcare.core.clock import utc_today
from trdcare.core.errors import DomainError, Issue, NotFound, PermissionDenied
from trdcare.core.provenance import provenance_label
from trdcare.history import service as history_service
from trdcare.history.domain import (
    ADHERENCE,
    CRITERIA_PRESETS,
    ELECTRODE_PLACEMENTS,
    OUTCOMES,
    SEVERITIES,
    TreatmentHistory,
    history_to_dict,
    load_catalogue,
    parse_history,
)
from trdcare.history.endpoints import CourseRef, TrialId
from trdcare.history.repository import HistoryRepository
from trdcare.history.schemas import (
    ROWS,
    AntidepressantRow,
    AugmentationRow,
    EctRow,
    HistoryForm,
    PsychotherapyRow,
)
from trdcare.patients import service as patient_service
from trdcare.patients.pages import patient_ref

router = APIRouter(include_in_schema=False)


# The cells of each kind of row on the form (one model per kind of row).
FIELDS = {
    "antidepressant_trials": tuple(AntidepressantRow.model_fields),
    "augmentation_trials": tuple(AugmentationRow.model_fields),
    "ect_courses": tuple(EctRow.model_fields),
    "psychotherapy_courses": tuple(PsychotherapyRow.model_fields),
}
STATUS_TEXT = {
    "resistant": "Treatment-resistant",
    "not_resistant": "Not treatment-resistant",
    "insufficient_information": "Insufficient information",
}


def source_citer(
    sources: Sequence[tuple[str, str]], page: str = ""
) -> Callable[[str | None, str | None], Markup]:
    """A rule's source tags as numbered links to the page's source list.

    The staging rules cite tags (``"trdcare_derived,sackeim2001_athf"``); a clinician reads
    ``[3, 5] DERIVED`` with each number a link to the full citation (``page`` is the
    history page's address when the list is on another page, as from the chart panel). A
    tag that is not in the list (a status mark used as its own source) is shown as written.
    """
    listed = {tag: (n, citation) for n, (tag, citation) in enumerate(sources, 1)}

    def cite(tags: str | None, status: str | None = None) -> Markup:
        linked: list[Markup] = []
        other: list[str] = []
        for tag in (t.strip() for t in (tags or "").split(",") if t.strip()):
            if tag not in listed:
                other.append(tag)
                continue
            n, citation = listed[tag]
            linked.append(
                Markup('<a href="{}#src-{}" title="{}">{}</a>').format(page, tag, citation, n)
            )
        label = provenance_label(", ".join(other), status) if other or status else ""
        if not linked:
            return escape(label or "source not stated")
        refs = Markup("[{}]").format(Markup(", ").join(linked))
        return Markup("{} {}").format(refs, label) if label else refs

    return cite


def _load(db: Session, principal: Principal, patient: Patient) -> TreatmentHistory | None:
    if HistoryRepository(db).current_episode(patient.id) is None:
        return None
    return history_service.load_history(db, principal.actor, patient, as_of=utc_today())


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    if not principal.can("clinical.read"):
        return []
    history = _load(db, principal, patient)
    report = history_service.stage(history) if history else None
    courses = history_service.list_courses(db, principal.actor, patient)
    return [
        Panel(
            id="history",
            title="Treatment history and TRD stage",
            template="history/panel.html",
            order=10,
            context={
                "report": report,
                "history": history,
                "status_text": STATUS_TEXT,
                "cite": source_citer(
                    report.sources if report else (), f"/patients/{patient.ref}/history"
                ),
                "courses": courses,
                "can_edit": principal.can("history.write"),
            },
        )
    ]


MESSAGES = {
    "saved": "History saved; TRD status and stages recomputed.",
    "retired": "Marked entered in error; it is kept with your reason and no longer counts.",
}


@router.get("/patients/{ref}/history", response_class=HTMLResponse)
def history_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("clinical.read"))],
    ref: str,
    criteria: Annotated[str | None, Query(max_length=40)] = None,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    patient = patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose="history")
    history = _load(db, principal, patient)
    chosen = criteria if criteria in CRITERIA_PRESETS else None
    report = history_service.stage(history, criteria=chosen) if history else None
    return render(
        request,
        "history/history.html",
        {
            "patient": patient,
            "history": history,
            "report": report,
            "status_text": STATUS_TEXT,
            "cite": source_citer(report.sources if report else ()),
            "criteria_options": [
                (c, CRITERIA_PRESETS[c].label[:1].upper() + CRITERIA_PRESETS[c].label[1:])
                for c in CRITERIA_PRESETS
            ],
            "criteria": report.criteria.name if report else "",
            "courses": history_service.list_courses(db, principal.actor, patient),
            "trials": history_service.list_trials(db, principal.actor, patient),
            "message": MESSAGES.get(msg or ""),
        },
    )


def _form_values(document: dict[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    episode = document.get("episode") or {}
    values["onset"] = str(episode.get("onset") or "")
    values["severity"] = str(episode.get("severity") or "")
    for kind, fields in FIELDS.items():
        for i, row in enumerate(document.get(kind) or []):
            for name in fields:
                value = row.get(name)
                if value is None or value is False:
                    continue
                values[f"{kind}.{i}.{name}"] = "on" if value is True else str(value)
    return values


def _edit_page(
    request: Request,
    patient: Patient,
    values: dict[str, str],
    errors: list[Issue] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    catalogue = load_catalogue()
    return render(
        request,
        "history/edit.html",
        {
            "patient": patient,
            "values": values,
            "errors": errors or [],
            "rows": ROWS,
            "severities": [(s, s.replace("_", " ")) for s in SEVERITIES],
            "adherence": [(a, a) for a in ADHERENCE],
            "outcomes": [(o, o.replace("_", " ")) for o in OUTCOMES],
            "placements": [(p, p.replace("_", " ")) for p in ELECTRODE_PLACEMENTS],
            "drugs": sorted(catalogue.antidepressants),
            "agents": sorted(catalogue.augmenting_agents),
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/history/edit", response_class=HTMLResponse)
def history_edit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("history.write"))],
    ref: str,
) -> HTMLResponse:
    patient = patient_service.find_patient(
        db, principal.actor, patient_ref(ref), purpose="history_edit"
    )
    history = _load(db, principal, patient)
    values = _form_values(history_to_dict(history)) if history else {}
    return _edit_page(request, patient, values)


def _form_paths(issues: list[Issue], rows_map: dict[str, dict[int, int]]) -> list[Issue]:
    """Point each issue of the document at the form row it came from (unused rows are not
    in the document) and the episode's fields at the form's own names."""
    out = []
    for issue in issues:
        parts = issue.path.split(".")
        if len(parts) >= 2 and parts[0] in rows_map and parts[1].isdecimal():
            parts[1] = str(rows_map[parts[0]].get(int(parts[1]), parts[1]))
        elif parts[0] == "episode" and len(parts) == 2:
            parts = parts[1:]
        out.append(replace(issue, path=".".join(parts)))
    return out


def _history_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    ref = patient_ref(request.path_params["ref"])
    with page_session(request) as db:
        patient = patient_service.find_patient(db, principal.actor, ref, purpose="history_edit")
        return _edit_page(request, patient, problem.values, problem.issues)


@router.post("/patients/{ref}/history/edit", response_class=HTMLResponse)
@redisplay(_history_again)
def history_save(
    db: Db,
    principal: Annotated[Principal, Depends(Require("history.write"))],
    ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[HistoryForm, Form()],
) -> Response:
    patient = patient_service.find_patient(
        db, principal.actor, patient_ref(ref), purpose="history_update"
    )
    document, rows_map = form.document(utc_today())
    try:
        history = parse_history(document, today=utc_today())
        existing = HistoryRepository(db).current_episode(patient.id) is not None
        history_service.import_history(db, principal.actor, patient, history, replace=existing)
    except DomainError as exc:
        issues = _form_paths(domain_issues(exc), rows_map)
        raise FormRejected(type(exc)(exc.message, issues=issues), raw) from exc
    return RedirectResponse(f"/patients/{patient.ref}/history?msg=saved", status_code=303)


@router.get("/patients/{ref}/history/document")
def history_document(
    db: Db,
    principal: Annotated[Principal, Depends(Require("clinical.read"))],
    ref: str,
) -> dict[str, Any]:
    """The stored history as a JSON document (the format of ``trdcare stage --history``)."""
    patient = patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose="export")
    history = _load(db, principal, patient)
    if history is None:
        raise NotFound("history: this patient has no recorded episode")
    return history_to_dict(history)


# corrections and entered-in-error ----------------------------------------------------------
class TrialCorrectionPage(RetireIn):
    """The trial correction form: every detail as shown (only the changed ones count)."""

    max_daily_dose_mg: Annotated[float | None, Blank] = Field(
        default=None, title="Maximum daily dose (mg)"
    )
    start_date: Annotated[date | None, Blank] = Field(default=None, title="Start")
    end_date: Annotated[date | None, Blank] = Field(default=None, title="End")
    adherence: Annotated[str | None, Blank] = Field(default=None, max_length=20, title="Adherence")
    outcome: Annotated[str | None, Blank] = Field(default=None, max_length=30, title="Outcome")


class CourseCorrectionPage(RetireIn):
    start_date: Annotated[date | None, Blank] = Field(default=None, title="Start")
    end_date: Annotated[date | None, Blank] = Field(default=None, title="End")
    primary_scale: Annotated[str | None, Blank] = Field(
        default=None, max_length=20, title="Primary scale"
    )


def _record_page(
    request: Request,
    db: Session,
    principal: Principal,
    ref: str,
    *,
    trial_id: int | None = None,
    course_ref: str | None = None,
    values: dict[str, str] | None = None,
    errors: list[Any] | None = None,
    detail: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    patient = patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose="record")
    record: Any
    if trial_id is not None:
        record, entries = history_service.trial_versions(db, principal.actor, patient, trial_id)
        kind, title = "trial", f"Trial: {record.agent.replace('_', ' ')}"
        base = f"/patients/{patient.ref}/history/trials/{record.id}"
    else:
        assert course_ref is not None
        record, entries = history_service.course_versions(db, principal.actor, patient, course_ref)
        kind, title = "course", f"Course {record.ref}"
        base = f"/patients/{patient.ref}/courses/{record.ref}"
    return render(
        request,
        "history/record.html",
        {
            "patient": patient,
            "kind": kind,
            "title": title,
            "base": base,
            "record": record,
            "history": [v.model_dump() for v in versions_out(entries)],
            "may_correct": principal.can("history.correct") and record.retired_at is None,
            "adherence": [(a, a) for a in ADHERENCE],
            "outcomes": [(o, o.replace("_", " ")) for o in OUTCOMES],
            "scales": [
                (s, get_scale(s).short_name)
                for s in ("phq9", "qids_sr16", "hamd17", "madrs", "gad7")
            ],
            "values": values or {},
            "errors": errors or [],
            "detail": detail,
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
            trial_id=int(params["trial_id"]) if "trial_id" in params else None,
            course_ref=params.get("course_ref"),
            values=problem.values,
            errors=problem.issues,
            detail=problem.detail,
            status_code=422,
        )


def _rejected(exc: DomainError, form: RetireIn) -> Exception:
    return exc if isinstance(exc, PermissionDenied) else FormRejected(exc, form)


def _given(form: RetireIn) -> dict[str, Any]:
    return {
        k: v for k, v in form.model_dump(exclude={"reason", "version"}).items() if v is not None
    }


@router.get("/patients/{ref}/history/trials/{trial_id}", response_class=HTMLResponse)
def trial_record(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("clinical.read"))],
    ref: str,
    trial_id: TrialId,
) -> HTMLResponse:
    return _record_page(request, db, principal, ref, trial_id=trial_id)


@router.post("/patients/{ref}/history/trials/{trial_id}/correct", response_class=HTMLResponse)
@redisplay(_record_again)
def trial_correct_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("history.correct"))],
    ref: str,
    trial_id: TrialId,
    form: Annotated[TrialCorrectionPage, Form()],
) -> Response:
    patient = patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose="trial")
    try:
        history_service.correct_trial(
            db,
            principal.actor,
            patient,
            trial_id,
            _given(form),
            reason=form.reason,
            expected_version=form.version,
        )
    except DomainError as exc:
        raise _rejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/history/trials/{trial_id}", status_code=303)


@router.post(
    "/patients/{ref}/history/trials/{trial_id}/entered-in-error", response_class=HTMLResponse
)
@redisplay(_record_again)
def trial_retire_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("history.correct"))],
    ref: str,
    trial_id: TrialId,
    form: Annotated[RetireIn, Form()],
) -> Response:
    patient = patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose="trial")
    try:
        history_service.retire_trial(
            db,
            principal.actor,
            patient,
            trial_id,
            reason=form.reason,
            expected_version=form.version,
        )
    except DomainError as exc:
        raise _rejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/history?msg=retired", status_code=303)


@router.get("/patients/{ref}/courses/{course_ref}", response_class=HTMLResponse)
def course_record(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("clinical.read"))],
    ref: str,
    course_ref: CourseRef,
) -> HTMLResponse:
    return _record_page(request, db, principal, ref, course_ref=course_ref)


@router.post("/patients/{ref}/courses/{course_ref}/correct", response_class=HTMLResponse)
@redisplay(_record_again)
def course_correct_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("history.correct"))],
    ref: str,
    course_ref: CourseRef,
    form: Annotated[CourseCorrectionPage, Form()],
) -> Response:
    patient = patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose="course")
    try:
        history_service.correct_course(
            db,
            principal.actor,
            patient,
            course_ref,
            _given(form),
            reason=form.reason,
            expected_version=form.version,
        )
    except DomainError as exc:
        raise _rejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/courses/{course_ref}", status_code=303)


@router.post("/patients/{ref}/courses/{course_ref}/entered-in-error", response_class=HTMLResponse)
@redisplay(_record_again)
def course_retire_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("history.correct"))],
    ref: str,
    course_ref: CourseRef,
    form: Annotated[RetireIn, Form()],
) -> Response:
    patient = patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose="course")
    try:
        history_service.retire_course(
            db,
            principal.actor,
            patient,
            course_ref,
            reason=form.reason,
            expected_version=form.version,
        )
    except DomainError as exc:
        raise _rejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/history?msg=retired", status_code=303)
