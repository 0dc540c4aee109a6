"""The labs room's results as FHIR R4 Observations (one per current result).

Each result: ``code`` with its LOINC code from the catalogue (sent as a coding when the
catalogue's status for it is VERIFIED or SECONDARY; an UNVERIFIED code is sent as the test's
name only), ``effectiveDateTime`` the collection date, ``valueQuantity`` with the unit as
entered and, where ``labs/domain/data/fhir_codes.json`` holds a sendable UCUM code for it,
the UCUM system and code; ``referenceRange`` the laboratory's own bounds; ``interpretation``
H / L / N (HL7 v3 ObservationInterpretation) from the room's flag (none without a range);
the laboratory as performer (by name) and the note.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.observation import Observation, ObservationReferenceRange
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.resource import Resource

from trdcare.adapters.fhir import concept, full_url, instant, named, notes, ref
from trdcare.core.codes import CODED_STATUSES, CodeEntry, CodesFile
from trdcare.labs.domain import analyte
from trdcare.labs.domain.fhir_codes import load


def _quantity(codes: CodesFile, value: float, unit: str) -> Quantity:
    entry = codes.get(f"unit:{unit}")
    coded = entry is not None and entry.coded
    return Quantity(
        value=Decimal(repr(value)),  # the stored float's shortest repr: 5.2, not 5.2000000001
        unit=unit,
        system=entry.system if coded and entry else None,
        code=entry.code if coded and entry else None,
    )


def _code(result: Mapping[str, Any], codes: CodesFile) -> Any:
    test = analyte(str(result["analyte"]))
    loinc = CodeEntry(
        system=codes.entry("loinc").system,
        code=str(result["loinc"]),
        display=test.loinc_name,
        source="https://loinc.org/",  # the catalogue (labs.json) holds the real source
        status=test.status if test.status in CODED_STATUSES else "UNVERIFIED",
    )
    return concept(loinc, test.name)


def observation(codes: CodesFile, result: Mapping[str, Any], subject: str, url: str) -> Observation:
    unit = str(result["unit"])
    low, high = result.get("reference_low"), result.get("reference_high")
    ranges = (
        [
            ObservationReferenceRange(
                low=_quantity(codes, low, unit) if low is not None else None,
                high=_quantity(codes, high, unit) if high is not None else None,
            )
        ]
        if low is not None or high is not None
        else None
    )
    flag = str(result["flag"])
    interpretation = (
        [concept(codes.get(f"interpretation:{flag}"), str(result["flag_words"]))]
        if flag in ("H", "L", "N")
        else None
    )
    return Observation(
        id=url.removeprefix("urn:uuid:"),
        status="final",
        category=[concept(codes.entry("category_laboratory"))],
        code=_code(result, codes),
        subject=ref(subject),
        effectiveDateTime=result["collected_on"],
        issued=instant(result.get("recorded_at")),
        performer=[named(str(result["lab"]))] if result.get("lab") else None,
        valueQuantity=_quantity(codes, float(result["value"]), unit),
        interpretation=interpretation,
        referenceRange=ranges,
        note=notes(str(result.get("note") or "")),
    )


def resources(results: Sequence[Mapping[str, Any]], *, subject: str) -> list[tuple[str, Resource]]:
    """``(fullUrl, Observation)`` per current lab result, in the order given."""
    codes = load()
    out: list[tuple[str, Resource]] = []
    for result in results:
        url = full_url("lab-result", str(result["id"]))
        out.append((url, observation(codes, result, subject, url)))
    return out
