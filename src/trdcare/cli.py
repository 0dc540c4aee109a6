"""The `trdcare` command. Each room contributes its own thin CLI module.

The root names every command with its help line (:data:`COMMANDS`); a room's CLI module is
imported only when one of its commands runs, so ``trdcare pgx call`` does not pay for the web
app and every other room (``bench/cli_startup.py``). ``--help`` lists them all from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trdcare import __version__
from trdcare.cli_support import CliContext, LazyCommand, PlainWordsGroup
from trdcare.config import load_settings

# name -> where it lives and its help line (tests/cli/test_cli_lazy.py checks each line is
# the command's own). Commands first, then groups, in the order --help lists them.
COMMANDS: dict[str, LazyCommand] = {
    "demo": LazyCommand(
        "trdcare.demo.cli",
        "demo",
        "Load a synthetic demo clinic (once) and print its caseload summary.",
    ),
    "caseload": LazyCommand(
        "trdcare.assessments.cli",
        "caseload",
        "Every active patient: latest score and band, change, response/remission, alerts.",
    ),
    "score": LazyCommand(
        "trdcare.assessments.cli", "score", "Score a rating scale (no database needed)."
    ),
    "assess": LazyCommand(
        "trdcare.assessments.cli",
        "assess",
        "Record a rating scale for a patient (every item answer is stored).",
    ),
    "outcome": LazyCommand(
        "trdcare.assessments.cli",
        "outcome",
        "Response, remission, change and relapse for a patient's course.",
    ),
    "assess-correct": LazyCommand(
        "trdcare.assessments.cli",
        "assess_correct",
        "Correct an assessment: the whole corrected form is the next version, the old kept.",
    ),
    "assess-retire": LazyCommand(
        "trdcare.assessments.cli",
        "assess_retire",
        "Mark an assessment entered in error (kept; out of the outcome and the caseload).",
    ),
    "assess-versions": LazyCommand(
        "trdcare.assessments.cli",
        "assess_versions",
        "An assessment's earlier versions: who corrected it, when, why, which answers.",
    ),
    "stage": LazyCommand(
        "trdcare.history.cli",
        "stage",
        "TRD status and staging (Maudsley, Thase-Rush, MGH-S), each explained.",
    ),
    "options": LazyCommand(
        "trdcare.pathway.cli",
        "options",
        # The docstring's line break is kept: --help shows it as written.
        "Every therapy's option (available, needs information, not indicated, contraindicated,\n"
        "investigational only) with reasons, evidence, guideline position and sources.",
    ),
    "serve": LazyCommand(
        "trdcare.adapters.web.serve",
        "serve",
        "Run the clinic web application (JSON API under /api/v1 and the pages).",
    ),
    "db": LazyCommand("trdcare.adapters.db.cli", "app", "Database schema (Alembic migrations)."),
    "patient": LazyCommand("trdcare.patients.cli", "app", "The patient record."),
    "history": LazyCommand(
        "trdcare.history.cli", "app", "Treatment history of the current episode."
    ),
    "course": LazyCommand(
        "trdcare.history.cli",
        "course_app",
        "Treatment courses (TMS, esketamine...).",
        extend="trdcare.courses.cli:register",
    ),
    "audit": LazyCommand("trdcare.audit.cli", "app", "The audit log."),
    "tms": LazyCommand("trdcare.tms.cli", "app", "The TMS pathway: screen, plan, deliver, review."),
    "nf": LazyCommand(
        "trdcare.neurofeedback.cli",
        "app",
        "EEG neurofeedback (investigational for depression): analyse recordings, run sessions.",
    ),
    "dbs": LazyCommand(
        "trdcare.dbs.cli", "app", "Deep brain stimulation (investigational for depression)."
    ),
    "esketamine": LazyCommand(
        "trdcare.esketamine.cli",
        "app",
        "Esketamine (nasal): the US label's schedule and safety checks.",
    ),
    "vns": LazyCommand(
        "trdcare.vns.cli", "app", "Vagus nerve stimulation: candidacy, implant, titration log."
    ),
    "ketamine": LazyCommand(
        "trdcare.ketamine.cli",
        "app",
        "IV racemic ketamine (OFF-LABEL for depression): dose, series, infusion record.",
    ),
    "psilocybin": LazyCommand(
        "trdcare.psilocybin.cli",
        "app",
        "Psilocybin-assisted therapy (RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY).",
    ),
    "pgx": LazyCommand(
        "trdcare.pgx.cli", "app", "Pharmacogenomics: VCF -> star alleles -> CPIC advice."
    ),
    "labs": LazyCommand(
        "trdcare.labs.cli", "app", "Biomarker labs (LOINC-coded results with reference ranges)."
    ),
    "fhir": LazyCommand(
        "trdcare.exchange.cli", "app", "HL7 FHIR exchange: a patient's PGx and lab results."
    ),
    "user": LazyCommand("trdcare.accounts.cli", "app", "Staff accounts, API tokens and roles."),
    "report": LazyCommand(
        "trdcare.reports.cli",
        "app",
        "Documents that leave the clinic: course report, prior-authorization packet.",
    ),
}


class RootGroup(PlainWordsGroup):
    lazy_commands = COMMANDS


app = typer.Typer(
    name="trdcare",
    help="Clinical decision support for treatment-resistant depression.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=RootGroup,
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


def main() -> None:
    app()
