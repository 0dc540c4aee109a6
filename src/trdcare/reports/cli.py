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
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from trdcare.cli_support import fail, get_context, handle_errors
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


def _target(out: str, suffix: str) -> Path:
    path = Path(out)
    if path.suffix.lower() != suffix:
        fail("--out", f"must be a {suffix} file, given {out!r}")
    if path.is_dir():
        fail("--out", f"is a folder, not a file: {out!r}")
    if not path.parent.exists():
        fail("--out", f"its folder does not exist: {str(path.parent)!r}")
    return path


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` whole or not at all (a temporary file renamed over the target)."""
    fd, tmp = tempfile.mkstemp(prefix=".trdcare-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command("course")
@handle_errors
def course(
    ctx: typer.Context,
    course_ref: Annotated[str, typer.Argument(metavar="COURSE", help="Course ref (C-...).")],
    out: OutOpt,
) -> None:
    """Write the report of one treatment course as a PDF."""
    path = _target(out, ".pdf")
    cli = get_context(ctx)
    with cli.session() as session:
        doc = report_service.course_report(session, cli.actor, course_ref, output="pdf")
        data = render.pdf_bytes(render.course_html(doc.report))
        _write(path, data)
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
    path = _target(out, ".json" if json_out else ".pdf")
    cli = get_context(ctx)
    with cli.session() as session:
        _, packet = report_service.prior_auth_packet(
            session, cli.actor, patient, therapy, output="json" if json_out else "pdf"
        )
        if json_out:
            data = (json.dumps(packet.to_dict(), indent=2) + "\n").encode("utf-8")
        else:
            data = render.pdf_bytes(render.packet_html(packet))
        _write(path, data)
    typer.echo(
        f"prior-authorization packet ({therapy}) written to {path}: "
        f"{len(packet.missing)} item(s) missing from the record"
    )
