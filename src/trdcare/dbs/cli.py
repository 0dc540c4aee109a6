"""`trdcare dbs ...`: the DBS room from the command line (thin adapter).

``--json`` prints one JSON document. Bad input exits 2 with one line naming the field, what
is allowed and what was given.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError

from trdcare.cli_support import (
    ReasonOpt,
    VersionOpt,
    emit_json,
    fail,
    get_context,
    handle_errors,
)
from trdcare.core.input_errors import plain_issues
from trdcare.dbs import schemas
from trdcare.dbs import service as dbs_service
from trdcare.dbs.domain import check_stimulation
from trdcare.dbs.schemas import CHARGE_LABELS, ChargeInput
from trdcare.patients import service as patient_service

app = typer.Typer(
    help="Deep brain stimulation (investigational for depression).", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _parse(model: type[ChargeInput], values: dict[str, str | None]) -> ChargeInput:
    """Parse the options as written; a non-number exits 2 in plain words (never the
    library's), naming the field."""
    try:
        return model.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        first = plain_issues(exc.errors(), CHARGE_LABELS)[0]
        fail("", first.render())


@app.command("charge")
@handle_errors
def charge(
    # Optional to typer so that a missing value is refused in the room's words, not click's.
    pulse_width_us: Annotated[
        str | None, typer.Option("--pulse-width-us", help="pulse width, µs (required)")
    ] = None,
    amplitude_ma: Annotated[
        str | None, typer.Option("--amplitude-ma", help="current mode: amplitude, mA")
    ] = None,
    amplitude_v: Annotated[
        str | None, typer.Option("--amplitude-v", help="voltage mode: amplitude, V")
    ] = None,
    impedance_ohm: Annotated[
        str | None,
        typer.Option("--impedance-ohm", help="voltage mode: the contact's impedance, ohm"),
    ] = None,
    contact_area_cm2: Annotated[
        str | None,
        typer.Option(
            "--contact-area-cm2",
            help="active contact area, cm² (default: the Medtronic 3387/3389's, 0.06, UNVERIFIED)",
        ),
    ] = None,
    frequency_hz: Annotated[
        str | None, typer.Option("--frequency-hz", help="recorded; Shannon's k does not use it")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Charge per phase, charge density and Shannon k of a setting, checked against the
    Shannon limit and the lead's rated charge density."""
    given = _parse(
        ChargeInput,
        {
            "pulse_width_us": pulse_width_us,
            "amplitude_ma": amplitude_ma,
            "amplitude_v": amplitude_v,
            "impedance_ohm": impedance_ohm,
            "contact_area_cm2": contact_area_cm2,
            "frequency_hz": frequency_hz,
        },
    )
    result = check_stimulation(**given.model_dump())
    doc = result.to_dict()
    if json_out:
        emit_json(doc)
        return
    _print_table(doc)


def _print_table(doc: dict[str, Any]) -> None:
    limits = doc["limits"]
    rated = limits["rated_charge_density_uc_per_cm2"]
    current = f"{doc['current_ma']:.4g} mA" + (
        " (estimate: voltage / impedance)" if doc["current_is_estimate"] else ""
    )
    rows = [
        ("Current", current),
        ("Pulse width", f"{doc['pulse_width_us']:.4g} µs"),
        ("Contact area", f"{doc['contact_area_cm2']:.4g} cm²"),
        ("Charge per phase", f"{doc['charge_per_phase_uc']:.4g} µC"),
        ("Charge density", f"{doc['charge_density_uc_per_cm2']:.4g} µC/cm² per phase"),
        (
            "Shannon k",
            f"{doc['shannon_k']:.3f} (limit {limits['shannon_k']['value']:g}, "
            f"{limits['shannon_k']['status']})",
        ),
        (
            "Rated density",
            "not known for this lead"
            if rated is None
            else f"{rated['value']:g} µC/cm² per phase ({rated['status']})",
        ),
        ("Verdict", "within limits" if doc["within_limits"] else "NOT within limits"),
    ]
    if doc["frequency_hz"] is not None:
        rows.insert(2, ("Frequency", f"{doc['frequency_hz']:.4g} Hz"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        typer.echo(f"{name.ljust(width)}  {value}")
    for used in doc["defaults_used"]:
        typer.echo(
            f"Default used: contact area {used['value']:g} cm² of the {used['lead']} "
            f"({used['status']}; {used['sources'][0]['citation']})"
        )
    typer.echo("Reasons:")
    for reason in doc["reasons"]:
        typer.echo(f"  - {reason['finding']} [{reason['status']}]")


# -- the DBS pathway on the record (investigational) ----------------------------------------
PatientArg = Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")]
INVESTIGATIONAL_LINE = "DBS for depression is INVESTIGATIONAL (research protocol only)."


def _given(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _print_programming(p: dict[str, Any]) -> None:
    amplitude = (
        f"{p['amplitude_ma']:g} mA"
        if p["amplitude_ma"] is not None
        else f"{p['amplitude_v']:g} V at {p['impedance_ohm']:g} ohm"
    )
    contacts = ",".join(str(c) for c in p["contacts"])
    typer.echo(
        f"  #{p['id']} {p['programmed_on']} {p['side']} contacts {contacts}: {amplitude}, "
        f"{p['pulse_width_us']:g} µs, {p['frequency_hz']:g} Hz -> Q {p['charge_per_phase_uc']:.4g}"
        f" µC, D {p['charge_density_uc_per_cm2']:.4g} µC/cm², k {p['shannon_k']:.2f} "
        + ("(within limits)" if p["within_limits"] else "(BEYOND LIMITS)")
    )
    if p["override"]:
        o = p["override"]
        typer.echo(f"    override by {o['by']} at {o['at']}: {o['reason']}")


@app.command("candidacy")
@handle_errors
def candidacy_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    assessed_for: Annotated[str | None, typer.Option("--for", help="date, YYYY-MM-DD")] = None,
    diagnosis: Annotated[
        str | None, typer.Option("--diagnosis", help="mdd, bipolar_ii, bipolar_i, other")
    ] = None,
    psychotic_features: Annotated[
        str | None, typer.Option("--psychotic-features", help="yes/no/unknown")
    ] = None,
    research_protocol: Annotated[
        str | None, typer.Option("--research-protocol", help="enrolled: yes/no/unknown")
    ] = None,
    protocol_ref: Annotated[str | None, typer.Option("--protocol-ref")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Judge the trial criteria (each met / unmet / unknown, with its source) and keep it."""
    body = schemas.CandidacyIn.model_validate(
        _given(
            {
                "assessed_for": assessed_for,
                "diagnosis": diagnosis,
                "psychotic_features": psychotic_features,
                "research_protocol": research_protocol,
                "protocol_ref": protocol_ref,
            }
        )
    )
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="dbs_candidacy")
        cand = dbs_service.assess_candidacy(session, cli.actor, row, **body.model_dump())
        doc: dict[str, Any] = {"patient": row.ref, **dbs_service.candidacy_to_dict(cand)}
    if json_out:
        emit_json(doc)
        return
    typer.echo(INVESTIGATIONAL_LINE)
    typer.echo(f"DBS candidacy for {doc['assessed_for']}: {doc['overall'].replace('_', ' ')}")
    for c in doc["criteria"]:
        typer.echo(f"  [{c['verdict']}] {c['label']}: {c['finding']} ({c['status']})")


@app.command("surgery")
@handle_errors
def surgery_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    operated_on: Annotated[str, typer.Option("--on", help="surgery date, YYYY-MM-DD")],
    target: Annotated[str, typer.Option("--target", help="scc, vc_vs, nacc or slmfb")],
    protocol_ref: Annotated[str, typer.Option("--protocol-ref", help="IRB / IDE reference")],
    side: Annotated[list[str], typer.Option("--side", help="left and/or right (repeat)")],
    surgeon: Annotated[str | None, typer.Option("--surgeon")] = None,
    primary_scale: Annotated[str | None, typer.Option("--primary-scale")] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Record the surgery (target, leads, research protocol); opens the DBS course."""
    body = schemas.SurgeryIn.model_validate(
        _given(
            {
                "operated_on": operated_on,
                "target": target,
                "protocol_ref": protocol_ref,
                "sides": side,
                "surgeon": surgeon,
                "primary_scale": primary_scale,
                "note": note,
            }
        )
    )
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="dbs_surgery")
        surgery, course = dbs_service.record_surgery(session, cli.actor, row, **body.model_dump())
        doc: dict[str, Any] = {
            "patient": row.ref,
            "surgery": dbs_service.surgery_to_dict(surgery, course),
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo(INVESTIGATIONAL_LINE)
    typer.echo(f"surgery recorded on {doc['surgery']['operated_on']}; DBS course {course.ref}")


@app.command("program")
@handle_errors
def program_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    contact: Annotated[list[str], typer.Option("--contact", help="active contact (repeat)")],
    pulse_width_us: Annotated[str, typer.Option("--pulse-width-us")],
    frequency_hz: Annotated[str, typer.Option("--frequency-hz")],
    amplitude_ma: Annotated[str | None, typer.Option("--amplitude-ma")] = None,
    amplitude_v: Annotated[str | None, typer.Option("--amplitude-v")] = None,
    impedance_ohm: Annotated[str | None, typer.Option("--impedance-ohm")] = None,
    side: Annotated[str | None, typer.Option("--side", help="left or right")] = None,
    programmed_on: Annotated[str | None, typer.Option("--on", help="date (default today)")] = None,
    override_reason: Annotated[
        str | None,
        typer.Option("--override-reason", help="a physician's reason for a setting beyond a limit"),
    ] = None,
    override_by: Annotated[
        str | None, typer.Option("--override-by", help="the physician who decides the override")
    ] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a lead's setting; beyond a limit it is refused unless a physician overrides."""
    body = schemas.ProgrammingIn.model_validate(
        _given(
            {
                "programmed_on": programmed_on,
                "side": side,
                "contacts": contact,
                "amplitude_ma": amplitude_ma,
                "amplitude_v": amplitude_v,
                "impedance_ohm": impedance_ohm,
                "pulse_width_us": pulse_width_us,
                "frequency_hz": frequency_hz,
                "override_reason": override_reason,
                "note": note,
            }
        )
    )
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="dbs_programming")
        entry, _ = dbs_service.program(
            session,
            cli.actor,
            row,
            body.model_dump(exclude={"override_reason"}),
            override_reason=body.override_reason,
            override_by=override_by,
        )
        doc: dict[str, Any] = {
            "patient": row.ref,
            "programming": dbs_service.programming_to_dict(entry),
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo(INVESTIGATIONAL_LINE)
    _print_programming(doc["programming"])


@app.command("programming")
@handle_errors
def programming_cmd(ctx: typer.Context, patient: PatientArg, json_out: JsonOpt = False) -> None:
    """The DBS course: surgery, programming records and the current setting of each lead."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="dbs")
        doc = dbs_service.overview(session, cli.actor, row)
    if json_out:
        emit_json(doc)
        return
    typer.echo(INVESTIGATIONAL_LINE)
    surgery = doc["surgery"]
    if surgery is None:
        typer.echo("no DBS surgery recorded")
        return
    typer.echo(
        f"DBS course {surgery['course']} ({surgery['course_status']}): {surgery['target_label']}, "
        f"{surgery['lead_name']} {'+'.join(surgery['sides'])}, protocol {surgery['protocol_ref']}"
    )
    if not doc["programmings"]:
        typer.echo("  no programming recorded")
    for p in doc["programmings"]:
        _print_programming(p)


@app.command("programming-retire")
@handle_errors
def programming_retire_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    programming_id: Annotated[int, typer.Argument(help="the record's id")],
    reason: ReasonOpt,
    version: VersionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Mark a programming record entered in error (kept, with the reason)."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="dbs_correct")
        entry = dbs_service.retire_programming(
            session, cli.actor, row, programming_id, reason=reason, expected_version=version
        )
        doc: dict[str, Any] = {
            "patient": row.ref,
            "programming": dbs_service.programming_to_dict(entry),
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"programming record {programming_id} marked entered in error")


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
    """End the active DBS course."""
    body = schemas.EndCourseIn.model_validate({"status": status, "on": on, "reason": reason})
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="dbs_end")
        course = dbs_service.end_course(
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
    typer.echo(f"DBS course {doc['course']} {doc['status']} on {doc['end_date']}")
