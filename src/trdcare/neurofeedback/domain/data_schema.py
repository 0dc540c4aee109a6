"""The schema of the neurofeedback defaults ``neurofeedback/domain/data/neurofeedback.json``.

Each setting carries its unit, source and status; an unknown key, a missing source or a
status outside :data:`~trdcare.core.provenance.STATUSES` stops the load naming the entry.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from trdcare.core.datafiles import DataModel
from trdcare.core.provenance import Status

Text = Annotated[str, StringConstraints(min_length=1)]


class Setting(DataModel):
    id: Text
    value: Annotated[float, Field(allow_inf_nan=False, gt=0)]
    unit: Text
    source: Text
    also: str = ""
    status: Status
    note: str = ""


class NeurofeedbackFile(DataModel):
    catalogue: Text
    version: Text
    note: str = ""
    sources: dict[Text, Text] = Field(min_length=1)
    settings: tuple[Setting, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _sources_resolve(self) -> NeurofeedbackFile:
        ids = [s.id for s in self.settings]
        if len(set(ids)) != len(ids):
            raise ValueError("setting ids must be unique")
        for setting in self.settings:
            for ref in (setting.source, setting.also):
                if ref and ref not in self.sources:
                    raise ValueError(f"setting {setting.id}: unknown source {ref!r}")
        return self
