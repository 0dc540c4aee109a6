"""`trdcare stage`, `trdcare history ...`, `trdcare course ...`: thin adapters."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from trdcare.cli_support import (
    ReasonOpt,
    VersionOpt,
    changed_fields,
    emit_json,
    fail,
    get_context,
    handle_errors,
    parse_date,
    read_json_file,
)
from trdcare.core.clock import utc_today
from trdcare.history import service as history_service
from trdcare.history.domain import history_to_dict, parse_history
from trdcare.history.schemas import Course
from trdcare.patients import service as patient_service

app = typer.Typer(help="Treatment history of the current episode.", no_args_is_help=True)
course_app = typer.Typer(help="Treatment courses (TMS, esketamine...).", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
PatientArg = Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")]


def render_staging(doc: dict[str, Any]) -> None:
    trd = doc["trd"]
    typer.echo(f"TRD status: {trd['status']} ({trd['count_text']})")
    msm = doc["maudsley"]
    if msm["stageable"]:
        typer.echo(f"Maudsley Staging Method: {msm['total']} ({msm['band']})")
    else:
        typer.echo("Maudsley Staging Method: not stageable from this history")
    for comp in msm["components"]:
        points = "-" if comp["points"] is None else comp["points"]
        typer.echo(f"  {comp['name']}: {points}  {comp['rule']}")
    typer.echo(f"Thase-Rush stage: {doc['thase_rush']['stage'] or 'none'}")
    typer.echo(f"MGH-S: {doc['mgh_s']['total']}")
    if doc["unverified"]:
        typer.echo("Uses UNVERIFIED facts (check before relying on them):")
        for fact in doc["unverified"]:
            typer.echo(f"  - {fact['statement']} [{fact['status']}]")


@handle_errors
def stage(
    ctx: typer.Context,
    patient: Annotated[
        str | None, typer.Argument(help="Patient ref or MRN (or use --history).")
    ] = None,
    history: Annotated[
        str | None,
        typer.Option("--history", help="A history JSON file (no database needed); '-' for stdin."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Stage as of this date (default: today or the file's as_of)."),
    ] = None,
    criteria: Annotated[
        str | None, typer.Option(help="Adequacy criteria set (see docs/clinical-sources.md).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """TRD status and staging (Maudsley, Thase-Rush, MGH-S), each explained."""
    if (patient is None) == (history is None):
        fail("patient", "give either a patient or --history FILE")
    today = utc_today()
    if history is not None:
        facts = parse_history(read_json_file(history, "history"), today=today)
        report = history_service.stage(facts, criteria=criteria)
        doc = report.to_dict()
    else:
        cli = get_context(ctx)
        with cli.session() as session:
            row = patient_service.find_patient(session, cli.actor, patient or "", purpose="stage")
            report = history_service.stage_patient(
                session, cli.actor, row, as_of=parse_date(as_of, "as_of"), criteria=criteria
            )
            doc = {"patient": row.ref, **report.to_dict()}
    if json_out:
        emit_json(doc)
    else:
        render_staging(doc)


@app.command("import")
@handle_errors
def import_(
    ctx: typer.Context,
    patient: PatientArg,
    file: Annotated[
        str,
        typer.Option("--file", help="History JSON file (see docs/history-file.md); '-' for stdin."),
    ],
    replace: Annotated[
        bool, typer.Option("--replace", help="Supersede the current episode (kept, retired).")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Record a treatment history (episode and trials) for a patient."""
    facts = parse_history(read_json_file(file, "file"), today=utc_today())
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="history")
        episode = history_service.import_history(session, cli.actor, row, facts, replace=replace)
        doc: dict[str, Any] = {
            "patient": row.ref,
            "episode_id": episode.id,
            "history": history_to_dict(facts),
        }
    if json_out:
        emit_json(doc)
    else:
        n = sum(
            len(doc["history"][k])
            for k in (
                "antidepressant_trials",
                "augmentation_trials",
                "ect_courses",
                "psychotherapy_courses",
            )
        )
        typer.echo(
            f"recorded history for {doc['patient']}: episode from {facts.episode.onset}, {n} treatments"
        )


@app.command("show")
@handle_errors
def show(ctx: typer.Context, patient: PatientArg, json_out: JsonOpt = False) -> None:
    """Show the patient's current episode and treatments (the history file format)."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="history")
        facts = history_service.load_history(session, cli.actor, row, as_of=utc_today())
        doc: dict[str, Any] = {"patient": row.ref, **history_to_dict(facts)}
    if json_out:
        emit_json(doc)
        return
    typer.echo(
        f"patient {doc['patient']}: episode onset {doc['episode']['onset']}, severity {doc['episode']['severity']}"
    )
    for key in (
        "antidepressant_trials",
        "augmentation_trials",
        "ect_courses",
        "psychotherapy_courses",
    ):
        for t in doc[key]:
            what = t.get("drug") or t.get("agent") or t.get("modality") or "ECT"
            typer.echo(
                f"  {key[:-1].replace('_', ' ')}: {what} {t['start']} to {t.get('end') or 'ongoing'} -> {t['outcome']}"
            )


@course_app.command("add")
@handle_errors
def course_add(
    ctx: typer.Context,
    patient: PatientArg,
    modality: Annotated[str, typer.Option(help="tms, esketamine, ketamine, ect, ...")],
    start: Annotated[str, typer.Option(help="Start date YYYY-MM-DD (the outcome baseline date).")],
    scale: Annotated[str, typer.Option("--scale", help="Primary outcome scale.")] = "phq9",
    planned_sessions: Annotated[int | None, typer.Option("--planned-sessions")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Open a treatment course for a patient."""
    start_date = parse_date(start, "start")
    assert start_date is not None
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="course")
        course = history_service.add_course(
            session,
            cli.actor,
            row,
            modality=modality,
            start_date=start_date,
            primary_scale=scale,
            planned_sessions=planned_sessions,
        )
        doc = {"patient": row.ref, **Course.model_validate(course).model_dump(mode="json")}
    if json_out:
        emit_json(doc)
    else:
        typer.echo(
            f"opened {doc['modality']} course {doc['ref']} for {doc['patient']} from {doc['start_date']}"
        )


@course_app.command("list")
@handle_errors
def course_list(ctx: typer.Context, patient: PatientArg, json_out: JsonOpt = False) -> None:
    """List a patient's treatment courses."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="course")
        docs = [
            Course.model_validate(c).model_dump(mode="json")
            for c in history_service.list_courses(session, cli.actor, row)
        ]
    if json_out:
        emit_json({"patient": row.ref, "items": docs})
        return
    for d in docs:
        typer.echo(f"{d['ref']}  {d['modality']}  from {d['start_date']}  {d['status']}")


def _print_changed(what: str, version: int, changed: dict[str, list[Any]]) -> None:
    typer.echo(f"{what} corrected (now version {version})")
    for key, (old, new) in changed.items():
        typer.echo(f"  - {key}: {old} -> {new}")


@app.command("trials")
@handle_errors
def trials(ctx: typer.Context, patient: PatientArg, json_out: JsonOpt = False) -> None:
    """The current episode's trials with their ids and versions (to correct one)."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="trials")
        doc = [
            {
                "id": t.id,
                "version": t.version,
                "kind": t.kind,
                "agent": t.agent,
                "max_daily_dose_mg": t.max_daily_dose_mg,
                "start_date": t.start_date.isoformat(),
                "end_date": t.end_date.isoformat() if t.end_date else None,
                "outcome": t.outcome,
            }
            for t in history_service.list_trials(session, cli.actor, row)
        ]
    if json_out:
        emit_json(doc)
        return
    for t in doc:
        dose = f" {t['max_daily_dose_mg']:g} mg/day" if t["max_daily_dose_mg"] else ""
        typer.echo(
            f"{t['id']:>6}  v{t['version']}  {t['kind']:<14} {t['agent']}{dose}  "
            f"{t['start_date']}..{t['end_date'] or 'ongoing'}  {t['outcome']}"
        )


@app.command("trial-correct")
@handle_errors
def trial_correct(
    ctx: typer.Context,
    patient: PatientArg,
    trial_id: Annotated[int, typer.Argument(help="the trial's id (history trials)")],
    reason: ReasonOpt,
    version: VersionOpt = None,
    agent: Annotated[str | None, typer.Option("--agent")] = None,
    dose: Annotated[float | None, typer.Option("--dose", help="max daily dose, mg")] = None,
    start: Annotated[str | None, typer.Option("--start", help="YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option("--end", help="YYYY-MM-DD")] = None,
    adherence: Annotated[str | None, typer.Option("--adherence")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome")] = None,
    sessions: Annotated[int | None, typer.Option("--sessions")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Correct a trial: a new version, the old one kept with the reason."""
    changes = {
        k: v
        for k, v in {
            "agent": agent,
            "max_daily_dose_mg": dose,
            "start_date": parse_date(start, "start"),
            "end_date": parse_date(end, "end"),
            "adherence": adherence,
            "outcome": outcome,
            "sessions": sessions,
        }.items()
        if v is not None
    }
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="trial_correct")
        trial, changed = history_service.correct_trial(
            session, cli.actor, row, trial_id, changes, reason=reason, expected_version=version
        )
        doc: dict[str, Any] = {"patient": row.ref, "id": trial.id, "version": trial.version}
        plain = changed_fields(changed)
    if json_out:
        emit_json({**doc, "changed": plain})
    else:
        _print_changed(f"trial {trial_id}", doc["version"], plain)


@app.command("trial-retire")
@handle_errors
def trial_retire(
    ctx: typer.Context,
    patient: PatientArg,
    trial_id: Annotated[int, typer.Argument(help="the trial's id (history trials)")],
    reason: ReasonOpt,
    version: VersionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Mark a trial entered in error (kept; out of the TRD status and staging)."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="trial_retire")
        trial = history_service.retire_trial(
            session, cli.actor, row, trial_id, reason=reason, expected_version=version
        )
        doc = {"patient": row.ref, "id": trial.id, "retired_reason": trial.retired_reason}
    if json_out:
        emit_json(doc)
    else:
        typer.echo(f"trial {trial_id}: {doc['retired_reason']}")


@course_app.command("correct")
@handle_errors
def course_correct(
    ctx: typer.Context,
    patient: PatientArg,
    course_ref: Annotated[str, typer.Argument(help="the course's ref (C-...)")],
    reason: ReasonOpt,
    version: VersionOpt = None,
    start: Annotated[str | None, typer.Option("--start", help="YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option("--end", help="YYYY-MM-DD")] = None,
    primary_scale: Annotated[str | None, typer.Option("--primary-scale")] = None,
    planned_sessions: Annotated[int | None, typer.Option("--planned-sessions")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Correct a course (a TMS course: its primary scale only)."""
    changes = {
        k: v
        for k, v in {
            "start_date": parse_date(start, "start"),
            "end_date": parse_date(end, "end"),
            "primary_scale": primary_scale,
            "planned_sessions": planned_sessions,
        }.items()
        if v is not None
    }
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="course_correct")
        course, changed = history_service.correct_course(
            session, cli.actor, row, course_ref, changes, reason=reason, expected_version=version
        )
        doc: dict[str, Any] = {"patient": row.ref, "ref": course.ref, "version": course.version}
        plain = changed_fields(changed)
    if json_out:
        emit_json({**doc, "changed": plain})
    else:
        _print_changed(f"course {course_ref}", doc["version"], plain)


@course_app.command("retire")
@handle_errors
def course_retire(
    ctx: typer.Context,
    patient: PatientArg,
    course_ref: Annotated[str, typer.Argument(help="the course's ref (C-...)")],
    reason: ReasonOpt,
    version: VersionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Mark a course entered in error (a TMS course: `trdcare tms cancel` or `stop`)."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="course_retire")
        course = history_service.retire_course(
            session, cli.actor, row, course_ref, reason=reason, expected_version=version
        )
        doc = {"patient": row.ref, "ref": course.ref, "retired_reason": course.retired_reason}
    if json_out:
        emit_json(doc)
    else:
        typer.echo(f"course {course_ref}: {doc['retired_reason']}")
