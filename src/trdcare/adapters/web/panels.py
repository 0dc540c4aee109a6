"""The patient chart is put together from panels that each room contributes.

A room's ``pages`` module exposes ``chart_panels(db, principal, patient) -> list[Panel]``;
the chart page shows the panels the caller's role may see, in ``order``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Protocol

from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal

PANEL_MODULES: tuple[str, ...] = (
    "trdcare.history.pages",
    "trdcare.assessments.pages",
    "trdcare.tms.pages",
    "trdcare.esketamine.pages",
    "trdcare.vns.pages",
    "trdcare.dbs.pages",
    "trdcare.ketamine.pages",
    "trdcare.psilocybin.pages",
    "trdcare.neurofeedback.pages",
    "trdcare.pgx.pages",
    "trdcare.labs.pages",
    "trdcare.courses.pages",
    "trdcare.reports.pages",
    "trdcare.pathway.pages",
)


@dataclass(frozen=True)
class Panel:
    """One section of the patient chart."""

    id: str
    title: str
    template: str
    order: int
    context: dict[str, Any] = field(default_factory=dict)


class PanelProvider(Protocol):
    def __call__(self, db: Session, principal: Principal, patient: Patient) -> list[Panel]: ...


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    panels: list[Panel] = []
    for name in PANEL_MODULES:
        provider: PanelProvider = import_module(name).chart_panels
        panels.extend(provider(db, principal, patient))
    return sorted(panels, key=lambda p: p.order)
