"""What the psilocybin room (RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY) adds to the
clinic's pages: its panel on the patient chart and its line on the caseload dashboard. The
protocol workflow itself is recorded through the API and the command line
(docs/psilocybin.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal
from trdcare.adapters.web.panels import Panel
from trdcare.assessments import pages as assessment_pages
from trdcare.audit import service as audit
from trdcare.psilocybin import service as psi_service
from trdcare.psilocybin.domain import restriction
from trdcare.psilocybin.repository import PsilocybinRepository

router = APIRouter(include_in_schema=False)

_WORDS = {
    "review": "screen awaiting a physician's review",
    "preparation": "preparation",
    "dosing": "dosing day",
    "integration": "integration",
}


def dashboard_rows(db: Session, principal: Principal) -> dict[str, dict[str, Any]]:
    """Per patient with an open enrolment: 'Psilocybin protocol: <phase>'."""
    if not principal.can("psilocybin.read"):
        return {}
    out: dict[str, dict[str, Any]] = {}
    for ref, status in PsilocybinRepository(db).dashboard_rows():
        entry: dict[str, Any] = {"alerts": []}
        if status != "review":  # a screen under review is not yet a course
            entry["course"] = f"Psilocybin protocol (research/regulated): {_WORDS[status]}"
        out[ref] = entry
    audit.record(
        db,
        principal.actor,
        "read",
        "psilocybin_caseload",
        detail={"enrolments": len(out), "patient_refs": sorted(out)},
    )
    return out


assessment_pages.DASHBOARD_PROVIDERS.append(dashboard_rows)


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    if not principal.can("psilocybin.read"):
        return []
    row = PsilocybinRepository(db).latest_enrolment(patient.id)
    doc = None if row is None else psi_service.status(db, principal.actor, patient)
    return [
        Panel(
            id="psilocybin",
            title="Psilocybin (research protocol or regulated programme only)",
            template="psilocybin/panel.html",
            order=46,
            context={"enrolment": doc, "restriction": restriction()},
        )
    ]
