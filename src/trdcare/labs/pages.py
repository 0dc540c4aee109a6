"""The labs chart panel: the patient's biomarker results with flags, beside the history."""

from __future__ import annotations

from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal
from trdcare.adapters.web.panels import Panel
from trdcare.labs import service as labs_service


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    if not principal.can("labs.read"):
        return []
    return [
        Panel(
            id="labs",
            title="Labs",
            template="labs/panel.html",
            order=16,  # beside the treatment history and the PGx results
            context={"labs": labs_service.overview(db, principal.actor, patient)},
        )
    ]
