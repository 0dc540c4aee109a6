"""Exchange use cases: a patient's PGx and lab results as one FHIR R4 Bundle.

The facts come through the rooms' own read use cases (``pgx.service.export_results``,
``labs.service.export_results``, each read audited there) and become FHIR through each
room's own builder (``pgx/fhir.py``, ``labs/fhir.py``); this room assembles the Bundle and
audits it as an ``export``. Writes nothing but audit events; flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.exchange import fhir
from trdcare.labs import fhir as labs_fhir
from trdcare.labs import service as labs_service
from trdcare.patients import service as patient_service
from trdcare.pgx import fhir as pgx_fhir
from trdcare.pgx import service as pgx_service


@dataclass(frozen=True)
class FhirExport:
    patient: Patient
    bundle: Bundle
    parts: tuple[str, ...]

    @property
    def json(self) -> str:
        return fhir.to_json(self.bundle)


def fhir_bundle(
    session: Session,
    actor: Actor,
    patient_key: str,
    parts: Sequence[str],
    *,
    public_url: str | None,
) -> FhirExport:
    """The Bundle of the patient's ``parts`` (already checked: ``exchange.domain.parse_include``
    and, on the web, the user's read permission for each), audited as an export.

    Raises
    ------
    NotFound
        No patient with this ref or MRN.
    """
    patient = patient_service.find_patient(session, actor, patient_key, purpose="fhir_export")
    p_url, p_resource = fhir.patient_resource(
        ref=patient.ref,
        given_name=patient.given_name,
        family_name=patient.family_name,
        birth_date=patient.birth_date,
        public_url=public_url,
    )
    entries: list[tuple[str, Resource]] = [(p_url, p_resource)]
    if "pgx" in parts:
        facts = pgx_service.export_results(session, actor, patient)
        entries += pgx_fhir.resources(
            facts["genes"], facts["recommendations"], patient_key=patient.ref, subject=p_url
        )
    if "labs" in parts:
        results = labs_service.export_results(session, actor, patient)
        entries += labs_fhir.resources(results, subject=p_url)
    document = fhir.bundle(entries)
    audit.record(
        session,
        actor,
        "export",
        "fhir_bundle",
        patient_ref=patient.ref,
        detail={"parts": list(parts), "resources": len(entries), "format": "fhir+json"},
    )
    return FhirExport(patient, document, tuple(parts))
