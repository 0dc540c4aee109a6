"""`trdcare tms ...`: the TMS pathway from the command line (thin adapter).

Every computing command has ``--json`` (one JSON document on stdout). Bad input exits 2
with one line naming the field; nothing is written on error (one commit per command).
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
    parse_dates,
    parse_time,
    read_json_file,
)
from trdcare.core.checks import check_interval
from trdcare.patients import service as patient_service
from trdcare.tms import schemas
from trdcare.tms import service as tms_service
from trdcare.tms.domain import (
    CHECK_PARAMETER_LIMITS,
    DepthAdjustment,
    PhysicianOverride,
    RecordedFinding,
    beam_f3,
    check_parameters,
    hotspot_rule_target,
    library,
    questionnaires,
    review_moment,
    simulate_hunt,
)

app = typer.Typer(help="The TMS pathway: screen, plan, deliver, review.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
PatientArg = Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")]


def _override(by: str | None, reason: str | None) -> PhysicianOverride | None:
    if by is None and reason is None:
        return None
    if not by:
        fail("override_by", "is required with --override-reason")
    if not reason:
        fail("override_reason", "is required with --override-by")
    return PhysicianOverride(by, reason)


def _fmt_reasons(reasons: list[dict[str, Any]]) -> None:
    for r in reasons:
        typer.echo(f"  - {r['finding']} [{r['status']}]")


# -------------------------------------------------------------------------------------------
# No database


@app.command("f3")
@handle_errors
def f3(
    tragus_tragus: Annotated[float, typer.Option("--tragus-tragus", help="cm, over the vertex")],
    nasion_inion: Annotated[float, typer.Option("--nasion-inion", help="cm, over the vertex")],
    circumference: Annotated[float, typer.Option("--circumference", help="head, cm")],
    side: Annotated[str, typer.Option(help="left (F3) or right (F4)")] = "left",
    json_out: JsonOpt = False,
) -> None:
    """Beam F3 (or F4): X along the circumference from the midline, Y from the vertex."""
    r = beam_f3(tragus_tragus, nasion_inion, circumference, side=side)
    doc = r.to_dict()
    if json_out:
        emit_json(doc)
        return
    typer.echo(
        f"{r.site}: X = {doc['x_cm']} cm from the midline along the circumference, "
        f"Y = {doc['y_cm']} cm from the vertex"
    )
    _fmt_reasons(doc["reasons"])  # type: ignore[arg-type]


@app.command("rule")
@handle_errors
def rule(
    distance: Annotated[str, typer.Option(help="5cm or 5.5cm")] = "5.5cm",
    side: Annotated[str, typer.Option(help="left or right")] = "left",
    json_out: JsonOpt = False,
) -> None:
    """The 5 cm / 5.5 cm rule from the motor hotspot."""
    r = hotspot_rule_target(distance, side=side)
    if json_out:
        emit_json(r.to_dict())
        return
    typer.echo(r.instruction)
    _fmt_reasons(r.to_dict()["reasons"])  # type: ignore[arg-type]


@app.command("check")
@handle_errors
def check(
    frequency_hz: Annotated[float, typer.Option("--frequency-hz")],
    intensity_pct_mt: Annotated[float, typer.Option("--intensity-pct-mt")],
    train_s: Annotated[float, typer.Option("--train-s", help="train duration, s")],
    iti_s: Annotated[float, typer.Option("--iti-s", help="inter-train interval, s")],
    trains: Annotated[float, typer.Option("--trains", help="trains per session")],
    json_out: JsonOpt = False,
) -> None:
    """Check rTMS parameters against the maximum-safe-train table and Chen 1997's ITI."""
    # Read as a number so "1e23" or "7.5" gets the declared bound's message, not a parse error.
    check_interval("trains", trains, CHECK_PARAMETER_LIMITS["trains"])
    r = check_parameters(frequency_hz, intensity_pct_mt, train_s, iti_s, int(trains))
    doc = r.to_dict()
    if json_out:
        emit_json(doc)
        return
    verdict = "within limits" if r.within_limits else "EXCEEDS limits"
    typer.echo(
        f"{verdict}: {r.pulses} pulses, {r.session_s:g} s a session; longest train "
        f"{r.train.max_train_s:g} s (table {r.train.table_status})"
    )
    _fmt_reasons(doc["reasons"])  # type: ignore[arg-type]


@app.command("mt-simulate")
@handle_errors
def mt_simulate(
    true_mt: Annotated[float, typer.Option("--true-mt", help="the virtual subject's MT, %MSO")],
    seed: Annotated[int, typer.Option("--seed")] = 1,
    start: Annotated[float | None, typer.Option("--start", help="start %MSO")] = None,
    max_pulses: Annotated[int, typer.Option("--max-pulses")] = 20,
    model: Annotated[str, typer.Option(help="normal or logistic")] = "normal",
    json_out: JsonOpt = False,
) -> None:
    """One seeded ML-PEST hunt on a virtual subject."""
    h = simulate_hunt(true_mt, seed, start_pct_mso=start, max_pulses=max_pulses, model=model)
    doc = h.to_dict()
    if json_out:
        emit_json(doc)
        return
    typer.echo(
        f"estimate {h.estimate_pct_mso:g}% MSO after {h.pulses} pulses "
        f"(true {h.true_mt_pct_mso:g}, error {h.error_pct_mso:+.2f})"
    )


# -------------------------------------------------------------------------------------------
# With the database


@app.command("protocols")
@handle_errors
def protocols(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """The protocol library and the clinic's custom protocols."""
    cli = get_context(ctx)
    with cli.session() as session:
        docs = tms_service.list_protocols(session)
    if json_out:
        emit_json({"protocols": docs})
        return
    for d in docs:
        typer.echo(
            f"{d['id']}: {d.get('name') or d['id']} ({d.get('origin') or 'custom'}; "
            f"{d['pulses_text']}; status {d.get('status') or 'not stated'})"
        )


@app.command("protocol-add")
@handle_errors
def protocol_add(
    ctx: typer.Context,
    file: Annotated[str, typer.Option("--file", help="protocol JSON; '-' for stdin")],
    override_by: Annotated[str | None, typer.Option("--override-by")] = None,
    override_reason: Annotated[str | None, typer.Option("--override-reason")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Save a custom protocol (past the safety limits only with a physician override)."""
    data = read_json_file(file, "file")
    if not isinstance(data, dict):
        fail("file", "must hold one JSON object")
    cli = get_context(ctx)
    with cli.session() as session:
        row, approval = tms_service.save_protocol(
            session, cli.actor, data, override=_override(override_by, override_reason)
        )
        doc = {"key": row.key, **approval.to_dict()}
    if json_out:
        emit_json(doc)
    else:
        typer.echo(f"saved protocol {doc['key']} ({approval.basis})")


def _answers(file: str | None, yes: list[str] | None, rest_no: bool) -> dict[str, bool]:
    if file is not None:
        data = read_json_file(file, "answers")
        if not isinstance(data, dict):
            fail("answers", "must be a JSON object of item id -> true/false")
        return data
    if not rest_no:
        fail(
            "answers",
            "give --answers FILE, or --yes ITEM ... with --rest-no to answer every other item no",
        )
    return dict.fromkeys(yes or [], True)


@app.command("screen")
@handle_errors
def screen(
    ctx: typer.Context,
    patient: PatientArg,
    instrument: Annotated[str, typer.Option(help="rossi2011 or tass")] = "rossi2011",
    answers: Annotated[str | None, typer.Option("--answers", help="JSON file of answers")] = None,
    yes: Annotated[list[str] | None, typer.Option("--yes", help="an item answered yes")] = None,
    rest_no: Annotated[
        bool, typer.Option("--rest-no", help="every item not given with --yes is no")
    ] = False,
    finding: Annotated[
        list[str] | None, typer.Option("--finding", help="FINDING_ID or FINDING_ID=detail")
    ] = None,
    medication: Annotated[
        list[str] | None, typer.Option("--medication", help="a medication not in the record")
    ] = None,
    acknowledged_by: Annotated[str | None, typer.Option("--acknowledged-by")] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    on: Annotated[str | None, typer.Option("--on", help="screen date YYYY-MM-DD")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a TMS safety screen: contraindicated / caution / clear, with the reasons."""
    given = _answers(answers, yes, rest_no)
    findings = []
    for f in finding or []:
        fid, _, detail = f.partition("=")
        findings.append(RecordedFinding(fid.strip(), detail.strip()))
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="tms_screen")
        if answers is None:
            known = {q.id: q for q in questionnaires()}
            items = [it.id for it in known[instrument].items] if instrument in known else []
            given = {**dict.fromkeys(items, False), **given}
        screen_row, result = tms_service.record_screen(
            session,
            cli.actor,
            row,
            instrument=instrument,
            answers=given,
            findings=findings,
            extra_medications=medication or [],
            screened_on=parse_date(on, "on"),
            acknowledged_by=acknowledged_by,
            acknowledgement_note=note,
        )
        doc = {"patient": row.ref, **tms_service.screen_to_dict(screen_row)}
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"screen {doc['ref']} for {doc['patient']}: {result.verdict.upper()}")
    _fmt_reasons(doc["reasons"])


@app.command("acknowledge")
@handle_errors
def acknowledge(
    ctx: typer.Context,
    patient: PatientArg,
    by: Annotated[str, typer.Option("--by", help="the acknowledging physician")],
    note: Annotated[str, typer.Option("--note")] = "",
    json_out: JsonOpt = False,
) -> None:
    """A physician's acknowledgement of the latest caution screen."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="tms_screen")
        s = tms_service.acknowledge_screen(session, cli.actor, row, physician=by, note=note)
        doc = {"patient": row.ref, **tms_service.screen_to_dict(s)}
    if json_out:
        emit_json(doc)
    else:
        typer.echo(f"screen {doc['ref']} acknowledged by {doc['acknowledged_by']}")


@app.command("plan")
@handle_errors
def plan(
    ctx: typer.Context,
    patient: PatientArg,
    protocol: Annotated[str, typer.Option("--protocol", help="library id or custom key")],
    start: Annotated[str, typer.Option("--start", help="first treatment day YYYY-MM-DD")],
    acute_sessions: Annotated[int | None, typer.Option("--acute-sessions")] = None,
    no_taper: Annotated[bool, typer.Option("--no-taper")] = False,
    closure: Annotated[list[str] | None, typer.Option("--closure", help="YYYY-MM-DD")] = None,
    skip: Annotated[list[str] | None, typer.Option("--skip", help="YYYY-MM-DD")] = None,
    at: Annotated[str, typer.Option("--time", help="first session HH:MM")] = "09:00",
    tz: Annotated[str, typer.Option("--tz", help="clinic time zone")] = "UTC",
    mt: Annotated[float | None, typer.Option("--mt", help="motor threshold, %MSO")] = None,
    m1_depth_mm: Annotated[float | None, typer.Option("--m1-depth-mm")] = None,
    target_depth_mm: Annotated[float | None, typer.Option("--target-depth-mm")] = None,
    tragus_tragus: Annotated[float | None, typer.Option("--tragus-tragus")] = None,
    nasion_inion: Annotated[float | None, typer.Option("--nasion-inion")] = None,
    circumference: Annotated[float | None, typer.Option("--circumference")] = None,
    side: Annotated[
        str | None,
        typer.Option("--side", help="Beam F3 (left) or F4 (right); default: the protocol's side"),
    ] = None,
    override_by: Annotated[str | None, typer.Option("--override-by")] = None,
    override_reason: Annotated[str | None, typer.Option("--override-reason")] = None,
    scale: Annotated[str, typer.Option("--scale", help="primary outcome scale")] = "phq9",
    json_out: JsonOpt = False,
) -> None:
    """Plan and start a course: calendar, taper, intensity and target."""
    start_date = parse_date(start, "start")
    assert start_date is not None
    depth = None
    if (m1_depth_mm is None) != (target_depth_mm is None):
        fail("target_depth_mm", "give both --m1-depth-mm and --target-depth-mm")
    if m1_depth_mm is not None and target_depth_mm is not None:
        depth = DepthAdjustment(m1_depth_mm, target_depth_mm)
    target = None
    head = (tragus_tragus, nasion_inion, circumference)
    if any(v is not None for v in head):
        if any(v is None for v in head):
            fail("circumference", "give --tragus-tragus, --nasion-inion and --circumference")
        if side is None:
            lib = {p.id: p for p in library()}
            first = lib[protocol].blocks[0].target if protocol in lib else ""
            side = "right" if first.startswith("right") else "left"
        f3r = beam_f3(tragus_tragus or 0, nasion_inion or 0, circumference or 0, side=side)
        target = tms_service.TargetSpec("beam_f3", f3r.to_dict())
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="tms_plan")
        plan_row, course_plan = tms_service.plan(
            session,
            cli.actor,
            row,
            protocol_key=protocol,
            start=start_date,
            acute_sessions=acute_sessions,
            include_taper=not no_taper,
            closures=parse_dates(closure, "closure"),
            skipped_days=parse_dates(skip, "skip"),
            first_session_at=parse_time(at, "time"),
            time_zone=tz,
            mt_pct_mso=mt,
            depth=depth,
            target=target,
            override=_override(override_by, override_reason),
            primary_scale=scale,
        )
        doc = {
            **tms_service.status(session, cli.actor, row, as_of=start_date),
            "plan": course_plan.to_dict(),
            "approval": plan_row.approval,
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo(
        f"planned {doc['planned']} sessions of {doc['protocol']} for {doc['patient']} "
        f"from {doc['start_date']} (course {doc['course']}, {doc['status']})"
    )
    if doc["intensity"]:
        typer.echo(f"  intensity {doc['intensity']['intensity_pct_mso']}% MSO")
        for w in doc["intensity"].get("warnings", []):
            typer.echo(f"  warning: {w}")


def _adverse(values: list[str] | None) -> list[dict[str, Any]]:
    out = []
    for v in values or []:
        parts = v.split(":", 3)
        if len(parts) < 2:
            fail("adverse_event", f"use KIND:SEVERITY[:serious][:description] (given: {v!r})")
        ev: dict[str, Any] = {"kind": parts[0], "severity": parts[1]}
        if len(parts) > 2 and parts[2]:
            if parts[2] not in ("serious", "not-serious"):
                fail(
                    "adverse_event",
                    f"the third part is serious or not-serious (given: {parts[2]!r})",
                )
            ev["serious"] = parts[2] == "serious"
        if len(parts) > 3:
            ev["description"] = parts[3]
        out.append(ev)
    return out


@app.command("session")
@handle_errors
def session_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    pulses: Annotated[int, typer.Option("--pulses", help="pulses delivered")],
    operator: Annotated[str, typer.Option("--operator")],
    planned_pulses: Annotated[int | None, typer.Option("--planned-pulses")] = None,
    intensity_pct_mso: Annotated[float | None, typer.Option("--intensity-pct-mso")] = None,
    mt: Annotated[float | None, typer.Option("--mt", help="MT in use, %MSO")] = None,
    trains: Annotated[int | None, typer.Option("--trains")] = None,
    coil: Annotated[str, typer.Option("--coil")] = "",
    device: Annotated[str, typer.Option("--device")] = "",
    target: Annotated[str, typer.Option("--target")] = "",
    excess_reason: Annotated[str | None, typer.Option("--excess-reason")] = None,
    mt_rechecked: Annotated[bool, typer.Option("--mt-rechecked")] = False,
    interruption: Annotated[list[str] | None, typer.Option("--interruption")] = None,
    side_effect: Annotated[list[str] | None, typer.Option("--side-effect")] = None,
    adverse_event: Annotated[
        list[str] | None,
        typer.Option("--adverse-event", help="KIND:SEVERITY[:serious|not-serious][:description]"),
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help="delivered at (ISO datetime)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Log the next session of the patient's course."""
    when = None
    if at is not None:
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            fail("at", f"not an ISO datetime (given: {at!r})")
    data: dict[str, Any] = {
        "pulses_delivered": pulses,
        "operator": operator,
        "planned_pulses": planned_pulses,
        "intensity_pct_mso": intensity_pct_mso,
        "mt_pct_mso": mt,
        "trains_delivered": trains,
        "coil": coil,
        "device": device,
        "target": target,
        "excess_reason": excess_reason,
        "mt_rechecked": mt_rechecked,
        "interruptions": interruption or [],
        "side_effects": side_effect or [],
        "adverse_events": _adverse(adverse_event),
    }
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="tms_session")
        entry, transition = tms_service.log_session(
            session, cli.actor, row, data, delivered_at=when
        )
        doc = {"patient": row.ref, **tms_service.session_to_dict(entry, transition)}
    if json_out:
        emit_json(doc)
        return
    st = transition.state
    typer.echo(
        f"session {entry.session_number} logged: {entry.pulses_delivered} pulses; "
        f"course {st.status} ({st.delivered_sessions}/{st.planned_sessions})"
    )
    _fmt_reasons([r.to_dict() for r in transition.reasons])


@app.command("status")
@handle_errors
def status(ctx: typer.Context, patient: PatientArg, json_out: JsonOpt = False) -> None:
    """The patient's TMS course: planned vs delivered, next session, events, reviews."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="tms_status")
        doc = tms_service.status(session, cli.actor, row)
    if json_out:
        emit_json(doc)
        return
    p = doc["progress"]
    typer.echo(
        f"{doc['protocol']} course {doc['course']}: {doc['status']}, "
        f"{p['delivered']}/{p['planned']} delivered"
    )
    if doc["review_required"]:
        typer.echo(f"  physician review needed: {doc['pause_reason']}")


@app.command("review")
@handle_errors
def review(
    ctx: typer.Context,
    patient: PatientArg,
    scale: Annotated[str | None, typer.Option("--scale")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="resume a paused course")] = False,
    stop: Annotated[bool, typer.Option("--stop", help="stop a paused course")] = False,
    by: Annotated[str | None, typer.Option("--by", help="reviewing physician")] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    resume_on: Annotated[str | None, typer.Option("--resume-on", help="YYYY-MM-DD")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Decision-point suggestions; on a paused course, the physician's review (--resume or
    --stop with --by and --note)."""
    if resume and stop:
        fail("resume", "give --resume or --stop, not both")
    doc: dict[str, Any]
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="tms_review")
        if resume or stop:
            if not by:
                fail("by", "the reviewing physician is required")
            if not note:
                fail("note", "the review's findings are required")
            entry, transition = tms_service.resolve_pause(
                session,
                cli.actor,
                row,
                physician=by,
                decision="resume" if resume else "stop",
                note=note,
                resume_on=parse_date(resume_on, "resume_on"),
            )
            doc = {
                "patient": row.ref,
                "review": schemas.Review.model_validate(entry).as_json(),
                "course": transition.to_dict(),
            }
        else:
            entry, suggestions = tms_service.decision_review(session, cli.actor, row, scale=scale)
            doc = {"patient": row.ref, "review_id": entry.id, **suggestions.to_dict()}
    if json_out:
        emit_json(doc)
        return
    if resume or stop:
        typer.echo(
            f"pause review: {doc['review']['decision']}; course {doc['course']['state']['status']}"
        )
        return
    o = doc["outcome"]
    typer.echo(
        f"{review_moment(doc['sessions_delivered'], doc['decision_point'])}: "
        f"{o['scale']} {o['baseline_total']} -> "
        f"{o['current_total']}, {o['category']}"
    )
    for s in doc["suggestions"]:
        mark = "*" if s["primary"] else "-"
        typer.echo(f"  {mark} {s['action']}: {s['finding']} [{s['status']}]")


@app.command("decide")
@handle_errors
def decide(
    ctx: typer.Context,
    patient: PatientArg,
    by: Annotated[str, typer.Option("--by", help="the deciding clinician")],
    accept: Annotated[bool, typer.Option("--accept")] = False,
    decline: Annotated[bool, typer.Option("--decline")] = False,
    action: Annotated[str | None, typer.Option("--action", help="default: the primary")] = None,
    note: Annotated[str, typer.Option("--note")] = "",
    resume_on: Annotated[str | None, typer.Option("--resume-on", help="YYYY-MM-DD")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Accept or decline the latest decision-point suggestion (the decision is recorded)."""
    if accept == decline:
        fail("decision", "give --accept or --decline")
    doc: dict[str, Any]
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="tms_review")
        entry, plan_row = tms_service.decide(
            session,
            cli.actor,
            row,
            decision="accept" if accept else "decline",
            by=by,
            note=note,
            action=action,
            resume_on=parse_date(resume_on, "resume_on"),
        )
        doc = {
            "patient": row.ref,
            "review": schemas.Review.model_validate(entry).as_json(),
            "course": {
                "status": plan_row.status,
                "planned": plan_row.planned_sessions,
                "delivered": plan_row.delivered_sessions,
            },
        }
    if json_out:
        emit_json(doc)
    else:
        typer.echo(
            f"{doc['review']['decision']}: {doc['review']['chosen_action'] or 'no action'}; course "
            f"{doc['course']['status']} ({doc['course']['planned']} planned)"
        )


@app.command("mt")
@handle_errors
def mt(
    ctx: typer.Context,
    patient: PatientArg,
    start: Annotated[float | None, typer.Option("--start", help="open a hunt at %MSO")] = None,
    mep: Annotated[str | None, typer.Option("--mep", help="present or absent")] = None,
    intensity: Annotated[float | None, typer.Option("--intensity", help="%MSO given")] = None,
    max_pulses: Annotated[int | None, typer.Option("--max-pulses")] = None,
    json_out: JsonOpt = False,
) -> None:
    """ML-PEST threshold hunt: --start X opens it; --mep present|absent records a pulse."""
    if (start is None) == (mep is None):
        fail("mep", "give --start to open a hunt or --mep present|absent to record a pulse")
    if mep is not None and mep not in ("present", "absent"):
        fail("mep", f"present or absent (given: {mep!r})")
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="tms_mt")
        mt_row = tms_service.mt_step(
            session,
            cli.actor,
            row,
            start_pct_mso=start,
            mep=None if mep is None else mep == "present",
            intensity_pct_mso=intensity,
            max_pulses=max_pulses,
        )
        doc = {"patient": row.ref, **tms_service.mt_to_dict(mt_row)}
    if json_out:
        emit_json(doc)
        return
    if doc["stopped"]:
        typer.echo(
            f"motor threshold {doc['estimate_pct_mso']:g}% MSO after {doc['pulses_used']} pulses"
        )
    else:
        typer.echo(
            f"next pulse at {doc['next_intensity_pct_mso']:g}% MSO (pulse {doc['pulses_used'] + 1})"
        )


@app.command("adverse-event")
@handle_errors
def adverse_event_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    occurred_on: Annotated[str, typer.Option("--on", help="the day it happened (YYYY-MM-DD)")],
    adverse_event: Annotated[
        list[str],
        typer.Option("--event", help="KIND:SEVERITY[:serious|not-serious][:description]"),
    ],
    json_out: JsonOpt = False,
) -> None:
    """Report adverse events outside a session (a serious one pauses the course)."""
    data = {"occurred_on": parse_date(occurred_on, "on"), "adverse_events": _adverse(adverse_event)}
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="tms_adverse_event")
        rows, transition = tms_service.report_adverse_event(session, cli.actor, row, data)
        doc = {
            "patient": row.ref,
            "adverse_events": [tms_service.adverse_event_to_dict(r) for r in rows],
            "course": transition.to_dict(),
        }
    if json_out:
        emit_json(doc)
        return
    st = transition.state
    typer.echo(f"{len(rows)} adverse event(s) recorded; course {st.status}")
    _fmt_reasons([r.to_dict() for r in transition.reasons])


# -- cancel, stop, corrections and entered-in-error -----------------------------------------
PhysicianOpt = Annotated[
    str | None,
    typer.Option("--physician", help="the deciding physician (a serious adverse event)"),
]


def _course_doc(patient_ref: str, row: Any) -> dict[str, Any]:
    return {
        "patient": patient_ref,
        "status": row.status,
        "version": row.version,
        "delivered_sessions": row.delivered_sessions,
        "planned_sessions": row.planned_sessions,
    }


def _state_doc(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "version": row.version,
        "retired_at": row.retired_at.isoformat() if row.retired_at else None,
        "retired_by": row.retired_by,
        "retired_reason": row.retired_reason,
    }


@app.command("cancel")
@handle_errors
def cancel_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    reason: ReasonOpt,
    version: VersionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Cancel the patient's course before its first session (kept, with the reason)."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="tms_cancel")
        plan = tms_service.cancel_course(
            session, cli.actor, row, reason=reason, expected_version=version
        )
        doc = {**_course_doc(row.ref, plan), "reason": plan.retired_reason}
    if json_out:
        emit_json(doc)
    else:
        typer.echo(f"course of {doc['patient']} cancelled: {doc['reason']}")


@app.command("stop")
@handle_errors
def stop_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    reason: ReasonOpt,
    version: VersionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Stop the patient's course that began, before its planned end (with the reason)."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="tms_stop")
        plan, transition = tms_service.stop_course(
            session, cli.actor, row, reason=reason, expected_version=version
        )
        doc = {**_course_doc(row.ref, plan), "reason": transition.reasons[0].finding}
    if json_out:
        emit_json(doc)
    else:
        typer.echo(f"course of {doc['patient']}: {doc['reason']}")


@app.command("session-correct")
@handle_errors
def session_correct_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    number: Annotated[int, typer.Argument(help="the session's number")],
    reason: ReasonOpt,
    version: VersionOpt = None,
    pulses: Annotated[int | None, typer.Option("--pulses", help="pulses delivered")] = None,
    planned_pulses: Annotated[int | None, typer.Option("--planned-pulses")] = None,
    intensity_pct_mso: Annotated[float | None, typer.Option("--intensity-pct-mso")] = None,
    mt: Annotated[float | None, typer.Option("--mt", help="MT in use, %MSO")] = None,
    trains: Annotated[int | None, typer.Option("--trains")] = None,
    coil: Annotated[str | None, typer.Option("--coil")] = None,
    device: Annotated[str | None, typer.Option("--device")] = None,
    target: Annotated[str | None, typer.Option("--target")] = None,
    excess_reason: Annotated[str | None, typer.Option("--excess-reason")] = None,
    side_effect: Annotated[
        list[str] | None, typer.Option("--side-effect", help="replaces the list")
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help="delivered at (ISO datetime)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Correct a session's details: a new version, the old one kept with the reason."""
    changes: dict[str, Any] = {
        key: value
        for key, value in {
            "pulses_delivered": pulses,
            "planned_pulses": planned_pulses,
            "intensity_pct_mso": intensity_pct_mso,
            "mt_pct_mso": mt,
            "trains_delivered": trains,
            "coil": coil,
            "device": device,
            "target": target,
            "excess_reason": excess_reason,
            "side_effects": side_effect,
        }.items()
        if value is not None
    }
    if at is not None:
        try:
            changes["delivered_at"] = datetime.fromisoformat(at)
        except ValueError:
            fail("at", f"not an ISO datetime (given: {at!r})")
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="tms_session")
        entry, changed = tms_service.correct_session(
            session, cli.actor, row, number, changes, reason=reason, expected_version=version
        )
        plain = changed_fields(changed)
        doc = {"patient": row.ref, "record": _state_doc(entry), "changed": plain}
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"session {number} corrected (now version {entry.version})")
    for key, (old, new) in plain.items():
        typer.echo(f"  - {key}: {old} -> {new}")


@app.command("session-retire")
@handle_errors
def session_retire_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    number: Annotated[int, typer.Argument(help="the session's number (the latest given)")],
    reason: ReasonOpt,
    version: VersionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Mark the latest session entered in error: kept, no longer counted as given."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="tms_session")
        entry, transition = tms_service.retire_session(
            session, cli.actor, row, number, reason=reason, expected_version=version
        )
        doc = {"patient": row.ref, "record": _state_doc(entry), "course": transition.to_dict()}
    if json_out:
        emit_json(doc)
        return
    st = transition.state
    typer.echo(
        f"session {number} marked entered in error; course {st.status} "
        f"({st.delivered_sessions}/{st.planned_sessions})"
    )


@app.command("event-correct")
@handle_errors
def event_correct_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    event_id: Annotated[int, typer.Argument(help="the adverse event's id")],
    reason: ReasonOpt,
    version: VersionOpt = None,
    kind: Annotated[str | None, typer.Option("--kind")] = None,
    severity: Annotated[str | None, typer.Option("--severity")] = None,
    serious: Annotated[bool | None, typer.Option("--serious/--not-serious")] = None,
    description: Annotated[str | None, typer.Option("--description")] = None,
    occurred_on: Annotated[str | None, typer.Option("--on", help="YYYY-MM-DD")] = None,
    physician: PhysicianOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Correct an adverse event (made not serious: --physician decides)."""
    changes: dict[str, Any] = {
        key: value
        for key, value in {
            "kind": kind,
            "severity": severity,
            "serious": serious,
            "description": description,
            "occurred_on": parse_date(occurred_on, "on"),
        }.items()
        if value is not None
    }
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="tms_adverse_event")
        event, changed, transition = tms_service.correct_adverse_event(
            session,
            cli.actor,
            row,
            event_id,
            changes,
            reason=reason,
            expected_version=version,
            physician=physician,
        )
        plain = changed_fields(changed)
        doc = {
            "patient": row.ref,
            "record": _state_doc(event),
            "changed": plain,
            "course": transition.to_dict() if transition else None,
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"adverse event {event_id} corrected (now version {event.version})")
    for key, (old, new) in plain.items():
        typer.echo(f"  - {key}: {old} -> {new}")
    if transition is not None:
        _fmt_reasons([r.to_dict() for r in transition.reasons])


@app.command("event-retire")
@handle_errors
def event_retire_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    event_id: Annotated[int, typer.Argument(help="the adverse event's id")],
    reason: ReasonOpt,
    version: VersionOpt = None,
    physician: PhysicianOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Mark an adverse event entered in error (a serious one: --physician decides)."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="tms_adverse_event")
        event = tms_service.retire_adverse_event(
            session,
            cli.actor,
            row,
            event_id,
            reason=reason,
            expected_version=version,
            physician=physician,
        )
        doc = {"patient": row.ref, "record": _state_doc(event)}
    if json_out:
        emit_json(doc)
    else:
        typer.echo(f"adverse event {event_id} {event.retired_reason}")


@app.command("versions")
@handle_errors
def versions_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    session_number: Annotated[int | None, typer.Option("--session", help="a session")] = None,
    event_id: Annotated[int | None, typer.Option("--event", help="an adverse event")] = None,
    json_out: JsonOpt = False,
) -> None:
    """The earlier versions of a session or an adverse event: who changed it, when, why."""
    if (session_number is None) == (event_id is None):
        fail("session", "give exactly one of --session NUMBER or --event ID")
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="tms_versions")
        if session_number is not None:
            _, entries = tms_service.session_versions(session, cli.actor, row, session_number)
        else:
            assert event_id is not None
            _, entries = tms_service.adverse_event_versions(session, cli.actor, row, event_id)
        doc: list[dict[str, Any]] = [
            {
                "version": e.version,
                "recorded_by": e.recorded_by,
                "changed_by": e.changed_by,
                "changed_at": e.changed_at.isoformat(),
                "reason": e.reason,
                "changes": changed_fields(dict(e.changes)),
            }
            for e in entries
        ]
    if json_out:
        emit_json(doc)
        return
    if not doc:
        typer.echo("no earlier version: never corrected")
    for v in doc:
        typer.echo(
            f"version {v['version']} (by {v['recorded_by']}) changed by {v['changed_by']} on "
            f"{v['changed_at'][:16]}: {v['reason']}"
        )
        for key, (old, new) in v["changes"].items():
            typer.echo(f"  - {key}: {old} -> {new}")
