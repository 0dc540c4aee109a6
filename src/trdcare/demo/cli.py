"""`trdcare demo`: create the database, load the demo clinic, print the caseload."""

from __future__ import annotations

from typing import Annotated

import typer

from trdcare.assessments import service as assessment_service
from trdcare.assessments.cli import print_caseload
from trdcare.cli_support import emit_json, get_context, handle_errors
from trdcare.core.clock import utc_today
from trdcare.demo.service import load_demo


@handle_errors
def demo(
    ctx: typer.Context,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same clinic.")
    ] = 1,
    patients: Annotated[
        int, typer.Option(min=1, max=20000, help="How many synthetic patients.")
    ] = 240,
    limit: Annotated[int, typer.Option(help="Rows printed in the caseload table.")] = 20,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Load a synthetic demo clinic (once) and print its caseload summary."""
    cli = get_context(ctx)
    today = utc_today()
    with cli.session() as session:
        result = load_demo(session, seed=seed, patients=patients, as_of=today)
    with cli.session() as session:
        entries = [
            e.to_dict()
            for e in assessment_service.caseload_summary(session, cli.actor, as_of=today)
        ]
    where = cli.settings.database_url if not cli.settings.is_sqlite else str(cli.settings.data_dir)
    if json_out:
        emit_json(
            {
                "loaded": result.loaded,
                "patients": result.patients,
                "assessments": result.assessments,
                "caseload": entries,
            }
        )
        return
    if result.loaded:
        typer.echo(
            f"loaded demo clinic: {result.patients} patients, {result.assessments} assessments ({where})"
        )
    else:
        typer.echo(f"demo clinic already loaded: {result.patients} patients ({where})")
    print_caseload(entries, limit=limit)
