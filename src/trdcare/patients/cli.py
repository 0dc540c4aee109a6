"""`trdcare patient ...`: thin adapter over the patients service."""

from __future__ import annotations

from typing import Annotated

import typer

from trdcare.cli_support import emit_json, get_context, handle_errors
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import Patient, PatientCreate, PatientUpdate

app = typer.Typer(help="The patient record.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


@app.command("add")
@handle_errors
def add(
    ctx: typer.Context,
    mrn: Annotated[str, typer.Option(help="The clinic's medical record number.")],
    given: Annotated[str, typer.Option("--given", help="Given name.")],
    family: Annotated[str, typer.Option("--family", help="Family name.")],
    birth_date: Annotated[str, typer.Option("--birth-date", help="YYYY-MM-DD.")],
    sex: Annotated[str, typer.Option(help="female, male, other or unknown.")] = "unknown",
    json_out: JsonOpt = False,
) -> None:
    """Add a patient; prints the opaque patient ref used everywhere else."""
    cli = get_context(ctx)
    data = PatientCreate.model_validate(
        {
            "mrn": mrn,
            "given_name": given,
            "family_name": family,
            "birth_date": birth_date,
            "sex": sex,
        }
    )
    with cli.session() as session:
        patient = patient_service.add_patient(session, cli.actor, data)
        out = Patient.model_validate(patient).model_dump(mode="json")
    if json_out:
        emit_json(out)
    else:
        typer.echo(f"added patient {out['ref']}")


@app.command("list")
@handle_errors
def list_(
    ctx: typer.Context,
    status: Annotated[str, typer.Option(help="active, discharged or all.")] = "active",
    limit: Annotated[int, typer.Option(help="Page size (1-1000).")] = 50,
    offset: Annotated[int, typer.Option(help="Rows to skip.")] = 0,
    json_out: JsonOpt = False,
) -> None:
    """List patients (paged)."""
    from trdcare.core.checks import check_option

    check_option("status", status, ("active", "discharged", "all"))
    cli = get_context(ctx)
    with cli.session() as session:
        rows, total = patient_service.list_patients(
            session,
            cli.actor,
            status=None if status == "all" else status,
            limit=limit,
            offset=offset,
        )
        items = [Patient.model_validate(p).model_dump(mode="json") for p in rows]
    if json_out:
        emit_json({"total": total, "limit": limit, "offset": offset, "items": items})
        return
    for p in items:
        typer.echo(
            f"{p['ref']}  {p['family_name']}, {p['given_name']}  born {p['birth_date']}  {p['status']}"
        )
    typer.echo(f"{len(items)} of {total} patients")


@app.command("show")
@handle_errors
def show(
    ctx: typer.Context,
    patient: Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")],
    json_out: JsonOpt = False,
) -> None:
    """Show one patient."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient)
        out = Patient.model_validate(row).model_dump(mode="json")
    if json_out:
        emit_json(out)
        return
    for key, value in out.items():
        typer.echo(f"{key:12} {value}")


@app.command("update")
@handle_errors
def update(
    ctx: typer.Context,
    patient: Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")],
    reason: Annotated[
        str, typer.Option(help="Why the record is corrected (kept with the old version).")
    ],
    given: Annotated[str | None, typer.Option("--given")] = None,
    family: Annotated[str | None, typer.Option("--family")] = None,
    birth_date: Annotated[str | None, typer.Option("--birth-date")] = None,
    sex: Annotated[str | None, typer.Option()] = None,
    status: Annotated[str | None, typer.Option(help="active or discharged.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Correct a patient's details; the previous version is kept with the reason."""
    raw = {
        "given_name": given,
        "family_name": family,
        "birth_date": birth_date,
        "sex": sex,
        "status": status,
    }
    data = PatientUpdate.model_validate(
        {"reason": reason, **{k: v for k, v in raw.items() if v is not None}}
    )
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="update")
        patient_service.update_patient(session, cli.actor, row, data)
        out = Patient.model_validate(row).model_dump(mode="json")
    if json_out:
        emit_json(out)
    else:
        typer.echo(f"updated patient {out['ref']} (version {out['version']})")
