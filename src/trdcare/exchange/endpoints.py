"""JSON API of the exchange room: a patient's PGx and lab results as a FHIR R4 Bundle."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from trdcare.adapters.fhir import FHIR_JSON
from trdcare.adapters.web.auth import Principal, Require, refusal_words
from trdcare.adapters.web.db import Db
from trdcare.core.errors import PermissionDenied
from trdcare.exchange import service as exchange_service
from trdcare.exchange.domain import PARTS, READ_PERMISSION, parse_include
from trdcare.patients.endpoints import PatientRef

router = APIRouter(tags=["exchange"])

FHIR_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {FHIR_JSON: {"schema": {"type": "object"}}},
        "description": "An HL7 FHIR R4 Bundle (type collection): the Patient, then the parts",
    }
}


@router.get(
    "/patients/{ref}/fhir",
    response_class=Response,
    responses=FHIR_RESPONSE,
    summary="The patient's PGx results (Genomics Reporting IG shapes) and lab results as an "
    "HL7 FHIR R4 Bundle",
)
def patient_fhir(
    db: Db,
    request: Request,
    principal: Annotated[Principal, Depends(Require("fhir.export"))],
    ref: PatientRef,
    include: Annotated[
        str,
        Query(
            max_length=100,
            description=f"Parts to include, comma-separated: {', '.join(PARTS)}",
        ),
    ] = ",".join(PARTS),
) -> Response:
    """Audited as an export; each part needs its own read permission too."""
    parts = parse_include(include)
    for part in parts:
        if not principal.can(READ_PERMISSION[part]):
            raise PermissionDenied(refusal_words(principal.role, READ_PERMISSION[part]))
    export = exchange_service.fhir_bundle(
        db, principal.actor, ref, parts, public_url=request.app.state.settings.public_url
    )
    return Response(
        export.json,
        media_type=FHIR_JSON,
        headers={"Cache-Control": "no-store"},
    )
