"""The FHIR R4 Bundle of a patient: the Patient resource and the rooms' resources.

The Patient carries only what the record holds that identifies the person to the receiving
system: the project's opaque patient ref as identifier (its system
``<TRDCARE_PUBLIC_URL>/patients`` when the clinic's address is set; without it the
identifier has no system rather than an invented one), the name and the date of birth.
The MRN (its issuing system is not recorded) and the administrative sex are not sent.

The Bundle is a ``collection``: Patient first, then each part's resources, every entry with a
stable ``urn:uuid`` fullUrl (:func:`trdcare.adapters.fhir.full_url`); references between
entries use those. It is serialised by ``fhir.resources`` and parsed back by it before it is
returned, so a Bundle the library refuses never leaves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.resource import Resource

from trdcare.adapters.fhir import full_url
from trdcare.core.clock import utc_now


def identifier_system(public_url: str | None) -> str | None:
    """The identifier system of the clinic's patient refs, under its public address."""
    return f"{public_url.rstrip('/')}/patients" if public_url else None


def patient_resource(
    *, ref: str, given_name: str, family_name: str, birth_date: date, public_url: str | None
) -> tuple[str, Patient]:
    url = full_url("patient", ref)
    return url, Patient(
        id=url.removeprefix("urn:uuid:"),
        identifier=[Identifier(system=identifier_system(public_url), value=ref)],
        name=[HumanName(family=family_name or None, given=[given_name] if given_name else None)],
        birthDate=birth_date,
    )


def bundle(entries: Sequence[tuple[str, Resource]]) -> Bundle:
    built = Bundle(
        type="collection",
        timestamp=utc_now(),
        entry=[BundleEntry(fullUrl=url, resource=resource) for url, resource in entries],
    )
    return Bundle.model_validate_json(built.model_dump_json())


def to_json(document: Bundle) -> str:
    return document.model_dump_json()
