"""pydantic models of the room's data files (``data/billing_codes.json``,
``data/prior_auth_items.json``): types, required keys and status marks checked, unknown keys
refused, each problem named (:func:`trdcare.core.datafiles.parse_data_file`)."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from trdcare.core.datafiles import DataModel
from trdcare.core.provenance import STATUSES

#: The therapies a prior-authorization packet is made for.
THERAPIES: tuple[str, ...] = ("tms", "esketamine")

Therapy = Literal["tms", "esketamine"]


class SourceEntry(DataModel):
    citation: str
    status: str
    where: str = ""

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        if value not in STATUSES:
            raise ValueError(f"must be one of {', '.join(STATUSES)}")
        return value


class CodeEntry(DataModel):
    therapy: Therapy
    system: Literal["CPT", "HCPCS"]
    code: str
    description: str
    applies_to: str
    source: SourceEntry


class CodesFile(DataModel):
    version: str
    note: str = ""
    codes: tuple[CodeEntry, ...]


class ItemEntry(DataModel):
    id: str
    label: str
    therapies: tuple[Therapy, ...]
    source: SourceEntry


class ItemsFile(DataModel):
    version: str
    note: str = ""
    items: tuple[ItemEntry, ...]
