"""`trdcare score|assess|outcome|caseload`: thin adapters over the assessments room."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import typer

from trdcare.assessments import service as assessment_service
from trdcare.assessments.domain import SCALE_IDS, parse_answers
from trdcare.assessments.domain import score as score_scale
from trdcare.cli_support import (
    ReasonOpt,
    VersionOpt,
    emit_json,
    fail,
    get_context,
    handle_errors,
)
from trdcare.core.clock import utc_today
from trdcare.history import service as history_service
from trdcare.patients import service as patient_service

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
ScaleArg = Annotated[str, typer.Argument(help=f"Scale id: {', '.join(SCALE_IDS)}.")]
ItemsArg = Annotated[
    list[str],
    typer.Argument(
        help="Item answers in form order (C-SSRS: yes/no, '-' when not asked), or key=value."
    ),
]


def _render_result(result: dict[str, Any]) -> None:
    if result.get("triage") is not None or result["scale"] == "cssrs_screener":
        state = "complete" if result["complete"] else "incomplete"
        typer.echo(f"{result['scale']}: no total (triage instrument), form {state}")
    else:
        total = "not scored (incomplete)" if result["total"] is None else result["total"]
        typer.echo(f"{result['scale']}: total {total}, severity {result['severity'] or '-'}")
    if result.get("triage"):
        typer.echo(f"C-SSRS triage: {result['triage']}")
    for flag in result["flags"]:
        typer.echo(f"SAFETY FLAG {flag['code']}: {flag.get('rule', '')}")
    for line in result.get("explanation", []):
        typer.echo(f"  {line}")


@handle_errors
def score(scale: ScaleArg, items: ItemsArg, json_out: JsonOpt = False) -> None:
    """Score a rating scale (no database needed)."""
    result = score_scale(scale, parse_answers(scale, items)).to_dict()
    if json_out:
        emit_json(result)
    else:
        _render_result(result)


def _parse_when(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time())
        return datetime.fromisoformat(value)
    except ValueError:
        fail("at", f"not a date or ISO date-time (given: {value!r})")


@handle_errors
def assess(
    ctx: typer.Context,
    patient: Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")],
    scale: ScaleArg,
    items: ItemsArg,
    at: Annotated[
        str | None,
        typer.Option("--at", help="When it was administered (date or ISO date-time, UTC)."),
    ] = None,
    course: Annotated[
        str | None, typer.Option("--course", help="Course ref (C-...) it belongs to.")
    ] = None,
    source: Annotated[str, typer.Option(help="staff, self_report or import.")] = "staff",
    json_out: JsonOpt = False,
) -> None:
    """Record a rating scale for a patient (every item answer is stored)."""
    cli = get_context(ctx)
    answers = parse_answers(scale, items)
    when = _parse_when(at)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="assess")
        course_row = history_service.find_course(session, row, course) if course else None
        saved, result = assessment_service.record_assessment(
            session,
            cli.actor,
            row,
            scale,
            answers,
            administered_at=when,
            source=source,
            course=course_row,
        )
        doc = {
            "patient": row.ref,
            "assessment_id": saved.id,
            "administered_on": saved.administered_on.isoformat(),
        }
        doc.update(result.to_dict())
    if json_out:
        emit_json(doc)
    else:
        typer.echo(f"recorded {scale} for {doc['patient']} on {doc['administered_on']}")
        _render_result(doc)


@handle_errors
def outcome(
    ctx: typer.Context,
    patient: Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")],
    scale: Annotated[
        str | None, typer.Option("--scale", help="Scale id (default: the course's).")
    ] = None,
    course: Annotated[
        str | None, typer.Option("--course", help="Course ref (default: current).")
    ] = None,
    reliability: Annotated[
        float | None, typer.Option(help="Test-retest reliability for the reliable change index.")
    ] = None,
    baseline_sd: Annotated[
        float | None,
        typer.Option("--baseline-sd", help="Baseline SD for the reliable change index."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Response, remission, change and relapse for a patient's course."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="outcome")
        result, course_row = assessment_service.patient_outcome(
            session,
            cli.actor,
            row,
            scale_id=scale,
            course_ref=course,
            reliability=reliability,
            baseline_sd=baseline_sd,
        )
        doc = {
            "patient": row.ref,
            "course": course_row.ref if course_row else None,
            **result.to_dict(),
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"patient {doc['patient']}  course {doc['course'] or '-'}")
    for line in doc["explanation"]:
        typer.echo(f"  {line}")


@handle_errors
def caseload(
    ctx: typer.Context,
    scale: Annotated[str, typer.Option("--scale", help="Scale shown per patient.")] = "phq9",
    limit: Annotated[int, typer.Option(help="Rows printed in the table (all are in --json).")] = 25,
    json_out: JsonOpt = False,
) -> None:
    """Every active patient: latest score and band, change, response/remission, alerts."""
    cli = get_context(ctx)
    with cli.session() as session:
        entries = assessment_service.caseload_summary(
            session, cli.actor, scale_id=scale, as_of=utc_today()
        )
        docs = [e.to_dict() for e in entries]
    if json_out:
        emit_json({"scale": scale, "patients": len(docs), "items": docs})
        return
    print_caseload(docs, limit=limit)


def print_caseload(docs: list[dict[str, Any]], *, limit: int) -> None:
    from rich.console import Console
    from rich.table import Table

    responders = sum(d["response"] for d in docs)
    remitters = sum(d["remission"] for d in docs)
    flagged = sum("suicidal_ideation" in d["alerts"] for d in docs)
    overdue = sum("assessment_overdue" in d["alerts"] for d in docs)
    table = Table(title=f"Caseload: {len(docs)} active patients")
    for column in ("patient", "latest", "band", "change", "response", "remission", "alerts"):
        table.add_column(column)
    ordered = sorted(docs, key=lambda d: ("suicidal_ideation" not in d["alerts"], d["name"]))
    for d in ordered[:limit]:
        change = "-" if d["percent_change"] is None else f"{d['percent_change']:+.0f}%"
        table.add_row(
            d["patient"],
            str(d["latest_total"] if d["latest_total"] is not None else "-"),
            d["latest_severity"] or "-",
            change,
            "yes" if d["response"] else "",
            "yes" if d["remission"] else "",
            ", ".join(d["alerts"]),
        )
    console = Console()
    console.width = max(console.width, 120)  # never truncate refs and alerts in a pipe
    console.print(table)
    console.print(
        f"response {responders}, remission {remitters}, suicidal-ideation alerts {flagged}, "
        f"overdue {overdue}; showing {min(limit, len(docs))} of {len(docs)} (safety alerts first)"
    )


PhysicianOpt = Annotated[
    str | None,
    typer.Option("--physician", help="the deciding physician (a positive suicide item)"),
]
IdArg = Annotated[int, typer.Argument(help="The assessment's id (as listed).")]


@handle_errors
def assess_correct(
    ctx: typer.Context,
    patient: Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")],
    assessment_id: IdArg,
    items: ItemsArg,
    reason: ReasonOpt,
    at: Annotated[
        str | None, typer.Option("--at", help="When it was given, if that was wrong too.")
    ] = None,
    version: VersionOpt = None,
    physician: PhysicianOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Correct an assessment: the whole corrected form is the next version, the old kept."""
    cli = get_context(ctx)
    when = _parse_when(at)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="assess")
        scale = assessment_service.assessment_scale(session, row, assessment_id)
        saved, result = assessment_service.correct_assessment(
            session,
            cli.actor,
            row,
            assessment_id,
            parse_answers(scale, items),
            reason=reason,
            administered_at=when,
            expected_version=version,
            physician=physician,
        )
        doc = {"patient": row.ref, "assessment_id": saved.id, "version": saved.version}
        doc.update(result.to_dict())
    if json_out:
        emit_json(doc)
    else:
        typer.echo(
            f"assessment {assessment_id} corrected: now assessment {doc['assessment_id']} "
            f"(version {doc['version']})"
        )
        _render_result(doc)


@handle_errors
def assess_retire(
    ctx: typer.Context,
    patient: Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")],
    assessment_id: IdArg,
    reason: ReasonOpt,
    version: VersionOpt = None,
    physician: PhysicianOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Mark an assessment entered in error (kept; out of the outcome and the caseload)."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="assess")
        saved = assessment_service.retire_assessment(
            session,
            cli.actor,
            row,
            assessment_id,
            reason=reason,
            expected_version=version,
            physician=physician,
        )
        doc = {
            "patient": row.ref,
            "assessment_id": saved.id,
            "version": saved.version,
            "retired_reason": saved.retired_reason,
        }
    if json_out:
        emit_json(doc)
    else:
        typer.echo(f"assessment {assessment_id}: {doc['retired_reason']}")


@handle_errors
def assess_versions(
    ctx: typer.Context,
    patient: Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")],
    assessment_id: IdArg,
    json_out: JsonOpt = False,
) -> None:
    """An assessment's earlier versions: who corrected it, when, why, which answers."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="assess")
        _, entries = assessment_service.assessment_versions(session, cli.actor, row, assessment_id)
        doc: list[dict[str, Any]] = [
            {
                "version": e.version,
                "recorded_by": e.recorded_by,
                "changed_by": e.changed_by,
                "changed_at": e.changed_at.isoformat(),
                "reason": e.reason,
                "changes": {k: [old, new] for k, (old, new) in e.changes.items()},
            }
            for e in entries
        ]
    if json_out:
        emit_json(doc)
        return
    if not doc:
        typer.echo("no earlier version: never corrected")
    for v in doc:
        typer.echo(
            f"version {v['version']} (by {v['recorded_by']}) changed by {v['changed_by']} on "
            f"{v['changed_at'][:16]}: {v['reason']}"
        )
