"""JSON API of the documents room (under /api/v1): the course report as PDF, the
prior-authorization packet as JSON or PDF. Each download is audited as an export; an
unknown therapy is a 422 naming ``therapy``, a course or patient that does not exist (or a
course of another patient) a 404, both problem documents."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from trdcare.adapters.web.auth import Principal, Require
from trdcare.adapters.web.db import Db
from trdcare.patients.endpoints import PatientRef
from trdcare.reports import render, schemas
from trdcare.reports import service as report_service

router = APIRouter(tags=["reports"])

PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The document as a PDF"}
}


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF download; the file name carries refs only (no patient data)."""
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def course_pdf(db: Db, principal: Principal, ref: str, course_ref: str) -> Response:
    doc = report_service.course_report(
        db, principal.actor, course_ref, patient_key=ref, output="pdf"
    )
    data = render.pdf_bytes(render.course_html(doc.report))
    return pdf_response(data, f"course-report-{doc.report.course_ref}.pdf")


def packet_pdf(db: Db, principal: Principal, ref: str, therapy: str) -> Response:
    patient, packet = report_service.prior_auth_packet(
        db, principal.actor, ref, therapy, output="pdf"
    )
    data = render.pdf_bytes(render.packet_html(packet))
    return pdf_response(data, f"prior-auth-{therapy}-{patient.ref}.pdf")


@router.get(
    "/patients/{ref}/courses/{course_ref}/report.pdf",
    response_class=Response,
    responses=PDF,
    summary="The course report (protocol, sessions, adverse events, trajectory, outcome) as PDF",
)
def course_report_pdf(
    db: Db,
    principal: Annotated[Principal, Depends(Require("reports.course"))],
    ref: PatientRef,
    course_ref: schemas.CourseRef,
) -> Response:
    return course_pdf(db, principal, ref, course_ref)


@router.get(
    "/patients/{ref}/prior-auth/{therapy}.pdf",
    response_class=Response,
    responses=PDF,
    summary="The prior-authorization packet of a therapy (tms, esketamine) as PDF",
)
def prior_auth_pdf(
    db: Db,
    principal: Annotated[Principal, Depends(Require("reports.prior_auth"))],
    ref: PatientRef,
    therapy: schemas.TherapyId,
) -> Response:
    return packet_pdf(db, principal, ref, therapy)


@router.get(
    "/patients/{ref}/prior-auth/{therapy}",
    response_model=schemas.PriorAuthPacketOut,
    summary="The prior-authorization packet of a therapy (tms, esketamine) as JSON, with the "
    "items the record lacks",
)
def prior_auth_json(
    db: Db,
    principal: Annotated[Principal, Depends(Require("reports.prior_auth"))],
    ref: PatientRef,
    therapy: schemas.TherapyId,
) -> dict[str, Any]:
    _, packet = report_service.prior_auth_packet(db, principal.actor, ref, therapy, output="json")
    return packet.to_dict()
