"""`trdcare ketamine ...`: IV racemic ketamine (OFF-LABEL) from the command line (thin adapter).

Every command has ``--json`` (one JSON document on stdout) and every answer carries the
off-label notice. Options are parsed by the same input models as the API
(:mod:`trdcare.ketamine.schemas`). Bad input exits 2 with one line naming the field, what is
allowed and what was given; nothing is written on error (one commit per command).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from trdcare.cli_support import emit_json, get_context, handle_errors
from trdcare.ketamine import schemas
from trdcare.ketamine import service as ket_service
from trdcare.ketamine.domain import off_label, series_calendar, weight_based_dose
from trdcare.patients import service as patient_service

app = typer.Typer(
    help="IV racemic ketamine (OFF-LABEL for depression): dose, series, infusion record.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
PatientArg = Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")]
NumberArg = Annotated[int, typer.Argument(help="the infusion's number")]
ReasonOpt = Annotated[
    str, typer.Option("--reason", help="why (kept with the old version; 3-400 characters)")
]
VersionOpt = Annotated[
    int | None,
    typer.Option("--version", help="the version you looked at; refused if it changed since"),
]


def _given(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _off_label_line() -> None:
    typer.echo(str(off_label()["text"]))


def _reasons(reasons: list[dict[str, Any]]) -> None:
    for r in reasons:
        typer.echo(f"  - {r['finding']} [{r['status']}]")


def _infusion_line(doc: dict[str, Any]) -> None:
    typer.echo(
        f"infusion {doc['number']}: {doc['dose_mg']:g} mg ({doc['dose_mg_per_kg']:g} mg/kg x "
        f"{doc['weight_kg']:g} kg) over {doc['infusion_min']} min; started {doc['started_at']}; "
        f"ended {doc['ended_at'] or '-'}; discharged {doc['discharged_at'] or '-'}"
    )


@app.command("dose")
@handle_errors
def dose_cmd(
    weight_kg: Annotated[float, typer.Option("--weight-kg", help="body weight, kg")],
    dose_mg_per_kg: Annotated[float | None, typer.Option("--dose-mg-per-kg")] = None,
    infusion_min: Annotated[float | None, typer.Option("--infusion-min")] = None,
    json_out: JsonOpt = False,
) -> None:
    """The weight-based dose (0.5 mg/kg over 40 min unless the catalogue allows another)."""
    body = schemas.DoseIn.model_validate(
        _given(weight_kg=weight_kg, dose_mg_per_kg=dose_mg_per_kg, infusion_min=infusion_min)
    )
    result = weight_based_dose(body.weight_kg, body.dose_mg_per_kg, body.infusion_min)
    if json_out:
        emit_json(result.to_dict())
        return
    _off_label_line()
    typer.echo(
        f"{result.dose_mg:g} mg IV over {result.infusion_min} min "
        f"({result.rate_mg_per_min:g} mg/min) [{result.status}]"
    )
    _reasons([r.to_dict() for r in result.reasons])


@app.command("calendar")
@handle_errors
def calendar_cmd(
    start: Annotated[str, typer.Option("--start", help="first infusion, YYYY-MM-DD")],
    infusions: Annotated[float | None, typer.Option("--infusions")] = None,
    per_week: Annotated[float | None, typer.Option("--per-week")] = None,
    json_out: JsonOpt = False,
) -> None:
    """The dated infusions of a series (the series rule is UNVERIFIED, labelled)."""
    body = schemas.SeriesIn.model_validate(
        _given(start=start, weight_kg=70, infusions=infusions, infusions_per_week=per_week)
    )
    cal = series_calendar(body.start, body.infusions, body.infusions_per_week)
    if json_out:
        emit_json(cal.to_dict())
        return
    _off_label_line()
    for p in cal.planned:
        typer.echo(f"{p.number:>3}  {p.day.isoformat()}  week {p.week}")
    typer.echo(f"series rule: {cal.status}")
    _reasons([r.to_dict() for r in cal.reasons])


@app.command("plan")
@handle_errors
def plan_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    start: Annotated[str, typer.Option("--start", help="first infusion, YYYY-MM-DD")],
    weight_kg: Annotated[float, typer.Option("--weight-kg")],
    physician: Annotated[str, typer.Option("--physician", help="the planning physician")],
    dose_mg_per_kg: Annotated[float | None, typer.Option("--dose-mg-per-kg")] = None,
    infusion_min: Annotated[float | None, typer.Option("--infusion-min")] = None,
    infusions: Annotated[float | None, typer.Option("--infusions")] = None,
    per_week: Annotated[float | None, typer.Option("--per-week")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Plan an IV ketamine series (a treatment course, modality ketamine)."""
    body = schemas.SeriesIn.model_validate(
        _given(
            start=start,
            weight_kg=weight_kg,
            dose_mg_per_kg=dose_mg_per_kg,
            infusion_min=infusion_min,
            infusions=infusions,
            infusions_per_week=per_week,
        )
    )
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="ketamine_plan")
        ket_service.plan_series(
            session,
            cli.actor,
            row,
            start=body.start,
            weight_kg=body.weight_kg,
            planned_by=physician,
            dose_mg_per_kg=body.dose_mg_per_kg,
            infusion_min=body.infusion_min,
            infusions=body.infusions,
            infusions_per_week=body.infusions_per_week,
        )
        doc = {"patient": row.ref, **ket_service.status(session, cli.actor, row)}
    if json_out:
        emit_json(doc)
        return
    _off_label_line()
    typer.echo(
        f"series {doc['ref']}: {doc['planned_infusions']} infusions of {doc['dose_mg']:g} mg "
        f"over {doc['infusion_min']} min from {doc['start_date']} [{doc['rules_status']}]"
    )


@app.command("status")
@handle_errors
def status_cmd(ctx: typer.Context, patient: PatientArg, json_out: JsonOpt = False) -> None:
    """The current series and its infusions."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="ketamine_series")
        doc = {"patient": row.ref, **ket_service.status(session, cli.actor, row)}
    if json_out:
        emit_json(doc)
        return
    _off_label_line()
    typer.echo(
        f"series {doc['ref']}: {doc['status']}, {doc['discharged_infusions']}/"
        f"{doc['planned_infusions']} infusions completed [{doc['rules_status']}]"
    )
    for inf in doc["infusions"]:
        _infusion_line(inf)


@app.command("start")
@handle_errors
def start_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    administered_by: Annotated[str, typer.Option("--by", help="who administers")],
    systolic: Annotated[float, typer.Option("--systolic", help="baseline systolic, mmHg")],
    diastolic: Annotated[float, typer.Option("--diastolic", help="baseline diastolic, mmHg")],
    pulse: Annotated[float | None, typer.Option("--pulse", help="baseline pulse, /min")] = None,
    spo2: Annotated[float | None, typer.Option("--spo2", help="baseline SpO2, %")] = None,
    weight_kg: Annotated[float | None, typer.Option("--weight-kg", help="today's")] = None,
    at: Annotated[str | None, typer.Option("--at", help="started at (ISO datetime)")] = None,
    signoff_reason: Annotated[
        str | None, typer.Option("--bp-signoff-reason", help="above 140/90: why infuse")
    ] = None,
    physician: Annotated[
        str | None, typer.Option("--physician", help="the physician signing off the BP")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Start the next infusion (baseline readings; above 140/90 a physician signs off)."""
    body = schemas.InfusionStartIn.model_validate(
        _given(
            predose_systolic_mmhg=systolic,
            predose_diastolic_mmhg=diastolic,
            predose_pulse_bpm=pulse,
            predose_spo2_pct=spo2,
            weight_kg=weight_kg,
            started_at=at,
            bp_signoff_reason=signoff_reason,
        )
    )
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="ketamine_infusion")
        infusion, dose_doc = ket_service.start_infusion(
            session,
            cli.actor,
            row,
            administered_by=administered_by,
            predose_systolic_mmhg=body.predose_systolic_mmhg,
            predose_diastolic_mmhg=body.predose_diastolic_mmhg,
            predose_pulse_bpm=body.predose_pulse_bpm,
            predose_spo2_pct=body.predose_spo2_pct,
            weight_kg=body.weight_kg,
            started_at=body.started_at,
            bp_signoff_reason=body.bp_signoff_reason,
            bp_signer=physician,
        )
        doc = {"patient": row.ref, **ket_service.infusion_to_dict(infusion), "dose": dose_doc}
    if json_out:
        emit_json(doc)
        return
    _off_label_line()
    _infusion_line(doc)
    for finding in doc["predose"]["findings"]:
        typer.echo(f"  WARNING: {finding}")


@app.command("observe")
@handle_errors
def observe_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    number: NumberArg,
    at: Annotated[str | None, typer.Option("--at", help="observed at (ISO datetime)")] = None,
    systolic: Annotated[float | None, typer.Option("--systolic")] = None,
    diastolic: Annotated[float | None, typer.Option("--diastolic")] = None,
    pulse: Annotated[float | None, typer.Option("--pulse")] = None,
    spo2: Annotated[float | None, typer.Option("--spo2")] = None,
    respiratory_rate: Annotated[float | None, typer.Option("--respiratory-rate")] = None,
    sedation: Annotated[bool, typer.Option("--sedation")] = False,
    dissociation: Annotated[bool, typer.Option("--dissociation")] = False,
    respiratory_depression: Annotated[bool, typer.Option("--respiratory-depression")] = False,
    note: Annotated[str, typer.Option("--note")] = "",
    observed_by: Annotated[str, typer.Option("--by", help="who observed")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Record readings and sedation / dissociation / respiratory depression."""
    body = schemas.ObservationIn.model_validate(
        _given(
            at=at,
            systolic_mmhg=systolic,
            diastolic_mmhg=diastolic,
            pulse_bpm=pulse,
            spo2_pct=spo2,
            respiratory_rate_per_min=respiratory_rate,
            sedation=sedation,
            dissociation=dissociation,
            respiratory_depression=respiratory_depression,
            note=note,
        )
    )
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(
            session, cli.actor, patient, purpose="ketamine_observation"
        )
        infusion = ket_service.record_observation(
            session, cli.actor, row, number, observed_by=observed_by, **body.model_dump()
        )
        doc = {"patient": row.ref, **ket_service.infusion_to_dict(infusion)}
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"infusion {number}: {len(doc['observations'])} observation(s) recorded")


@app.command("end")
@handle_errors
def end_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    number: NumberArg,
    at: Annotated[str | None, typer.Option("--at", help="ended at (ISO datetime)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Record the end of the infusion."""
    body = schemas.InfusionEndIn.model_validate(_given(ended_at=at))
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(
            session, cli.actor, patient, purpose="ketamine_infusion_end"
        )
        infusion = ket_service.end_infusion(session, cli.actor, row, number, ended_at=body.ended_at)
        doc = {"patient": row.ref, **ket_service.infusion_to_dict(infusion)}
    if json_out:
        emit_json(doc)
        return
    _infusion_line(doc)


@app.command("discharge")
@handle_errors
def discharge_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    number: NumberArg,
    signed_by: Annotated[str, typer.Option("--by", help="physician or clinician signing")],
    at: Annotated[str | None, typer.Option("--at", help="discharged at (ISO datetime)")] = None,
    sedation_resolved: Annotated[bool, typer.Option("--sedation-resolved")] = False,
    dissociation_resolved: Annotated[bool, typer.Option("--dissociation-resolved")] = False,
    respiratory_depression_resolved: Annotated[
        bool, typer.Option("--respiratory-depression-resolved")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Sign the discharge (refused before the minimum observation or while unresolved)."""
    body = schemas.DischargeIn.model_validate(
        _given(
            discharged_at=at,
            sedation_resolved=sedation_resolved,
            dissociation_resolved=dissociation_resolved,
            respiratory_depression_resolved=respiratory_depression_resolved,
        )
    )
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(
            session, cli.actor, patient, purpose="ketamine_discharge"
        )
        infusion = ket_service.discharge(
            session, cli.actor, row, number, signed_by=signed_by, **body.model_dump()
        )
        doc = {"patient": row.ref, **ket_service.infusion_to_dict(infusion)}
    if json_out:
        emit_json(doc)
        return
    _infusion_line(doc)


@app.command("stop")
@handle_errors
def stop_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    reason: ReasonOpt,
    on: Annotated[str | None, typer.Option("--on", help="stopped on, YYYY-MM-DD")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Stop the active series with a reason (its course is stopped too)."""
    body = schemas.StopIn.model_validate(_given(reason=reason, on=on))
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="ketamine_stop")
        ket_service.stop_series(session, cli.actor, row, reason=body.reason, on=body.on)
        doc = {"patient": row.ref, **ket_service.status(session, cli.actor, row)}
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"series {doc['ref']}: stopped ({doc['stop_reason']})")


@app.command("correct")
@handle_errors
def correct_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    number: NumberArg,
    reason: ReasonOpt,
    version: VersionOpt = None,
    started_at: Annotated[str | None, typer.Option("--started-at")] = None,
    ended_at: Annotated[str | None, typer.Option("--ended-at")] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Correct an infusion's times or note: a new version, the old kept with the reason."""
    body = schemas.InfusionCorrectionIn.model_validate(
        _given(
            reason=reason,
            version=version or 1,
            started_at=started_at,
            ended_at=ended_at,
            note=note,
        )
    )
    changes = body.model_dump(exclude_unset=True, exclude={"reason", "version"})
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(
            session, cli.actor, patient, purpose="ketamine_infusion_correct"
        )
        changed = ket_service.correct_infusion(
            session, cli.actor, row, number, changes, reason=body.reason, expected_version=version
        )
        infusion, _ = ket_service.infusion_versions(session, cli.actor, row, number)
        doc = {
            "patient": row.ref,
            "number": number,
            "version": infusion.version,
            "changed": sorted(changed),
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"infusion {number} corrected (now version {doc['version']}): {doc['changed']}")


@app.command("retire")
@handle_errors
def retire_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    number: NumberArg,
    reason: ReasonOpt,
    version: VersionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Mark an infusion entered in error (kept, with the reason)."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(
            session, cli.actor, patient, purpose="ketamine_infusion_retire"
        )
        infusion = ket_service.retire_infusion(
            session, cli.actor, row, number, reason=reason, expected_version=version
        )
        doc = {
            "patient": row.ref,
            "number": number,
            "version": infusion.version,
            "retired_reason": infusion.retired_reason,
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"infusion {number}: {doc['retired_reason']}")
