"""`trdcare fhir export PATIENT [--include pgx,labs] --out FILE.json` (thin adapter).

The Bundle is made in memory and written to a private temporary file beside the target
(mode 0600: it holds patient data), then renamed, only when everything succeeded; bad input
(an unknown part, a patient that does not exist, an output that is not a .json file in an
existing folder, a ``TRDCARE_PUBLIC_URL`` that is not an http(s) address) exits 2 with one
line naming the field, nothing written. Every export is audited.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from trdcare.cli_support import fail, get_context, handle_errors, output_file, write_whole
from trdcare.exchange import service as exchange_service
from trdcare.exchange.domain import PARTS, parse_include

app = typer.Typer(help="HL7 FHIR exchange: a patient's PGx and lab results.", no_args_is_help=True)


def _public_url() -> str | None:
    value = os.environ.get("TRDCARE_PUBLIC_URL") or None
    if value and not value.startswith(("http://", "https://")):
        fail("TRDCARE_PUBLIC_URL", f"not an http(s) URL (given: {value!r})")
    return value.rstrip("/") if value else None


@app.command("export")
@handle_errors
def export_cmd(
    ctx: typer.Context,
    patient: Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")],
    out: Annotated[str, typer.Option("--out", help="The file to write (FILE.json).")],
    include: Annotated[
        str, typer.Option("--include", help=f"Parts, comma-separated: {','.join(PARTS)}.")
    ] = ",".join(PARTS),
) -> None:
    """Write the patient's PGx and lab results as an HL7 FHIR R4 Bundle (JSON)."""
    parts = parse_include(include)
    target = output_file(out, ".json")
    public_url = _public_url()
    cli = get_context(ctx)
    with cli.session() as session:
        export = exchange_service.fhir_bundle(
            session, cli.actor, patient, parts, public_url=public_url
        )
        data = export.json.encode("utf-8")
        entries = len(export.bundle.entry or [])
    write_whole(target, data)
    typer.echo(f"Wrote {target} ({entries} resources: Patient, {', '.join(parts)}).")
