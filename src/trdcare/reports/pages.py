"""Pages of the documents room: the course report and the prior-authorization packet in
the browser (the same templates the PDF is made from), their PDF downloads, and the chart's
Documents panel with the links. Every view and download is audited as an export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal, Require
from trdcare.adapters.web.db import Db
from trdcare.adapters.web.panels import Panel
from trdcare.adapters.web.templating import render
from trdcare.history import service as history_service
from trdcare.reports import endpoints
from trdcare.reports import render as documents
from trdcare.reports import service as report_service
from trdcare.reports.domain import THERAPIES, THERAPY_LABELS
from trdcare.reports.schemas import CourseRef, TherapyId

router = APIRouter(include_in_schema=False)


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    """The Documents panel: each course's report, the packets (to the roles that may)."""
    can_course = principal.can("reports.course")
    can_packet = principal.can("reports.prior_auth")
    if not (can_course or can_packet):
        return []
    courses = []
    if can_course:
        for c in history_service.list_courses(db, principal.actor, patient):
            courses.append(
                {
                    "ref": c.ref,
                    "label": report_service.therapy_label(c.modality),
                    "start_date": c.start_date,
                    "status": c.status,
                }
            )
    return [
        Panel(
            id="documents",
            title="Documents",
            template="reports/panel.html",
            order=90,
            context={
                "courses": courses,
                "can_course": can_course,
                "can_packet": can_packet,
                "therapies": [(t, THERAPY_LABELS[t]) for t in THERAPIES],
            },
        )
    ]


@router.get("/patients/{ref}/courses/{course_ref}/report", response_class=HTMLResponse)
def course_report_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("reports.course"))],
    ref: str,
    course_ref: CourseRef,
) -> HTMLResponse:
    doc = report_service.course_report(
        db, principal.actor, course_ref, patient_key=ref, output="html"
    )
    return render(
        request,
        "reports/course_page.html",
        {"r": doc.report, "chart": documents.chart(doc.report)},
    )


@router.get("/patients/{ref}/courses/{course_ref}/report.pdf")
def course_report_pdf(
    db: Db,
    principal: Annotated[Principal, Depends(Require("reports.course"))],
    ref: str,
    course_ref: CourseRef,
) -> Response:
    return endpoints.course_pdf(db, principal, ref, course_ref)


@router.get("/patients/{ref}/prior-auth/{therapy}.pdf")
def prior_auth_pdf(
    db: Db,
    principal: Annotated[Principal, Depends(Require("reports.prior_auth"))],
    ref: str,
    therapy: TherapyId,
) -> Response:
    return endpoints.packet_pdf(db, principal, ref, therapy)


@router.get("/patients/{ref}/prior-auth/{therapy}", response_class=HTMLResponse)
def prior_auth_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("reports.prior_auth"))],
    ref: str,
    therapy: TherapyId,
) -> HTMLResponse:
    _, packet = report_service.prior_auth_packet(db, principal.actor, ref, therapy, output="html")
    return render(request, "reports/packet_page.html", {"p": packet})
