"""`trdcare options`: every therapy's option for a patient or a history file (thin adapter)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from trdcare.cli_support import emit_json, fail, handle_errors, read_json_file
from trdcare.core.clock import utc_today
from trdcare.history import service as history_service
from trdcare.history.domain import parse_history
from trdcare.pathway import service as pathway_service


def render(doc: dict[str, Any]) -> None:
    """The options as lines: rank, therapy, status, then each reason."""
    typer.echo(f"Treatment options as of {doc['as_of']}")
    for option in doc["options"]:
        typer.echo(f"{option['rank']:>2}. {option['label']}: {option['status_text']}")
        for r in option["reasons"]:
            if r["kind"] != "context":
                typer.echo(f"      - {r['finding']}")
        typer.echo(
            f"      guideline (step {option['guideline']['step']}): {option['guideline']['text']}"
        )
        typer.echo(f"      evidence: {option['evidence']['text']}")
        typer.echo(
            f"      expected time to response: {option['expected_time_to_response']['text']}"
        )
    typer.echo(f"Order: {doc['ordering_rule']['text']}")
    if doc["unverified"]:
        typer.echo("Uses UNVERIFIED facts (check before relying on them):")
        for line in doc["unverified"]:
            typer.echo(f"  - {line}")


@handle_errors
def options(
    ctx: typer.Context,
    patient: Annotated[
        str | None, typer.Argument(help="Patient ref or MRN (or use --history).")
    ] = None,
    history: Annotated[
        str | None,
        typer.Option(
            "--history", help="A history JSON file (docs/history-file.md); '-' for stdin."
        ),
    ] = None,
    facts: Annotated[
        str | None,
        typer.Option(
            "--facts", help="Other known findings, JSON (docs/pathway.md); with --history."
        ),
    ] = None,
    therapy: Annotated[
        list[str] | None,
        typer.Option("--therapy", help="Show only this therapy (repeatable), e.g. tms."),
    ] = None,
    drug_free: Annotated[
        bool, typer.Option("--prefers-drug-free", help="The patient wants a drug-free option.")
    ] = False,
    not_daily: Annotated[
        bool, typer.Option("--cannot-attend-daily", help="The patient cannot attend daily.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Every therapy's option (available, needs information, not indicated, contraindicated,
    investigational only) with reasons, evidence, guideline position and sources."""
    if (patient is None) == (history is None):
        fail("patient", "give either a patient or --history FILE")
    if therapy:
        pathway_service.check_therapy_ids(therapy, "therapy")
    if history is not None:
        parsed = parse_history(read_json_file(history, "history"), today=utc_today())
        found = pathway_service.parse_facts(read_json_file(facts, "facts") if facts else None)
        if drug_free or not_daily:
            prefs = found.preferences.model_copy(
                update={
                    "drug_free": found.preferences.drug_free or drug_free,
                    "cannot_attend_daily": found.preferences.cannot_attend_daily or not_daily,
                }
            )
            found = found.model_copy(update={"preferences": prefs})
        report = pathway_service.options_from_files(parsed, history_service.stage(parsed), found)
        doc = pathway_service.select(report, therapy)
    else:
        if facts is not None:
            fail("facts", "--facts goes with --history; a patient's findings come from the record")
        doc = _patient_options(ctx, patient or "", therapy, drug_free, not_daily)
    if json_out:
        emit_json(doc)
    else:
        render(doc)


def _patient_options(
    ctx: typer.Context, patient: str, therapy: list[str] | None, drug_free: bool, not_daily: bool
) -> dict[str, Any]:
    from trdcare.cli_support import get_context
    from trdcare.patients import service as patient_service

    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="options")
        report = pathway_service.options_for_patient(
            session,
            cli.actor,
            row,
            preferences=pathway_service.Preferences(drug_free, not_daily),
        )
        return {"patient": row.ref, **pathway_service.select(report, therapy)}
