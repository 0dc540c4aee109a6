"""`trdcare course ...` (the courses room's verbs, added to the history room's ``course``
group): report an adverse event of a non-TMS course, review a paused course, acknowledge
serious events, show a course's safety record, correct or retire an event, list the kinds.

Every command has ``--json`` (one JSON document on stdout). Bad input exits 2 with one line
naming the field; nothing is written on error (one commit per command). The local operator
acts; the reviewing physician is named with ``--by``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from pydantic import TypeAdapter

from trdcare.cli_support import (
    ReasonOpt,
    VersionOpt,
    emit_json,
    fail,
    get_context,
    handle_errors,
)
from trdcare.core.checks import check_option
from trdcare.core.clock import utc_today
from trdcare.courses import schemas
from trdcare.courses import service as course_service
from trdcare.courses.domain import kinds_for
from trdcare.history.service import MODALITIES
from trdcare.patients import service as patient_service

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
PatientArg = Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")]
CourseArg = Annotated[str, typer.Argument(help="Course ref (C-...).")]


def _json(model: type[Any], doc: Any) -> Any:
    return TypeAdapter(model).dump_python(TypeAdapter(model).validate_python(doc), mode="json")


def adverse_event(
    ctx: typer.Context,
    patient: PatientArg,
    course: CourseArg,
    kind: Annotated[str, typer.Option("--kind", help="a kind of the course's modality")],
    severity: Annotated[str, typer.Option("--severity", help="mild, moderate or severe")],
    on: Annotated[
        str | None, typer.Option("--on", help="the day it happened, YYYY-MM-DD (default today)")
    ] = None,
    serious: Annotated[
        list[str] | None,
        typer.Option(
            "--serious",
            help="a serious criterion it meets (repeat): death, life_threatening, "
            "hospitalisation, disability, congenital_anomaly, important_medical_event",
        ),
    ] = None,
    description: Annotated[str, typer.Option("--description", help="what happened")] = "",
    seen_in: Annotated[
        str | None, typer.Option("--seen-in", help="the room's record, e.g. esketamine_session:12")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Report an adverse event of a course (a serious one pauses an active course)."""
    body = schemas.AdverseEventIn.model_validate(
        {
            "kind": kind,
            "severity": severity,
            "occurred_on": on or utc_today().isoformat(),
            "serious_criteria": serious or [],
            "description": description,
            "delivery_ref": seen_in,
        }
    )
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(
            session, cli.actor, patient, purpose="course_adverse_event"
        )
        c = course_service.course_of(session, row, course)
        done = course_service.report_adverse_event(
            session,
            cli.actor,
            row,
            c,
            kind=body.kind,
            severity=body.severity,
            occurred_on=body.occurred_on,
            serious_criteria=body.serious_criteria,
            description=body.description,
            delivery_ref=body.delivery_ref,
        )
        doc = {
            "patient": row.ref,
            **_json(
                schemas.ReportedEvent,
                {
                    "adverse_event": course_service.event_to_dict(c, done.event),
                    "course": done.transition.to_dict(),
                    "paused": done.paused,
                },
            ),
        }
    if json_out:
        emit_json(doc)
        return
    e = doc["adverse_event"]
    typer.echo(
        f"adverse event {e['id']} recorded: {e['kind_label']}, {e['severity']}"
        + (f", serious ({', '.join(e['serious_criteria'])})" if e["serious"] else "")
    )
    typer.echo(f"  {doc['course']['reason']['finding']}")


def review(
    ctx: typer.Context,
    patient: PatientArg,
    course: CourseArg,
    by: Annotated[str, typer.Option("--by", help="the reviewing physician")],
    note: Annotated[str, typer.Option("--note", help="what was reviewed and why this decision")],
    resume: Annotated[bool, typer.Option("--resume", help="resume the paused course")] = False,
    stop: Annotated[bool, typer.Option("--stop", help="stop the paused course")] = False,
    json_out: JsonOpt = False,
) -> None:
    """A physician's review of a paused course: --resume or --stop, with --by and --note."""
    if resume == stop:
        fail("decision", "give --resume or --stop (one of them)")
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="course_review")
        c = course_service.course_of(session, row, course)
        pause, transition = course_service.review_pause(
            session,
            cli.actor,
            row,
            c,
            physician=by,
            decision="resume" if resume else "stop",
            note=note,
        )
        doc = {
            "patient": row.ref,
            **_json(
                schemas.PauseReviewed,
                {"pause": course_service.pause_to_dict(pause), "course": transition.to_dict()},
            ),
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"pause reviewed ({doc['pause']['decision']}): course {doc['course']['after']}")


def acknowledge(
    ctx: typer.Context,
    patient: PatientArg,
    course: CourseArg,
    by: Annotated[str, typer.Option("--by", help="the acknowledging physician")],
    note: Annotated[str, typer.Option("--note", help="what was reviewed and decided")],
    json_out: JsonOpt = False,
) -> None:
    """A physician acknowledges the course's serious adverse events (ends the alert)."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(
            session, cli.actor, patient, purpose="course_adverse_event"
        )
        c = course_service.course_of(session, row, course)
        rows = course_service.acknowledge_adverse_events(
            session, cli.actor, row, c, physician=by, note=note
        )
        doc = {
            "patient": row.ref,
            **_json(
                schemas.AcknowledgedEvents,
                {"adverse_events": [course_service.event_to_dict(c, r) for r in rows]},
            ),
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"{len(doc['adverse_events'])} serious adverse event(s) acknowledged")


def safety(
    ctx: typer.Context, patient: PatientArg, course: CourseArg, json_out: JsonOpt = False
) -> None:
    """A course's status, pause, adverse events, reviews and outcome."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(session, cli.actor, patient, purpose="course_safety")
        c = course_service.course_of(session, row, course)
        doc = {
            "patient": row.ref,
            **_json(schemas.CourseSafety, course_service.course_view(session, cli.actor, row, c)),
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"{doc['modality']} course {doc['ref']}: {doc['status']}")
    if doc["refusal"]:
        typer.echo(f"  {doc['refusal']}")
    for e in doc["adverse_events"]:
        serious = f" serious ({', '.join(e['serious_criteria'])})" if e["serious"] else ""
        reviewed = f"; reviewed by {e['acknowledged_by']}" if e["acknowledged_by"] else ""
        typer.echo(
            f"  {e['id']}  {e['occurred_on']}  {e['kind_label']}  {e['severity']}{serious}"
            f"{reviewed}"
        )
    o = doc["outcome"]
    if o:
        typer.echo(
            f"  outcome {o['scale']}: {o['baseline_total']} -> {o['latest_total']} "
            f"({o['category']})"
        )


def kinds(
    modality: Annotated[str, typer.Argument(help="esketamine, ketamine, vns, dbs, ...")],
    json_out: JsonOpt = False,
) -> None:
    """The adverse-event kinds a course of MODALITY records, with source status."""
    check_option("modality", modality, MODALITIES)
    found = kinds_for(modality)
    docs = [k.to_dict() for k in found.values()]
    if json_out:
        emit_json({"modality": modality, "kinds": docs})
        return
    for k in found.values():
        always = " [always serious]" if k.always_serious else ""
        typer.echo(f"{k.id:28} {k.label} ({k.source.status}){always}")


def correct_event(
    ctx: typer.Context,
    patient: PatientArg,
    event_id: Annotated[int, typer.Argument(help="The adverse event's id.")],
    reason: ReasonOpt,
    kind: Annotated[str | None, typer.Option("--kind")] = None,
    severity: Annotated[str | None, typer.Option("--severity")] = None,
    on: Annotated[str | None, typer.Option("--on", help="YYYY-MM-DD")] = None,
    serious: Annotated[
        list[str] | None, typer.Option("--serious", help="the serious criteria it meets (repeat)")
    ] = None,
    not_serious: Annotated[
        bool, typer.Option("--not-serious", help="it meets no serious criterion")
    ] = False,
    description: Annotated[str | None, typer.Option("--description")] = None,
    physician: Annotated[
        str | None, typer.Option("--physician", help="the deciding physician (serious events)")
    ] = None,
    version: VersionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Correct an adverse event (made not serious: --physician decides)."""
    if serious and not_serious:
        fail("serious", "give --serious or --not-serious, not both")
    raw: dict[str, Any] = {"reason": reason, "version": version or 1}
    for key, value in (
        ("kind", kind),
        ("severity", severity),
        ("occurred_on", on),
        ("description", description),
    ):
        if value is not None:
            raw[key] = value
    if serious or not_serious:
        raw["serious_criteria"] = serious or []
    body = schemas.AdverseEventCorrectionIn.model_validate(raw)
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(
            session, cli.actor, patient, purpose="course_adverse_event_correct"
        )
        event, changed, _ = course_service.correct_adverse_event(
            session,
            cli.actor,
            row,
            event_id,
            body.changes(),
            reason=body.reason,
            expected_version=version,
            physician=physician,
        )
        doc: dict[str, Any] = {
            "patient": row.ref,
            "id": event.id,
            "version": event.version,
            "changed": sorted(changed),
            "course_status": course_service.course_status(session, event),
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo(
        f"adverse event {doc['id']} corrected (version {doc['version']}): "
        f"{', '.join(doc['changed'])}; course {doc['course_status']}"
    )


def retire_event(
    ctx: typer.Context,
    patient: PatientArg,
    event_id: Annotated[int, typer.Argument(help="The adverse event's id.")],
    reason: ReasonOpt,
    physician: Annotated[
        str | None, typer.Option("--physician", help="the deciding physician (serious events)")
    ] = None,
    version: VersionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Mark an adverse event entered in error (a serious one: --physician decides)."""
    cli = get_context(ctx)
    with cli.session() as session:
        row = patient_service.find_patient(
            session, cli.actor, patient, purpose="course_adverse_event_retire"
        )
        event = course_service.retire_adverse_event(
            session,
            cli.actor,
            row,
            event_id,
            reason=reason,
            expected_version=version,
            physician=physician,
        )
        doc = {
            "patient": row.ref,
            "id": event.id,
            "retired_reason": event.retired_reason,
            "course_status": course_service.course_status(session, event),
        }
    if json_out:
        emit_json(doc)
        return
    typer.echo(f"adverse event {doc['id']} marked {doc['retired_reason']}")


COMMANDS: dict[str, Callable[..., None]] = {
    "adverse-event": adverse_event,
    "review": review,
    "acknowledge": acknowledge,
    "safety": safety,
    "adverse-event-kinds": kinds,
    "adverse-event-correct": correct_event,
    "adverse-event-retire": retire_event,
}


def register(group: typer.Typer) -> None:
    """Add the commands to ``trdcare course`` (the history room's course group)."""
    for name, command in COMMANDS.items():
        group.command(name)(handle_errors(command))
