"""Code-system entries of an exchange format (FHIR), as data with a source and a status.

A room that sends its facts in a standard format keeps every code system URL, code and
extension URL it uses in a data file (``*/domain/data/fhir_codes.json``): each entry names the
address where it was read and its status. Only a code whose status is in
:data:`CODED_STATUSES` goes out as a ``Coding``; an UNVERIFIED one goes out as text only, so
no code that nobody read in its source reaches another system.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from trdcare.core.datafiles import DataModel
from trdcare.core.provenance import Status

Text = Annotated[str, StringConstraints(min_length=1)]

#: Statuses whose code is sent as a coding (read in the source, or in a public mapping of it).
CODED_STATUSES: tuple[Status, ...] = ("VERIFIED", "SECONDARY")


class CodeEntry(DataModel):
    """One code (or, with ``code`` empty, one URL such as an extension's)."""

    system: Text
    code: str = ""
    display: str = ""
    source: Text = Field(description="The address it was read at")
    read: str = Field(default="", description="What was read there")
    status: Status

    @property
    def coded(self) -> bool:
        return self.status in CODED_STATUSES


class CodesFile(DataModel):
    """A room's exchange codes: ``codes`` by the room's own key."""

    file: Text
    version: Text
    note: str = ""
    codes: dict[Text, CodeEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _sourced(self) -> CodesFile:
        for key, entry in self.codes.items():
            if not entry.source.startswith(("https://", "http://")):
                raise ValueError(f"{key}: source must be the address it was read at")
        return self

    def entry(self, key: str) -> CodeEntry:
        return self.codes[key]

    def get(self, key: str) -> CodeEntry | None:
        return self.codes.get(key)
