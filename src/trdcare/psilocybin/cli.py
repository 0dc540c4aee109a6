"""`trdcare psilocybin ...`: the psilocybin protocol workflow from the command line (thin
adapter; RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY, said in every answer).

Every command has ``--json``. Options are parsed by the same input models as the API
(:mod:`trdcare.psilocybin.schemas`). Bad input exits 2 with one line naming the field;
nothing is written on error.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from trdcare.cli_support import emit_json, fail, get_context, handle_errors
from trdcare.patients import service as patient_service
from trdcare.psilocybin import schemas
from trdcare.psilocybin import service as psi_service
from trdcare.psilocybin.domain import exclusion_questions, restriction

app = typer.Typer(
    help="Psilocybin-assisted therapy (RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY).",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
PatientArg = Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")]
NumberArg = Annotated[int, typer.Argument(help="the dosing day's number")]


def _given(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _notice() -> None:
    typer.echo(str(restriction()["text"]))


@app.command("questions")
@handle_errors
def questions_cmd(json_out: JsonOpt = False) -> None:
    """The exclusion questions, each with its effect and status."""
    rows = [
        {"id": i, "question": q, "effect": e, "status": s} for i, q, e, s in exclusion_questions()
    ]
    if json_out:
        emit_json({"questions": rows, "restriction": restriction()})
        return
    _notice()
    for r in rows:
        typer.echo(f"{r['id']}: {r['question']} (yes: {r['effect']}) [{r['status']}]")


def _answers(yes: list[str] | None) -> dict[str, bool | None]:
    known = [q[0] for q in exclusion_questions()]
    chosen = set(yes or [])
    unknown = sorted(chosen - set(known))
    if unknown:
        fail(
            "yes", f"not a screening question (given: {unknown[0]!r}; allowed: {', '.join(known)})"
        )
    return {q: q in chosen for q in known}


@app.command("screen")
@handle_errors
def screen_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    programme: Annotated[
        str, typer.Option("--programme", help="research_protocol or regulated_programme")
    ],
    protocol_id: Annotated[str, typer.Option("--protocol-id", help="registration or licence id")],
    protocol_name: Annotated[str, typer.Option("--protocol-name")],
    screened_by: Annotated[str, typer.Option("--by", help="who screened")],
    yes: Annotated[
        list[str] | None,
        typer.Option("--yes", help="a question answered yes (repeat); every other is no"),
    ] = None,
    on: Annotated[str | None, typer.Option("--on", help="screened on, YYYY-MM-DD")] = None,
    washout_days: Annotated[float | None, typer.Option("--washout-days")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Screen against the exclusions; enrol when eligible."""
    body = schemas.ScreenIn.model_validate(
        _given(
            programme=programme,
            protocol_id=protocol_id,
            protocol_name=protocol_name,
            answers=_answers(yes),
            screened_on=on,
            washout_days=washout_days,
        )
    )
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="psilocybin_screen")
        psi_service.screen_and_enrol(
            session,
            cli.actor,
            row,
            programme=body.programme,
            protocol_id=body.protocol_id,
            protocol_name=body.protocol_name,
            answers=body.answers,
            screened_by=screened_by,
            screened_on=body.screened_on,
            washout_days=body.washout_days,
        )
        doc = {"patient": row.ref, **psi_service.status(session, cli.actor, row)}
    if json_out:
        emit_json(doc)
        return
    _notice()
    typer.echo(f"screen {doc['ref']}: {doc['verdict']} -> {doc['status']}")
    for f in doc["screen"]["findings"]:
        typer.echo(f"  - {f['text']} [{f['status']}]")


@app.command("status")
@handle_errors
def status_cmd(ctx: typer.Context, patient: PatientArg, json_out: JsonOpt = False) -> None:
    """The latest enrolment, its sessions and dosing days, today's washout."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="psilocybin")
        doc = {"patient": row.ref, **psi_service.status(session, cli.actor, row)}
    if json_out:
        emit_json(doc)
        return
    _notice()
    typer.echo(
        f"enrolment {doc['ref']} ({doc['protocol_id']}): {doc['status']}; "
        f"{len(doc['sessions'])} session(s), {len(doc['dosing_days'])} dosing day(s)"
    )


@app.command("session")
@handle_errors
def session_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    kind: Annotated[str, typer.Option("--kind", help="preparation or integration")],
    facilitator: Annotated[str, typer.Option("--facilitator")],
    duration_min: Annotated[float, typer.Option("--duration-min")],
    at: Annotated[str | None, typer.Option("--at", help="held at (ISO datetime)")] = None,
    note: Annotated[str, typer.Option("--note")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Record a preparation or integration session."""
    body = schemas.SessionIn.model_validate(
        _given(kind=kind, facilitator=facilitator, duration_min=duration_min, held_at=at, note=note)
    )
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="psilocybin")
        entry = psi_service.record_session(session, cli.actor, row, **body.model_dump())
        doc = {"patient": row.ref, **psi_service.session_to_dict(entry)}
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"{doc['kind']} session {doc['id']} recorded ({doc['held_at']})")


@app.command("dose")
@handle_errors
def dose_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    dose_mg: Annotated[float, typer.Option("--dose-mg")],
    administered_by: Annotated[str, typer.Option("--by", help="who gives the dose")],
    monitored_by: Annotated[str, typer.Option("--monitored-by")],
    support_person: Annotated[str, typer.Option("--support-person")],
    systolic: Annotated[float, typer.Option("--systolic")],
    diastolic: Annotated[float, typer.Option("--diastolic")],
    pulse: Annotated[float | None, typer.Option("--pulse")] = None,
    spo2: Annotated[float | None, typer.Option("--spo2")] = None,
    at: Annotated[str | None, typer.Option("--at", help="given at (ISO datetime)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a dosing day (washout, preparation and dose checked)."""
    body = schemas.DosingDayIn.model_validate(
        _given(
            dose_mg=dose_mg,
            monitored_by=monitored_by,
            support_person=support_person,
            predose_systolic_mmhg=systolic,
            predose_diastolic_mmhg=diastolic,
            predose_pulse_bpm=pulse,
            predose_spo2_pct=spo2,
            administered_at=at,
        )
    )
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="psilocybin")
        day = psi_service.record_dosing_day(
            session, cli.actor, row, administered_by=administered_by, **body.model_dump()
        )
        doc = {"patient": row.ref, **psi_service.dosing_day_to_dict(day)}
    if json_out:
        emit_json(doc)
        return
    _notice()
    typer.echo(f"dosing day {doc['number']}: {doc['dose_mg']:g} mg at {doc['administered_at']}")
    typer.echo("  vitals due: " + ", ".join(doc["vitals_due"]))


@app.command("observe")
@handle_errors
def observe_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    number: NumberArg,
    at: Annotated[str | None, typer.Option("--at")] = None,
    systolic: Annotated[float | None, typer.Option("--systolic")] = None,
    diastolic: Annotated[float | None, typer.Option("--diastolic")] = None,
    pulse: Annotated[float | None, typer.Option("--pulse")] = None,
    spo2: Annotated[float | None, typer.Option("--spo2")] = None,
    respiratory_rate: Annotated[float | None, typer.Option("--respiratory-rate")] = None,
    effects_resolved: Annotated[
        bool, typer.Option("--effects-resolved", help="the effects are gone")
    ] = False,
    note: Annotated[str, typer.Option("--note")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Record readings and whether the effects persist."""
    body = schemas.DosingObservationIn.model_validate(
        _given(
            at=at,
            systolic_mmhg=systolic,
            diastolic_mmhg=diastolic,
            pulse_bpm=pulse,
            spo2_pct=spo2,
            respiratory_rate_per_min=respiratory_rate,
            effects_present=not effects_resolved,
            note=note,
        )
    )
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="psilocybin")
        day = psi_service.record_dosing_observation(
            session, cli.actor, row, number, **body.model_dump()
        )
        doc = {"patient": row.ref, **psi_service.dosing_day_to_dict(day)}
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"dosing day {number}: {len(doc['observations'])} observation(s)")


@app.command("discharge")
@handle_errors
def discharge_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    number: NumberArg,
    signed_by: Annotated[str, typer.Option("--by", help="physician or clinician signing")],
    at: Annotated[str | None, typer.Option("--at")] = None,
    effects_resolved: Annotated[bool, typer.Option("--effects-resolved")] = False,
    support_person_present: Annotated[bool, typer.Option("--support-person-present")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Discharge (6 hours after the dose, effects resolved, support person present)."""
    body = schemas.DosingDischargeIn.model_validate(
        _given(
            discharged_at=at,
            effects_resolved=effects_resolved,
            support_person_present=support_person_present,
        )
    )
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="psilocybin")
        day = psi_service.discharge_dosing_day(
            session, cli.actor, row, number, signed_by=signed_by, **body.model_dump()
        )
        doc = {"patient": row.ref, **psi_service.dosing_day_to_dict(day)}
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"dosing day {number}: discharged {doc['discharged_at']}")


@app.command("close")
@handle_errors
def close_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    status: Annotated[str, typer.Option("--as", help="completed or stopped")],
    reason: Annotated[str, typer.Option("--reason")],
    json_out: JsonOpt = False,
) -> None:
    """Complete or stop the enrolment (its course too)."""
    body = schemas.CloseIn.model_validate({"status": status, "reason": reason})
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="psilocybin")
        psi_service.close_enrolment(session, cli.actor, row, status=body.status, reason=body.reason)
        doc = {"patient": row.ref, **psi_service.status(session, cli.actor, row)}
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"enrolment {doc['ref']}: {doc['status']}")
