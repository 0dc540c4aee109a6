"""`trdcare db ...`: schema management."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from trdcare.adapters.db.migrate import current_revisions, head_revisions
from trdcare.adapters.db.migrate import upgrade as run_upgrade
from trdcare.cli_support import (
    emit_json,
    get_context,
    handle_errors,
    rebuild_stale_read_models,
)

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


@app.command("upgrade")
@handle_errors
def upgrade(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Create or migrate the database schema to the newest revision; rebuild stale read models."""
    cli = get_context(ctx)
    before = list(current_revisions(cli.engine))
    run_upgrade(cli.engine)
    after = list(current_revisions(cli.engine))
    rebuilt = rebuild_stale_read_models(cli.engine)
    backend = cli.engine.dialect.name
    if json_out:
        emit_json(
            {
                "backend": backend,
                "from_revision": before,
                "to_revision": after,
                "read_models_rebuilt": rebuilt,
            }
        )
    else:
        was = ", ".join(before) or "empty"
        typer.echo(f"database ({backend}) at revision {', '.join(after)} (was {was})")
        if rebuilt:
            typer.echo("caseload read model rebuilt from the assessments")


@app.command("status")
@handle_errors
def status(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Show the schema revision and whether it is current."""
    cli = get_context(ctx)
    doc: dict[str, Any] = {
        "backend": cli.engine.dialect.name,
        "revision": list(current_revisions(cli.engine)),
        "head": list(head_revisions(cli.engine)),
    }
    doc["up_to_date"] = doc["revision"] == doc["head"]
    if json_out:
        emit_json(doc)
    else:
        typer.echo(f"{doc['backend']}: revision {doc['revision']} (head {doc['head']})")
