"""`trdcare audit ...`: check the tamper-evident chain."""

from __future__ import annotations

from typing import Annotated

import typer

from trdcare.audit import service as audit_service
from trdcare.cli_support import emit_json, get_context, handle_errors

app = typer.Typer(help="The audit log.", no_args_is_help=True)


@app.command("verify")
@handle_errors
def verify(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Verify the hash chain; exit 1 and name the first broken entry if it does not hold."""
    cli = get_context(ctx)
    with cli.session() as session:
        count, broken = audit_service.verify(session)
    doc = {
        "entries": count,
        "intact": broken is None,
        "first_broken": broken.to_dict() if broken else None,
    }
    if json_out:
        emit_json(doc)
    elif broken is None:
        typer.echo(f"audit chain intact: {count} entries")
    else:
        typer.echo(f"audit chain BROKEN at entry {broken.entry_id}: {broken.reason}")
    if broken is not None:
        raise typer.Exit(1)
