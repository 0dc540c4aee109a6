"""The documents' API and pages on SQLite and PostgreSQL: PDF and JSON downloads, the
browser pages in the clinic's words, the chart's Documents panel, refusals by role, 404 for
a course that is not there or not the patient's, 422 naming ``therapy``; every download one
audited export."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader
from sqlalchemy import func, select

from reports_support import add_patient, tms_record
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import AuditEvent
from web_support import SETUP, WebClient, assert_plain, client, machine_words, web_app

FIXTURES = (client, web_app)


def _record(client: WebClient) -> tuple[str, str, str]:
    with unit_of_work(client.engine) as session:
        rec = tms_record(session, SETUP)
        other = add_patient(session, SETUP, "MRN-OTHER")
        return rec.patient.ref, rec.course_ref, other.ref


def _exports(client: WebClient) -> list[tuple[str, str | None]]:
    with unit_of_work(client.engine) as session:
        rows = session.execute(
            select(AuditEvent.entity, AuditEvent.patient_ref).where(AuditEvent.action == "export")
        ).all()
    return [(e, p) for e, p in rows]


def test_api_downloads(client: WebClient) -> None:
    ref, course, _ = _record(client)
    client.as_role("physician")
    pdf = client.get(f"/api/v1/patients/{ref}/courses/{course}/report.pdf")
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert (
        pdf.headers["content-disposition"] == f'attachment; filename="course-report-{course}.pdf"'
    )
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "headache" in text and course in text

    doc = client.get(f"/api/v1/patients/{ref}/prior-auth/tms")
    assert doc.status_code == 200, doc.text
    body = doc.json()
    assert [t["drug"] for t in body["antidepressant_trials"]] == [
        "sertraline",
        "venlafaxine",
        "mirtazapine",
    ]
    assert {m["item"] for m in body["missing"]} >= {"psychotherapy", "diagnosis_code"}
    packet = client.get(f"/api/v1/patients/{ref}/prior-auth/esketamine.pdf")
    assert packet.status_code == 200
    assert PdfReader(io.BytesIO(packet.content)).pages
    assert _exports(client) == [
        ("course_report", ref),
        ("prior_auth_packet", ref),
        ("prior_auth_packet", ref),
    ]


def test_bad_requests_are_problems_naming_the_field(client: WebClient) -> None:
    ref, course, other = _record(client)
    client.as_role("physician")
    for url in (
        f"/api/v1/patients/{ref}/courses/C-NONE/report.pdf",
        f"/api/v1/patients/{other}/courses/{course}/report.pdf",
        "/api/v1/patients/P-0000000000/prior-auth/tms",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.headers["content-type"].startswith("application/problem+json")
    for url in (
        f"/api/v1/patients/{ref}/prior-auth/ect",
        f"/api/v1/patients/{ref}/prior-auth/ect.pdf",
    ):
        response = client.get(url)
        assert response.status_code == 422, url
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "therapy" in str(problem), problem
        assert "tms, esketamine" in str(problem), problem
    assert _exports(client) == []


def test_roles(client: WebClient) -> None:
    ref, course, _ = _record(client)
    client.as_role("technician")
    assert client.get(f"/api/v1/patients/{ref}/courses/{course}/report.pdf").status_code == 200
    assert client.get(f"/api/v1/patients/{ref}/prior-auth/tms").status_code == 403
    client.as_role("front_desk")
    assert client.get(f"/api/v1/patients/{ref}/courses/{course}/report.pdf").status_code == 403
    client.as_role("admin")
    assert client.get(f"/api/v1/patients/{ref}/prior-auth/tms.pdf").status_code == 403


def test_pages_and_the_chart_panel(client: WebClient) -> None:
    ref, course, other = _record(client)
    client.as_role("clinician", via="session")
    chart = client.get(f"/patients/{ref}")
    assert chart.status_code == 200
    assert f'href="/patients/{ref}/courses/{course}/report"' in chart.text
    assert f'href="/patients/{ref}/prior-auth/tms"' in chart.text
    page = client.get(f"/patients/{ref}/courses/{course}/report")
    assert page.status_code == 200
    assert_plain(page.text)
    assert machine_words(page.text) == set()
    assert ">None<" not in page.text
    assert "Course report: Transcranial magnetic stimulation (TMS)" in page.text
    assert f"/patients/{ref}/courses/{course}/report.pdf" in page.text
    packet = client.get(f"/patients/{ref}/prior-auth/esketamine")
    assert packet.status_code == 200
    assert_plain(packet.text)
    assert machine_words(packet.text) == set()
    assert ">None<" not in packet.text
    assert "Missing from the record" in packet.text and "Height and weight" in packet.text
    download = client.get(f"/patients/{ref}/prior-auth/tms.pdf")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    missing = client.get(f"/patients/{other}/courses/{course}/report")
    assert missing.status_code == 404
    assert "course" in missing.text
    wrong = client.get(f"/patients/{ref}/prior-auth/ect")
    assert wrong.status_code == 422
    assert "tms, esketamine" in wrong.text
    # The technician sees course reports but not the packet links.
    client.as_role("technician", via="session")
    chart = client.get(f"/patients/{ref}")
    assert f"/courses/{course}/report" in chart.text
    assert "/prior-auth/" not in chart.text
    with unit_of_work(client.engine) as session:
        n = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "export")
        )
    assert n == 3


def test_without_weasyprint_a_pdf_is_a_plain_503_and_the_pages_still_work(
    client: WebClient, monkeypatch: Any
) -> None:
    import builtins

    ref, course, _ = _record(client)
    real_import = builtins.__import__

    def no_weasyprint(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    client.as_role("physician")
    response = client.get(f"/api/v1/patients/{ref}/courses/{course}/report.pdf")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "WeasyPrint and the Pango library" in response.json()["detail"]
    client.as_role("physician", via="session")
    page = client.get(f"/patients/{ref}/prior-auth/tms.pdf", headers={"accept": "text/html"})
    assert page.status_code == 503
    assert "use the page in the browser" in page.text
    assert client.get(f"/patients/{ref}/prior-auth/tms").status_code == 200
    assert _exports(client) == [("prior_auth_packet", ref)]


def test_the_course_pages_link_their_report(client: WebClient) -> None:
    ref, course, _ = _record(client)
    with unit_of_work(client.engine) as session:
        from datetime import timedelta

        from trdcare.core.clock import utc_today
        from trdcare.history import service as history_service
        from trdcare.patients import service as patient_service

        patient = patient_service.find_patient(session, SETUP, ref)
        other = history_service.add_course(
            session,
            SETUP,
            patient,
            modality="esketamine",
            start_date=utc_today() - timedelta(days=3),
        ).ref
    client.as_role("clinician", via="session")
    tms_page = client.get(f"/patients/{ref}/tms")
    assert f'href="/patients/{ref}/courses/{course}/report"' in tms_page.text
    safety = client.get(f"/patients/{ref}/courses/{other}/safety")
    assert f'href="/patients/{ref}/courses/{other}/report"' in safety.text
    client.as_role("front_desk", via="session")
    assert "/report" not in client.get(f"/patients/{ref}").text
