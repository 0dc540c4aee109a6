"""FHIR R4 building blocks for the rooms' exporters (``fhir.resources``' R4B models).

``fhir.resources`` 8 ships FHIR R5 at its top level and R4B (4.3) under
``fhir.resources.R4B``; it has no separate R4 package. R4B changed none of the elements the
exporters use (Patient, Observation, DiagnosticReport, Bundle) from R4 4.0.1, so a receiver
expecting R4 reads the JSON alike. Every resource is built from these models, never as a
hand-written dict, so the library's checks (types, cardinality, required elements) run on
each one, and the bundle is parsed back before it leaves (:func:`parsed_back`).

This is a toolkit like the rest of ``adapters/``: it imports no room.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource

from trdcare.core.codes import CodeEntry

FHIR_JSON = "application/fhir+json"
FHIR_VERSION_NOTE = "FHIR R4 (built with fhir.resources' R4B models, which R4 receivers read alike)"

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:trdcare:fhir-export")


def full_url(kind: str, key: str) -> str:
    """A stable ``urn:uuid`` for one exported record (same record, same id on every export):
    built from the record's kind and opaque ref or id, never from patient data."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{kind}:{key}')}"


def ref(url: str, display: str | None = None) -> Reference:
    return Reference(reference=url, display=display)


def named(display: str) -> Reference:
    """A party known by name only (an outside laboratory): a reference with a display."""
    return Reference(display=display)


def coding(entry: CodeEntry) -> Coding:
    return Coding(system=entry.system, code=entry.code, display=entry.display or None)


def concept(entry: CodeEntry | None, text: str | None = None) -> CodeableConcept:
    """``text`` with the entry's coding when the entry is sendable (VERIFIED or SECONDARY);
    an UNVERIFIED or missing entry gives the text alone (no unread code leaves the clinic)."""
    codings = [coding(entry)] if entry is not None and entry.coded and entry.code else None
    return CodeableConcept(coding=codings, text=text or (entry.display if entry else None))


def notes(*texts: str) -> list[Annotation] | None:
    kept = [Annotation(text=t) for t in texts if t]
    return kept or None


def instant(value: datetime | date | None) -> datetime | None:
    """A stored UTC timestamp as a FHIR instant (SQLite returns it without its zone)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def entry(url: str, resource: Resource) -> dict[str, Any]:
    return {"fullUrl": url, "resource": resource}
