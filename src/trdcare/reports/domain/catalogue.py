"""The room's data: procedure codes (``data/billing_codes.json``) and the items insurers ask
for in a prior-authorization request (``data/prior_auth_items.json``).

Every code carries its source and status mark. None is in the team's reference notes with a
VERIFIED mark (product-anchors.md lists them under "Billing codes users expect" with no
status), so every packaged code is UNVERIFIED and the packet says so beside it; a clinic
that has checked its codes gives its own file (same format) through the room's adapter
(``TRDCARE_BILLING_CODES_FILE``, :mod:`trdcare.reports.codes_file`).

References
----------
.. [1] shared/reference/product-anchors.md §1 "Billing codes users expect" and "Osmind".
.. [2] shared/reference/tms.md §6.2 "Payer / prior-authorisation criteria (examples)".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from trdcare.core.datafiles import parse_data_file
from trdcare.core.provenance import JSONDict, Source, as_status
from trdcare.reports.domain.data_schema import CodesFile, ItemsFile, SourceEntry

CODES_FILE = "billing_codes.json"
ITEMS_FILE = "prior_auth_items.json"


@dataclass(frozen=True, slots=True)
class BillingCode:
    """One procedure code a planned therapy is billed with."""

    therapy: str
    system: str
    code: str
    description: str
    applies_to: str
    source: Source

    @property
    def status(self) -> str:
        return self.source.status

    def to_dict(self) -> JSONDict:
        return {
            "therapy": self.therapy,
            "system": self.system,
            "code": self.code,
            "description": self.description,
            "applies_to": self.applies_to,
            "status": self.status,
            "source": self.source.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class CodeSet:
    """The codes in use, the file's version and whether they are the packaged ones."""

    version: str
    origin: str
    codes: tuple[BillingCode, ...]

    def for_therapy(self, therapy: str) -> tuple[BillingCode, ...]:
        return tuple(c for c in self.codes if c.therapy == therapy)


@dataclass(frozen=True, slots=True)
class PacketItem:
    """One item an insurer commonly asks for."""

    id: str
    label: str
    therapies: tuple[str, ...]
    source: Source


def _source(entry: SourceEntry) -> Source:
    return Source(citation=entry.citation, status=as_status(entry.status), where=entry.where)


def _read(name: str) -> Any:
    text = resources.files("trdcare.reports.domain").joinpath("data", name).read_text("utf-8")
    return json.loads(text)


def parse_codes(data: object, *, file: str, origin: str) -> CodeSet:
    """Validate a codes document (packaged or the clinic's), naming every problem.

    Raises
    ------
    InvalidInput
        A missing or unknown key, a wrong type, an unknown therapy, system or status mark.
    """
    parsed = parse_data_file(CodesFile, data, file=file)
    return CodeSet(
        version=parsed.version,
        origin=origin,
        codes=tuple(
            BillingCode(
                therapy=c.therapy,
                system=c.system,
                code=c.code,
                description=c.description,
                applies_to=c.applies_to,
                source=_source(c.source),
            )
            for c in parsed.codes
        ),
    )


@cache
def packaged_codes() -> CodeSet:
    """The codes shipped with trdcare (every one UNVERIFIED, see the module docstring)."""
    return parse_codes(_read(CODES_FILE), file=CODES_FILE, origin="packaged")


@cache
def packet_items() -> tuple[PacketItem, ...]:
    """The items of a prior-authorization packet, in the order the packet lists them."""
    parsed = parse_data_file(ItemsFile, _read(ITEMS_FILE), file=ITEMS_FILE)
    return tuple(
        PacketItem(id=i.id, label=i.label, therapies=i.therapies, source=_source(i.source))
        for i in parsed.items
    )


def items_version() -> str:
    return str(parse_data_file(ItemsFile, _read(ITEMS_FILE), file=ITEMS_FILE).version)
