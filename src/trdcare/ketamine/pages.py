"""What the IV ketamine room (OFF-LABEL) adds to the clinic's pages: its panel on the patient
chart and its line on the caseload dashboard. The infusion day itself is recorded through
the API and the command line (docs/ketamine.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal
from trdcare.adapters.web.panels import Panel
from trdcare.assessments import pages as assessment_pages
from trdcare.audit import service as audit
from trdcare.ketamine import service as ket_service
from trdcare.ketamine.domain import off_label
from trdcare.ketamine.repository import KetamineRepository

router = APIRouter(include_in_schema=False)


def dashboard_rows(db: Session, principal: Principal) -> dict[str, dict[str, Any]]:
    """Per patient with an active series: 'IV ketamine (off-label): infusion n of N', and
    whether an infusion is under way (not yet discharged)."""
    if not principal.can("ketamine.read"):
        return {}
    out: dict[str, dict[str, Any]] = {}
    for ref, planned, discharged, open_ in KetamineRepository(db).dashboard_rows():
        under_way = ", infusion under way" if open_ else ""
        out[ref] = {
            "alerts": [],
            "course": f"IV ketamine (off-label): {discharged} of {planned} infusions{under_way}",
        }
    audit.record(
        db,
        principal.actor,
        "read",
        "ketamine_caseload",
        detail={"series": len(out), "patient_refs": sorted(out)},
    )
    return out


assessment_pages.DASHBOARD_PROVIDERS.append(dashboard_rows)


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    if not principal.can("ketamine.read"):
        return []
    series = KetamineRepository(db).current_series(patient.id)
    doc = None if series is None else ket_service.status(db, principal.actor, patient)
    return [
        Panel(
            id="ketamine",
            title="IV ketamine (off-label)",
            template="ketamine/panel.html",
            order=45,
            context={"series": doc, "off_label": off_label()},
        )
    ]
