"""Read the packaged, versioned analyte catalogue ``labs/domain/data/labs.json``.

Each analyte names its LOINC code and accepted units with the source and status of the code
(VERIFIED: read in the HL7 FHIR specification; SECONDARY: read in public code mappings, not
in LOINC itself; UNVERIFIED: shown so). Reference ranges are not catalogue facts (they are
each laboratory's own), so the catalogue holds none.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from trdcare.core.datafiles import DataModel, parse_data_file
from trdcare.core.errors import InvalidInput
from trdcare.core.provenance import Status

Text = Annotated[str, StringConstraints(min_length=1)]
LoincCode = Annotated[str, StringConstraints(pattern=r"^\d{1,7}-\d$")]


class Analyte(DataModel):
    id: Text
    name: Text
    short_name: Text
    loinc: LoincCode
    loinc_name: Text
    units: tuple[Text, ...] = Field(min_length=1)
    source: Text
    status: Status


class LabsCatalogue(DataModel):
    catalogue: Text
    version: Text
    note: str = ""
    sources: dict[Text, Text] = Field(min_length=1)
    analytes: tuple[Analyte, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> LabsCatalogue:
        ids = [a.id for a in self.analytes]
        if len(set(ids)) != len(ids):
            raise ValueError("analyte ids repeat")
        for a in self.analytes:
            if a.source not in self.sources:
                raise ValueError(f"{a.id}: source {a.source} is not in sources")
        return self


def read() -> Any:
    text = resources.files("trdcare.labs.domain").joinpath("data").joinpath("labs.json")
    return json.loads(text.read_text("utf-8"))


@cache
def load() -> LabsCatalogue:
    return parse_data_file(LabsCatalogue, read(), file="labs.json")


def analyte(key: str) -> Analyte:
    """The analyte by id or LOINC code; refused by name when unknown."""
    wanted = key.strip().lower()
    for a in load().analytes:
        if wanted in (a.id, a.loinc, a.short_name.lower()):
            return a
    raise InvalidInput.single(
        "analyte",
        "is not a test in the catalogue",
        allowed=", ".join(f"{a.id} ({a.loinc})" for a in load().analytes),
        given=key,
    )
