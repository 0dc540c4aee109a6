"""Assessment use cases: record a scale, list, outcomes for a course, the caseload summary.

Flushes, never commits; audits every read and write of patient data. The scoring and the
outcome rules are the pure domain's (:mod:`trdcare.assessments.domain`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import asdict
from datetime import date, datetime, timedelta
from itertools import chain, groupby
from typing import Any, NamedTuple

from sqlalchemy import event
from sqlalchemy.orm import Session

from trdcare.accounts import service as account_service
from trdcare.accounts.domain import is_allowed
from trdcare.accounts.domain.permissions import SAFETY_FLAG_ROLES, may_change_record
from trdcare.adapters.db.models import Assessment, Patient, TreatmentCourse
from trdcare.adapters.db.stamping import (
    VersionEntry,
    check_current,
    keep_version,
    retire_row,
    snapshot,
    stamp_new,
    version_history,
)
from trdcare.assessments.domain import (
    SCORED_SCALE_IDS,
    CourseOutcome,
    CourseVerdict,
    ScaleResult,
    ScorePoint,
    caseload_figures,
    course_outcome,
    course_verdict,
    get_scale,
    require_an_answer,
    score,
)
from trdcare.assessments.repository import AssessmentRepository, CaseloadRow, ScoredAdministration
from trdcare.assessments.schemas import ALERT_NOTE_MAX_CHARS, ALERT_NOTE_MIN_CHARS
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.clock import past_moment, utc_now
from trdcare.core.corrections import correction_reason
from trdcare.core.errors import Conflict, InvalidInput, IssueCollector, NotFound, PermissionDenied
from trdcare.core.text import unsafe_character
from trdcare.history import service as history_service

# Clock skew tolerated between a device entering an assessment and the server.
ASSESSMENT_SOURCES = ("staff", "self_report", "import")

# Workflow settings of the caseload view (clinic policy, not clinical facts): how recent a
# suicidal-ideation flag must be to show as an alert, and when a weekly measure is overdue.
# Overdue applies only to a scale on the patient's measurement schedule (an active course's
# weekly scale: the PHQ-9 of a TMS course, else the course's primary scale; see
# AssessmentRepository's _scale_scheduled): a scale never scheduled is never overdue.
DEFAULT_ALERT_WINDOW_DAYS = 14
DEFAULT_OVERDUE_AFTER_DAYS = 10


def record_assessment(
    session: Session,
    actor: Actor,
    patient: Patient,
    scale_id: str,
    answers: Mapping[str, int],
    *,
    administered_at: datetime | None = None,
    source: str = "staff",
    course: TreatmentCourse | None = None,
) -> tuple[Assessment, ScaleResult]:
    """Score and store one administration with every item answer. Safety flags are kept.

    A form with no item answered is refused (:func:`require_an_answer`).
    """
    result = score(scale_id, answers)
    require_an_answer(scale_id, answers)
    if source not in ASSESSMENT_SOURCES:
        raise InvalidInput.single(
            "source", "unknown value", allowed=", ".join(ASSESSMENT_SOURCES), given=source
        )
    when = past_moment(
        administered_at, field="administered_at", now=utc_now(), born_on=patient.birth_date
    )
    if course is not None and course.patient_id != patient.id:
        raise InvalidInput.single("course", "belongs to another patient")
    row = Assessment(
        patient_id=patient.id,
        course_id=course.id if course else None,
        scale_id=result.scale_id,
        administered_at=when,
        administered_on=when.date(),
        source=source,
        total=result.total,
        severity=result.severity,
        complete=result.complete,
        suicidal_ideation=any(f.code == "suicidal_ideation" for f in result.flags),
        triage=result.triage,
        flags=[f.to_dict() for f in result.flags],
    )
    stamp_new(row, actor)
    AssessmentRepository(session).add(row, dict(result.answers))
    audit.record(
        session,
        actor,
        "create",
        "assessment",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"scale": result.scale_id, "source": source},
    )
    return row, result


def list_assessments(
    session: Session, actor: Actor, patient: Patient, *, scale_id: str | None = None
) -> list[Assessment]:
    if scale_id is not None:
        get_scale(scale_id)
    rows = AssessmentRepository(session).for_patient(patient.id, scale_id)
    audit.record(
        session,
        actor,
        "read",
        "assessment_list",
        patient_ref=patient.ref,
        detail={"scale": scale_id, "count": len(rows)},
    )
    return rows


def assessment_answers(session: Session, rows: list[Assessment]) -> dict[int, dict[str, int]]:
    return AssessmentRepository(session).items([r.id for r in rows])


def select_course(
    session: Session, patient: Patient, course_ref: str | None
) -> TreatmentCourse | None:
    return history_service.find_course(session, patient, course_ref)


def patient_outcome(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    scale_id: str | None = None,
    course_ref: str | None = None,
    reliability: float | None = None,
    baseline_sd: float | None = None,
) -> tuple[CourseOutcome, TreatmentCourse | None]:
    """Outcome of the patient's course (the given one, else the current one) on one scale."""
    course = history_service.find_course(session, patient, course_ref)
    scale = scale_id or (course.primary_scale if course else "phq9")
    get_scale(scale)
    rows = [
        r
        for r in AssessmentRepository(session).for_patient(patient.id, scale)
        if r.complete and r.total is not None
    ]
    if not rows:
        raise NotFound(f"assessments: no complete {scale} assessment for this patient")
    points = [ScorePoint(on=r.administered_on, total=int(r.total or 0)) for r in rows]
    outcome = course_outcome(
        scale,
        points,
        course_start=course.start_date if course else None,
        reliability=reliability,
        baseline_sd=baseline_sd,
    )
    audit.record(
        session,
        actor,
        "read",
        "outcome",
        patient_ref=patient.ref,
        detail={"scale": scale, "course": course.ref if course else None, "points": len(points)},
    )
    return outcome, course


def last_administered(
    session: Session, patient_ids: Collection[int], scale_ids: Collection[str]
) -> dict[tuple[int, str], date]:
    """(patient id, scale id) -> the day of the last complete, current administration.

    For a measurement schedule (the care plan's): dates only, no scores, so the caller
    audits the view it shows them in (the caseload view is audited by the dashboard).
    """
    return AssessmentRepository(session).last_administered(patient_ids, scale_ids)


def scored_points(
    session: Session, actor: Actor, patient: Patient, scale_ids: Collection[str]
) -> list[tuple[date, str, int]]:
    """The patient's complete, current totals on the given scales: (day, scale id, total),
    oldest first. Audited as a read of the patient's assessments."""
    rows = [
        (r.administered_on, r.scale_id, int(r.total))
        for r in AssessmentRepository(session).for_patient(patient.id)
        if r.scale_id in scale_ids and r.complete and r.total is not None
    ]
    audit.record(
        session,
        actor,
        "read",
        "assessment_list",
        patient_ref=patient.ref,
        detail={"scales": sorted(scale_ids), "count": len(rows)},
    )
    return rows


def period_verdict(
    scale_id: str, points: list[tuple[date, int]], *, start: date, end: date | None
) -> CourseVerdict | None:
    """How a treatment period went on one scale by the one outcome rule
    (:func:`trdcare.assessments.domain.course_verdict`, as a course's outcome: baseline the
    last score on or before ``start``, else the first after it; latest the last score up to
    ``end``). None: no score up to ``end``, or a scale without a total."""
    if scale_id not in SCORED_SCALE_IDS:
        return None
    kept = [ScorePoint(on=on, total=total) for on, total in points if end is None or on <= end]
    return course_verdict(scale_id, kept, course_start=start) if kept else None


class CaseloadEntry(NamedTuple):
    """One caseload row (a tuple: the dashboard builds one per active patient per view)."""

    patient_ref: str
    name: str
    scale_id: str
    latest_total: int | None
    latest_severity: str | None
    latest_on: date | None
    baseline_total: int | None
    percent_change: float | None
    response: bool
    remission: bool
    assessments: int
    alerts: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient": self.patient_ref,
            "name": self.name,
            "scale": self.scale_id,
            "latest_total": self.latest_total,
            "latest_severity": self.latest_severity,
            "latest_on": self.latest_on.isoformat() if self.latest_on else None,
            "baseline_total": self.baseline_total,
            "percent_change": self.percent_change,
            "response": self.response,
            "remission": self.remission,
            "assessments": self.assessments,
            "alerts": list(self.alerts),
        }


def _caseload_entry(row: CaseloadRow, scale_id: str) -> CaseloadEntry:
    alerts: tuple[str, ...] = ()
    if row.recent_suicidal_ideation:
        alerts = ("suicidal_ideation",)
    if row.assessment_overdue:
        alerts += ("assessment_overdue",)
    return CaseloadEntry(
        patient_ref=row.patient_ref,
        name=f"{row.family_name}, {row.given_name}",
        scale_id=scale_id,
        latest_total=row.latest_total,
        latest_severity=row.latest_severity,
        latest_on=row.latest_on,
        baseline_total=row.baseline_total,
        percent_change=row.percent_change,
        response=bool(row.response),
        remission=bool(row.remission),
        assessments=row.assessments or 0,
        alerts=alerts,
    )


def caseload_summary(
    session: Session,
    actor: Actor,
    *,
    scale_id: str = "phq9",
    as_of: date,
    alert_window_days: int = DEFAULT_ALERT_WINDOW_DAYS,
    overdue_after_days: int = DEFAULT_OVERDUE_AFTER_DAYS,
) -> list[CaseloadEntry]:
    """Every active patient with latest score and band, change, response/remission and alerts.

    Read from the caseload read model (this transaction's own changes included).
    """
    get_scale(scale_id)
    refresh_pending(session)
    rows = AssessmentRepository(session).caseload(
        scale_id=scale_id,
        recent_since=as_of - timedelta(days=alert_window_days),
        overdue_before=as_of - timedelta(days=overdue_after_days),
    )
    out = [_caseload_entry(row, scale_id) for row in rows]
    audit.record(
        session, actor, "read", "caseload", detail={"scale": scale_id, "patients": len(out)}
    )
    return out


# Suicidality alerts ----------------------------------------------------------------------
# A positive suicide item (PHQ-9 item 9, HAM-D17 item 3, MADRS item 10, the C-SSRS screener)
# raises an alert. One the patient answered alone (a self-report link) stays open until a
# clinician acknowledges it; one entered by staff (who administered the scale and heard the
# answer) or imported shows while recent (alert_window_days) unless acknowledged first.
# Acknowledging records who, when and a note of what was done; the flag itself stays.


class StaffAlert(NamedTuple):
    """An open suicidality alert of a staff-entered or imported administration."""

    assessment: Assessment
    patient_ref: str


def open_staff_alerts(
    session: Session, *, as_of: date, alert_window_days: int = DEFAULT_ALERT_WINDOW_DAYS
) -> list[StaffAlert]:
    """Open alerts of staff-entered and imported administrations, newest first (self-report
    alerts are the self-report links': :func:`trdcare.accounts.service.open_alerts`)."""
    since = as_of - timedelta(days=alert_window_days)
    return [StaffAlert(a, ref) for a, ref in AssessmentRepository(session).open_staff_alerts(since)]


def _checked_note(note: str) -> str:
    text = note.strip()
    allowed = (
        f"what was reviewed and done (contact, risk assessment), {ALERT_NOTE_MIN_CHARS} to "
        f"{ALERT_NOTE_MAX_CHARS} characters"
    )
    if not ALERT_NOTE_MIN_CHARS <= len(text) <= ALERT_NOTE_MAX_CHARS:
        given = f"{len(text)} characters"
        raise InvalidInput.single("note", "is required", allowed=allowed, given=given)
    unsafe = unsafe_character(text)
    if unsafe is not None:
        raise InvalidInput.single(
            "note", f"contains a character that cannot be stored ({unsafe[1]})", allowed=allowed
        )
    return text


def alert_assessment(session: Session, assessment_id: int) -> tuple[Assessment, Patient]:
    """The administration whose suicidality alert is meant, with its patient.

    Raises
    ------
    NotFound
        No current administration with a suicidality flag has this id.
    """
    row = AssessmentRepository(session).get(assessment_id)
    patient = session.get(Patient, row.patient_id) if row is not None else None
    if row is None or patient is None or not row.suicidal_ideation or row.retired_at is not None:
        raise NotFound("alert: no suicidality alert with this id")
    return row, patient


def _acknowledge(session: Session, actor: Actor, row: Assessment, note: str) -> None:
    if not is_allowed(actor.role, "assessments.write"):
        raise PermissionDenied("alert: only clinical staff acknowledge alerts")
    if row.alert_acknowledged_at is not None:
        raise Conflict(_already(row))
    snapshot(session, row, actor, "suicidality alert acknowledged")
    session.flush()
    if not AssessmentRepository(session).claim_alert(
        row, at=utc_now(), by=actor.username, note=note
    ):
        session.refresh(row)
        raise Conflict(_already(row))


def _already(row: Assessment) -> str:
    at = row.alert_acknowledged_at
    when = f" at {at:%Y-%m-%d %H:%M} UTC" if at else ""
    by = row.alert_acknowledged_by or "another user"
    return f"alert: already acknowledged by {by}{when}; nothing was changed"


def acknowledge_staff_alert(
    session: Session, actor: Actor, assessment_id: int, *, note: str
) -> tuple[Assessment, Patient]:
    """A clinician acknowledges the suicidality alert of a staff-entered (or imported)
    administration, with a note of what was done; who and when are kept with it.

    Of two acknowledgements only the first is kept (a conditional UPDATE): the second gets a
    :class:`Conflict` naming who acknowledged it.

    Raises
    ------
    InvalidInput
        No note, or one too long (``note``).
    NotFound
        No current administration with a suicidality flag has this id.
    PermissionDenied
        Not clinical staff.
    Conflict
        Already acknowledged.
    """
    text = _checked_note(note)
    row, patient = alert_assessment(session, assessment_id)
    if row.source == "self_report":
        link = account_service.link_of_assessment(session, row.id)
        if link is not None:
            return acknowledge_self_report_alert(session, actor, link.ref, note=text)
    _acknowledge(session, actor, row, text)
    audit.record(
        session,
        actor,
        "update",
        "suicide_alert",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"acknowledged": True, "scale": row.scale_id, "source": row.source},
    )
    return row, patient


def acknowledge_self_report_alert(
    session: Session, actor: Actor, link_ref: str, *, note: str
) -> tuple[Assessment, Patient]:
    """A clinician acknowledges a self-report's suicide alert: the link's alert (who, when)
    and its administration's (who, when, note), so the caseload's alert ends too.

    Raises
    ------
    InvalidInput, NotFound, PermissionDenied, Conflict
        As :func:`acknowledge_staff_alert`.
    """
    text = _checked_note(note)
    link = account_service.acknowledge_alert(session, actor, link_ref)
    if link.assessment_id is None:
        raise NotFound("alert: this self-report has no stored answers")
    row, patient = alert_assessment(session, link.assessment_id)
    _acknowledge(session, actor, row, text)
    return row, patient


# Alerts that outrank any number of others on the caseload (the assessments room's own
# suicidal-ideation alert among them).
URGENT_ALERTS = frozenset(
    {"suicidal_ideation", "self_report_suicidal_ideation", "serious_adverse_event"}
)
CASELOAD_SORTS = ("alerts", "name", "score", "change", "last")
CASELOAD_FILTERS = ("all", "alerts", "response", "remission", "no_response", "in_course")


class OtherAlerts(NamedTuple):
    """Another room's contribution to a patient's caseload row."""

    kinds: frozenset[str]
    in_course: bool = False


class CaseloadPage(NamedTuple):
    entries: list[CaseloadEntry]
    total: int
    with_alerts: int


def caseload_page(
    session: Session,
    actor: Actor,
    *,
    scale_id: str,
    as_of: date,
    other_alerts: Mapping[str, OtherAlerts],
    show: str = "all",
    band: str | None = None,
    sort: str = "alerts",
    offset: int = 0,
    limit: int = 50,
    alert_window_days: int = DEFAULT_ALERT_WINDOW_DAYS,
    overdue_after_days: int = DEFAULT_OVERDUE_AFTER_DAYS,
) -> CaseloadPage:
    """One page of the caseload, filtered and sorted over every active patient.

    The database filters, sorts and counts all of them and returns the page only. Sorts:
    ``alerts`` (urgent alerts first, then by number of alerts), ``name``, ``score`` (latest,
    highest first), ``change`` (since baseline, most improved first), ``last`` (longest
    unassessed first); ties by name. ``other_alerts`` (patient ref -> alert kinds from other
    rooms, and whether in a course) count with the patient's own alerts. Each entry's
    ``alerts`` are its own (suicidal ideation, overdue); the caller shows the others.
    """
    get_scale(scale_id)
    issues = IssueCollector()
    for name, value, allowed in (
        ("sort", sort, CASELOAD_SORTS),
        ("show", show, CASELOAD_FILTERS),
    ):
        if value not in allowed:
            issues.add(name, "unknown value", allowed=", ".join(allowed), given=value)
    if offset < 0:
        issues.add("offset", "is negative", allowed="0 or more", given=offset)
    if limit < 1:
        issues.add("limit", "is too small", allowed="1 or more", given=limit)
    issues.raise_if_any()
    refresh_pending(session)
    other = [
        {
            "ref": ref,
            "urgent": len(extra.kinds & URGENT_ALERTS),
            "alerts": len(extra.kinds),
            "in_course": extra.in_course,
        }
        for ref, extra in other_alerts.items()
    ]
    rows, total, with_alerts = AssessmentRepository(session).caseload_page(
        scale_id=scale_id,
        recent_since=as_of - timedelta(days=alert_window_days),
        overdue_before=as_of - timedelta(days=overdue_after_days),
        other_alerts_json=json.dumps(other),
        show=show,
        band=band,
        sort=sort,
        offset=offset,
        limit=limit,
    )
    audit.record(
        session,
        actor,
        "read",
        "caseload",
        detail={"scale": scale_id, "patients": total, "shown": len(rows), "offset": offset},
    )
    return CaseloadPage([_caseload_entry(r, scale_id) for r in rows], total, with_alerts)


# The caseload read model --------------------------------------------------------------------
# ``caseload_scores`` holds, per patient and scale, what the caseload lists; it is derived from
# the assessments and courses and refreshed, for the patients whose rows changed, in the same
# transaction (just before it commits, or before a caseload read in it).
CASELOAD_READ_MODEL = "caseload_scores"
# Raise when the rules that fill caseload_scores change: `trdcare db upgrade` (and `trdcare
# serve` on SQLite) then rebuild it from the records.
CASELOAD_RULES_VERSION = 1
_CHANGED_KEY = "trdcare.caseload_changed_patients"
_ID_CHUNK = 1000


def caseload_rows(found: list[ScoredAdministration]) -> list[dict[str, object]]:
    """The read model's rows from the administrations (ordered by patient, scale, time)."""
    rows: list[dict[str, object]] = []
    for (patient_id, scale_id), group in groupby(found, key=lambda a: (a.patient_id, a.scale_id)):
        given = list(group)
        figures = caseload_figures(
            scale_id,
            [(a.administered_on, a.total, a.severity) for a in given],
            course_start=given[0].course_start,
        )
        rows.append({"patient_id": patient_id, "scale_id": scale_id, **asdict(figures)})
    return rows


def refresh_caseload_scores(session: Session, patient_ids: Collection[int]) -> None:
    """Recompute the caseload rows of these patients from their records."""
    repo = AssessmentRepository(session)
    ordered = sorted(patient_ids)
    for i in range(0, len(ordered), _ID_CHUNK):
        chunk = ordered[i : i + _ID_CHUNK]
        repo.lock_patients(chunk)
        repo.replace_caseload_scores(chunk, caseload_rows(repo.scored_administrations(chunk)))


def rebuild_caseload_scores(session: Session, actor: Actor) -> int:
    """Recompute every caseload row, record the rules' version; return the number of rows."""
    refresh_pending(session)
    repo = AssessmentRepository(session)
    rows = caseload_rows(repo.scored_administrations(None))
    repo.replace_caseload_scores(None, rows)
    repo.set_read_model_version(CASELOAD_READ_MODEL, CASELOAD_RULES_VERSION, utc_now())
    audit.record(
        session,
        actor,
        "rebuild",
        CASELOAD_READ_MODEL,
        detail={"rows": len(rows), "rules_version": CASELOAD_RULES_VERSION},
    )
    return len(rows)


def ensure_caseload_scores(session: Session, actor: Actor) -> bool:
    """Rebuild the read model if other rules (or none yet) filled it; True if rebuilt."""
    stored = AssessmentRepository(session).read_model_version(CASELOAD_READ_MODEL)
    if stored == CASELOAD_RULES_VERSION:
        return False
    rebuild_caseload_scores(session, actor)
    return True


def refresh_pending(session: Session) -> None:
    """Bring the caseload rows of the patients changed in this transaction up to date."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    changed = session.info.pop(_CHANGED_KEY, None)
    if changed:
        refresh_caseload_scores(session, changed)


@event.listens_for(Session, "after_flush")
def _note_changed_patients(session: Session, _flush_context: Any) -> None:
    changed = {
        row.patient_id
        for row in chain(session.new, session.dirty, session.deleted)
        if isinstance(row, Assessment | TreatmentCourse)
    }
    if changed:
        session.info.setdefault(_CHANGED_KEY, set()).update(changed)


# Before the audit log's own before-commit step, so the chain lock is not held meanwhile.
@event.listens_for(Session, "before_commit", insert=True)
def _refresh_before_commit(session: Session) -> None:
    refresh_pending(session)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED_KEY, None)


# -------------------------------------------------------------------------------------------
# Corrections and entered-in-error (issue #14 finding 10)
#
# An administration is kept whole (its item answers are never edited): a correction scores
# the corrected answers as a new administration that takes the old one's place and
# history, and the old one is retired ("corrected: why"), kept with its answers. One
# entered in error is retired with its reason. Either leaves the outcome and the caseload
# (the session listener sees the retired row). ``as_role`` is the signed-in user's role
# (own entries only for a clinician or technician; a suicidal-ideation finding goes only
# by a physician); the command line passes None.


def _assessment_of(session: Session, patient: Patient, assessment_id: int) -> Assessment:
    row = AssessmentRepository(session).get(assessment_id)
    if row is None or row.patient_id != patient.id:
        raise NotFound(f"assessment: no assessment {assessment_id} for this patient")
    return row


def _may_change(actor: Actor, as_role: str | None, row: Assessment, what: str) -> None:
    if as_role is None:
        return
    own = row.created_by == actor.username and row.source == "staff"
    if not may_change_record(as_role, "assessments.correct", entered_by_self=own):
        raise PermissionDenied(
            f"{what} was entered by someone else (or by the patient): a "
            f"{as_role.replace('_', ' ')} corrects only what they entered (a physician "
            "corrects anyone's)"
        )


def _safety_decision(as_role: str | None, physician: str | None, what: str) -> str:
    """A suicidal-ideation finding is dropped only by a physician: on the web the signed-in
    one, on the command line the one named (returned as a suffix for the reason)."""
    if as_role is not None:
        if as_role not in SAFETY_FLAG_ROLES:
            raise PermissionDenied(
                f"{what} has a positive suicide item: only a physician may mark it entered in "
                "error or correct the finding away"
            )
        return ""
    name = (physician or "").strip()
    if not name or len(name) > 60:
        raise InvalidInput.single(
            "physician",
            f"is required: {what} has a positive suicide item, so a physician decides",
            allowed="the deciding physician's name (at most 60 characters)",
        )
    return f" (decided by {name})"


def assessment_scale(session: Session, patient: Patient, assessment_id: int) -> str:
    """The scale of one of the patient's assessments (to parse a corrected form)."""
    return _assessment_of(session, patient, assessment_id).scale_id


def retire_assessment(
    session: Session,
    actor: Actor,
    patient: Patient,
    assessment_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    as_role: str | None = None,
    physician: str | None = None,
) -> Assessment:
    """Mark an administration entered in error: kept with its answers and the reason, no
    longer in the outcome, the caseload or the alerts.

    Raises
    ------
    InvalidInput
        No reason; no physician for a positive suicide item (command line).
    PermissionDenied
        Not one's own entry, or a positive suicide item and not a physician.
    NotFound, Conflict
        No such assessment; already retired or changed since ``expected_version``.
    """
    why = correction_reason(reason)
    row = _assessment_of(session, patient, assessment_id)
    what = f"assessment {assessment_id}"
    _may_change(actor, as_role, row, what)
    decided = ""
    if row.suicidal_ideation and row.retired_at is None:
        decided = _safety_decision(as_role, physician, what)
    retire_row(session, row, actor, why + decided, what=what, expected_version=expected_version)
    audit.record(
        session,
        actor,
        "retire",
        "assessment",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"scale": row.scale_id, "suicidal_ideation": row.suicidal_ideation},
    )
    return row


def correct_assessment(
    session: Session,
    actor: Actor,
    patient: Patient,
    assessment_id: int,
    answers: Mapping[str, int],
    *,
    reason: str,
    administered_at: datetime | None = None,
    expected_version: int | None = None,
    as_role: str | None = None,
    physician: str | None = None,
) -> tuple[Assessment, ScaleResult]:
    """Correct an administration's answers (and time): the corrected form is scored as the
    next version, the old one kept whole with its answers and the reason.

    Raises
    ------
    InvalidInput
        No reason, invalid answers (as at entry), nothing changed; a positive suicide item
        corrected away without a physician (command line).
    PermissionDenied
        Not one's own entry, or a positive suicide item corrected away by a non-physician.
    NotFound, Conflict
        No such assessment; already retired or changed since ``expected_version``.
    """
    why = correction_reason(reason)
    old = _assessment_of(session, patient, assessment_id)
    what = f"assessment {assessment_id}"
    _may_change(actor, as_role, old, what)
    check_current(old, what, expected_version)
    result = score(old.scale_id, answers)
    repo = AssessmentRepository(session)
    old_answers = repo.items([old.id]).get(old.id, {})
    when = old.administered_at if administered_at is None else administered_at
    if dict(result.answers) == old_answers and when == old.administered_at:
        raise InvalidInput.single(
            "answers",
            "nothing to correct: every answer and the time are the ones recorded",
            allowed="at least one changed answer, or another time",
        )
    positive = any(f.code == "suicidal_ideation" for f in result.flags)
    decided = ""
    if old.suicidal_ideation and not positive:
        decided = _safety_decision(as_role, physician, what)
    retire_row(
        session,
        old,
        actor,
        why + decided,
        what=what,
        label="corrected",
        expected_version=expected_version,
    )
    course = session.get(TreatmentCourse, old.course_id) if old.course_id else None
    new, result = record_assessment(
        session,
        actor,
        patient,
        old.scale_id,
        answers,
        administered_at=when,
        source=old.source,
        course=course,
    )
    keep_version(session, new, old, extra={"answers": old_answers})
    audit.record(
        session,
        actor,
        "update",
        "assessment",
        entity_id=new.id,
        patient_ref=patient.ref,
        detail={"scale": new.scale_id, "replaces": old.id, "version": new.version},
    )
    return new, result


def assessment_versions(
    session: Session, actor: Actor, patient: Patient, assessment_id: int
) -> tuple[Assessment, list[VersionEntry]]:
    """An administration's earlier versions (answers included), oldest first (audited)."""
    row = _assessment_of(session, patient, assessment_id)
    answers = AssessmentRepository(session).items([row.id]).get(row.id, {})
    entries = version_history(session, row, extra={"answers": answers})
    audit.record(
        session,
        actor,
        "read",
        "assessment_versions",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"versions": len(entries)},
    )
    return row, entries
