"""`trdcare vns ...`: the VNS room from the command line (thin adapter).

Every command has ``--json`` (one JSON document on stdout). Bad input exits 2 with one line
naming the field, what is allowed and what was given; nothing is written on error (one commit
per command).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from trdcare.cli_support import (
    ReasonOpt,
    VersionOpt,
    emit_json,
    fail,
    get_context,
    handle_errors,
)
from trdcare.patients import service as patient_service
from trdcare.vns import schemas
from trdcare.vns import service as vns_service
from trdcare.vns.domain import load

app = typer.Typer(
    help="Vagus nerve stimulation: candidacy, implant, titration log.", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
PatientArg = Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")]


def _given(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _print_reasons(reasons: list[dict[str, Any]], indent: str = "    ") -> None:
    for r in reasons:
        typer.echo(f"{indent}! {r['finding']} [{r['status']}]")


def _print_titration(t: dict[str, Any]) -> None:
    typer.echo(
        f"  #{t['id']} {t['visit_on']}: {t['output_current_ma']:g} mA, {t['frequency_hz']:g} Hz, "
        f"{t['pulse_width_us']:g} µs, ON {t['on_time_s']:g} s / OFF {t['off_time_min']:g} min "
        f"(duty cycle {t['duty_cycle_pct']:g} %)"
        + (f"; side effects: {', '.join(t['side_effects'])}" if t["side_effects"] else "")
    )
    _print_reasons(t["flags"])


@app.command("candidacy")
@handle_errors
def candidacy_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    assessed_for: Annotated[
        str | None, typer.Option("--for", help="date judged for, YYYY-MM-DD (default today)")
    ] = None,
    lifetime_episodes: Annotated[
        str | None, typer.Option("--episodes", help="depressive episodes, current included")
    ] = None,
    medication_stable: Annotated[
        str | None,
        typer.Option("--medication-stable", help="regimen unchanged for 4 weeks: yes/no/unknown"),
    ] = None,
    exclusion: Annotated[
        list[str] | None,
        typer.Option("--exclusion", help="ID=yes|no|unknown (repeat); IDs: see the JSON output"),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Judge the coverage criteria (each met / unmet / unknown, with its source) and keep it."""
    answers: dict[str, str] = {}
    for item in exclusion or []:
        key, sep, value = item.partition("=")
        if not sep:
            fail("exclusion", f"write ID=yes|no|unknown (given: {item!r})")
        answers[key.strip()] = value.strip()
    body = schemas.CandidacyIn.model_validate(
        _given(
            {
                "assessed_for": assessed_for,
                "lifetime_episodes": lifetime_episodes,
                "medication_stable": medication_stable,
                "exclusions": answers or None,
            }
        )
    )
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="vns_candidacy")
        doc = {
            "patient": row.ref,
            **vns_service.candidacy_to_dict(
                vns_service.assess_candidacy(session, cli.actor, row, **body.model_dump())
            ),
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"VNS candidacy for {doc['assessed_for']}: {doc['overall'].replace('_', ' ')}")
    for c in doc["criteria"]:
        typer.echo(f"  [{c['verdict']}] {c['label']}: {c['finding']} ({c['status']})")
    typer.echo(f"  Coverage: {doc['coverage']['note']}")


@app.command("implant")
@handle_errors
def implant_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    implanted_on: Annotated[str, typer.Option("--on", help="implant date, YYYY-MM-DD")],
    generator_model: Annotated[str, typer.Option("--generator", help="pulse generator model")],
    lead_model: Annotated[str | None, typer.Option("--lead")] = None,
    serial_number: Annotated[str | None, typer.Option("--serial")] = None,
    surgeon: Annotated[str | None, typer.Option("--surgeon")] = None,
    side: Annotated[str | None, typer.Option("--side", help="left (default) or right")] = None,
    primary_scale: Annotated[
        str | None, typer.Option("--primary-scale", help="madrs (default), hamd17, phq9...")
    ] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Record the implant; opens the VNS treatment course."""
    body = schemas.ImplantIn.model_validate(
        _given(
            {
                "implanted_on": implanted_on,
                "generator_model": generator_model,
                "lead_model": lead_model,
                "serial_number": serial_number,
                "surgeon": surgeon,
                "side": side,
                "primary_scale": primary_scale,
                "note": note,
            }
        )
    )
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="vns_implant")
        implant, course = vns_service.record_implant(session, cli.actor, row, **body.model_dump())
        doc: dict[str, Any] = {
            "patient": row.ref,
            "implant": vns_service.implant_to_dict(implant, course),
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"implant recorded on {doc['implant']['implanted_on']}; VNS course {course.ref}")


@app.command("titrate")
@handle_errors
def titrate_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    current_ma: Annotated[str, typer.Option("--current-ma", help="output current, mA")],
    frequency_hz: Annotated[str, typer.Option("--frequency-hz")],
    pulse_width_us: Annotated[str, typer.Option("--pulse-width-us")],
    on_time_s: Annotated[str, typer.Option("--on-time-s")],
    off_time_min: Annotated[str, typer.Option("--off-time-min")],
    visit_on: Annotated[str | None, typer.Option("--on", help="visit date (default today)")] = None,
    side_effect: Annotated[
        list[str] | None,
        typer.Option(
            "--side-effect", help="voice_alteration, cough, throat_discomfort, dyspnoea..."
        ),
    ] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a titration visit (a current above the device maximum is refused)."""
    body = schemas.TitrationIn.model_validate(
        _given(
            {
                "visit_on": visit_on,
                "output_current_ma": current_ma,
                "frequency_hz": frequency_hz,
                "pulse_width_us": pulse_width_us,
                "on_time_s": on_time_s,
                "off_time_min": off_time_min,
                "side_effects": side_effect,
                "note": note,
            }
        )
    )
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="vns_titration")
        entry = vns_service.log_titration(session, cli.actor, row, body.model_dump())
        doc: dict[str, Any] = {
            "patient": row.ref,
            "titration": vns_service.titration_to_dict(entry),
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo("titration visit recorded:")
    _print_titration(doc["titration"])


@app.command("titration")
@handle_errors
def titration_cmd(ctx: typer.Context, patient: PatientArg, json_out: JsonOpt = False) -> None:
    """The titration log of the patient's VNS course, the current setting and where the
    course stands on the expected-response timeline."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="vns")
        doc = vns_service.overview(session, cli.actor, row)
    if json_out:
        emit_json(doc)
        return
    implant = doc["implant"]
    if implant is None:
        typer.echo("no VNS implant recorded")
        return
    typer.echo(
        f"VNS course {implant['course']} ({implant['course_status']}), implanted "
        f"{implant['implanted_on']}, {implant['generator_model']}"
    )
    if not doc["titrations"]:
        typer.echo("  no titration visit yet")
    for t in doc["titrations"]:
        _print_titration(t)
    timeline = doc["timeline"]
    typer.echo(f"Response timeline: {timeline['finding']} [{timeline['status']}]")
    maximum = load().stimulation.device_max_current_ma
    typer.echo(f"Device maximum {maximum.value:g} mA ({maximum.status})")


@app.command("titration-correct")
@handle_errors
def titration_correct_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    titration_id: Annotated[int, typer.Argument(help="the visit's id (see `vns titration`)")],
    reason: ReasonOpt,
    version: Annotated[int, typer.Option("--version", help="the version you looked at")],
    current_ma: Annotated[str | None, typer.Option("--current-ma")] = None,
    frequency_hz: Annotated[str | None, typer.Option("--frequency-hz")] = None,
    pulse_width_us: Annotated[str | None, typer.Option("--pulse-width-us")] = None,
    on_time_s: Annotated[str | None, typer.Option("--on-time-s")] = None,
    off_time_min: Annotated[str | None, typer.Option("--off-time-min")] = None,
    visit_on: Annotated[str | None, typer.Option("--on")] = None,
    side_effect: Annotated[list[str] | None, typer.Option("--side-effect")] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Correct a titration visit; the earlier version is kept with the reason."""
    body = schemas.TitrationCorrectIn.model_validate(
        _given(
            {
                "visit_on": visit_on,
                "output_current_ma": current_ma,
                "frequency_hz": frequency_hz,
                "pulse_width_us": pulse_width_us,
                "on_time_s": on_time_s,
                "off_time_min": off_time_min,
                "side_effects": side_effect,
                "note": note,
                "reason": reason,
                "version": version,
            }
        )
    )
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="vns_correct")
        entry = vns_service.correct_titration(
            session,
            cli.actor,
            row,
            titration_id,
            body.model_dump(exclude={"reason", "version"}, exclude_none=True),
            reason=body.reason,
            expected_version=body.version,
        )
        doc: dict[str, Any] = {
            "patient": row.ref,
            "titration": vns_service.titration_to_dict(entry),
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"titration visit {titration_id} corrected (version {entry.version}):")
    _print_titration(doc["titration"])


@app.command("titration-retire")
@handle_errors
def titration_retire_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    titration_id: Annotated[int, typer.Argument(help="the visit's id")],
    reason: ReasonOpt,
    version: VersionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Mark a titration visit entered in error (kept, with the reason)."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="vns_correct")
        entry = vns_service.retire_titration(
            session, cli.actor, row, titration_id, reason=reason, expected_version=version
        )
        doc: dict[str, Any] = {
            "patient": row.ref,
            "titration": vns_service.titration_to_dict(entry),
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"titration visit {titration_id} marked entered in error")


@app.command("end")
@handle_errors
def end_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    status: Annotated[str, typer.Option("--status", help="completed or stopped")],
    on: Annotated[str, typer.Option("--on", help="date, YYYY-MM-DD")],
    reason: ReasonOpt,
    json_out: JsonOpt = False,
) -> None:
    """End the active VNS course (stimulation stopped, device explanted...)."""
    body = schemas.EndCourseIn.model_validate({"status": status, "on": on, "reason": reason})
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="vns_end")
        course = vns_service.end_course(
            session, cli.actor, row, status=body.status, on=body.on, reason=body.reason
        )
        doc = {
            "patient": row.ref,
            "course": course.ref,
            "status": course.status,
            "end_date": None if course.end_date is None else course.end_date.isoformat(),
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"VNS course {doc['course']} {doc['status']} on {doc['end_date']}")


@app.command("versions")
@handle_errors
def versions_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    titration_id: Annotated[int, typer.Argument(help="the visit's id")],
    json_out: JsonOpt = False,
) -> None:
    """The earlier versions of a titration visit: who changed it, when and why."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="vns_versions")
        entries = vns_service.titration_versions(session, cli.actor, row, titration_id)
        doc = [
            {
                "version": e.version,
                "changed_by": e.changed_by,
                "changed_at": e.changed_at.isoformat(),
                "reason": e.reason,
                "changes": {k: [a, b] for k, (a, b) in e.changes.items()},
            }
            for e in entries
        ]
    if json_out:
        emit_json(doc)
        return
    if not doc:
        typer.echo("no earlier version")
    for v in doc:
        typer.echo(f"version {v['version']}: {v['reason']} ({v['changed_by']}, {v['changed_at']})")
