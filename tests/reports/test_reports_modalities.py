"""The course report of each room's course on SQLite and PostgreSQL (issue 13 item 3): IV
ketamine, psilocybin, VNS, DBS and neurofeedback courses made through their rooms' services
show their protocol, details, sessions given (against planned where the room plans) and the
days, with the room's regulatory mark; a course without sessions says so in words; an
earlier esketamine course reports its own sessions. Checked in the PDF (pypdf) and in the
browser page."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from reports_support import (
    Built,
    add_patient,
    dbs_course,
    ketamine_course,
    neurofeedback_course,
    psilocybin_course,
    vns_course,
)
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import AuditEvent
from trdcare.audit.service import flush_pending
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_today
from trdcare.reports import render
from trdcare.reports import service as report_service
from web_support import SETUP, WebClient, client, plain_page, web_app

FIXTURES = (client, web_app)

Builder = Callable[..., Built]
WITH_SESSIONS: dict[str, tuple[Builder, dict[str, Any]]] = {
    "ketamine": (ketamine_course, {}),
    "psilocybin": (psilocybin_course, {}),
    "vns": (vns_course, {}),
    "dbs": (dbs_course, {}),
    "neurofeedback": (neurofeedback_course, {}),
}
EMPTY: dict[str, tuple[Builder, dict[str, Any]]] = {
    "ketamine": (ketamine_course, {"given": 0}),
    "psilocybin": (psilocybin_course, {"sessions": False}),
    "vns": (vns_course, {"visits": 0}),
    "dbs": (dbs_course, {"programmed": False}),
    "neurofeedback": (neurofeedback_course, {"sessions": 0}),
}


def _flat(text: str) -> str:
    """Words with single spaces (a PDF's lines and a page's markup apart)."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text))).strip()


def _pdf_text(pdf: bytes) -> str:
    return _flat("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def _check(text: str, built: Built) -> None:
    for needle in built.needles:
        assert needle in text, (needle, text)
    assert "None" not in text


@pytest.mark.parametrize("room", list(WITH_SESSIONS))
def test_each_room_s_course_reports_its_protocol_sessions_and_days(
    session: Session, actor: Actor, room: str
) -> None:
    make, kw = WITH_SESSIONS[room]
    built = make(session, actor, f"MRN-{room}", **kw)
    flush_pending(session)
    before = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
    r = report_service.course_report(session, actor, built.course_ref).report
    assert (r.modality, r.sessions_given, r.sessions_planned) == (
        room,
        built.sessions_given,
        built.sessions_planned,
    )
    assert r.protocol_name and r.protocol_details
    assert bool(r.notices) == (room != "vns")  # the VNS room shows no such mark
    assert r.session_groups and all(len(g.days) == g.given for g in r.session_groups)
    _check(_pdf_text(render.pdf_bytes(render.course_html(r))), built)
    _check(_flat(render.course_html(r)), built)
    # The room audits its own read; the report audits the export, once.
    flush_pending(session)
    events = session.execute(
        select(AuditEvent.action, AuditEvent.entity, AuditEvent.patient_ref).where(
            AuditEvent.id > before
        )
    ).all()
    assert [e for e in events if e[0] == "export"] == [
        ("export", "course_report", built.patient.ref)
    ]
    assert any(a == "read" and p == built.patient.ref and e != "patient" for a, e, p in events)


@pytest.mark.parametrize("room", list(EMPTY))
def test_a_course_without_sessions_says_so_in_words(
    session: Session, actor: Actor, room: str
) -> None:
    make, kw = EMPTY[room]
    built = make(session, actor, f"MRN-E-{room}", **kw)
    r = report_service.course_report(session, actor, built.course_ref).report
    assert r.sessions_given == 0
    assert "none given" in r.sessions_text or r.sessions_text.startswith("0 ")
    text = _pdf_text(render.pdf_bytes(render.course_html(r)))
    _check(text, built)
    assert "none given" in text


def test_a_ketamine_course_without_a_series_says_not_recorded(
    session: Session, actor: Actor
) -> None:
    from trdcare.history import service as history_service

    patient = add_patient(session, actor, "MRN-KH")
    course = history_service.add_course(
        session, actor, patient, modality="ketamine", start_date=utc_today() - timedelta(days=9)
    )
    r = report_service.course_report(session, actor, course.ref).report
    assert r.protocol_name is None and r.sessions_given is None
    text = _pdf_text(render.pdf_bytes(render.course_html(r)))
    assert "Protocol not recorded" in text
    assert "the IV ketamine room holds no series for this course" in text
    assert "OFF-LABEL" in text and "None" not in text


def test_an_earlier_esketamine_course_reports_its_own_sessions(
    session: Session, actor: Actor
) -> None:
    from trdcare.esketamine import service as esketamine_service
    from trdcare.esketamine.domain import question_ids

    patient = add_patient(session, actor, "MRN-ESK2")
    today = utc_today()

    def plan(start: Any) -> str:
        esketamine_service.plan(
            session,
            actor,
            patient,
            answers=dict.fromkeys(question_ids(), False),
            start_date=start,
            physician="Dr Test",
            signoff_note="No history on file yet; TRD confirmed from referral letter.",
        )
        return str(esketamine_service.status(session, actor, patient)["course_ref"])

    first = plan(today - timedelta(days=20))
    now = datetime.now(UTC)
    checked_in = now - timedelta(days=19, hours=3)
    row = esketamine_service.check_in(
        session,
        actor,
        patient,
        predose_systolic_mmhg=128,
        predose_diastolic_mmhg=80,
        predose_pulse_bpm=72,
        predose_spo2_pct=98,
        checked_in_at=checked_in,
    )
    dosed = checked_in + timedelta(minutes=10)
    esketamine_service.record_dose(
        session,
        actor,
        patient,
        row.ref,
        dose_mg=56,
        devices=2,
        lot="LOT-A1",
        device_times=[dosed, dosed + timedelta(minutes=5)],
    )
    esketamine_service.discharge(
        session,
        actor,
        patient,
        row.ref,
        discharged_by="Nurse N",
        discharged_at=dosed + timedelta(hours=2, minutes=5),
        sedation_resolved=True,
        dissociation_resolved=True,
        respiratory_depression_resolved=True,
        safe_transport=True,
        discharge_systolic_mmhg=130,
        discharge_diastolic_mmhg=82,
        discharge_spo2_pct=97,
    )
    esketamine_service.stop_course(session, actor, patient, reason="moved to another clinic")
    second = plan(today)
    assert first != second
    r = report_service.course_report(session, actor, first).report
    assert r.protocol_name == "Esketamine nasal spray, label schedule"
    assert r.sessions_given == 1 and r.session_days == (checked_in.date(),)
    assert (
        r.sessions_planned is not None and r.sessions_text == f"1 of {r.sessions_planned} planned"
    )
    text = _pdf_text(render.pdf_bytes(render.course_html(r)))
    assert f"1 of {r.sessions_planned} planned" in text
    assert checked_in.date().isoformat() in text and "None" not in text
    current = report_service.course_report(session, actor, second).report
    assert current.sessions_given == 0


@pytest.mark.parametrize("room", list(WITH_SESSIONS))
def test_the_page_and_the_pdf_download_of_each_room_s_course(client: WebClient, room: str) -> None:
    make, kw = WITH_SESSIONS[room]
    with unit_of_work(client.engine) as session:
        built = make(session, SETUP, f"MRN-W-{room}", **kw)
        ref = built.patient.ref
    client.as_role("clinician", via="session")
    page = plain_page(client, f"/patients/{ref}/courses/{built.course_ref}/report")
    _check(_flat(page), built)
    client.as_role("physician")
    pdf = client.get(f"/api/v1/patients/{ref}/courses/{built.course_ref}/report.pdf")
    assert pdf.status_code == 200, pdf.text
    _check(_pdf_text(pdf.content), built)
