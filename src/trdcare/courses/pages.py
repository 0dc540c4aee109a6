"""Pages of the courses room: a non-TMS course's safety page (status, pause, adverse events,
the physician's pause review and acknowledgement, outcome), the report form, an event's
record with its corrections; the chart panel per course and the dashboard's alerts.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import iter_route_contexts
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.adapters.web.auth import Principal, Require, who
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
from trdcare.core.clock import utc_today
from trdcare.core.errors import DomainError, PermissionDenied
from trdcare.courses import service as course_service
from trdcare.courses.domain import catalogued_modalities, kinds_for, serious_criteria, severities
from trdcare.courses.endpoints import (
    CourseRef,
    EventId,
)
from trdcare.courses.schemas import (
    AcknowledgeIn,
    AdverseEventCorrectionIn,
    AdverseEventIn,
    PauseReviewIn,
)
from trdcare.patients import service as patient_service
from trdcare.patients.pages import patient_ref

router = APIRouter(include_in_schema=False)

MESSAGES = {
    "recorded": "Adverse event recorded.",
    "paused": "Adverse event recorded. It is serious: the course is PAUSED until a physician "
    "reviews it (resume or stop).",
    "serious_after": "Adverse event recorded. It is serious: it stays an alert until a "
    "physician acknowledges it.",
    "acknowledged": "Serious adverse events acknowledged.",
    "resumed": "Pause reviewed: the course resumes.",
    "stopped": "Pause reviewed: the course is stopped.",
    "corrected": "Correction saved; the earlier version is kept with your reason.",
    "retired": "Marked entered in error; the record is kept with your reason and no longer counts.",
}


# The scales a course's outcome may be judged on (its primary scale), as a form offers them.
OUTCOME_SCALES = [
    ("madrs", "MADRS"),
    ("hamd17", "HAM-D17"),
    ("phq9", "PHQ-9"),
    ("qids_sr16", "QIDS-SR16"),
]

# This room's pages for a course's adverse events and pause review, linked from the pages of
# the modality rooms whose courses they are (VNS, DBS, IV ketamine, psilocybin).
COURSE_PAGES = {
    "report": "/patients/{ref}/courses/{course_ref}/adverse-event",
    "safety": "/patients/{ref}/courses/{course_ref}/safety",
}


def course_links(request: Request, patient_ref: str, course_ref: str | None) -> dict[str, str]:
    """The pages of ``course_ref`` that this app serves: ``report`` (an adverse event) and
    ``safety`` (status, events, the physician's pause review)."""
    if course_ref is None:
        return {}
    # The app's routes include routers as a whole (FastAPI's included routers): walk into them
    # (before, a flat look at app.routes found none and the links were never shown).
    paths = {context.path for context in iter_route_contexts(request.app.routes)}
    return {
        name: path.format(ref=patient_ref, course_ref=course_ref)
        for name, path in COURSE_PAGES.items()
        if path in paths
    }


def _patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose=purpose)


#: Status marks a form shows beside a kind (a clinician reads which kinds are unconfirmed).
MARKED = ("UNVERIFIED", "SECONDARY")


#: Modalities without a catalogue of their own (the history room's vocabulary).
OTHER_MODALITY_LABELS = {"ect": "ECT", "medication": "Medication", "psychotherapy": "Psychotherapy"}


def modality_label(modality: str) -> str:
    """How a page names a modality (the catalogue's label, else the word)."""
    return catalogued_modalities().get(modality) or OTHER_MODALITY_LABELS.get(
        modality, modality.replace("_", " ").capitalize()
    )


def _form_options(course: TreatmentCourse) -> dict[str, Any]:
    """What the adverse-event forms offer for this course: its kinds (with their marks),
    the severities and the serious criteria."""
    return {
        "kinds": [
            (k.id, k.label + (f" ({k.source.status})" if k.source.status in MARKED else ""))
            for k in kinds_for(course.modality).values()
        ],
        "always_serious": [
            k.label for k in kinds_for(course.modality).values() if k.always_serious
        ],
        "severities": [(s.id, s.label) for s in severities().values()],
        "criteria": [(c.id, c.label) for c in serious_criteria().values()],
    }


# the dashboard and the chart -----------------------------------------------------------------
def dashboard_rows(db: Session, principal: Principal) -> dict[str, dict[str, Any]]:
    """Per patient with an ongoing (or alerting) non-TMS course: the course in words (as a
    fallback to the therapy room's own) and its alerts (``course_paused``, ``serious_adverse_event``), in one query. TMS courses are the
    TMS room's own rows, so nothing is counted twice."""
    out: dict[str, dict[str, Any]] = {}
    for c in course_service.caseload_courses(db, principal.actor):
        entry = out.setdefault(c.patient_ref, {"alerts": []})
        entry["alerts"] = list(dict.fromkeys([*entry["alerts"], *c.alerts]))
        if c.status in ("active", "paused"):
            # Shown when the modality's own room gives no words for the course (ECT, or a
            # room not built yet); a room's own text ("VNS month 4 of 12") comes first.
            text = f"{modality_label(c.modality)} ({c.status})"
            prior = entry.get("course_fallback")
            entry["course_fallback"] = f"{prior}; {text}" if prior else text
    return out


assessment_pages.DASHBOARD_PROVIDERS.append(dashboard_rows)


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    """One panel per non-TMS course: status, pause, adverse events and outcome."""
    if not principal.can("courses.read"):
        return []
    panels = []
    for i, course in enumerate(course_service.courses_of(db, principal.actor, patient)):
        view = course_service.course_view(db, principal.actor, patient, course)
        panels.append(
            Panel(
                id=f"course-{course.ref}",
                title=f"{modality_label(course.modality)} course {course.ref}",
                template="courses/panel.html",
                order=45 + i,
                context={"course": view, "label": modality_label(course.modality)},
            )
        )
    return panels


# the course's safety page ----------------------------------------------------------------------
def _safety_page(
    request: Request,
    db: Session,
    principal: Principal,
    ref: str,
    course_ref: str,
    *,
    message: str | None = None,
    problem: FormProblem | None = None,
    failed: str | None = None,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "course_safety")
    course = course_service.course_of(db, patient, course_ref)
    view = course_service.course_view(db, principal.actor, patient, course)
    return render(
        request,
        "courses/safety.html",
        {
            "patient": patient,
            "course": view,
            "label": modality_label(course.modality),
            "message": message,
            "errors": problem.issues if problem else [],
            "detail": problem.detail if problem else None,
            "values": problem.values if problem else {},
            "failed": failed,
        },
        status_code=422 if problem else 200,
    )


@router.get("/patients/{ref}/courses/{course_ref}/safety", response_class=HTMLResponse)
def safety_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("courses.read"))],
    ref: str,
    course_ref: CourseRef,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    return _safety_page(request, db, principal, ref, course_ref, message=MESSAGES.get(msg or ""))


def _safety_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    failed = "review" if request.url.path.endswith("/pause-review") else "acknowledge"
    with page_session(request) as db:
        return _safety_page(
            request,
            db,
            principal,
            request.path_params["ref"],
            request.path_params["course_ref"],
            problem=problem,
            failed=failed,
        )


def _done(patient: Patient, course_ref: str, msg: str) -> Response:
    return RedirectResponse(
        f"/patients/{patient.ref}/courses/{course_ref}/safety?msg={msg}", status_code=303
    )


@router.post("/patients/{ref}/courses/{course_ref}/acknowledge", response_class=HTMLResponse)
@redisplay(_safety_again)
def acknowledge_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("courses.review"))],
    ref: str,
    course_ref: CourseRef,
    form: Annotated[AcknowledgeIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "course_adverse_event")
    try:
        course = course_service.course_of(db, patient, course_ref)
        course_service.acknowledge_adverse_events(
            db, principal.actor, patient, course, physician=who(principal), note=form.note
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return _done(patient, course_ref, "acknowledged")


@router.post("/patients/{ref}/courses/{course_ref}/pause-review", response_class=HTMLResponse)
@redisplay(_safety_again)
def pause_review_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("courses.review"))],
    ref: str,
    course_ref: CourseRef,
    form: Annotated[PauseReviewIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "course_review")
    try:
        course = course_service.course_of(db, patient, course_ref)
        course_service.review_pause(
            db,
            principal.actor,
            patient,
            course,
            physician=who(principal),
            decision=form.decision,
            note=form.note,
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return _done(patient, course_ref, "resumed" if form.decision == "resume" else "stopped")


# report an adverse event ---------------------------------------------------------------------
def _report_page(
    request: Request,
    db: Session,
    principal: Principal,
    ref: str,
    course_ref: str,
    *,
    problem: FormProblem | None = None,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "course_adverse_event")
    course = course_service.course_of(db, patient, course_ref)
    today = utc_today().isoformat()
    return render(
        request,
        "courses/report.html",
        {
            "patient": patient,
            "course": course,
            "label": modality_label(course.modality),
            "values": {
                "occurred_on": today,
                "severity": "mild",
                **(problem.values if problem else {}),
            },
            "errors": problem.issues if problem else [],
            "detail": problem.detail if problem else None,
            "today": today,
            "reporter": who(principal),
            **_form_options(course),
        },
        status_code=422 if problem else 200,
    )


@router.get("/patients/{ref}/courses/{course_ref}/adverse-event", response_class=HTMLResponse)
def report_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("courses.adverse_event"))],
    ref: str,
    course_ref: CourseRef,
) -> HTMLResponse:
    return _report_page(request, db, principal, ref, course_ref)


def _report_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        return _report_page(
            request,
            db,
            principal,
            request.path_params["ref"],
            request.path_params["course_ref"],
            problem=problem,
        )


@router.post("/patients/{ref}/courses/{course_ref}/adverse-event", response_class=HTMLResponse)
@redisplay(_report_again)
def report_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("courses.adverse_event"))],
    ref: str,
    course_ref: CourseRef,
    form: Annotated[AdverseEventIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "course_adverse_event")
    try:
        course = course_service.course_of(db, patient, course_ref)
        done = course_service.report_adverse_event(
            db,
            principal.actor,
            patient,
            course,
            kind=form.kind,
            severity=form.severity,
            occurred_on=form.occurred_on,
            serious_criteria=form.serious_criteria,
            description=form.description,
            delivery_ref=form.delivery_ref,
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    if done.paused:
        msg = "paused"
    elif done.event.serious and done.transition.after != "paused":
        msg = "serious_after"
    else:
        msg = "recorded"
    return _done(patient, course_ref, msg)


# an event's record, corrections and entered-in-error -------------------------------------------
def _plain(course: TreatmentCourse, field: str, value: Any) -> Any:
    """A kept value as the clinic reads it: a kind by its label, criteria by their names."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field == "kind" and isinstance(value, str):
        kind = kinds_for(course.modality).get(value)
        return kind.label if kind else value.replace("_", " ")
    if isinstance(value, list):
        criteria = serious_criteria()
        names = [criteria[c].label.split(" (")[0] if c in criteria else str(c) for c in value]
        return ", ".join(names) or "none"
    return value


def _record_page(
    request: Request,
    db: Session,
    principal: Principal,
    ref: str,
    event_id: int,
    *,
    problem: FormProblem | None = None,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "course_adverse_event_record")
    event, entries = course_service.adverse_event_versions(db, principal.actor, patient, event_id)
    course = db.get(TreatmentCourse, event.course_id)
    assert course is not None  # a foreign key
    history = [
        {
            "version": v.version,
            "changed_by": v.changed_by,
            "changed_at": v.changed_at,
            "reason": v.reason,
            "changes": [
                {
                    "field": f.field,
                    "before": _plain(course, f.field, f.before),
                    "after": _plain(course, f.field, f.after),
                }
                for f in v.changes
            ],
        }
        for v in versions_out(entries)
    ]
    values: dict[str, Any] = {
        "kind": event.kind,
        "severity": event.severity,
        "occurred_on": event.occurred_on.isoformat(),
        "description": event.description,
        **{f"serious_{c}": "on" for c in event.serious_criteria},
    }
    if problem is not None:
        values = dict(problem.values)
    return render(
        request,
        "courses/record.html",
        {
            "patient": patient,
            "event": course_service.event_to_dict(course, event),
            "criteria_names": _plain(course, "serious_criteria", list(event.serious_criteria)),
            "course": course,
            "label": modality_label(course.modality),
            "history": history,
            "may_correct": principal.can("courses.correct") and event.retired_at is None,
            "values": values,
            "errors": problem.issues if problem else [],
            "detail": problem.detail if problem else None,
            "failed": (
                "retire"
                if problem and request.url.path.endswith("/entered-in-error")
                else ("correct" if problem else None)
            ),
            **_form_options(course),
        },
        status_code=422 if problem else 200,
    )


@router.get("/patients/{ref}/course-adverse-events/{event_id}", response_class=HTMLResponse)
def record_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("courses.read"))],
    ref: str,
    event_id: EventId,
) -> HTMLResponse:
    return _record_page(request, db, principal, ref, event_id)


def _record_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        return _record_page(
            request,
            db,
            principal,
            request.path_params["ref"],
            int(request.path_params["event_id"]),
            problem=problem,
        )


def _rejected(exc: DomainError, form: RetireIn) -> Exception:
    """A refusal for the user's role stays a 403; any other is shown on the form."""
    return exc if isinstance(exc, PermissionDenied) else FormRejected(exc, form)


@router.post(
    "/patients/{ref}/course-adverse-events/{event_id}/correct", response_class=HTMLResponse
)
@redisplay(_record_again)
def correct_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("courses.correct"))],
    ref: str,
    event_id: EventId,
    form: Annotated[AdverseEventCorrectionIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "course_adverse_event_correct")
    try:
        event, _, transition = course_service.correct_adverse_event(
            db,
            principal.actor,
            patient,
            event_id,
            form.changes(),
            reason=form.reason,
            expected_version=form.version,
            as_role=principal.role,
            physician=who(principal),
        )
    except DomainError as exc:
        raise _rejected(exc, form) from exc
    course = db.get(TreatmentCourse, event.course_id)
    assert course is not None
    msg = "paused" if transition is not None and transition.paused else "corrected"
    return _done(patient, course.ref, msg)


@router.post(
    "/patients/{ref}/course-adverse-events/{event_id}/entered-in-error",
    response_class=HTMLResponse,
)
@redisplay(_record_again)
def retire_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("courses.correct"))],
    ref: str,
    event_id: EventId,
    form: Annotated[RetireIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "course_adverse_event_retire")
    try:
        event = course_service.retire_adverse_event(
            db,
            principal.actor,
            patient,
            event_id,
            reason=form.reason,
            expected_version=form.version,
            as_role=principal.role,
            physician=who(principal),
        )
    except DomainError as exc:
        raise _rejected(exc, form) from exc
    course = db.get(TreatmentCourse, event.course_id)
    assert course is not None
    return _done(patient, course.ref, "retired")
