"""Labs use cases: record a biomarker result (its LOINC code from the catalogue, the unit
checked against the analyte's units, the abnormal flag against the laboratory's range),
list a patient's results, mark one entered in error. Flushes, never commits; audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from trdcare.adapters.db.models import LabResult, Patient
from trdcare.adapters.db.stamping import retire_row, stamp_new
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_today
from trdcare.core.errors import InvalidInput, IssueCollector, NotFound
from trdcare.labs.domain import analyte as find_analyte
from trdcare.labs.domain import flag_result, load
from trdcare.labs.domain.flags import WORDS
from trdcare.labs.repository import LabsRepository

INTERPRETATION = (
    "Flags compare each result with the range its laboratory gave. No depression-specific "
    "interpretation is offered: none is sourced yet."
)


def record_result(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    analyte: str,
    value: float,
    unit: str,
    reference_low: float | None,
    reference_high: float | None,
    collected_on: date,
    lab: str = "",
    note: str = "",
) -> LabResult:
    test = find_analyte(analyte)
    issues = IssueCollector()  # every problem at once: a form shows each beside its field
    if unit not in test.units:
        issues.add(
            "unit", f"is not a unit of {test.short_name}", allowed=", ".join(test.units), given=unit
        )
    if collected_on > utc_today():
        issues.add(
            "collected_on",
            "is in the future",
            allowed=f"on or before {utc_today()}",
            given=collected_on,
        )
    if patient.birth_date and collected_on < patient.birth_date:
        issues.add("collected_on", "is before the date of birth", given=collected_on)
    try:
        flag = flag_result(value, reference_low, reference_high)
    except InvalidInput as exc:
        issues.extend(exc.issues)
    issues.raise_if_any()
    row = LabResult(
        patient_id=patient.id,
        analyte=test.id,
        loinc=test.loinc,
        value=value,
        unit=unit,
        reference_low=reference_low,
        reference_high=reference_high,
        flag=flag.code,
        collected_on=collected_on,
        lab=lab,
        note=note,
        catalogue_version=load().version,
    )
    stamp_new(row, actor)
    LabsRepository(session).add(row)
    audit.record(
        session,
        actor,
        "create",
        "lab_result",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"analyte": test.id},
    )
    return row


def retire_result(
    session: Session,
    actor: Actor,
    patient: Patient,
    result_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
) -> LabResult:
    row = LabsRepository(session).result(patient.id, result_id)
    if row is None or row.retired_at is not None:
        raise NotFound("result: no current lab result with this id for the patient")
    retire_row(session, row, actor, reason, what="lab result", expected_version=expected_version)
    audit.record(session, actor, "retire", "lab_result", entity_id=row.id, patient_ref=patient.ref)
    return row


def result_to_dict(row: LabResult) -> dict[str, Any]:
    test = find_analyte(row.analyte)
    return {
        "id": row.id,
        "analyte": row.analyte,
        "name": test.short_name,
        "loinc": row.loinc,
        "loinc_status": test.status,
        "value": row.value,
        "unit": row.unit,
        "reference_low": row.reference_low,
        "reference_high": row.reference_high,
        "flag": row.flag,
        "flag_words": WORDS[row.flag],
        "abnormal": row.flag in ("L", "H"),
        "collected_on": row.collected_on,
        "lab": row.lab,
        "note": row.note,
        "recorded_at": row.created_at,
        "recorded_by": row.created_by,
        "version": row.version,
    }


def export_results(session: Session, actor: Actor, patient: Patient) -> list[dict[str, Any]]:
    """The patient's current results, oldest first, for a document that leaves the clinic
    (the FHIR export); audited as a read here, the export by the room that makes it."""
    rows = LabsRepository(session).results(patient.id)
    audit.record(
        session,
        actor,
        "read",
        "lab_results",
        patient_ref=patient.ref,
        detail={"count": len(rows), "purpose": "export"},
    )
    return [result_to_dict(r) for r in reversed(rows)]


def overview(session: Session, actor: Actor, patient: Patient) -> dict[str, Any]:
    repo = LabsRepository(session)
    rows = repo.results(patient.id)
    audit.record(
        session, actor, "read", "lab_results", patient_ref=patient.ref, detail={"count": len(rows)}
    )
    return {
        "patient": patient.ref,
        "results": [result_to_dict(r) for r in rows],
        "withdrawn": [result_to_dict(r) for r in repo.results(patient.id, retired=True)],
        "catalogue_version": load().version,
        "interpretation": INTERPRETATION,
    }
