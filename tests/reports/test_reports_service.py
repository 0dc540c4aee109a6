"""The documents room's use cases on SQLite and PostgreSQL: the course report and the
prior-authorization packet gathered from the rooms, their PDFs checked with pypdf, every
document audited as an export, bad input refused with nothing audited as exported."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from reports_support import SESSIONS_GIVEN, add_patient, tms_record
from trdcare.adapters.db.models import AuditEvent
from trdcare.assessments import service as assessment_service
from trdcare.audit.service import flush_pending
from trdcare.core.actor import Actor
from trdcare.core.errors import InvalidInput, NotFound
from trdcare.reports import render
from trdcare.reports import service as report_service


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _exports(session: Session) -> list[AuditEvent]:
    flush_pending(session)
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "export")))


def test_course_report_gathers_the_tms_course_and_uses_the_outcome_rule(
    session: Session, actor: Actor
) -> None:
    rec = tms_record(session, actor)
    doc = report_service.course_report(session, actor, rec.course_ref)
    r = doc.report
    assert (r.sessions_given, r.course_ref, r.modality) == (SESSIONS_GIVEN, rec.course_ref, "tms")
    assert r.sessions_planned is not None and r.sessions_planned > SESSIONS_GIVEN
    assert r.sessions_text == f"{SESSIONS_GIVEN} of {r.sessions_planned} planned"
    assert len(r.session_days) == SESSIONS_GIVEN
    assert [(e.kind, e.severity, e.serious) for e in r.adverse_events] == [
        ("headache", "mild", False)
    ]
    # The same verdict as the assessments room's outcome view of this course.
    outcome, _ = assessment_service.patient_outcome(
        session, actor, rec.patient, scale_id="phq9", course_ref=rec.course_ref
    )
    assert r.outcome is not None
    assert (r.outcome.baseline_total, r.outcome.latest_total) == (20, 8)
    assert (r.outcome.response, r.outcome.remission) == (outcome.response, outcome.remission)
    assert r.outcome.response and not r.outcome.remission
    assert r.outcome_text == "response"
    assert r.outcome.response_at == 10.0

    text = _text(render.pdf_bytes(render.course_html(r)))
    for needle in (
        "Course report: Transcranial magnetic stimulation (TMS)",
        rec.course_ref,
        f"{SESSIONS_GIVEN} of {r.sessions_planned} planned",
        "headache",
        "Response",
        "PHQ-9 20 at baseline",
        "8 at the latest score",
        "moderately severe",  # a severity band of the chart
    ):
        assert needle in text, needle
    assert "None" not in text
    [event] = _exports(session)
    assert (event.entity, event.patient_ref) == ("course_report", rec.patient.ref)
    assert event.detail == {"course": rec.course_ref, "format": "pdf"}


def test_course_report_of_a_course_without_scores_says_so(session: Session, actor: Actor) -> None:
    from trdcare.history import service as history_service

    patient = add_patient(session, actor, "MRN-NOSC")
    course = history_service.add_course(
        session,
        actor,
        patient,
        modality="esketamine",
        start_date=__import__("datetime").date(2026, 1, 5),
    )
    r = report_service.course_report(session, actor, course.ref).report
    assert r.outcome is None
    assert r.outcome_text.startswith("no complete PHQ-9 score")
    assert r.adverse_events == ()
    text = _text(render.pdf_bytes(render.course_html(r)))
    assert "Esketamine" in text and "No adverse event recorded." in text


def test_a_course_that_is_not_there_or_not_the_patient_s_is_not_found(
    session: Session, actor: Actor
) -> None:
    rec = tms_record(session, actor)
    other = add_patient(session, actor, "MRN-OTHER")
    with pytest.raises(NotFound, match="course"):
        report_service.course_report(session, actor, "C-NONE")
    with pytest.raises(NotFound, match="course"):
        report_service.course_report(session, actor, rec.course_ref, patient_key=other.ref)
    assert _exports(session) == []


def test_prior_auth_packet_lists_trials_scores_screen_protocol_and_what_is_missing(
    session: Session, actor: Actor
) -> None:
    rec = tms_record(session, actor)
    patient, packet = report_service.prior_auth_packet(
        session, actor, rec.patient.ref, "tms", output="json"
    )
    doc: dict[str, Any] = packet.to_dict()
    trials = doc["antidepressant_trials"]
    assert [(t["drug"], t["max_daily_dose_mg"], t["adherence"]) for t in trials] == [
        ("sertraline", 150.0, "good"),
        ("venlafaxine", 225.0, "good"),
        ("mirtazapine", 30.0, None),
    ]
    assert trials[2]["missing"] == ["adherence"]
    assert doc["diagnosis"]["trd_status"] == "resistant"
    assert doc["diagnosis"]["adequacy_criteria"]
    assert [(s["scale"], s["total"]) for s in doc["scores"]] == [("phq9", 8)]
    assert doc["suicide_screen"]["scale"] == "cssrs_screener"
    assert doc["safety_screen"]["verdict"] == "clear"
    assert doc["planned_protocol"]["course_ref"] == rec.course_ref
    assert {c["code"] for c in doc["codes"]["entries"]} == {"90867", "90868", "90869"}
    assert all(c["status"] == "UNVERIFIED" for c in doc["codes"]["entries"])
    missing = {m["item"]: m["missing"] for m in doc["missing"]}
    assert set(missing) == {
        "antidepressant_trials",
        "diagnosis_code",
        "trial_adequacy",
        "psychotherapy",
        "ect",
        "insurance",
    }
    assert missing["antidepressant_trials"] == "trial 3 (mirtazapine): adherence"
    assert "mirtazapine" in missing["trial_adequacy"]
    assert all(m for m in missing.values())  # never blank

    text = _text(render.pdf_bytes(render.packet_html(packet)))
    for needle in (
        "sertraline",
        "150 mg",
        "venlafaxine",
        "225 mg",
        "mirtazapine",
        "PHQ-9",
        "Missing from the record",
        "no psychotherapy trial recorded",
        "ICD-10-CM",
        "CPT\u00a090868",
        "UNVERIFIED",
        "TMS safety screen",
    ):
        assert needle in text, needle
    assert "None" not in text
    [event] = _exports(session)
    assert (event.entity, event.patient_ref) == ("prior_auth_packet", patient.ref)
    assert event.detail["therapy"] == "tms"


def test_an_empty_record_lists_every_item_as_missing(session: Session, actor: Actor) -> None:
    patient = add_patient(session, actor, "MRN-EMPTY")
    _, packet = report_service.prior_auth_packet(session, actor, patient.ref, "esketamine")
    missing = {m.item.id for m in packet.missing}
    assert missing == {i.id for i in packet.items} - {"billing_codes"}
    assert {c.code for c in packet.codes} >= {"G2082", "G2083"}
    text = _text(render.pdf_bytes(render.packet_html(packet)))
    assert "no esketamine eligibility screen recorded" in text
    assert "Height and weight" in text


def test_an_unknown_therapy_is_refused_before_anything_is_read(
    session: Session, actor: Actor
) -> None:
    patient = add_patient(session, actor, "MRN-THER")
    flush_pending(session)
    before = session.scalar(select(__import__("sqlalchemy").func.count()).select_from(AuditEvent))
    with pytest.raises(InvalidInput) as err:
        report_service.prior_auth_packet(session, actor, patient.ref, "ect")
    issue = err.value.issues[0]
    assert (issue.path, issue.given) == ("therapy", "'ect'")
    assert "tms, esketamine" in (issue.allowed or "")
    flush_pending(session)
    after = session.scalar(select(__import__("sqlalchemy").func.count()).select_from(AuditEvent))
    assert before == after


def test_esketamine_packet_and_report_read_the_esketamine_room(
    session: Session, actor: Actor
) -> None:
    from datetime import timedelta

    from trdcare.core.clock import utc_today
    from trdcare.esketamine import service as esketamine_service
    from trdcare.esketamine.domain import question_ids

    rec = tms_record(session, actor, "MRN-ESK")
    row = esketamine_service.plan(
        session,
        actor,
        rec.patient,
        answers=dict.fromkeys(question_ids(), False),
        start_date=utc_today() - timedelta(days=1),
        physician="Dr Test",
        signoff_note="No oral antidepressant now; a new one starts with the spray.",
    )
    _, packet = report_service.prior_auth_packet(session, actor, rec.patient.ref, "esketamine")
    f = packet.facts
    assert f.safety_screen is not None and f.safety_screen.name == "Esketamine eligibility screen"
    assert f.safety_screen.verdict == row.eligibility_verdict
    assert f.protocol is not None and f.protocol.sessions_planned == len(row.schedule)
    assert f.protocol.ordered_by and "Dr Test" in f.protocol.ordered_by
    assert ("Indication", "treatment-resistant depression") in f.protocol.details
    missing = {m.item.id for m in packet.missing}
    assert not missing & {"safety_screen", "planned_protocol", "ordering_physician"}
    assert {"height_weight", "diagnosis_code", "insurance"} <= missing

    course_ref = packet.facts.protocol.course_ref
    r = report_service.course_report(session, actor, course_ref).report
    assert r.protocol_name == "Esketamine nasal spray, label schedule"
    assert (r.sessions_given, r.sessions_planned) == (0, len(row.schedule))
    assert r.sessions_text == f"0 of {len(row.schedule)} planned"
