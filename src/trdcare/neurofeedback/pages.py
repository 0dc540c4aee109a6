"""Pages of the neurofeedback room: the patient's course (the learning curve beside the
depression scores), the clinician's start form and live view (signal quality per channel,
the feature trace, reward rate, stop), the patient's feedback display (a calm visual and an
optional tone), and the live event stream (SSE) both pages read; marking a stored session entered in error
(``nf.correct``) from the course page.

A live session is addressed by an opaque random id (``/neurofeedback/live/<id>``): no
patient ref, name or MRN is in those addresses. Every page and the stream are audited
through the service; the stream's reconnections (every ``STREAM_S``) are not, only its
first connection.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Form, Header, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal, Require, form_data
from trdcare.adapters.web.charts import series_svg
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
from trdcare.assessments import service as assessment_service
from trdcare.core.errors import DomainError, InvalidInput, Issue, NotFound
from trdcare.courses import service as courses_service
from trdcare.neurofeedback import service as nf_service
from trdcare.neurofeedback.domain import catalogue as nf_catalogue
from trdcare.neurofeedback.endpoints import SessionNumber
from trdcare.neurofeedback.live import LiveSession, LiveSessions
from trdcare.neurofeedback.schemas import (
    PROTOCOL_LABELS,
    REFERENCE_LABELS,
    LiveStartIn,
    NfSessionRetireIn,
    SessionInput,
)
from trdcare.patients import service as patient_service
from trdcare.patients.pages import patient_ref

router = APIRouter(include_in_schema=False)

#: One event stream lasts this long (s); the browser reconnects at once and resumes after
#: the last event it got (``Last-Event-ID``), so a stopping server never waits on a stream.
STREAM_S = 15.0
STREAM_POLL_S = 0.1

MESSAGES = {
    "stored": "Session stopped, recorded and stored on the course.",
    "retired": "Marked entered in error; the session is kept with your reason (its recording "
    "too) and no longer counts.",
}

# The artifact gate's reasons (domain.artifacts.REASONS) as the clinic reads them.
GATE_WORDS = {
    "amplitude": "amplitude",
    "flat": "flat line",
    "blink": "eye blink",
    "muscle": "muscle",
    "missing": "samples not numbers",
}
ENDED_WORDS = {
    "duration": "ran its planned duration",
    "source ended": "the source ended",
    "source stopped": "the source stopped",
    "stopped by user": "stopped by the clinician",
    "server stopped": "the server was shut down",
}

_REGISTRY_LOCK = threading.Lock()


def live_sessions(request: Request) -> LiveSessions:
    """The process's live sessions (made on first use; the app's lifespan stops them)."""
    state = request.app.state
    with _REGISTRY_LOCK:
        registry = getattr(state, "nf_live", None)
        if registry is None:
            registry = LiveSessions(state.engine)
            state.nf_live = registry
    return registry


def configured_sources(request: Request) -> list[tuple[str, str]]:
    """(value, label) of the sources this server offers (``TRDCARE_NF_SOURCES``)."""
    out = []
    for text in request.app.state.settings.nf_sources:
        kind, _, rest = text.partition(":")
        label = {
            "synthetic": "Synthetic signal (demonstration)",
            "lsl": f"Lab Streaming Layer stream {rest}",
            "brainflow": f"BrainFlow board {rest}",
            "file": f"Recording {rest.rsplit('/', 1)[-1]} (replayed)",
        }.get(kind, text)
        out.append((text, label))
    return out


def _patient(db: Session, principal: Principal, ref: str, purpose: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose=purpose)


def _live(request: Request, sid: str) -> LiveSession:
    live = live_sessions(request).get(sid) if len(sid) <= 40 else None
    if live is None:
        raise NotFound("session: no live session with this id on this server")
    return live


# the chart panel and the score chart's session ticks ----------------------------------------
def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    if not principal.can("nf.read"):
        return []
    view = nf_service.course_view(db, principal.actor, patient)
    return [
        Panel(
            id="neurofeedback",
            title="Neurofeedback sessions (investigational)",
            template="neurofeedback/panel.html",
            order=46,
            context={"courses": [_course_words(c) for c in view["courses"]]},
        )
    ]


assessment_pages.SESSION_DATE_PROVIDERS.append(nf_service.session_dates)


def _course_words(course: dict[str, Any]) -> dict[str, Any]:
    sessions = course["sessions"]
    protocols = sorted({s["protocol"] for s in sessions})
    return {
        **course,
        "protocols": ", ".join(PROTOCOL_LABELS.get(p, p) for p in protocols) or "-",
        "sessions": [
            {
                **s,
                "ended_words": ENDED_WORDS.get(s["ended"], s["ended"]),
                "started": datetime.fromisoformat(s["started_at"]),
                "protocol_label": PROTOCOL_LABELS.get(s["protocol"], s["protocol"]),
            }
            for s in sessions
        ],
    }


# the course page ----------------------------------------------------------------------------
def _course_page(
    request: Request,
    db: Session,
    principal: Principal,
    patient: Patient,
    *,
    message: str | None = None,
    values: dict[str, str] | None = None,
    errors: list[Issue] | None = None,
    retiring: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    view = nf_service.course_view(db, principal.actor, patient)
    rows = assessment_service.list_assessments(db, principal.actor, patient)
    courses = []
    for course, row in zip(
        view["courses"], nf_service.nf_courses(db, principal.actor, patient), strict=True
    ):
        verdict = courses_service.course_outcome(db, principal.actor, patient, row)
        scores = assessment_pages.trajectory(
            db, row.primary_scale, rows, patient, row.start_date, verdict
        )
        sessions = course["sessions"]
        feature = [
            (s["session_number"], s["mean_feature"])
            for s in sessions
            if s["mean_feature"] is not None
        ]
        rewarded = [
            (s["session_number"], s["pct_time_rewarded"])
            for s in sessions
            if s["pct_time_rewarded"] is not None
        ]
        courses.append(
            {
                **_course_words(course),
                "feature_svg": series_svg(
                    title="Mean feedback value per session (the learning curve)",
                    points=feature,
                    x_label="Session",
                    y_label="Mean value",
                    digits=3,
                    width=440,
                    height=240,
                ),
                "rewarded_svg": series_svg(
                    title="Time rewarded per session (%)",
                    points=rewarded,
                    x_label="Session",
                    y_label="Rewarded (%)",
                    digits=1,
                    width=440,
                    height=240,
                ),
                "scores": scores,
                "entered_in_error": [
                    {
                        **r,
                        "started": datetime.fromisoformat(r["started_at"]),
                        "retired": datetime.fromisoformat(r["retired_at"])
                        if r["retired_at"]
                        else None,
                    }
                    for r in course["entered_in_error"]
                ],
            }
        )
    running = live_sessions(request).running_for(patient.id)
    return render(
        request,
        "neurofeedback/course.html",
        {
            "patient": patient,
            "courses": courses,
            "running": running,
            "gate_words": GATE_WORDS,
            "artifact_alert": nf_catalogue.provenance("artifact_alert_pct"),
            "message": message,
            "values": values or {},
            "errors": errors or [],
            "retiring": retiring,
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/neurofeedback", response_class=HTMLResponse)
def course_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("nf.read"))],
    ref: str,
    msg: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "nf_course")
    return _course_page(request, db, principal, patient, message=MESSAGES.get(msg or ""))


def _course_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    number = request.path_params.get("number", "")
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "nf_course")
        return _course_page(
            request,
            db,
            principal,
            patient,
            values=problem.values,
            errors=problem.issues,
            # the form refused: the one of this session on this course (see course.html)
            retiring=f"{problem.value('course')}-{number}",
            status_code=422,
        )


@router.post(
    "/patients/{ref}/neurofeedback/sessions/{number}/entered-in-error",
    response_class=HTMLResponse,
)
@redisplay(_course_again)
def retire_submit(
    db: Db,
    principal: Annotated[Principal, Depends(Require("nf.correct"))],
    ref: str,
    number: SessionNumber,
    form: Annotated[NfSessionRetireIn, Form()],
) -> Response:
    patient = _patient(db, principal, ref, "nf_session_retire")
    try:
        nf_service.retire_session(
            db,
            principal.actor,
            patient,
            number,
            reason=form.reason,
            expected_version=form.version,
            course_ref=form.course,
            as_role=principal.role,
        )
    except DomainError as exc:
        raise FormRejected(exc, form) from exc
    return RedirectResponse(f"/patients/{patient.ref}/neurofeedback?msg=retired", status_code=303)


# starting a session -------------------------------------------------------------------------
def _start_page(
    request: Request,
    patient: Patient,
    *,
    values: dict[str, str] | None = None,
    errors: list[Any] | None = None,
    detail: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "neurofeedback/start.html",
        {
            "patient": patient,
            "sources": configured_sources(request),
            "protocols": list(PROTOCOL_LABELS.items()),
            "references": list(REFERENCE_LABELS.items()),
            "values": values or {},
            "errors": errors or [],
            "detail": detail,
        },
        status_code=status_code,
    )


@router.get("/patients/{ref}/neurofeedback/start", response_class=HTMLResponse)
def start_form(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("nf.run"))],
    ref: str,
) -> HTMLResponse:
    patient = _patient(db, principal, ref, "nf_session")
    return _start_page(request, patient)


def _start_again(request: Request, problem: FormProblem) -> HTMLResponse:
    principal = page_principal(request)
    with page_session(request) as db:
        patient = _patient(db, principal, request.path_params["ref"], "nf_session")
        return _start_page(
            request,
            patient,
            values=problem.values,
            errors=problem.issues,
            detail=problem.detail,
            status_code=422 if problem.issues else 409,
        )


# The domain names a band by what it is (alpha, theta) and speaks the command line's options;
# the page names the form's fields.
_BAND_FIELDS = {
    "faa": {"alpha": "band"},
    "alpha_theta": {"theta": "numerator", "alpha": "denominator"},
    "ratio": {},
}
_OPTION_WORDS = (
    (
        "--channels Cz --numerator 12-15 --denominator 4-8",
        "channels Cz, numerator 12-15, denominator 4-8",
    ),
    ("--threshold", "a fixed threshold"),
)


def _in_page_words(exc: DomainError, protocol: str) -> DomainError:
    if not exc.issues:
        return exc
    fields = _BAND_FIELDS.get(protocol, {})
    issues = []
    for issue in exc.issues:
        allowed = issue.allowed
        for option, words in _OPTION_WORDS:
            allowed = allowed.replace(option, words) if allowed else allowed
        issues.append(replace(issue, path=fields.get(issue.path, issue.path), allowed=allowed))
    return type(exc)(exc.message, issues=issues)


def _check_choice(field: str, value: str, labels: dict[str, str], what: str) -> None:
    if value not in labels:
        raise InvalidInput.single(
            field, f"unknown {what}", allowed=", ".join(labels.values()), given=value
        )


@router.post("/patients/{ref}/neurofeedback/start", response_class=HTMLResponse)
@redisplay(_start_again)
def start_submit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("nf.run"))],
    ref: str,
    raw: Annotated[FormData, Depends(form_data)],
    form: Annotated[LiveStartIn, Form()],
) -> Response:
    from trdcare.neurofeedback.domain import config
    from trdcare.neurofeedback.preparation import default_recording, prepare

    patient = _patient(db, principal, ref, "nf_session")
    registry = live_sessions(request)
    try:
        if form.source not in request.app.state.settings.nf_sources:
            allowed = ", ".join(label for _, label in configured_sources(request))
            raise InvalidInput.single(
                "source", "not a source of this server", allowed=allowed, given=form.source
            )
        _check_choice("protocol", form.protocol, PROTOCOL_LABELS, "protocol")
        _check_choice("reference", form.reference, REFERENCE_LABELS, "reference")
        if registry.running_for(patient.id) is not None:
            raise InvalidInput.single(
                "source", "this patient's session is already running", given=form.source
            )
        nf_service.start_live(
            db, principal.actor, patient, source=form.source, protocol=form.protocol
        )
        channels = [c.strip() for c in (form.channels or "").split(",") if c.strip()] or None
        settings, used = config.pipeline_settings(
            {
                "window_s": form.window_s,
                "hop_s": form.hop_s,
                "highpass_hz": form.highpass_hz,
                "notch_hz": None if form.notch_hz is None else float(form.notch_hz),
            },
            form.reference,
        )
        protocol = config.protocol_from(
            form.protocol, channels, form.band, form.numerator, form.denominator, form.direction
        )
        given = SessionInput(
            baseline_s=form.baseline_s,
            block_s=form.block_s,
            target_reward_pct=form.target_reward_pct,
            threshold=form.threshold,
            duration_s=form.duration_s,
        )
        started_at = datetime.now(UTC)
        prepared = prepare(form.source, protocol, settings, used, given, realtime=True)
        live = registry.start(
            prepared,
            patient=patient,
            actor=principal.actor,
            started_at=started_at,
            recording=default_recording(request.app.state.settings.base.data_dir, started_at),
            duration_s=form.duration_s,
        )
    except DomainError as exc:
        raise FormRejected(_in_page_words(exc, form.protocol), raw) from exc
    return RedirectResponse(f"/neurofeedback/live/{live.id}", status_code=303)


# the live pages ------------------------------------------------------------------------------
def _live_context(live: LiveSession) -> dict[str, Any]:
    header = live.prepared.header
    protocol = header["protocol"]
    session = header["session"]
    return {
        "live": live,
        "source_label": live.prepared.source.info.name,
        "protocol_label": PROTOCOL_LABELS.get(protocol["kind"], protocol["kind"]),
        "formula": protocol["formula"],
        "direction": protocol["direction"],
        "baseline_s": session["baseline_s"],
        "target_reward_pct": session["target_reward_pct"],
        "fixed_threshold": session["threshold"],
        "channels": live.channels,
        "training": protocol["channels"],
        "duration_s": live.duration_s,
        "ended_words": ENDED_WORDS.get(live.ended, live.ended),
        "amplitude_uv": header["settings"]["amplitude_uv"],
        "flat_uv": header["settings"]["flat_uv"],
    }


@router.get("/neurofeedback/live/{sid}", response_class=HTMLResponse)
def live_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("nf.run"))],
    sid: str,
) -> HTMLResponse:
    live = _live(request, sid)
    nf_service.live_access(db, principal.actor, live.patient_ref, "read", "page", sid)
    patient = _patient(db, principal, live.patient_ref, "nf_session")
    return render(request, "neurofeedback/live.html", {"patient": patient, **_live_context(live)})


@router.get("/neurofeedback/live/{sid}/display", response_class=HTMLResponse)
def display_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("nf.run"))],
    sid: str,
) -> HTMLResponse:
    live = _live(request, sid)
    nf_service.live_access(db, principal.actor, live.patient_ref, "read", "display", sid)
    return render(request, "neurofeedback/display.html", {"live": live})


@router.get("/neurofeedback/stream/{sid}")
def live_stream(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("nf.run"))],
    sid: str,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    live = _live(request, sid)
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else -1
    if after < 0:
        nf_service.live_access(db, principal.actor, live.patient_ref, "read", "stream", sid)

    async def events() -> AsyncIterator[str]:
        seq = after
        yield "retry: 500\n\n"
        deadline = anyio.current_time() + STREAM_S
        while True:
            batch = live.since(seq)
            for n, text in batch:
                seq = n
                yield text
            if not live.running and not live.since(seq):
                return
            if anyio.current_time() > deadline:
                return
            await anyio.sleep(STREAM_POLL_S)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"X-Accel-Buffering": "no"},
    )


@router.post("/neurofeedback/live/{sid}/stop", response_class=HTMLResponse)
def live_stop(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("nf.run"))],
    sid: str,
) -> Response:
    live = _live(request, sid)
    nf_service.live_access(db, principal.actor, live.patient_ref, "update", "stop", sid)
    # the session thread stores the summary in its own transaction: end ours first
    db.commit()
    live_sessions(request).stop(live)
    if live.state == "stored":
        return RedirectResponse(
            f"/patients/{live.patient_ref}/neurofeedback?msg=stored", status_code=303
        )
    return RedirectResponse(f"/neurofeedback/live/{live.id}", status_code=303)
