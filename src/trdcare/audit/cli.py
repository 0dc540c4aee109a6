"""`trdcare audit ...`: verify the sealed chains, write a signed checkpoint of their heads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from trdcare.audit import service as audit_service
from trdcare.audit.checkpoint_file import default_checkpoint_path
from trdcare.cli_support import emit_json, get_context, handle_errors

app = typer.Typer(help="The audit log.", no_args_is_help=True)

CheckpointOption = Annotated[
    Path | None,
    typer.Option(
        "--checkpoints",
        help="Checkpoint file (default: env TRDCARE_AUDIT_CHECKPOINT_FILE, else "
        "audit-checkpoints.jsonl in the data folder).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def verification_document(result: audit_service.Verification) -> dict[str, Any]:
    return {
        "intact": result.intact,
        "entries": result.entries,
        "chains": result.chains,
        "first_broken": result.broken.to_dict() if result.broken else None,
        "keyed_entries": result.keyed_entries,
        "plain_entries": result.plain_entries,
        "plain_entries_unanchored": result.plain_entries_unanchored,
        "key_id": result.key_id,
        "checkpoint_file": str(result.checkpoint_path) if result.checkpoint_path else None,
        "checkpoints": result.checkpoints,
        "last_checkpoint_at": (
            result.last_checkpoint_at.isoformat() if result.last_checkpoint_at else None
        ),
        "entries_after_last_checkpoint": result.entries_after_last_checkpoint,
        "checkpoint_problems": result.checkpoint_problems,
        "checked": result.checked,
        "not_checked": result.not_checked,
    }


@app.command("verify")
@handle_errors
def verify(
    ctx: typer.Context, checkpoints: CheckpointOption = None, json_out: JsonOption = False
) -> None:
    """Verify the sealed chains against the signed checkpoints; say what was checked and
    what cannot be; exit 1 and name the first broken entry if the log does not hold."""
    cli = get_context(ctx)
    path = checkpoints or default_checkpoint_path(cli.settings.data_dir)
    with cli.session() as session:
        result = audit_service.verify(session, checkpoint_path=path, key=cli.audit_key)
    if json_out:
        emit_json(verification_document(result))
    else:
        if result.broken is not None:
            typer.echo(
                f"audit log BROKEN at entry {result.broken.entry_id}: {result.broken.reason}"
            )
        for problem in result.checkpoint_problems:
            typer.echo(f"checkpoint problem: {problem}")
        if result.intact:
            typer.echo(f"audit log intact: {result.entries} entries in {result.chains} chain(s)")
        typer.echo("checked:")
        for line in result.checked:
            typer.echo(f"  - {line}")
        typer.echo("not checked (what this verification cannot tell):")
        for line in result.not_checked:
            typer.echo(f"  - {line}")
    if not result.intact:
        raise typer.Exit(1)


@app.command("checkpoint")
@handle_errors
def checkpoint(
    ctx: typer.Context, checkpoints: CheckpointOption = None, json_out: JsonOption = False
) -> None:
    """Append a signed checkpoint of every chain's head to the checkpoint file (checks the
    entries since the last checkpoint first; exit 1 and write nothing if they do not hold).

    Copy the file somewhere a database writer cannot reach; `trdcare serve` also writes one
    at start, periodically and at shutdown.
    """
    cli = get_context(ctx)
    path = checkpoints or default_checkpoint_path(cli.settings.data_dir)
    try:
        with cli.session() as session:
            written, _ = audit_service.write_checkpoint(session, path, key=cli.audit_key)
    except audit_service.CheckpointRefused as exc:
        typer.echo(f"error: no checkpoint written: {exc}", err=True)
        raise typer.Exit(1) from None
    doc = {
        "checkpoint_file": str(path),
        "written_at": written.written_at.isoformat(),
        "key_id": written.key_id,
        "entries": written.entries,
        "chains": [
            {"chain": h.chain, "head_id": h.head_id, "count": h.count} for h in written.heads
        ],
    }
    if json_out:
        emit_json(doc)
    else:
        typer.echo(
            f"checkpoint written to {path}: {written.entries} entries in "
            f"{len(written.heads)} chain(s), signed with audit key {written.key_id}"
        )
