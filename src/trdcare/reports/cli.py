"""`trdcare report ...`: the course report and the prior-authorization packet as files.

``trdcare report course COURSE --out FILE.pdf`` and ``trdcare report prior-auth PATIENT
--therapy tms|esketamine --out FILE.pdf [--json]`` (``--json``: the packet as JSON, to the
file). Bad input (an unknown therapy, a course or patient that does not exist, an output
file that is not a .pdf or .json) exits 2 with one line naming the field, and nothing is
written: the document is made in memory and written to a temporary file beside the target,
then renamed, only when everything succeeded. Every document made is audited as an export.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from trdcare.cli_support import get_context, handle_errors, output_file, write_whole
from trdcare.reports import render
from trdcare.reports import service as report_service
from trdcare.reports.domain import check_therapy

app = typer.Typer(
    help="Documents that leave the clinic: course report, prior-authorization packet.",
    no_args_is_help=True,
)

OutOpt = Annotated[
    str, typer.Option("--out", help="The file to write (FILE.pdf; FILE.json with --json).")
]


@app.command("course")
@handle_errors
def course(
    ctx: typer.Context,
    course_ref: Annotated[str, typer.Argument(metavar="COURSE", help="Course ref (C-...).")],
    out: OutOpt,
) -> None:
    """Write the report of one treatment course as a PDF."""
    path = output_file(out, ".pdf")
    cli = get_context(ctx)
    with cli.session() as session:
        doc = report_service.course_report(session, cli.actor, course_ref, output="pdf")
        data = render.pdf_bytes(render.course_html(doc.report))
        write_whole(path, data)
    typer.echo(f"course report of {doc.report.course_ref} written to {path}")


@app.command("prior-auth")
@handle_errors
def prior_auth(
    ctx: typer.Context,
    patient: Annotated[str, typer.Argument(metavar="PATIENT", help="Patient ref (P-...) or MRN.")],
    therapy: Annotated[str, typer.Option("--therapy", help="tms or esketamine")],
    out: OutOpt,
    json_out: Annotated[bool, typer.Option("--json", help="Write the packet as JSON.")] = False,
) -> None:
    """Write the prior-authorization packet of a therapy for a patient (PDF, or --json)."""
    check_therapy(therapy)
    path = output_file(out, ".json" if json_out else ".pdf")
    cli = get_context(ctx)
    with cli.session() as session:
        _, packet = report_service.prior_auth_packet(
            session, cli.actor, patient, therapy, output="json" if json_out else "pdf"
        )
        if json_out:
            data = (json.dumps(packet.to_dict(), indent=2) + "\n").encode("utf-8")
        else:
            data = render.pdf_bytes(render.packet_html(packet))
        write_whole(path, data)
    typer.echo(
        f"prior-authorization packet ({therapy}) written to {path}: "
        f"{len(packet.missing)} item(s) missing from the record"
    )
