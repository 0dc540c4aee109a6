"""`trdcare labs ...`: record and list a patient's biomarker results (thin adapter)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from trdcare.cli_support import emit_json, get_context, handle_errors
from trdcare.labs import schemas
from trdcare.labs import service as labs_service
from trdcare.patients import service as patient_service

app = typer.Typer(
    help="Biomarker labs (LOINC-coded results with reference ranges).", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
PatientArg = Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")]


@app.command("add")
@handle_errors
def add_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    analyte: Annotated[
        str, typer.Option("--test", help="Catalogue id or LOINC code (e.g. tsh, 3016-3).")
    ],
    value: Annotated[str, typer.Option("--value", help="The result.")],
    unit: Annotated[str, typer.Option("--unit", help="Unit, e.g. mIU/L.")],
    collected_on: Annotated[str, typer.Option("--collected-on", help="YYYY-MM-DD")],
    low: Annotated[str | None, typer.Option("--low", help="Reference range low bound.")] = None,
    high: Annotated[str | None, typer.Option("--high", help="Reference range high bound.")] = None,
    lab: Annotated[str, typer.Option("--lab", help="The laboratory.")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Record a biomarker result; the flag is computed against the laboratory's range."""
    values: dict[str, Any] = {
        "analyte": analyte, "value": value, "unit": unit, "collected_on": collected_on,
        "reference_low": low, "reference_high": high, "lab": lab,
    }  # fmt: skip
    body = schemas.LabResultIn.model_validate({k: v for k, v in values.items() if v is not None})
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="labs_record")
        doc = labs_service.result_to_dict(
            labs_service.record_result(session, cli.actor, row, **body.model_dump())
        )
    if json_out:
        emit_json(doc)
        return
    typer.echo(
        f"{doc['name']} {doc['value']} {doc['unit']} on {doc['collected_on']}: {doc['flag_words']}"
    )


@app.command("list")
@handle_errors
def list_cmd(ctx: typer.Context, patient: PatientArg, json_out: JsonOpt = False) -> None:
    """The patient's biomarker results, newest first."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="labs")
        doc = labs_service.overview(session, cli.actor, row)
    if json_out:
        emit_json(doc)
        return
    if not doc["results"]:
        typer.echo("No lab result on record.")
    for r in doc["results"]:
        typer.echo(
            f"{r['collected_on']}  {r['name']:18} {r['value']:g} {r['unit']:8} {r['flag_words']}"
        )
    typer.echo(doc["interpretation"])
