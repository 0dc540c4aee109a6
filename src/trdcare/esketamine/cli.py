"""`trdcare esketamine ...`: the label's calendar and checks, and the course and session
record (plan, session, bp-signoff, dose, observe, discharge, sign, rems, corrections); a thin
adapter over :mod:`trdcare.esketamine.service`.

Every command has ``--json`` (one JSON document on stdout). Bad input exits 2 with one line
naming the field, what is allowed and what was given.
"""

from __future__ import annotations

from datetime import datetime
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
    parse_number,
)
from trdcare.esketamine import service as esk_service
from trdcare.esketamine.domain import (
    DEFAULT_WEEKS,
    check_predose_bp,
    induction_and_maintenance_schedule,
    label_dict,
    question_ids,
)
from trdcare.patients import service as patient_service

app = typer.Typer(
    help="Esketamine (nasal): the US label's schedule and safety checks.", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]

# The command line spells options with hyphens; the domain with underscores.
_MAINTENANCE = {"weekly": "weekly", "every-2-weeks": "every_2_weeks"}


def _fmt_reasons(reasons: list[dict[str, Any]]) -> None:
    for r in reasons:
        typer.echo(f"  - {r['finding']} [{r['status']}]")


def _label_line() -> str:
    label = label_dict()
    effective = label["effective_date"] or "not read"
    return (
        f"{label['name']} (label effective date: {effective}; first approved "
        f"{label['first_approved']}; catalogue {label['catalogue_version']})"
    )


@app.command("schedule")
@handle_errors
def schedule(
    start: Annotated[str, typer.Option("--start", help="day of the first dose, YYYY-MM-DD")],
    maintenance: Annotated[
        str, typer.Option("--maintenance", help="from week 9: weekly or every-2-weeks")
    ] = "weekly",
    weeks: Annotated[
        str, typer.Option("--weeks", help="label weeks to plan, a whole number 1-104")
    ] = str(DEFAULT_WEEKS),
    json_out: JsonOpt = False,
) -> None:
    """The label's induction (weeks 1-4, twice weekly) and maintenance sessions, dated."""
    first = parse_date(start, "start")
    if maintenance not in _MAINTENANCE:
        fail(
            "maintenance",
            f"unknown value (allowed: {', '.join(_MAINTENANCE)}; given: {maintenance!r})",
        )
    n_weeks = parse_number(weeks, "weeks")
    plan = induction_and_maintenance_schedule(first, _MAINTENANCE[maintenance], n_weeks)
    doc = plan.to_dict()
    if json_out:
        emit_json(doc)
        return
    typer.echo(_label_line())
    for s in plan.sessions:
        note = " (first dose)" if s.first_dose else ""
        phase = s.phase.replace("_", " ")
        typer.echo(f"{s.number:>3}  {s.day.isoformat()}  week {s.week:<3} {phase}{note}")
    if plan.end_of_induction_review is not None:
        typer.echo(
            f"End-of-induction review of benefit: {plan.end_of_induction_review.isoformat()}"
        )
    _fmt_reasons(doc["reasons"])  # type: ignore[arg-type]


@app.command("check-bp")
@handle_errors
def check_bp(
    systolic: Annotated[str, typer.Option("--systolic", help="pre-dose systolic, mmHg")],
    diastolic: Annotated[str, typer.Option("--diastolic", help="pre-dose diastolic, mmHg")],
    json_out: JsonOpt = False,
) -> None:
    """The pre-dose blood pressure against the label's 140/90 (a warning, not a block)."""
    result = check_predose_bp(
        parse_number(systolic, "systolic_mmhg"), parse_number(diastolic, "diastolic_mmhg")
    )
    doc = result.to_dict()
    if json_out:
        emit_json(doc)
        return
    if result.needs_prescriber_signoff:
        typer.echo(
            f"WARNING: {result.systolic_mmhg}/{result.diastolic_mmhg} mmHg is above the "
            "label's threshold; a prescriber must sign off before dosing (not a block)."
        )
    else:
        typer.echo(
            f"{result.systolic_mmhg}/{result.diastolic_mmhg} mmHg is not above the "
            "label's threshold."
        )
    for finding in result.findings:
        typer.echo(f"  {finding}")
    _fmt_reasons(doc["reasons"])  # type: ignore[arg-type]


# -- the course and the session record (database) --------------------------------------------
PatientArg = Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")]
SessionArg = Annotated[str, typer.Argument(help="Session ref (K-...).")]
NumberOpt = Annotated[str | None, typer.Option()]


def _moment(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        fail(name, f"not an ISO date and time YYYY-MM-DDTHH:MM (given: {value!r})")


def _number(value: str | None, name: str) -> float | None:
    return None if value is None else parse_number(value, name)


def _session_doc(session: Any, actor: Any, patient: Any, ref: str) -> dict[str, Any]:
    return {"patient": patient.ref, **esk_service.session_detail(session, actor, patient, ref)}


def _session_line(doc: dict[str, Any]) -> None:
    typer.echo(
        f"session {doc['ref']} (#{doc['number']}, {doc['phase'].replace('_', ' ')}): "
        f"{doc['status'].replace('_', ' ')}"
    )
    if doc["bp_check"]["verdict"] == "warning" and not doc["bp_signoff"]:
        typer.echo("  WARNING: pre-dose BP above 140/90: a prescriber signs off before dosing")
    for c in doc["concomitant"]:
        typer.echo(f"  concomitant: {c['name']} ({c['drug_class'].replace('_', ' ')})")
    for flag in doc["device_flags"]:
        typer.echo(f"  {flag}")
    if doc["rems"]:
        typer.echo(f"  REMS form {doc['rems']['state']}, due {doc['rems']['due']}")


def _run(
    ctx: typer.Context,
    patient: str,
    purpose: str,
    action: Any,
    ref: str | None = None,
) -> dict[str, Any]:
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose=purpose)
        result = action(session, cli.actor, row)
        target = ref or getattr(result, "ref", None)
        if target is None:
            return {"patient": row.ref, **esk_service.status(session, cli.actor, row)}
        return _session_doc(session, cli.actor, row, target)


@app.command("plan")
@handle_errors
def plan_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    start: Annotated[str, typer.Option("--start", help="day of the first dose, YYYY-MM-DD")],
    yes: Annotated[
        list[str] | None, typer.Option("--yes", help="a screening question answered yes (its id)")
    ] = None,
    rest_no: Annotated[
        bool, typer.Option("--rest-no", help="answer every other question no")
    ] = False,
    population: Annotated[str, typer.Option("--population", help="trd or mdd-suicidal")] = "trd",
    maintenance: Annotated[
        str, typer.Option("--maintenance", help="from week 9: weekly or every-2-weeks")
    ] = "weekly",
    weeks: Annotated[str, typer.Option("--weeks", help="label weeks, 1-104")] = str(DEFAULT_WEEKS),
    physician: Annotated[
        str | None, typer.Option("--physician", help="the prescriber signing off warnings")
    ] = None,
    signoff_note: Annotated[
        str, typer.Option("--signoff-note", help="the prescriber's reasoning for the warnings")
    ] = "",
    json_out: JsonOpt = False,
) -> None:
    """Screen eligibility (contraindications block; warnings need --physician and
    --signoff-note) and plan the course with the label calendar."""
    if not rest_no:
        fail("answers", "give --yes QUESTION ... with --rest-no to answer every other one no")
    known = question_ids()
    for q in yes or []:
        if q not in known:
            fail("yes", f"unknown question (allowed: {', '.join(known)}; given: {q!r})")
    answers = {q: q in (yes or []) for q in known}
    populations = {"trd": "trd", "mdd-suicidal": "mdd_suicidal"}
    if population not in populations:
        fail("population", f"unknown value (allowed: trd, mdd-suicidal; given: {population!r})")
    if maintenance not in _MAINTENANCE:
        fail(
            "maintenance", f"unknown value (allowed: weekly, every-2-weeks; given: {maintenance!r})"
        )
    first = parse_date(start, "start")
    n_weeks = parse_number(weeks, "weeks")

    def action(session: Any, actor: Any, row: Any) -> None:
        esk_service.plan(
            session,
            actor,
            row,
            answers=answers,
            start_date=first,
            population=populations[population],
            maintenance=_MAINTENANCE[maintenance],
            weeks=n_weeks,
            physician=physician,
            signoff_note=signoff_note,
        )

    doc = _run(ctx, patient, "esketamine_plan", action)
    if json_out:
        emit_json(doc)
        return
    typer.echo(
        f"course {doc['course_ref']} planned from {doc['start_date']}: "
        f"{len(doc['schedule'])} sessions; eligibility {doc['eligibility_verdict'].replace('_', ' ')}"
    )
    for w in doc["eligibility"]["warnings"]:
        typer.echo(f"  warning signed off: {w['text']}")


@app.command("status")
@handle_errors
def status_cmd(ctx: typer.Context, patient: PatientArg, json_out: JsonOpt = False) -> None:
    """The course: sessions, their status and REMS tasks."""
    doc = _run(ctx, patient, "esketamine_status", lambda *_: None)
    if json_out:
        emit_json(doc)
        return
    typer.echo(
        f"course {doc['course_ref']}: {doc['status']}, {doc['delivered_sessions']} of "
        f"{len(doc['schedule'])} sessions given"
    )
    for s in doc["sessions"]:
        _session_line(s)


@app.command("stop")
@handle_errors
def stop_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    reason: ReasonOpt,
    on: Annotated[str | None, typer.Option("--on", help="YYYY-MM-DD (default today)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Stop the ongoing course (sessions kept)."""
    day = parse_date(on, "on")
    doc = _run(
        ctx,
        patient,
        "esketamine_stop",
        lambda s, a, r: esk_service.stop_course(s, a, r, reason=reason, on=day) and None,
    )
    if json_out:
        emit_json(doc)
    else:
        typer.echo(f"course {doc['course_ref']} stopped")


@app.command("session")
@handle_errors
def session_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    systolic: Annotated[str, typer.Option("--systolic", help="pre-dose systolic, mmHg")],
    diastolic: Annotated[str, typer.Option("--diastolic", help="pre-dose diastolic, mmHg")],
    pulse: Annotated[str | None, typer.Option("--pulse", help="pre-dose pulse, /min")] = None,
    spo2: Annotated[str | None, typer.Option("--spo2", help="pre-dose SpO2, %")] = None,
    at: Annotated[str | None, typer.Option("--at", help="checked in at (ISO)")] = None,
    medication: Annotated[
        list[str] | None, typer.Option("--medication", help="another current medication")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Check the patient in for the next session (pre-dose vital signs)."""
    values: dict[str, Any] = {
        "predose_systolic_mmhg": parse_number(systolic, "predose_systolic_mmhg"),
        "predose_diastolic_mmhg": parse_number(diastolic, "predose_diastolic_mmhg"),
        "predose_pulse_bpm": _number(pulse, "predose_pulse_bpm"),
        "predose_spo2_pct": _number(spo2, "predose_spo2_pct"),
        "checked_in_at": _moment(at, "checked_in_at"),
        "extra_medications": medication or [],
    }
    doc = _run(
        ctx,
        patient,
        "esketamine_check_in",
        lambda s, a, r: esk_service.check_in(s, a, r, **values),
    )
    if json_out:
        emit_json(doc)
    else:
        _session_line(doc)


@app.command("bp-signoff")
@handle_errors
def bp_signoff_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    session_ref: SessionArg,
    physician: Annotated[str, typer.Option("--physician", help="the prescriber signing off")],
    note: Annotated[str, typer.Option("--note", help="the prescriber's reasoning")],
    json_out: JsonOpt = False,
) -> None:
    """A prescriber signs off dosing despite an elevated pre-dose blood pressure."""
    doc = _run(
        ctx,
        patient,
        "esketamine_bp_signoff",
        lambda s, a, r: esk_service.sign_off_bp(
            s, a, r, session_ref, physician=physician, note=note
        ),
        session_ref,
    )
    if json_out:
        emit_json(doc)
    else:
        _session_line(doc)


@app.command("dose")
@handle_errors
def dose_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    session_ref: SessionArg,
    dose_mg: Annotated[str, typer.Option("--dose-mg", help="56 or 84 (28 mg devices)")],
    devices: Annotated[str, typer.Option("--devices", help="28 mg devices used")],
    lot: Annotated[str, typer.Option("--lot", help="lot number")],
    device_at: Annotated[
        list[str] | None, typer.Option("--device-at", help="when each device was given (ISO)")
    ] = None,
    monitoring_start: Annotated[
        str | None, typer.Option("--monitoring-start", help="ISO (default: last device)")
    ] = None,
    by: Annotated[str, typer.Option("--by", help="who gave the dose")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Record the dose given: label step, devices, lot, device times."""
    times = [t for t in (_moment(v, "device_times") for v in device_at or []) if t is not None]
    start = _moment(monitoring_start, "monitoring_start")
    mg, n = parse_number(dose_mg, "dose_mg"), parse_number(devices, "devices")
    doc = _run(
        ctx,
        patient,
        "esketamine_dose",
        lambda s, a, r: esk_service.record_dose(
            s,
            a,
            r,
            session_ref,
            dose_mg=mg,
            devices=n,
            lot=lot,
            device_times=times,
            monitoring_start=start,
            administered_by=by,
        ),
        session_ref,
    )
    if json_out:
        emit_json(doc)
    else:
        _session_line(doc)


@app.command("observe")
@handle_errors
def observe_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    session_ref: SessionArg,
    at: Annotated[str | None, typer.Option("--at", help="observed at (ISO; default now)")] = None,
    purpose: Annotated[
        str, typer.Option("--purpose", help="routine or post-dose-40-min")
    ] = "routine",
    sedation: Annotated[bool, typer.Option("--sedation", help="sedation present")] = False,
    dissociation: Annotated[bool, typer.Option("--dissociation")] = False,
    respiratory_depression: Annotated[bool, typer.Option("--respiratory-depression")] = False,
    systolic: NumberOpt = None,
    diastolic: NumberOpt = None,
    pulse: NumberOpt = None,
    spo2: NumberOpt = None,
    respiratory_rate: Annotated[str | None, typer.Option("--respiratory-rate")] = None,
    note: Annotated[str, typer.Option("--note")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Record a timed observation during monitoring."""
    purposes = {"routine": "routine", "post-dose-40-min": "post_dose_40_min"}
    if purpose not in purposes:
        fail("purpose", f"unknown value (allowed: routine, post-dose-40-min; given: {purpose!r})")
    values: dict[str, Any] = {
        "observed_at": _moment(at, "observed_at"),
        "purpose": purposes[purpose],
        "sedation": sedation,
        "dissociation": dissociation,
        "respiratory_depression": respiratory_depression,
        "systolic_mmhg": _number(systolic, "systolic_mmhg"),
        "diastolic_mmhg": _number(diastolic, "diastolic_mmhg"),
        "pulse_bpm": _number(pulse, "pulse_bpm"),
        "spo2_pct": _number(spo2, "spo2_pct"),
        "respiratory_rate_per_min": _number(respiratory_rate, "respiratory_rate_per_min"),
        "note": note,
    }
    doc = _run(
        ctx,
        patient,
        "esketamine_observe",
        lambda s, a, r: esk_service.observe(s, a, r, session_ref, **values),
        session_ref,
    )
    if json_out:
        emit_json(doc)
    else:
        _session_line(doc)


@app.command("discharge")
@handle_errors
def discharge_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    session_ref: SessionArg,
    by: Annotated[str, typer.Option("--by", help="the physician or nurse discharging")],
    systolic: Annotated[str, typer.Option("--systolic", help="BP at discharge, mmHg")],
    diastolic: Annotated[str, typer.Option("--diastolic", help="BP at discharge, mmHg")],
    pulse: NumberOpt = None,
    spo2: NumberOpt = None,
    sedation_resolved: Annotated[bool, typer.Option("--sedation-resolved")] = False,
    dissociation_resolved: Annotated[bool, typer.Option("--dissociation-resolved")] = False,
    respiratory_depression_resolved: Annotated[
        bool, typer.Option("--respiratory-depression-resolved")
    ] = False,
    safe_transport: Annotated[
        bool, typer.Option("--safe-transport", help="a safe way home, not driving")
    ] = False,
    elevated_bp_reviewed: Annotated[
        bool,
        typer.Option(
            "--elevated-bp-reviewed",
            help="a blood pressure still elevated at discharge was reviewed (rule UNVERIFIED)",
        ),
    ] = False,
    at: Annotated[str | None, typer.Option("--at", help="discharged at (ISO; default now)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Discharge after at least 2 hours with every effect resolved; opens the REMS task."""
    if not by.strip():
        fail("by", "is required: the physician or nurse who discharges")
    values: dict[str, Any] = {
        "discharged_by": by.strip(),
        "discharge_systolic_mmhg": parse_number(systolic, "discharge_systolic_mmhg"),
        "discharge_diastolic_mmhg": parse_number(diastolic, "discharge_diastolic_mmhg"),
        "discharge_pulse_bpm": _number(pulse, "discharge_pulse_bpm"),
        "discharge_spo2_pct": _number(spo2, "discharge_spo2_pct"),
        "sedation_resolved": sedation_resolved,
        "dissociation_resolved": dissociation_resolved,
        "respiratory_depression_resolved": respiratory_depression_resolved,
        "safe_transport": safe_transport,
        "elevated_bp_reviewed": elevated_bp_reviewed,
        "discharged_at": _moment(at, "discharged_at"),
    }
    doc = _run(
        ctx,
        patient,
        "esketamine_discharge",
        lambda s, a, r: esk_service.discharge(s, a, r, session_ref, **values),
        session_ref,
    )
    if json_out:
        emit_json(doc)
    else:
        _session_line(doc)


@app.command("sign")
@handle_errors
def sign_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    session_ref: SessionArg,
    physician: Annotated[str, typer.Option("--physician", help="the prescriber signing")],
    json_out: JsonOpt = False,
) -> None:
    """The prescriber signs a discharged session."""
    doc = _run(
        ctx,
        patient,
        "esketamine_sign",
        lambda s, a, r: esk_service.sign_session(s, a, r, session_ref, physician=physician),
        session_ref,
    )
    if json_out:
        emit_json(doc)
    else:
        typer.echo(f"session {doc['ref']} signed by {doc['signed']['by']}")


rems_app = typer.Typer(
    help="The REMS Patient Monitoring Form: content, tasks, submission.", no_args_is_help=True
)
app.add_typer(rems_app, name="rems")


@rems_app.command("form")
@handle_errors
def rems_form_cmd(
    ctx: typer.Context, patient: PatientArg, session_ref: SessionArg, json_out: JsonOpt = False
) -> None:
    """The form's content generated from a discharged session."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="esketamine_rems")
        doc = {"patient": row.ref, **esk_service.rems_form(session, cli.actor, row, session_ref)}
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"REMS Patient Monitoring Form, session {session_ref}, due {doc['due']}")
    for title, fields in (
        ("verified", doc["verified_fields"]),
        ("UNVERIFIED", doc["unverified_fields"]),
    ):
        typer.echo(f"  fields ({title}):")
        for key, value in fields.items():
            typer.echo(f"    {key.replace('_', ' ')}: {value}")


@rems_app.command("tasks")
@handle_errors
def rems_tasks_cmd(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Every open REMS form task of the clinic (due or overdue) and BP sign-offs pending."""
    cli = get_context(ctx)
    with cli.session() as session:
        doc = {"patients": esk_service.dashboard(session, cli.actor)}
    if json_out:
        emit_json(doc)
        return
    for ref, entry in sorted(doc["patients"].items()):
        if entry["alerts"]:
            typer.echo(f"{ref}: {', '.join(a.replace('_', ' ') for a in entry['alerts'])}")


@rems_app.command("submitted")
@handle_errors
def rems_submitted_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    session_ref: SessionArg,
    by: Annotated[str, typer.Option("--by", help="who submitted the form")],
    at: Annotated[str | None, typer.Option("--at", help="ISO (default now)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Mark the session's REMS form submitted: who and when."""
    if not by.strip():
        fail("by", "is required: who submitted the form")
    when = _moment(at, "submitted_at")
    doc = _run(
        ctx,
        patient,
        "esketamine_rems_submitted",
        lambda s, a, r: esk_service.mark_rems_submitted(
            s, a, r, session_ref, submitted_by=by.strip(), submitted_at=when
        ),
        session_ref,
    )
    if json_out:
        emit_json(doc)
    else:
        typer.echo(f"REMS form of session {doc['ref']} submitted by {doc['rems']['submitted_by']}")


@app.command("correct")
@handle_errors
def correct_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    session_ref: SessionArg,
    reason: ReasonOpt,
    version: VersionOpt = None,
    lot: Annotated[str | None, typer.Option("--lot")] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Correct a session's lot or note (the earlier version kept with the reason)."""
    changes = {k: v for k, v in {"lot": lot, "note": note}.items() if v is not None}
    if not changes:
        fail("correction", "give --lot or --note")
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(
            session, cli.actor, patient, purpose="esketamine_correct"
        )
        changed = esk_service.correct_session(
            session,
            cli.actor,
            row,
            session_ref,
            changes,
            reason=reason,
            expected_version=version,
        )
        doc = {"patient": row.ref, "session": session_ref, "changed": changed_fields(changed)}
    if json_out:
        emit_json(doc)
    else:
        typer.echo(f"session {session_ref} corrected: {', '.join(doc['changed']) or 'no change'}")


@app.command("entered-in-error")
@handle_errors
def retire_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    session_ref: SessionArg,
    reason: ReasonOpt,
    version: VersionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Mark a session entered in error (kept, no longer counted; its REMS task closed)."""
    doc = _run(
        ctx,
        patient,
        "esketamine_retire",
        lambda s, a, r: esk_service.retire_session(
            s, a, r, session_ref, reason=reason, expected_version=version
        ),
        session_ref,
    )
    if json_out:
        emit_json(doc)
    else:
        typer.echo(f"session {session_ref} marked entered in error")


@app.command("adverse-event")
@handle_errors
def adverse_event_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    session_ref: SessionArg,
    kind: Annotated[str, typer.Option("--kind", help="an esketamine adverse-event kind")],
    severity: Annotated[str, typer.Option("--severity", help="mild, moderate or severe")],
    serious: Annotated[
        list[str] | None,
        typer.Option("--serious", help="a serious criterion met (e.g. hospitalisation)"),
    ] = None,
    on: Annotated[
        str | None, typer.Option("--on", help="YYYY-MM-DD (default: the session's day)")
    ] = None,
    description: Annotated[str, typer.Option("--description")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Report an adverse event seen in a session (a serious one pauses the course)."""
    day = parse_date(on, "occurred_on")
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="esketamine_ae")
        reported = esk_service.report_adverse_event(
            session,
            cli.actor,
            row,
            session_ref,
            kind=kind,
            severity=severity,
            occurred_on=day,
            serious_criteria=serious or [],
            description=description,
        )
        doc = {
            "patient": row.ref,
            "session": session_ref,
            "event_id": reported.event.id,
            "serious": reported.event.serious,
            "paused": reported.paused,
        }
    if json_out:
        emit_json(doc)
    else:
        typer.echo(
            f"adverse event recorded{' (serious: the course is PAUSED)' if doc['paused'] else ''}"
        )


@app.command("pause-review")
@handle_errors
def pause_review_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    decision: Annotated[str, typer.Option("--decision", help="resume or stop")],
    physician: Annotated[str, typer.Option("--physician", help="the reviewing physician")],
    note: Annotated[str, typer.Option("--note", help="the physician's reasoning")],
    json_out: JsonOpt = False,
) -> None:
    """A physician reviews a paused course: resume or stop."""
    doc = _run(
        ctx,
        patient,
        "esketamine_pause_review",
        lambda s, a, r: esk_service.review_pause(
            s, a, r, physician=physician, decision=decision, note=note
        ),
    )
    if json_out:
        emit_json(doc)
    else:
        typer.echo(f"course {doc['course_ref']}: {doc['course_status']}")
