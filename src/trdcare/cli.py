"""The `trdcare` command. Each room contributes its own thin CLI module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trdcare import __version__
from trdcare.accounts import cli as accounts_cli
from trdcare.adapters.db import cli as db_cli
from trdcare.adapters.web import serve as web_serve
from trdcare.assessments import cli as assessments_cli
from trdcare.audit import cli as audit_cli
from trdcare.cli_support import CliContext, PlainWordsGroup
from trdcare.config import load_settings
from trdcare.courses import cli as courses_cli
from trdcare.dbs import cli as dbs_cli
from trdcare.demo import cli as demo_cli
from trdcare.esketamine import cli as esketamine_cli
from trdcare.history import cli as history_cli
from trdcare.ketamine import cli as ketamine_cli
from trdcare.labs import cli as labs_cli
from trdcare.neurofeedback import cli as neurofeedback_cli
from trdcare.pathway import cli as pathway_cli
from trdcare.patients import cli as patients_cli
from trdcare.pgx import cli as pgx_cli
from trdcare.psilocybin import cli as psilocybin_cli
from trdcare.reports import cli as reports_cli
from trdcare.tms import cli as tms_cli
from trdcare.vns import cli as vns_cli

app = typer.Typer(
    name="trdcare",
    help="Clinical decision support for treatment-resistant depression.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=PlainWordsGroup,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"trdcare {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", help="Folder of the embedded SQLite database (env TRDCARE_DATA_DIR)."
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="SQLAlchemy URL, e.g. postgresql://... (env TRDCARE_DATABASE_URL).",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    context = CliContext(load_settings(data_dir=data_dir, database_url=database_url))
    ctx.obj = context
    ctx.call_on_close(context.close)


app.add_typer(db_cli.app, name="db")
app.add_typer(patients_cli.app, name="patient")
app.add_typer(history_cli.app, name="history")
app.add_typer(history_cli.course_app, name="course")
courses_cli.register(history_cli.course_app)
app.add_typer(audit_cli.app, name="audit")
app.command("demo")(demo_cli.demo)
app.command("caseload")(assessments_cli.caseload)
app.command("score")(assessments_cli.score)
app.command("assess")(assessments_cli.assess)
app.command("outcome")(assessments_cli.outcome)
app.command("assess-correct")(assessments_cli.assess_correct)
app.command("assess-retire")(assessments_cli.assess_retire)
app.command("assess-versions")(assessments_cli.assess_versions)
app.command("stage")(history_cli.stage)
app.command("options")(pathway_cli.options)
app.add_typer(tms_cli.app, name="tms")
app.add_typer(neurofeedback_cli.app, name="nf")
app.add_typer(dbs_cli.app, name="dbs")
app.add_typer(esketamine_cli.app, name="esketamine")
app.add_typer(vns_cli.app, name="vns")
app.add_typer(ketamine_cli.app, name="ketamine")
app.add_typer(psilocybin_cli.app, name="psilocybin")
app.add_typer(pgx_cli.app, name="pgx")
app.add_typer(labs_cli.app, name="labs")
app.add_typer(accounts_cli.app, name="user")
app.add_typer(reports_cli.app, name="report")
app.command("serve")(web_serve.serve)


def main() -> None:
    app()
