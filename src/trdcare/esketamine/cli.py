"""`trdcare esketamine ...`: the esketamine label's calendar and checks (thin adapter).

Every command has ``--json`` (one JSON document on stdout). Bad input exits 2 with one line
naming the field, what is allowed and what was given.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from trdcare.cli_support import (
    emit_json,
    fail,
    handle_errors,
    parse_date,
    parse_number,
)
from trdcare.esketamine.domain import (
    DEFAULT_WEEKS,
    check_predose_bp,
    induction_and_maintenance_schedule,
    label_dict,
)

app = typer.Typer(
    help="Esketamine (nasal): the US label's schedule and safety checks.", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]

# The command line spells options with hyphens; the domain with underscores.
_MAINTENANCE = {"weekly": "weekly", "every-2-weeks": "every_2_weeks"}


def _fmt_reasons(reasons: list[dict[str, Any]]) -> None:
    for r in reasons:
        typer.echo(f"  - {r['finding']} [{r['status']}]")


def _label_line() -> str:
    label = label_dict()
    effective = label["effective_date"] or "not read"
    return (
        f"{label['name']} (label effective date: {effective}; first approved "
        f"{label['first_approved']}; catalogue {label['catalogue_version']})"
    )


@app.command("schedule")
@handle_errors
def schedule(
    start: Annotated[str, typer.Option("--start", help="day of the first dose, YYYY-MM-DD")],
    maintenance: Annotated[
        str, typer.Option("--maintenance", help="from week 9: weekly or every-2-weeks")
    ] = "weekly",
    weeks: Annotated[
        str, typer.Option("--weeks", help="label weeks to plan, a whole number 1-104")
    ] = str(DEFAULT_WEEKS),
    json_out: JsonOpt = False,
) -> None:
    """The label's induction (weeks 1-4, twice weekly) and maintenance sessions, dated."""
    first = parse_date(start, "start")
    if maintenance not in _MAINTENANCE:
        fail(
            "maintenance",
            f"unknown value (allowed: {', '.join(_MAINTENANCE)}; given: {maintenance!r})",
        )
    n_weeks = parse_number(weeks, "weeks")
    plan = induction_and_maintenance_schedule(first, _MAINTENANCE[maintenance], n_weeks)
    doc = plan.to_dict()
    if json_out:
        emit_json(doc)
        return
    typer.echo(_label_line())
    for s in plan.sessions:
        note = " (first dose)" if s.first_dose else ""
        phase = s.phase.replace("_", " ")
        typer.echo(f"{s.number:>3}  {s.day.isoformat()}  week {s.week:<3} {phase}{note}")
    if plan.end_of_induction_review is not None:
        typer.echo(
            f"End-of-induction review of benefit: {plan.end_of_induction_review.isoformat()}"
        )
    _fmt_reasons(doc["reasons"])  # type: ignore[arg-type]


@app.command("check-bp")
@handle_errors
def check_bp(
    systolic: Annotated[str, typer.Option("--systolic", help="pre-dose systolic, mmHg")],
    diastolic: Annotated[str, typer.Option("--diastolic", help="pre-dose diastolic, mmHg")],
    json_out: JsonOpt = False,
) -> None:
    """The pre-dose blood pressure against the label's 140/90 (a warning, not a block)."""
    result = check_predose_bp(
        parse_number(systolic, "systolic_mmhg"), parse_number(diastolic, "diastolic_mmhg")
    )
    doc = result.to_dict()
    if json_out:
        emit_json(doc)
        return
    if result.needs_prescriber_signoff:
        typer.echo(
            f"WARNING: {result.systolic_mmhg}/{result.diastolic_mmhg} mmHg is above the "
            "label's threshold; a prescriber must sign off before dosing (not a block)."
        )
    else:
        typer.echo(
            f"{result.systolic_mmhg}/{result.diastolic_mmhg} mmHg is not above the "
            "label's threshold."
        )
    for finding in result.findings:
        typer.echo(f"  {finding}")
    _fmt_reasons(doc["reasons"])  # type: ignore[arg-type]
