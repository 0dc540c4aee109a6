"""Treatment-history use cases: import a history, load it, stage it; treatment courses.

Flushes, never commits; audits every read and write of patient data.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from trdcare.adapters.db.locking import lock_patient
from trdcare.adapters.db.models import Episode, Patient, TreatmentCourse, TreatmentTrial
from trdcare.adapters.db.stamping import (
    VersionEntry,
    check_current,
    correct_row,
    retire,
    retire_row,
    snapshot,
    stamp_new,
    version_history,
)
from trdcare.assessments.domain import get_scale
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.checks import check_option
from trdcare.core.clock import not_before_birth, utc_today, within_planning_horizon
from trdcare.core.corrections import correction_reason
from trdcare.core.errors import Conflict, InvalidInput, IssueCollector, NotFound
from trdcare.core.ids import new_ref
from trdcare.history.domain import (
    CRITERIA_PRESETS,
    StagingReport,
    TreatmentHistory,
    parse_history,
    stage_history,
)
from trdcare.history.repository import HistoryRepository

MODALITIES = (
    "tms",
    "esketamine",
    "ketamine",
    "ect",
    "vns",
    "dbs",
    "psilocybin",
    "neurofeedback",
    "medication",
    "psychotherapy",
)


def _not_before_birth(history: TreatmentHistory, born_on: date) -> None:
    """Every dated part of a history is on or after the patient's birth (issues collected;
    the birth date itself is not echoed: it is patient data)."""
    issues = IssueCollector()
    starts: dict[str, list[date]] = {
        "antidepressant_trials": [t.start for t in history.antidepressant_trials],
        "augmentation_trials": [t.start for t in history.augmentation_trials],
        "ect_courses": [c.start for c in history.ect_courses],
        "psychotherapy_courses": [c.start for c in history.psychotherapy_courses],
    }
    dated = [("episode.onset", history.episode.onset)] + [
        (f"{key}.{i}.start", day) for key, days in starts.items() for i, day in enumerate(days)
    ]
    for path, day in dated:
        not_before_birth(day, field=path, born_on=born_on, issues=issues)
    issues.raise_if_any()


def import_history(
    session: Session,
    actor: Actor,
    patient: Patient,
    history: TreatmentHistory,
    *,
    replace: bool = False,
) -> Episode:
    """Store a validated history as the patient's current episode and its trials.

    With ``replace`` the earlier current episode and its trials are retired (kept, with the
    reason), never deleted.
    """
    _not_before_birth(history, patient.birth_date)
    # Of simultaneous imports one finds no current episode (or replaces the one before it).
    lock_patient(session, patient.id)
    repo = HistoryRepository(session)
    existing = repo.current_episode(patient.id)
    if existing is not None:
        if not replace:
            raise Conflict(
                "episode: this patient already has a current episode; import with --replace to supersede it"
            )
        for trial in repo.trials(existing.id):
            retire(session, trial, actor, "superseded by an imported history")
        retire(session, existing, actor, "superseded by an imported history")
    facts = history.episode
    episode = Episode(patient_id=patient.id, onset=facts.onset, severity=facts.severity)
    stamp_new(episode, actor)
    repo.add(episode)
    rows = []
    for t in history.antidepressant_trials:
        rows.append(
            TreatmentTrial(
                kind="antidepressant",
                agent=t.drug,
                max_daily_dose_mg=t.max_daily_dose_mg,
                start_date=t.start,
                end_date=t.end,
                adherence=t.adherence,
                outcome=t.outcome,
                dose_optimised=t.dose_optimised,
            )
        )
    for a in history.augmentation_trials:
        rows.append(
            TreatmentTrial(
                kind="augmentation",
                agent=a.agent,
                max_daily_dose_mg=a.max_daily_dose_mg,
                start_date=a.start,
                end_date=a.end,
                adherence=a.adherence,
                outcome=a.outcome,
            )
        )
    for e in history.ect_courses:
        rows.append(
            TreatmentTrial(
                kind="ect",
                agent="ect",
                start_date=e.start,
                end_date=e.end,
                sessions=e.sessions,
                electrode_placement=e.electrode_placement,
                outcome=e.outcome,
            )
        )
    for p in history.psychotherapy_courses:
        rows.append(
            TreatmentTrial(
                kind="psychotherapy",
                agent=p.modality,
                start_date=p.start,
                end_date=p.end,
                sessions=p.sessions,
                outcome=p.outcome,
            )
        )
    for row in rows:
        row.patient_id = patient.id
        row.episode_id = episode.id
        row.details = {}
        stamp_new(row, actor)
    repo.add(*rows)
    audit.record(
        session,
        actor,
        "create",
        "treatment_history",
        entity_id=episode.id,
        patient_ref=patient.ref,
        detail={"trials": len(rows), "replaced": existing is not None},
    )
    return episode


def load_history(
    session: Session, actor: Actor, patient: Patient, *, as_of: date
) -> TreatmentHistory:
    """The patient's current episode and its trials as domain facts (audited read)."""
    repo = HistoryRepository(session)
    episode = repo.current_episode(patient.id)
    if episode is None:
        raise NotFound("history: this patient has no recorded episode; import a history first")
    if as_of < episode.onset:
        raise InvalidInput.single("as_of", "is before the episode onset", given=as_of)
    trials = repo.trials(episode.id)
    audit.record(
        session,
        actor,
        "read",
        "treatment_history",
        entity_id=episode.id,
        patient_ref=patient.ref,
        detail={"trials": len(trials)},
    )
    return history_from_rows(episode, trials, as_of=as_of)


def history_from_rows(
    episode: Episode, trials: list[TreatmentTrial], *, as_of: date
) -> TreatmentHistory:
    """Rebuild the domain history from stored rows, through the same validation as a file."""

    def period(t: TreatmentTrial) -> dict[str, Any]:
        return {
            "start": t.start_date.isoformat(),
            "end": t.end_date.isoformat() if t.end_date else None,
            "outcome": t.outcome,
        }

    document: dict[str, Any] = {
        "episode": {
            "onset": episode.onset.isoformat(),
            "as_of": as_of.isoformat(),
            "severity": episode.severity,
        },
        "antidepressant_trials": [
            {
                "drug": t.agent,
                "max_daily_dose_mg": t.max_daily_dose_mg,
                "adherence": t.adherence or "unknown",
                "dose_optimised": t.dose_optimised,
                **period(t),
            }
            for t in trials
            if t.kind == "antidepressant"
        ],
        "augmentation_trials": [
            {
                "agent": t.agent,
                "max_daily_dose_mg": t.max_daily_dose_mg,
                "adherence": t.adherence or "unknown",
                **period(t),
            }
            for t in trials
            if t.kind == "augmentation"
        ],
        "ect_courses": [
            {
                "sessions": t.sessions,
                "electrode_placement": t.electrode_placement or "unknown",
                **period(t),
            }
            for t in trials
            if t.kind == "ect"
        ],
        "psychotherapy_courses": [
            {"modality": t.agent, "sessions": t.sessions, **period(t)}
            for t in trials
            if t.kind == "psychotherapy"
        ],
    }
    return parse_history(document, today=max(as_of, utc_today()))


def stage(history: TreatmentHistory, *, criteria: str | None = None) -> StagingReport:
    """TRD status and the three staging methods under a named adequacy criteria set."""
    if criteria is None:
        return stage_history(history)
    check_option("criteria", criteria, tuple(CRITERIA_PRESETS))
    return stage_history(history, criteria=CRITERIA_PRESETS[criteria])


def stage_patient(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    as_of: date | None = None,
    criteria: str | None = None,
) -> StagingReport:
    history = load_history(session, actor, patient, as_of=as_of or utc_today())
    return stage(history, criteria=criteria)


def add_course(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    modality: str,
    start_date: date,
    primary_scale: str = "phq9",
    planned_sessions: int | None = None,
) -> TreatmentCourse:
    """Open a treatment course (its start is the outcome baseline date)."""
    check_option("modality", modality, MODALITIES)
    get_scale(primary_scale)
    not_before_birth(start_date, field="start_date", born_on=patient.birth_date)
    within_planning_horizon(start_date, field="start_date", today=utc_today())
    if planned_sessions is not None and planned_sessions < 1:
        raise InvalidInput.single(
            "planned_sessions", "out of range", allowed=">= 1", given=planned_sessions
        )
    repo = HistoryRepository(session)
    ref = new_ref("C")
    while repo.course_ref_exists(ref):
        ref = new_ref("C")
    course = TreatmentCourse(
        ref=ref,
        patient_id=patient.id,
        modality=modality,
        start_date=start_date,
        status="active",
        primary_scale=primary_scale,
        planned_sessions=planned_sessions,
    )
    stamp_new(course, actor)
    repo.add(course)
    audit.record(
        session,
        actor,
        "create",
        "course",
        entity_id=course.id,
        patient_ref=patient.ref,
        detail={"modality": modality},
    )
    return course


#: ``paused``: ongoing, stopped by a serious adverse event until a physician's review (the
#: courses room, :mod:`trdcare.courses.service`; a paused TMS course stays ``active`` here).
COURSE_STATUSES = ("active", "paused", "completed", "stopped")
ONGOING_COURSE_STATUSES = ("active", "paused")


def set_course_status(
    session: Session, actor: Actor, course: TreatmentCourse, status: str, *, on: date, reason: str
) -> None:
    """Mark a course active, paused, completed or stopped (the old version is kept with the
    reason); an ongoing course (active or paused) has no end date."""
    check_option("status", status, COURSE_STATUSES)
    if course.status == status:
        return
    if course.status == "paused" and status == "completed":
        # A serious adverse event paused it: only a physician's pause review ends the pause.
        raise Conflict(
            f"course {course.ref} is paused after a serious adverse event: a physician's "
            "review of the pause resumes or stops it first"
        )
    snapshot(session, course, actor, reason)
    course.status = status
    course.end_date = None if status in ONGOING_COURSE_STATUSES else on
    session.flush()
    audit.record(session, actor, "update", "course", entity_id=course.id, detail={"status": status})


def cancel_course(session: Session, actor: Actor, course: TreatmentCourse, *, reason: str) -> None:
    """Retire a course that never began (kept, with who, when and why): the outcome and
    the caseload no longer count it. Called by the room that delivers the course (e.g.
    the TMS course's cancellation), which decides whether it began."""
    retire_row(session, course, actor, reason, what=f"course {course.ref}", label="cancelled")
    audit.record(
        session,
        actor,
        "retire",
        "course",
        entity_id=course.id,
        detail={"modality": course.modality, "label": "cancelled"},
    )


def find_course(
    session: Session, patient: Patient, course_ref: str | None
) -> TreatmentCourse | None:
    """The given course of the patient, else the latest one (ongoing or finished), else None.

    The outcome of a patient and the caseload both take the latest course's start as baseline.
    """
    repo = HistoryRepository(session)
    if course_ref:
        course = repo.course_by_ref(patient.id, course_ref)
        if course is None:
            raise NotFound("course: no course with this ref for this patient")
        return course
    courses = repo.courses(patient.id)
    return courses[0] if courses else None


def course_by_ref(session: Session, ref: str) -> TreatmentCourse:
    """A current course by its ref alone (the caller then finds and audits its patient).

    Raises
    ------
    NotFound
        No current course with this ref (none, or entered in error).
    """
    course = HistoryRepository(session).course_by_ref_only(ref)
    if course is None:
        raise NotFound("course: no current course with this ref")
    return course


def list_courses(session: Session, actor: Actor, patient: Patient) -> list[TreatmentCourse]:
    rows = HistoryRepository(session).courses(patient.id)
    audit.record(
        session, actor, "read", "course_list", patient_ref=patient.ref, detail={"count": len(rows)}
    )
    return rows


# -------------------------------------------------------------------------------------------
# Corrections and entered-in-error of the history (issue #14 finding 10)
#
# A trial or a course is corrected as a new version (the old kept in ``record_versions``
# with who, when and why) or retired as entered in error with its reason; a corrected trial
# is checked as the whole history is at import (the same document rules, and nothing
# before the patient's birth). A TMS course is cancelled or stopped from the TMS pathway,
# which keeps its plan and calendar in step.

#: What a trial correction may change (its kind and episode are its identity).
TRIAL_CORRECTABLE = (
    "agent",
    "max_daily_dose_mg",
    "start_date",
    "end_date",
    "adherence",
    "outcome",
    "dose_optimised",
    "sessions",
    "electrode_placement",
)
#: What a course correction may change (a TMS course: its primary scale only).
COURSE_CORRECTABLE = ("start_date", "end_date", "primary_scale", "planned_sessions")


def list_trials(session: Session, actor: Actor, patient: Patient) -> list[TreatmentTrial]:
    """The current episode's trials, with their ids and versions (audited read)."""
    repo = HistoryRepository(session)
    episode = repo.current_episode(patient.id)
    trials = [] if episode is None else repo.trials(episode.id)
    audit.record(
        session,
        actor,
        "read",
        "treatment_trial_list",
        patient_ref=patient.ref,
        detail={"count": len(trials)},
    )
    return trials


def _trial_of(session: Session, patient: Patient, trial_id: int) -> TreatmentTrial:
    row = session.get(TreatmentTrial, trial_id)
    if row is None or row.patient_id != patient.id:
        raise NotFound(f"trial: no treatment trial {trial_id} for this patient")
    return row


def correct_trial(
    session: Session,
    actor: Actor,
    patient: Patient,
    trial_id: int,
    changes: Mapping[str, Any],
    *,
    reason: str,
    expected_version: int | None = None,
) -> tuple[TreatmentTrial, dict[str, tuple[Any, Any]]]:
    """Correct a trial of the current episode: a new version, the old kept with the reason.

    Raises
    ------
    InvalidInput
        No reason, an unknown field, a corrected trial the history rules refuse (each issue
        with its path, e.g. ``antidepressant_trials.0.max_daily_dose_mg``), or nothing
        changed.
    NotFound, Conflict
        No such trial; retired, or changed since ``expected_version``.
    """
    issues = IssueCollector()
    why = correction_reason(reason, issues=issues)
    for key in sorted(set(changes) - set(TRIAL_CORRECTABLE)):
        issues.add(key, "cannot be corrected", allowed=", ".join(TRIAL_CORRECTABLE))
    issues.raise_if_any()
    row = _trial_of(session, patient, trial_id)
    what = f"trial {trial_id}"
    check_current(row, what, expected_version)
    repo = HistoryRepository(session)
    episode = session.get(Episode, row.episode_id)
    assert episode is not None
    columns = {c: getattr(row, c) for c in TRIAL_CORRECTABLE}
    corrected = TreatmentTrial(kind=row.kind, **{**columns, **changes})
    others = [t for t in repo.trials(episode.id) if t.id != row.id]
    history = history_from_rows(episode, [*others, corrected], as_of=utc_today())
    _not_before_birth(history, patient.birth_date)
    changed = correct_row(
        session,
        row,
        actor,
        why,
        {c: getattr(corrected, c) for c in TRIAL_CORRECTABLE},
        what=what,
        expected_version=expected_version,
    )
    if not changed:
        raise InvalidInput.single(
            "changes",
            "nothing to correct: every value is the one recorded",
            allowed="at least one changed detail",
        )
    audit.record(
        session,
        actor,
        "update",
        "treatment_trial",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"fields": sorted(changed), "version": row.version},
    )
    return row, changed


def retire_trial(
    session: Session,
    actor: Actor,
    patient: Patient,
    trial_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
) -> TreatmentTrial:
    """Mark a trial entered in error: kept with the reason, out of the TRD status and
    staging from now on.

    Raises
    ------
    InvalidInput
        No reason.
    NotFound, Conflict
        No such trial; already retired, or changed since ``expected_version``.
    """
    why = correction_reason(reason)
    row = _trial_of(session, patient, trial_id)
    retire_row(
        session, row, actor, why, what=f"trial {trial_id}", expected_version=expected_version
    )
    audit.record(
        session,
        actor,
        "retire",
        "treatment_trial",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"kind": row.kind},
    )
    return row


def _course_of(session: Session, patient: Patient, course_ref: str) -> TreatmentCourse:
    course = HistoryRepository(session).course_by_ref_any(patient.id, course_ref)
    if course is None:
        raise NotFound("course: no course with this ref for this patient")
    return course


def correct_course(
    session: Session,
    actor: Actor,
    patient: Patient,
    course_ref: str,
    changes: Mapping[str, Any],
    *,
    reason: str,
    expected_version: int | None = None,
) -> tuple[TreatmentCourse, dict[str, tuple[Any, Any]]]:
    """Correct a course's dates, primary scale or planned sessions (a TMS course: its
    primary scale only; its dates follow its plan). The outcome and the caseload follow.

    Raises
    ------
    InvalidInput
        No reason, an unknown field, an invalid value, or nothing changed.
    NotFound, Conflict
        No such course; retired, or changed since ``expected_version``.
    """
    issues = IssueCollector()
    why = correction_reason(reason, issues=issues)
    for key in sorted(set(changes) - set(COURSE_CORRECTABLE)):
        issues.add(key, "cannot be corrected", allowed=", ".join(COURSE_CORRECTABLE))
    issues.raise_if_any()
    course = _course_of(session, patient, course_ref)
    what = f"course {course_ref}"
    check_current(course, what, expected_version)
    if course.modality == "tms" and set(changes) - {"primary_scale"}:
        raise Conflict(
            "a TMS course's dates and sessions follow its plan: replan, stop or cancel it on "
            "its TMS page (its primary scale can be corrected here)"
        )
    values = {c: getattr(course, c) for c in COURSE_CORRECTABLE} | dict(changes)
    get_scale(str(values["primary_scale"]))
    not_before_birth(values["start_date"], field="start_date", born_on=patient.birth_date)
    within_planning_horizon(values["start_date"], field="start_date", today=utc_today())
    end = values["end_date"]
    if end is not None and end < values["start_date"]:
        raise InvalidInput.single(
            "end_date",
            "is before the start",
            allowed=f"on or after {values['start_date'].isoformat()}",
            given=end.isoformat(),
        )
    planned = values["planned_sessions"]
    if planned is not None and not 1 <= planned <= 1000:
        raise InvalidInput.single(
            "planned_sessions", "out of range", allowed="1 to 1000", given=planned
        )
    changed = correct_row(
        session, course, actor, why, values, what=what, expected_version=expected_version
    )
    if not changed:
        raise InvalidInput.single(
            "changes",
            "nothing to correct: every value is the one recorded",
            allowed="at least one changed detail",
        )
    audit.record(
        session,
        actor,
        "update",
        "course",
        entity_id=course.id,
        patient_ref=patient.ref,
        detail={"fields": sorted(changed), "version": course.version},
    )
    return course, changed


def retire_course(
    session: Session,
    actor: Actor,
    patient: Patient,
    course_ref: str,
    *,
    reason: str,
    expected_version: int | None = None,
) -> TreatmentCourse:
    """Mark a course entered in error: kept with the reason; the outcome and the caseload
    no longer count it. A TMS course is cancelled (or stopped) on its TMS page instead.

    Raises
    ------
    InvalidInput
        No reason.
    NotFound, Conflict
        No such course; a TMS course; already retired, or changed since
        ``expected_version``.
    """
    why = correction_reason(reason)
    course = _course_of(session, patient, course_ref)
    if course.modality == "tms" and course.retired_at is None:
        raise Conflict(
            "a TMS course is cancelled (before its first session) or stopped on its TMS "
            "page, which keeps its plan and calendar in step"
        )
    retire_row(
        session, course, actor, why, what=f"course {course_ref}", expected_version=expected_version
    )
    audit.record(
        session,
        actor,
        "retire",
        "course",
        entity_id=course.id,
        patient_ref=patient.ref,
        detail={"modality": course.modality},
    )
    return course


def trial_versions(
    session: Session, actor: Actor, patient: Patient, trial_id: int
) -> tuple[TreatmentTrial, list[VersionEntry]]:
    row = _trial_of(session, patient, trial_id)
    entries = version_history(session, row)
    audit.record(
        session,
        actor,
        "read",
        "treatment_trial_versions",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"versions": len(entries)},
    )
    return row, entries


def course_versions(
    session: Session, actor: Actor, patient: Patient, course_ref: str
) -> tuple[TreatmentCourse, list[VersionEntry]]:
    course = _course_of(session, patient, course_ref)
    entries = version_history(session, course)
    audit.record(
        session,
        actor,
        "read",
        "course_versions",
        entity_id=course.id,
        patient_ref=patient.ref,
        detail={"versions": len(entries)},
    )
    return course, entries
