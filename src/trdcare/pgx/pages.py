"""The PGx chart panel: each gene's result in use, the CPIC recommendations that change
prescribing, and the patient's trials whose drug has one (beside the treatment history)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal
from trdcare.adapters.web.panels import Panel
from trdcare.pgx import service as pgx_service


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    if not principal.can("pgx.read"):
        return []
    doc = pgx_service.overview(db, principal.actor, patient)
    return [
        Panel(
            id="pgx",
            title="Pharmacogenomics (CPIC)",
            template="pgx/panel.html",
            order=15,  # right after the treatment history, whose trials it explains
            context={"pgx": doc},
        )
    ]
