"""Pages of the pathway room: the options view (every therapy's status with its reasons and
sources, printable) and its chart panel. The patient's stated preferences are posted with the
page's form (patient data never in a URL); the view is a read, audited by the service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.adapters.web.auth import Principal, Require
from trdcare.adapters.web.db import Db
from trdcare.adapters.web.panels import Panel
from trdcare.adapters.web.templating import render
from trdcare.pathway import schemas
from trdcare.pathway import service as pathway_service
from trdcare.pathway.domain.options import STATUS_WORDS
from trdcare.patients import service as patient_service
from trdcare.patients.pages import patient_ref

router = APIRouter(include_in_schema=False)

#: The badge class of each status (app.css): contraindicated and not indicated stand out.
BADGES = {
    "contraindicated": "danger",
    "not_indicated": "warn",
    "needs_information": "warn",
    "investigational_only": "",
    "available": "ok",
}


def _patient(db: Session, principal: Principal, ref: str) -> Patient:
    return patient_service.find_patient(db, principal.actor, patient_ref(ref), purpose="options")


def _doc(
    db: Session, principal: Principal, patient: Patient, prefs: schemas.OptionsForm
) -> dict[str, Any]:
    report = pathway_service.options_for_patient(
        db,
        principal.actor,
        patient,
        preferences=pathway_service.Preferences(prefs.drug_free, prefs.cannot_attend_daily),
        ect=pathway_service.EctIndications(**prefs.ect().model_dump()),
    )
    return report.to_dict()


def chart_panels(db: Session, principal: Principal, patient: Patient) -> list[Panel]:
    if not principal.can("pathway.read"):
        return []
    return [
        Panel(
            id="options",
            title="Treatment options",
            template="pathway/panel.html",
            order=12,  # right after the treatment history it reads
            context={
                "options": _doc(db, principal, patient, schemas.OptionsForm()),
                "badges": BADGES,
            },
        )
    ]


def _page(
    request: Request,
    db: Session,
    principal: Principal,
    patient: Patient,
    prefs: schemas.OptionsForm,
) -> HTMLResponse:
    return render(
        request,
        "pathway/options.html",
        {
            "patient": patient,
            "options": _doc(db, principal, patient, prefs),
            "prefs": prefs,
            "badges": BADGES,
            "status_words": STATUS_WORDS,
            "ect_fields": [
                (name, field.title)
                for name, field in schemas.OptionsForm.model_fields.items()
                if name
                in (
                    "catatonia",
                    "severe_suicidality",
                    "prior_ect_response",
                    "rapid_response_needed",
                )
            ],
        },
    )


@router.get("/patients/{ref}/options", response_class=HTMLResponse)
def options_page(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("pathway.read"))],
    ref: str,
) -> HTMLResponse:
    return _page(request, db, principal, _patient(db, principal, ref), schemas.OptionsForm())


@router.post("/patients/{ref}/options", response_class=HTMLResponse)
def options_with_preferences(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(Require("pathway.read"))],
    ref: str,
    form: Annotated[schemas.OptionsForm, Form()],
) -> HTMLResponse:
    return _page(request, db, principal, _patient(db, principal, ref), form)
